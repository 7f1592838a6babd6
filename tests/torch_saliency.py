"""The independent reference for saliency: PyTorch autograd through any of our layer lists (float64), shared by
the native and the browser tests (a module of its own: neither may import the other's test file)."""
import numpy as np
import torch
import torch.nn.functional as F


def same_pads(size, kernel, stride):
    """Keras 'same' padding (before, after), written out here again (not ops.same_padding)."""
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def torch_logits(model, x):
    """The logits (the input of a final softmax) of an NCHW float64 tensor through the model's layers."""
    for layer in model.layers:
        if layer.type == "softmax":
            break
        if layer.type in ("conv2d", "max_pool2d"):
            window, stride = layer.window_and_stride()
            if layer.padding == "same":
                (t, b), (l, r) = (same_pads(x.shape[2 + i], window[i], stride[i]) for i in (0, 1))
                x = F.pad(x, (l, r, t, b), value=0.0 if layer.type == "conv2d" else -np.inf)
            if layer.type == "conv2d":
                weight = torch.from_numpy(layer.kernel.astype(np.float64)).permute(3, 2, 0, 1)
                x = F.conv2d(x, weight, torch.from_numpy(layer.bias.astype(np.float64)), stride=stride)
            else:
                x = F.max_pool2d(x, window, stride)
        elif layer.type == "relu":
            x = F.relu(x)
        elif layer.type == "flatten":
            x = x.permute(0, 2, 3, 1).flatten(1)
        elif layer.type == "dense":
            x = F.linear(x, torch.from_numpy(layer.kernel.astype(np.float64)).T,
                         torch.from_numpy(layer.bias.astype(np.float64)))
    return x[0]


def torch_saliency(model, image, class_index):
    """d logit[class_index] / d input, (H, W, C) float64, by torch autograd."""
    x = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float64)).permute(2, 0, 1)[None].requires_grad_(True)
    torch_logits(model, x)[class_index].backward()
    return x.grad[0].permute(1, 2, 0).numpy()
