"""The convolution playground's arithmetic: sizes, padding, dilation, which input cells the kernel reaches, the output.

Every output number comes from ops.conv2d, the function the model itself runs: a dilated kernel is the kernel
with zeros between its weights, and padding is a border of zeros added before a 'valid' convolution.
"""
from collections import namedtuple

import numpy as np

from ..net import ops
from ..i18n import N_, _, ngettext

# What the controls allow: (smallest, largest). The image mode lets the input grow to the whole 64×64 map.
LIMITS = {"size": (3, 9), "padding": (0, 3), "kernel": (1, 5), "stride": (1, 4), "dilation": (1, 2)}
IMAGE_SIZE = (3, 64)
ORDER = ("size", "padding", "kernel", "stride", "dilation")

# padding is (before, after), the same on both axes: Keras's "same" puts an odd extra zero after.
Settings = namedtuple("Settings", "size padding kernel stride dilation")

PRESETS = {  # well-known 3×3 kernels (the names are the kernel menu's values; it shows them translated, _(name))
    N_("identity"): [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    N_("box blur"): [[1 / 9] * 3] * 3,
    N_("sharpen"): [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    N_("Sobel x"): [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    N_("Sobel y"): [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    N_("Laplacian"): [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
}


def span(kernel, dilation):
    """How many input cells one window covers along an axis: the kernel's weights with dilation − 1 gaps between."""
    return dilation * (kernel - 1) + 1


def output_size(size, padding, kernel, stride, dilation=1):
    """⌊(W − K' + P_before + P_after) / S⌋ + 1 output cells along an axis, K' the dilated kernel's span."""
    return (size + sum(padding) - span(kernel, dilation)) // stride + 1


def leftover(settings):
    """Input cells (padding included) at the end of each axis that no window reaches: the stride did not fit evenly."""
    size, padding, kernel, stride, dilation = settings
    return (size + sum(padding) - span(kernel, dilation)) % stride


def fits(settings):
    """True when at least one window fits inside the padded input."""
    return span(settings.kernel, settings.dilation) <= settings.size + sum(settings.padding)


def keras_padding(mode, size, kernel, stride, dilation=1):
    """The (before, after) zeros of Keras's padding modes: 'valid' adds none; 'same' keeps ⌈W / S⌉ outputs."""
    if mode == "valid":
        return (0, 0)
    if mode != "same":
        raise ValueError(f"padding mode must be 'valid' or 'same', not {mode!r}")
    return ops.same_padding(size, span(kernel, dilation), stride)


def constrain(settings, changed=None, size_limit=LIMITS["size"]):
    """The nearest settings that make sense: every value inside its limits and a window that fits the input.

    The control the visitor just moved (`changed`) keeps its value where it can; the others give way
    (first more padding for a bigger kernel, then a smaller kernel, then no dilation).
    """
    clip = lambda value, low_high: int(min(max(int(value), low_high[0]), low_high[1]))
    size = clip(settings.size, size_limit)
    before, after = (clip(p, LIMITS["padding"]) for p in settings.padding)
    kernel, stride, dilation = (clip(getattr(settings, name), LIMITS[name]) for name in ("kernel", "stride", "dilation"))
    s = Settings(size, (before, after), kernel, stride, dilation)
    while not fits(s):
        if changed in ("kernel", "dilation") and max(s.padding) < LIMITS["padding"][1]:
            s = s._replace(padding=(s.padding[0] + 1, s.padding[1] + 1))
        elif s.kernel > 1 and changed != "kernel":
            s = s._replace(kernel=s.kernel - 1)
        elif s.dilation > 1:
            s = s._replace(dilation=s.dilation - 1)
        else:
            s = s._replace(kernel=s.kernel - 1)
    return s


def pad(grid, padding):
    """The input with its border of zeros: `before` rows/columns of zeros first, `after` last."""
    before, after = padding
    return np.pad(np.asarray(grid, dtype=float), ((before, after), (before, after)))


def dilate(kernel, dilation):
    """The kernel spread out: its weights dilation cells apart, zeros between them."""
    kernel = np.asarray(kernel, dtype=float)
    k = kernel.shape[0]
    spread = np.zeros((span(k, dilation), span(k, dilation)))
    spread[::dilation, ::dilation] = kernel
    return spread


def convolve(grid, kernel, settings):
    """The output grid, computed by the model's own ops.conv2d on the padded input and the dilated kernel."""
    x = pad(grid, settings.padding)[..., None]
    weights = dilate(kernel, settings.dilation)[..., None, None]
    stride = (settings.stride, settings.stride)
    return ops.conv2d(x, weights, np.zeros(1), stride, "valid")[..., 0]


def used_cells(settings):
    """A mask over the padded input: True where some window puts a kernel weight on the cell."""
    size, padding, kernel, stride, dilation = settings
    full, reach, out = size + sum(padding), span(kernel, dilation), output_size(*settings)
    used = np.zeros((full, full), bool)
    for r in range(out):
        for c in range(out):
            used[r * stride:r * stride + reach:dilation, c * stride:c * stride + reach:dilation] = True
    return used


def padding_mask(settings):
    """A mask over the padded input: True on the border of zeros."""
    before, after = settings.padding
    full = settings.size + before + after
    mask = np.ones((full, full), bool)
    mask[before:before + settings.size, before:before + settings.size] = False
    return mask


def random_grid(size, seed, low=0, high=9):
    """A reproducible grid of small integers (the playground's editable input)."""
    return np.random.default_rng(seed).integers(low, high + 1, (size, size)).astype(float)


def random_kernel(kernel, seed):
    """A reproducible kernel of small integers from −2 to 2, never all zeros."""
    weights = np.random.default_rng(seed).integers(-2, 3, (kernel, kernel)).astype(float)
    if not weights.any():
        weights[kernel // 2, kernel // 2] = 1.0
    return weights


def crop(channel, size):
    """The centred size × size square of a map (one channel of the current image)."""
    h, w = channel.shape
    top, left = (h - size) // 2, (w - size) // 2
    return np.asarray(channel[top:top + size, left:left + size], dtype=float)


def uneven_text(settings):
    """A sentence for input cells that no window reads ("" when the windows read every cell)."""
    extra, unused = leftover(settings), ~used_cells(settings)
    if extra:
        return ngettext("The stride of {stride} does not fit evenly: after the last window there is no room for "
                        "another, so the last row and column of the padded input are never read (hatched).",
                        "The stride of {stride} does not fit evenly: after the last window there is no room for "
                        "another, so the last {count} rows and columns of the padded input are never read (hatched).",
                        extra).format(stride=settings.stride, count=extra)
    if unused.any():
        return _("With dilation {dilation} and stride {stride} the kernel's weights always land "
                 "on the same every-other cells: the hatched cells are never read.").format(
                     dilation=settings.dilation, stride=settings.stride)
    return ""
