"""Colour scales for activation maps: value ranges at three levels and value → RGBA conversion."""
import numpy as np

# Diverging scale for activations: negative → orange-red, zero → near white, positive → blue.
DIVERGING = np.array([[179, 88, 6], [241, 163, 64], [247, 247, 247], [116, 169, 207], [5, 80, 150]], dtype=np.float32)
CHANNEL_HUES = ((220, 38, 38), (22, 163, 74), (37, 99, 235))  # input red, green, blue
GREY_HUE = (240, 240, 240)  # the single channel of a greyscale model
LEVELS = ("unit", "module", "global")


def interpolate(stops, t):
    """Piecewise-linear colours for t in [0, 1] through evenly spaced RGB stops: (..., 3) uint8."""
    t = np.clip(np.asarray(t, dtype=np.float32), 0.0, 1.0) * (len(stops) - 1)
    low = np.minimum(t.astype(np.int32), len(stops) - 2)
    frac = (t - low)[..., None]
    return np.rint(stops[low] * (1 - frac) + stops[low + 1] * frac).astype(np.uint8)


def diverging_rgba(values, limit):
    """RGBA (..., 4) for values on the diverging scale, symmetric in [-limit, +limit] (a lookup, for speed)."""
    limit = float(limit) if limit and np.isfinite(limit) and limit > 0 else 1.0
    values = np.asarray(values, dtype=np.float32)
    t = values.reshape(-1) * np.float32(0.5 / limit) + np.float32(0.5)  # a new array: the steps below work in place
    np.nan_to_num(t, copy=False, nan=0.5)
    np.clip(t, 0.0, 1.0, out=t)
    t *= LUT_STEPS
    index = np.rint(t, out=t).astype(np.intp)
    return DIVERGING_WORDS[index].view(np.uint8).reshape(values.shape + (4,))  # one 4-byte word per value: 3× faster


LUT_STEPS = 1024  # the stops fall exactly on entries 0, 256, 512, 768 and 1024
DIVERGING_LUT = np.concatenate([interpolate(DIVERGING, np.linspace(0, 1, LUT_STEPS + 1)),
                                np.full((LUT_STEPS + 1, 1), 255, np.uint8)], axis=1)
DIVERGING_WORDS = DIVERGING_LUT.view(np.uint32).reshape(-1)  # each entry's RGBA bytes as one word


MAGNITUDE = DIVERGING[2:]  # the positive half of the same scale, for sizes without a sign: white (none) → deep blue


def magnitude_rgba(t):
    """RGBA (..., 4) for strengths t in [0, 1] on the magnitude scale (opaque)."""
    rgb = interpolate(MAGNITUDE, t)
    return np.concatenate([rgb, np.full(rgb.shape[:-1] + (1,), 255, np.uint8)], axis=-1)


def magnitude_gradient(steps=6):
    """CSS linear-gradient stops for the magnitude legend, left (none) to right (the most)."""
    return ", ".join(f"rgb({r},{g},{b})" for r, g, b in interpolate(MAGNITUDE, np.linspace(0, 1, steps)))


def channel_rgba(values, hue, low=0.0, high=1.0):
    """RGBA for one input channel: black at low up to the given hue at high."""
    t = np.clip((np.asarray(values, dtype=np.float32) - low) / (high - low), 0.0, 1.0)[..., None]
    rgb = np.rint(t * np.array(hue, np.float32)).astype(np.uint8)
    return np.concatenate([rgb, np.full(rgb.shape[:-1] + (1,), 255, np.uint8)], axis=-1)


def modules(layer_names):
    """Group hidden layers into modules: a module runs from one conv block's first layer up to its pool."""
    groups, current = [], []
    for name in layer_names:
        current.append(name)
        if name.startswith("max_pool"):
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def limits(acts, layer_names, level):
    """{layer: per-neuron colour limits (array of max |value| per channel)} for 'unit', 'module' or 'global'."""
    if level not in LEVELS:
        raise ValueError(f"colour level must be one of {LEVELS}, not {level!r}")
    per_unit = {name: np.abs(acts[name]).reshape(-1, acts[name].shape[-1]).max(axis=0) for name in layer_names}
    if level == "unit":
        return per_unit
    groups = modules(layer_names) if level == "module" else [list(layer_names)]
    result = {}
    for group in groups:
        top = max(float(per_unit[name].max()) for name in group)
        result.update({name: np.full_like(per_unit[name], top) for name in group})
    return result


def legend_gradient(steps=11):
    """CSS linear-gradient stops for the diverging legend, left (−) to right (+)."""
    colours = interpolate(DIVERGING, np.linspace(0, 1, steps))
    return ", ".join(f"rgb({r},{g},{b})" for r, g, b in colours)


def layer_rgba(values, unit_limits):
    """RGBA maps (C, H, W, 4) of a whole (H, W, C) layer, each channel scaled by its own limit."""
    safe = np.where(unit_limits > 0, unit_limits, 1.0).astype(np.float32)
    return np.ascontiguousarray(diverging_rgba(np.moveaxis(values / safe, -1, 0), 1.0))


def input_rgba(image, pixel_range=(0.0, 1.0)):
    """RGBA maps (C, H, W, 4) of the input channels, each in its own hue."""
    hues = CHANNEL_HUES if image.shape[-1] == 3 else [GREY_HUE]
    return np.ascontiguousarray(np.stack([channel_rgba(image[..., c], hue, *pixel_range) for c, hue in enumerate(hues)]))


def limit_of(*arrays):
    """One symmetric colour limit for several arrays: their largest finite |value| (1 when that is 0 or there is none)."""
    top = 0.0
    for values in arrays:
        values = np.abs(np.asarray(values, dtype=np.float64))
        values = values[np.isfinite(values)]
        if values.size:
            top = max(top, float(values.max()))
    return top or 1.0


def luminance(red, green, blue):
    """WCAG's relative luminance of an 8-bit colour."""
    channels = [c / 255 for c in (red, green, blue)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ink(red, green, blue):
    """White or black text, whichever contrasts more with this background (WCAG: at least 4.58 : 1 on any colour)."""
    light = luminance(red, green, blue)
    return "#fff" if 1.05 / (light + 0.05) >= (light + 0.05) / 0.05 else "#000"


def overview_rgba(model, acts, hidden, unit_limits):
    """{layer: RGBA maps (C, H, W, 4)} of the input and every hidden layer, as the overview paints them with
    these colour limits (from limits())."""
    painted = {"input": input_rgba(acts["input"], model.pixel_range)}
    painted.update({name: layer_rgba(acts[name], unit_limits[name]) for name in hidden})
    return painted
