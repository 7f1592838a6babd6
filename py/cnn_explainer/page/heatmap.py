"""Which pixels mattered: a saliency gradient (H, W, C) turned into the strengths and colours the page draws."""
import numpy as np

from ..net import saliency
from . import colormap

PICTURE_SHADE = 0.45  # how much of its contrast the picture keeps under a heat map: light enough for blue to show


def strength(gradient):
    """How much each pixel mattered: the largest |gradient| over its channels, shape (H, W)."""
    return np.abs(np.asarray(gradient, dtype=np.float32)).max(axis=-1)


def normalise(values):
    """|values| divided by their largest finite one, in [0, 1], and that largest value (0 when all are 0)."""
    values = np.abs(np.asarray(values, dtype=np.float32))
    finite = values[np.isfinite(values)]
    top = float(finite.max()) if finite.size else 0.0
    scaled = values / np.float32(top) if top > 0 else np.zeros_like(values)
    return np.clip(np.nan_to_num(scaled, nan=0.0, posinf=1.0), 0.0, 1.0), top


def strongest(gradient):
    """(row, col, channel) of the input value with the largest |gradient|."""
    gradient = np.asarray(gradient)
    return tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(gradient)), gradient.shape))


def heat_rgba(t):
    """RGBA (H, W, 4) of strengths in [0, 1] on the house's magnitude scale, with no picture under them."""
    return colormap.magnitude_rgba(t)


def overlay_rgba(pixels, t):
    """RGBA (H, W, 4): the 8-bit picture (H, W) in light grey, multiplied by the heat map's colour for strengths t
    (H, W): white (no effect) leaves the picture as it is, blue tints it as deeply as the heat map is dark."""
    grey = 255 - (255 - np.asarray(pixels, dtype=np.float32)) * PICTURE_SHADE
    heat = colormap.interpolate(colormap.MAGNITUDE, t).astype(np.float32) / 255
    rgb = np.rint(grey[..., None] * heat).astype(np.uint8)
    return np.concatenate([rgb, np.full(rgb.shape[:-1] + (1,), 255, np.uint8)], axis=-1)


def channel_overlays(pixels, gradient):
    """The overview's input column with the heat map over it: per channel, its own |gradient| over its own pixels,
    all channels scaled by one largest value (so the channels can be compared); RGBA (C, H, W, 4) and that value."""
    t, top = normalise(gradient)
    return np.stack([overlay_rgba(pixels[..., c], t[..., c]) for c in range(pixels.shape[-1])]), top


def luminance(pixels):
    """The 8-bit brightness (H, W) of an (H, W, C) picture (the mean of its channels)."""
    return np.asarray(pixels, dtype=np.float32).mean(axis=-1)


def picture_rgba(pixels):
    """RGBA (H, W, 4) of the 8-bit picture (H, W, C): in colour when it has three channels, else in grey."""
    rgb = pixels if pixels.shape[-1] == 3 else np.repeat(np.rint(luminance(pixels)).astype(np.uint8)[..., None], 3, -1)
    return np.concatenate([rgb, np.full(pixels.shape[:2] + (1,), 255, np.uint8)], axis=-1)


def smoothgrad_steps(model, image, class_index, samples, noise=0.15, seed=0):
    """SmoothGrad one noisy copy at a time (so the page can draw between them): yields the mean gradient so far."""
    total = np.zeros(model.input_shape, np.float64)
    for i in range(samples):
        total += saliency.smoothgrad(model, image, class_index, samples=1, noise=noise, seed=seed + i)
        yield (total / (i + 1)).astype(np.float32)
