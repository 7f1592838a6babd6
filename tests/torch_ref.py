"""PyTorch references for the gradient tests: our channels-last Model run by torch.nn.functional, in float64.

Parameters stay in our layouts (conv kernels (kh, kw, in, out), dense (in, out)) and are permuted inside the
forward, so torch's .grad comes back in the layout our gradients use.
"""
import numpy as np
import torch
import torch.nn.functional as F


def keras_same_pads(size, kernel, stride):
    """Keras/TensorFlow 'same' padding written out independently: (before, after), the extra one after."""
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def nchw(x, requires_grad=False):
    """A NumPy batch (N, H, W, C) as a float64 NCHW tensor (a leaf, optionally requiring grad)."""
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64)).permute(0, 3, 1, 2).contiguous()
    return t.requires_grad_(requires_grad)


def nhwc(t):
    """An NCHW tensor as a NumPy batch (N, H, W, C)."""
    return t.detach().permute(0, 2, 3, 1).numpy()


def pad(t, kernel, stride, padding, value=0.0):
    """Pad an NCHW tensor as Keras does for 'same' (nothing for 'valid')."""
    if padding == "valid":
        return t
    top, bottom = keras_same_pads(t.shape[2], kernel[0], stride[0])
    left, right = keras_same_pads(t.shape[3], kernel[1], stride[1])
    return F.pad(t, (left, right, top, bottom), value=value)


def conv(t, kernel, bias, stride, padding):
    """conv2d of an NCHW tensor with a (kh, kw, in, out) kernel tensor."""
    t = pad(t, tuple(kernel.shape[:2]), stride, padding)
    return F.conv2d(t, kernel.permute(3, 2, 0, 1), bias, stride=tuple(stride))


def max_pool(t, pool, stride, padding):
    """max_pool2d of an NCHW tensor, 'same' padding with -inf."""
    return F.max_pool2d(pad(t, pool, stride, padding, value=-np.inf), tuple(pool), tuple(stride))


def params(model):
    """{layer name: {"kernel": leaf tensor, "bias": leaf tensor}} in float64, requiring grad."""
    return {l.name: {p: torch.tensor(np.asarray(getattr(l, p), np.float64), requires_grad=True)
                     for p in ("kernel", "bias")}
            for l in model.layers if l.kernel is not None}


def forward(model, weights, t, start=0, stop=None):
    """Run model.layers[start:stop] on t (NCHW for maps, (N, F) once flat) with the given weight tensors."""
    for layer in model.layers[start:stop]:
        if layer.type == "conv2d":
            w = weights[layer.name]
            t = conv(t, w["kernel"], w["bias"], layer.pair("strides", 1), layer.padding)
        elif layer.type == "relu":
            t = F.relu(t)
        elif layer.type == "max_pool2d":
            t = max_pool(t, *layer.window_and_stride(), layer.padding)
        elif layer.type == "flatten":
            t = t.permute(0, 2, 3, 1).reshape(t.shape[0], -1)  # channels-last order, as Keras flattens
        elif layer.type == "dense":
            t = t @ weights[layer.name]["kernel"] + weights[layer.name]["bias"]
        else:
            t = F.softmax(t, dim=-1)
    return t


def rel_error(ours, reference):
    """The largest absolute difference, relative to the reference's largest magnitude."""
    reference = np.asarray(reference, np.float64)
    return float(np.max(np.abs(np.asarray(ours, np.float64) - reference)) / max(np.max(np.abs(reference)), 1e-300))
