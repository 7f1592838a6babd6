"""Every NumPy operation against an independent reference: torch.nn.functional and scipy.signal."""
import itertools
import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import signal

from cnn_explainer.net import ops
from torch_ref import keras_same_pads, pad as torch_pad

TOL = 1e-4


def to_nchw(x):
    """(H, W, C) NumPy → (1, C, H, W) float64 tensor."""
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64)).permute(2, 0, 1)[None]


def from_nchw(t):
    """(1, C, H, W) tensor → (H, W, C) NumPy."""
    return t[0].permute(1, 2, 0).numpy()


def torch_conv(x, kernel, bias, stride, padding):
    """Reference conv2d through torch: weight (out, in, kh, kw)."""
    weight = torch.from_numpy(kernel.astype(np.float64)).permute(3, 2, 0, 1)
    t = torch_pad(to_nchw(x), kernel.shape[:2], stride, padding)
    return from_nchw(F.conv2d(t, weight, torch.from_numpy(bias.astype(np.float64)), stride=stride))


def scipy_conv(x, kernel, bias, stride, padding):
    """Reference conv2d through scipy.signal.correlate: full-stride valid correlation, then subsample."""
    kh, kw, cin, cout = kernel.shape
    x = x.astype(np.float64)
    if padding == "same":
        (t, b), (l, r) = keras_same_pads(x.shape[0], kh, stride[0]), keras_same_pads(x.shape[1], kw, stride[1])
        x = np.pad(x, ((t, b), (l, r), (0, 0)))
    maps = [signal.correlate(x, kernel[:, :, :, o].astype(np.float64), mode="valid")[:, :, 0] for o in range(cout)]
    full = np.stack(maps, axis=-1) + bias
    return full[:: stride[0], :: stride[1]]


CONV_CASES = list(itertools.product(
    [1, 2, 3, 5],                               # kernel size
    [1, 2, 3],                                  # stride
    ["valid", "same"],                          # padding
    [(7, 10, 3, 4), (8, 8, 1, 2), (13, 6, 5, 3)],  # H, W, in, out: odd, even and mixed sizes
))


