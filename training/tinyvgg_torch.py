"""Tiny VGG in PyTorch (training only), laid out so its weights export 1:1 to our NumPy model."""
import numpy as np
import torch
from torch import nn


class TinyVGG(nn.Module):
    """[conv3x3-ReLU-conv3x3-ReLU-maxpool2] x 2, channels-last flatten, dense; returns logits."""

    def __init__(self, filters=10, classes=10, channels=3, input_hw=(64, 64)):
        super().__init__()
        side = [((n - 4) // 2 - 4) // 2 for n in input_hw]
        def block(cin):
            return [nn.Conv2d(cin, filters, 3), nn.ReLU(), nn.Conv2d(filters, filters, 3), nn.ReLU(), nn.MaxPool2d(2)]
        self.features = nn.Sequential(*block(channels), *block(filters))
        self.dense = nn.Linear(side[0] * side[1] * filters, classes)

    def forward(self, x):
        """x: (N, C, H, W) in [0, 1] → logits (N, classes)."""
        x = self.features(x)
        return self.dense(x.permute(0, 2, 3, 1).flatten(1))  # NHWC flatten = the Keras order


def export_arrays(net):
    """The network's parameters as {"<layer>/kernel": (kh, kw, in, out), ...} in our NumPy layout."""
    convs = [m for m in net.features if isinstance(m, nn.Conv2d)]
    names = ["conv_1_1", "conv_1_2", "conv_2_1", "conv_2_2"]
    arrays = {}
    for name, conv in zip(names, convs):
        arrays[f"{name}/kernel"] = conv.weight.detach().permute(2, 3, 1, 0).numpy().astype(np.float32)
        arrays[f"{name}/bias"] = conv.bias.detach().numpy().astype(np.float32)
    arrays["dense/kernel"] = net.dense.weight.detach().T.numpy().astype(np.float32).copy()
    arrays["dense/bias"] = net.dense.bias.detach().numpy().astype(np.float32)
    return arrays


def from_arrays(arrays, filters=10, classes=10, channels=3, input_hw=(64, 64)):
    """A TinyVGG holding exported arrays (the inverse of export_arrays), for checking an export."""
    net = TinyVGG(filters, classes, channels, input_hw)
    convs = [m for m in net.features if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        for name, conv in zip(["conv_1_1", "conv_1_2", "conv_2_1", "conv_2_2"], convs):
            conv.weight.copy_(torch.from_numpy(arrays[f"{name}/kernel"]).permute(3, 2, 0, 1))
            conv.bias.copy_(torch.from_numpy(arrays[f"{name}/bias"]))
        net.dense.weight.copy_(torch.from_numpy(arrays["dense/kernel"]).T)
        net.dense.bias.copy_(torch.from_numpy(arrays["dense/bias"]))
    return net.eval()
