"""Forward and backward passes on batches (N, H, W, C), channels-last: the gradients the trainer and saliency use.

Every op of ops.py has a batched forward here and a backward that returns what flows back. Written for NumPy
without BLAS (Pyodide): large matrix products are summed in blocks of rows, and a convolution's input gradient is
one more convolution rather than a scatter of im2col columns.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import ops

BLOCK_ROWS = 256  # rows of the im2col matrix per block of the kernel-gradient sum (fits a cache without BLAS)


# ---- batched forward ops -------------------------------------------------------------------------------------

def pad_batch(x, kernel_hw, stride_hw, padding, value=0.0):
    """Pad the two spatial axes of a batch (N, H, W, C) for 'valid' (nothing) or 'same' padding, as ops.pad."""
    if padding == "valid":
        return x
    if padding != "same":
        raise ValueError(f"padding must be 'valid' or 'same', not {padding!r}")
    (ph0, ph1), (pw0, pw1) = (ops.same_padding(x.shape[i + 1], kernel_hw[i], stride_hw[i]) for i in (0, 1))
    return np.pad(x, ((0, 0), (ph0, ph1), (pw0, pw1), (0, 0)), constant_values=value)


def windows_batch(x, kernel_hw, stride_hw):
    """A view of every window of a batch: shape (N, out_h, out_w, kh, kw, C), no copy."""
    view = sliding_window_view(x, kernel_hw, axis=(1, 2))  # (N, H-kh+1, W-kw+1, C, kh, kw)
    return view[:, :: stride_hw[0], :: stride_hw[1]].transpose(0, 1, 2, 4, 5, 3)


def conv2d_batch(x, kernel, bias, stride=(1, 1), padding="valid"):
    """ops.conv2d on a batch: im2col of every image, one matmul."""
    kh, kw, cin, cout = kernel.shape
    cols = windows_batch(pad_batch(x, (kh, kw), stride, padding), (kh, kw), stride)
    n, out_h, out_w = cols.shape[:3]
    out = cols.reshape(n * out_h * out_w, kh * kw * cin) @ kernel.reshape(kh * kw * cin, cout)
    out = out.reshape(n, out_h, out_w, cout)
    return out + bias if bias is not None else out


def max_pool2d_batch(x, pool_hw=(2, 2), stride_hw=(2, 2), padding="valid"):
    """ops.max_pool2d on a batch: the element-wise max over the pool's offsets."""
    xp = pad_batch(x, pool_hw, stride_hw, padding, value=-np.inf)  # padding never wins the max
    (ph, pw), (sh, sw) = pool_hw, stride_hw
    out_h, out_w = (xp.shape[1] - ph) // sh + 1, (xp.shape[2] - pw) // sw + 1
    out = None
    for i in range(ph):
        for j in range(pw):
            v = xp[:, i : i + (out_h - 1) * sh + 1 : sh, j : j + (out_w - 1) * sw + 1 : sw]
            out = v.copy() if out is None else np.maximum(out, v, out=out)
    return out


def softmax_batch(logits):
    """Row-wise softmax of (N, classes), shifted by each row's max."""
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def layer_forward(layer, x):
    """Apply one layer to a batch."""
    if layer.type == "conv2d":
        return conv2d_batch(x, layer.kernel, layer.bias, layer.pair("strides", 1), layer.padding)
    if layer.type == "relu":
        return np.maximum(x, 0)
    if layer.type == "max_pool2d":
        return max_pool2d_batch(x, *layer.window_and_stride(), layer.padding)
    if layer.type == "flatten":
        return x.reshape(x.shape[0], -1)
    if layer.type == "dense":
        return x @ layer.kernel + layer.bias
    return softmax_batch(x)


def forward_batch(model, x, start=0, stop=None):
    """Run model.layers[start:stop] on a batch; return ([(layer, its input), ...], the output)."""
    caches = []
    for layer in model.layers[start:stop]:
        caches.append((layer, x))
        x = layer_forward(layer, x)
    return caches, x


# ---- backward ops ----------------------------------------------------------------------------------------------