@pytest.mark.parametrize("k,s,padding,dims", CONV_CASES)
def test_conv2d_matches_torch_and_scipy(k, s, padding, dims):
    h, w, cin, cout = dims
    rng = np.random.default_rng(zlib.crc32(repr((k, s, padding, dims)).encode()))
    x = rng.standard_normal((h, w, cin)).astype(np.float32)
    kernel = rng.standard_normal((k, k, cin, cout)).astype(np.float32)
    bias = rng.standard_normal(cout).astype(np.float32)
    ours = ops.conv2d(x, kernel, bias, (s, s), padding)
    by_torch = torch_conv(x, kernel, bias, (s, s), padding)
    by_scipy = scipy_conv(x, kernel, bias, (s, s), padding)
    assert ours.shape == by_torch.shape == by_scipy.shape
    if padding == "same":
        assert ours.shape[:2] == (-(-h // s), -(-w // s))
    assert np.abs(ours - by_torch).max() <= TOL
    assert np.abs(ours - by_scipy).max() <= TOL
    assert ours.dtype == np.float32


@pytest.mark.parametrize("kernel_hw,stride,padding", [((3, 1), (1, 2), "same"), ((2, 5), (2, 1), "valid"), ((1, 3), (3, 2), "same")])
def test_conv2d_rectangular_kernels_and_strides(kernel_hw, stride, padding):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((9, 11, 2)).astype(np.float32)
    kernel = rng.standard_normal((*kernel_hw, 2, 3)).astype(np.float32)
    bias = rng.standard_normal(3).astype(np.float32)
    ours = ops.conv2d(x, kernel, bias, stride, padding)
    reference = torch_conv(x, kernel, bias, stride, padding)
    assert ours.shape == reference.shape
    assert np.abs(ours - reference).max() <= TOL
    assert np.abs(ours - scipy_conv(x, kernel, bias, stride, padding)).max() <= TOL


def test_same_padding_puts_the_extra_pixel_after():
    for size, kernel, stride in itertools.product(range(1, 12), range(1, 6), range(1, 4)):
        assert ops.same_padding(size, kernel, stride) == keras_same_pads(size, kernel, stride)
    assert ops.same_padding(8, 2, 1) == (0, 1)
    assert ops.same_padding(7, 4, 1) == (1, 2)


def test_bad_padding_is_refused():
    x = np.zeros((4, 4, 1), np.float32)
    with pytest.raises(ValueError, match="padding"):
        ops.conv2d(x, np.zeros((3, 3, 1, 1), np.float32), np.zeros(1, np.float32), (1, 1), "full")


def test_relu_matches_torch(rng):
    x = rng.standard_normal((9, 7, 4)).astype(np.float32)
    expected = torch.relu(torch.from_numpy(x)).numpy()
    assert np.array_equal(ops.relu(x), expected)
    assert ops.relu(x).dtype == np.float32


@pytest.mark.parametrize("pool,stride,padding,hw", list(itertools.product(
    [2, 3], [1, 2], ["valid", "same"], [(8, 8), (7, 9), (62, 62), (13, 13)])))
def test_max_pool2d_matches_torch(pool, stride, padding, hw):
    rng = np.random.default_rng(pool * 100 + stride * 10 + hw[0])
    x = rng.standard_normal((*hw, 5)).astype(np.float32)
    t = torch_pad(to_nchw(x), (pool, pool), (stride, stride), padding, value=-np.inf)
    expected = from_nchw(F.max_pool2d(t, pool, stride))
    ours = ops.max_pool2d(x, (pool, pool), (stride, stride), padding)
    assert ours.shape == expected.shape
    assert np.isfinite(ours).all()
    assert np.abs(ours - expected).max() <= TOL


def test_max_pool2d_of_all_negative_input_with_same_padding_is_not_zero():
    x = -np.ones((5, 5, 1), np.float32)
    assert np.all(ops.max_pool2d(x, (2, 2), (2, 2), "same") == -1)


def test_flatten_is_channels_last(rng):
    x = rng.standard_normal((4, 3, 5)).astype(np.float32)
    expected, index = np.empty(x.size, np.float32), 0
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            for c in range(x.shape[2]):
                expected[index] = x[i, j, c]
                index += 1
    assert np.array_equal(ops.flatten(x), expected)
    via_torch = to_nchw(x).permute(0, 2, 3, 1).flatten(1)[0].numpy()
    assert np.abs(ops.flatten(x) - via_torch).max() == 0


def test_dense_matches_torch_linear(rng):
    x = rng.standard_normal(1690).astype(np.float32)
    kernel = rng.standard_normal((1690, 10)).astype(np.float32)
    bias = rng.standard_normal(10).astype(np.float32)
    expected = F.linear(torch.from_numpy(x).double(), torch.from_numpy(kernel).double().T, torch.from_numpy(bias).double())
    assert np.abs(ops.dense(x, kernel, bias) - expected.numpy()).max() <= TOL


@pytest.mark.parametrize("logits", [
    [0.1, -2.0, 3.5, 0.0],
    [1000.0, 1001.0, 999.0, -1000.0],
    [-1000.0, -1002.0, -1001.0, -999.5],
    [88.0, 89.0, 90.0, 0.0],
    [5.0, 5.0, 5.0, 5.0],
])
def test_softmax_matches_torch_without_overflow(logits):
    x = np.array(logits, np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        ours = ops.softmax(x)
    expected = torch.softmax(torch.tensor(logits, dtype=torch.float64), 0).numpy()
    assert np.isfinite(ours).all()
    assert np.abs(ours - expected).max() <= TOL
    assert abs(float(ours.sum()) - 1.0) <= 1e-5
