"""The operations of a small CNN in plain NumPy, on channels-last (height, width, channels) arrays."""
import functools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def same_padding(size, kernel, stride):
    """Return (pad_before, pad_after) so that the output has ceil(size / stride) positions, as Keras does."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def pad(x, kernel_hw, stride_hw, padding, value=0.0):
    """Pad the two spatial axes of x with value for 'valid' (nothing) or 'same' padding."""
    if padding == "valid":
        return x
    if padding != "same":
        raise ValueError(f"padding must be 'valid' or 'same', not {padding!r}")
    (ph0, ph1), (pw0, pw1) = (same_padding(x.shape[i], kernel_hw[i], stride_hw[i]) for i in (0, 1))
    return np.pad(x, ((ph0, ph1), (pw0, pw1), (0, 0)), constant_values=value)


def windows(x, kernel_hw, stride_hw):
    """A view of every kernel-sized window of x: shape (out_h, out_w, kh, kw, channels), no copy."""
    view = sliding_window_view(x, kernel_hw, axis=(0, 1))  # (H-kh+1, W-kw+1, C, kh, kw)
    return view[:: stride_hw[0], :: stride_hw[1]].transpose(0, 1, 3, 4, 2)


def conv2d(x, kernel, bias, stride=(1, 1), padding="valid"):
    """Cross-correlate x (H, W, in) with kernel (kh, kw, in, out) and add bias: im2col + one matmul."""
    kh, kw, cin, cout = kernel.shape
    cols = windows(pad(x, (kh, kw), stride, padding), (kh, kw), stride)
    out_h, out_w = cols.shape[:2]
    out = cols.reshape(out_h * out_w, kh * kw * cin) @ kernel.reshape(kh * kw * cin, cout)
    return (out + bias).reshape(out_h, out_w, cout)


def relu(x):
    """max(0, x), element by element."""
    return np.maximum(x, 0)


def max_pool2d(x, pool_hw=(2, 2), stride_hw=(2, 2), padding="valid"):
    """The largest value of each pool window, channel by channel."""
    x = pad(x, pool_hw, stride_hw, padding, value=-np.inf)  # padding never wins the max
    (ph, pw), (h, w) = pool_hw, x.shape[:2]
    if tuple(stride_hw) == (ph, pw):  # windows that tile the map: an element-wise max of ph*pw slices is faster
        x = x[: h - h % ph, : w - w % pw]
        return functools.reduce(np.maximum, [x[i::ph, j::pw] for i in range(ph) for j in range(pw)])
    return windows(x, pool_hw, stride_hw).max(axis=(2, 3))


def flatten(x):
    """Row-major flatten of a channels-last array (the Keras order: channel varies fastest)."""
    return x.reshape(-1)


def dense(x, kernel, bias):
    """x (in,) times kernel (in, out) plus bias."""
    return x @ kernel + bias


def softmax(logits):
    """exp(logit) / sum(exp(logits)), shifted by the max for numerical safety."""
    e = np.exp(logits - np.max(logits))
    return e / e.sum()