def conv2d_kernel_grad(xp, kernel_hw, stride, dout):
    """dkernel (kh, kw, cin, cout) of a convolution from its padded input xp, summed over blocks of rows."""
    kh, kw = kernel_hw
    cols = windows_batch(xp, (kh, kw), stride)  # (N, oh, ow, kh, kw, cin), a view
    n, out_h, out_w, cin, cout = *cols.shape[:3], xp.shape[3], dout.shape[3]
    # cols.T @ dout, block by block: without BLAS, one product with a 100,000-long inner axis runs several
    # times slower than many small ones whose operands stay in the cache.
    dkernel = np.zeros((kh * kw * cin, cout), np.result_type(xp, dout))
    rows = max(1, BLOCK_ROWS // out_w)
    for i in range(n):
        for r in range(0, out_h, rows):
            block = cols[i, r : r + rows].reshape(-1, kh * kw * cin)
            dkernel += block.T @ dout[i, r : r + rows].reshape(-1, cout)
    return dkernel.reshape(kh, kw, cin, cout)


def conv2d_input_grad(x_shape, kernel, dout, stride=(1, 1), padding="valid"):
    """dx of a convolution: the full correlation of dout (zeros between its values for a stride) with the
    kernel flipped in both axes, its in and out channels swapped; then the padding cut off."""
    kh, kw, cin, cout = kernel.shape
    (sh, sw), (n, out_h, out_w) = stride, dout.shape[:3]
    spread = np.zeros((n, (out_h - 1) * sh + 2 * kh - 1, (out_w - 1) * sw + 2 * kw - 1, cout), dout.dtype)
    spread[:, kh - 1 : kh - 1 + (out_h - 1) * sh + 1 : sh, kw - 1 : kw - 1 + (out_w - 1) * sw + 1 : sw] = dout
    flipped = np.ascontiguousarray(kernel[::-1, ::-1].transpose(0, 1, 3, 2))  # (kh, kw, cout, cin)
    dxp = conv2d_batch(spread, flipped, None)  # the padded input's rows and columns that some window reached
    if padding == "same":
        (top, bottom), (left, right) = ops.same_padding(x_shape[1], kh, sh), ops.same_padding(x_shape[2], kw, sw)
    else:
        top = bottom = left = right = 0
    h, w = x_shape[1] + top + bottom, x_shape[2] + left + right
    dxp = np.pad(dxp, ((0, 0), (0, h - dxp.shape[1]), (0, w - dxp.shape[2]), (0, 0)))  # rows no window reached
    return dxp[:, top : top + x_shape[1], left : left + x_shape[2]]


def conv2d_backward(x, kernel, dout, stride=(1, 1), padding="valid", need_dx=True):
    """Gradients of a convolution: (dx or None, dkernel, dbias), given its input x and dout (N, oh, ow, cout)."""
    kh, kw = kernel.shape[:2]
    dkernel = conv2d_kernel_grad(pad_batch(x, (kh, kw), stride, padding), (kh, kw), stride, dout)
    dx = conv2d_input_grad(x.shape, kernel, dout, stride, padding) if need_dx else None
    return dx, dkernel, dout.sum(axis=(0, 1, 2))


def relu_backward(x, dout):
    """dout where the input was positive, else 0 (the gradient at exactly 0 is taken as 0, as PyTorch does)."""
    return dout * (x > 0)


def _pool_argmax(x, pool_hw, stride_hw, padding):
    """(max of each window, index of its winner in row-major window order, padded input)."""
    xp = pad_batch(x, pool_hw, stride_hw, padding, value=-np.inf)
    (ph, pw), (sh, sw) = pool_hw, stride_hw
    out_h, out_w = (xp.shape[1] - ph) // sh + 1, (xp.shape[2] - pw) // sw + 1
    best = winner = None
    for k in range(ph * pw):
        i, j = divmod(k, pw)
        v = xp[:, i : i + (out_h - 1) * sh + 1 : sh, j : j + (out_w - 1) * sw + 1 : sw]
        if best is None:
            best, winner = v.copy(), np.zeros(v.shape, np.int8)
        else:
            better = v > best  # strictly greater: a tie keeps the earlier offset
            best = np.where(better, v, best)
            winner[better] = k
    return best, winner, xp


def max_pool2d_backward(x, dout, pool_hw=(2, 2), stride_hw=(2, 2), padding="valid"):
    """Each window's gradient goes to its largest input. Ties: to the first in row-major order within the window
    (top row first, then left to right), the element np.argmax of the flattened window picks."""
    _, winner, xp = _pool_argmax(x, pool_hw, stride_hw, padding)
    (ph, pw), (sh, sw) = pool_hw, stride_hw
    out_h, out_w = dout.shape[1:3]
    dxp = np.zeros(xp.shape, dout.dtype)
    for k in range(ph * pw):  # overlapping windows (3×3, stride 2) add up
        i, j = divmod(k, pw)
        dxp[:, i : i + (out_h - 1) * sh + 1 : sh, j : j + (out_w - 1) * sw + 1 : sw] += dout * (winner == k)
    if padding == "same":
        top = ops.same_padding(x.shape[1], ph, sh)[0]
        left = ops.same_padding(x.shape[2], pw, sw)[0]
        dxp = dxp[:, top : top + x.shape[1], left : left + x.shape[2]]
    return dxp


def flatten_backward(x, dout):
    """dout reshaped back to the maps the flatten read."""
    return dout.reshape(x.shape)


def dense_backward(x, kernel, dout, need_dx=True):
    """Gradients of x @ kernel + bias: (dx or None, dkernel, dbias)."""
    return (dout @ kernel.T if need_dx else None), x.T @ dout, dout.sum(axis=0)


def softmax_backward(x, dout):
    """Vector-Jacobian product of a row-wise softmax at logits x."""
    s = softmax_batch(x)
    return s * (dout - (dout * s).sum(axis=-1, keepdims=True))


def softmax_cross_entropy(logits, labels):
    """(mean cross-entropy of softmax(logits) against integer labels, its gradient with respect to the logits)."""
    labels = np.asarray(labels)
    n = logits.shape[0]
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_z = np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    log_p = shifted - log_z
    loss = -log_p[np.arange(n), labels].mean()
    dlogits = np.exp(log_p)
    dlogits[np.arange(n), labels] -= 1
    return float(loss), dlogits / n


def layer_backward(layer, x, dout, need_dx=True):
    """(dx or None, {"kernel": ..., "bias": ...} or {}) for one layer at input x."""
    if layer.type == "conv2d":
        dx, dk, db = conv2d_backward(x, layer.kernel, dout, layer.pair("strides", 1), layer.padding, need_dx)
        return dx, {"kernel": dk, "bias": db}
    if layer.type == "dense":
        dx, dk, db = dense_backward(x, layer.kernel, dout, need_dx)
        return dx, {"kernel": dk, "bias": db}
    if not need_dx:
        return None, {}
    if layer.type == "relu":
        return relu_backward(x, dout), {}
    if layer.type == "max_pool2d":
        return max_pool2d_backward(x, dout, *layer.window_and_stride(), layer.padding), {}
    if layer.type == "flatten":
        return flatten_backward(x, dout), {}
    return softmax_backward(x, dout), {}


def input_gradient(layer, x, dout):
    """Only the gradient at a layer's input (a frozen layer's parameters get none)."""
    if layer.type == "conv2d":
        return conv2d_input_grad(x.shape, layer.kernel, dout, layer.pair("strides", 1), layer.padding)
    if layer.type == "dense":
        return dout @ layer.kernel.T
    return layer_backward(layer, x, dout)[0]


def backward(model, caches, dout, start=0, need_input_grad=False):
    """Backpropagate dout through the cached layers: ({layer name: {"kernel", "bias"}}, the gradient at the first
    cached input, or None). Layers before index start are frozen: they get no parameter gradients, and nothing
    flows into them unless need_input_grad asks for the input's gradient."""
    index = {id(layer): i for i, layer in enumerate(model.layers)}
    grads = {}
    for position in range(len(caches) - 1, -1, -1):
        layer, x = caches[position]
        need_dx = need_input_grad or (position > 0 and index[id(caches[position - 1][0])] >= start)
        if index[id(layer)] < start:  # frozen: only the input's gradient, and only when asked for
            if not need_dx:
                return grads, None
            dout = input_gradient(layer, x, dout)
            continue
        dout, params = layer_backward(layer, x, dout, need_dx)
        if params:
            grads[layer.name] = params
        if dout is None:
            return grads, None
    return grads, dout if need_input_grad else None
