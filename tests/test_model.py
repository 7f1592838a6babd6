"""The whole forward pass and the explanation pieces against the training framework and scipy."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import signal

from cnn_explainer.net.model import Layer, Model
from cnn_explainer.net.weights import tiny_vgg_layers
from helpers import random_arrays, random_model
from tinyvgg_torch import from_arrays

TOL = 1e-4

# CNN Explainer's Tiny VGG, layer by layer (name, output shape).
CNN_EXPLAINER_SHAPES = [
    ("input", (64, 64, 3)),
    ("conv_1_1", (62, 62, 10)), ("relu_1_1", (62, 62, 10)),
    ("conv_1_2", (60, 60, 10)), ("relu_1_2", (60, 60, 10)),
    ("max_pool_1", (30, 30, 10)),
    ("conv_2_1", (28, 28, 10)), ("relu_2_1", (28, 28, 10)),
    ("conv_2_2", (26, 26, 10)), ("relu_2_2", (26, 26, 10)),
    ("max_pool_2", (13, 13, 10)),
    ("flatten", (1690,)), ("dense", (10,)), ("output", (10,)),
]


def keras_same_pads(size, kernel, stride):
    """Keras 'same' padding (before, after), written out independently of ops.same_padding."""
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def np_same_pad(x, kernel_hw, stride_hw, value=0.0):
    """Pad an (H, W, C) array as Keras 'same' does."""
    pads = [keras_same_pads(x.shape[i], kernel_hw[i], stride_hw[i]) for i in (0, 1)]
    return np.pad(x, (*pads, (0, 0)), constant_values=value)


@pytest.fixture(scope="module")
def tiny():
    """A Tiny VGG with random weights, one random image, its activations and the same net in torch."""
    layers = tiny_vgg_layers()
    arrays = random_arrays(layers, (64, 64, 3), seed=3)
    for layer in layers:
        layer.kernel, layer.bias = arrays.get(f"{layer.name}/kernel"), arrays.get(f"{layer.name}/bias")
    model = Model(layers, [f"class {i}" for i in range(10)], name="random")
    image = np.random.default_rng(5).random((64, 64, 3)).astype(np.float32)
    return model, image, model.forward(image), from_arrays(arrays).double()


def torch_activations(net, image):
    """Every activation of the torch TinyVGG, named as ours, in (H, W, C) / flat NumPy form."""
    names = ["conv_1_1", "relu_1_1", "conv_1_2", "relu_1_2", "max_pool_1",
             "conv_2_1", "relu_2_1", "conv_2_2", "relu_2_2", "max_pool_2"]
    x = torch.from_numpy(image.astype(np.float64)).permute(2, 0, 1)[None]
    acts = {}
    with torch.no_grad():
        for name, module in zip(names, net.features):
            x = module(x)
            acts[name] = x[0].permute(1, 2, 0).numpy()
        flat = x.permute(0, 2, 3, 1).flatten(1)
        acts["flatten"] = flat[0].numpy()
        logits = net.dense(flat)
        acts["dense"] = logits[0].numpy()
        acts["output"] = torch.softmax(logits, 1)[0].numpy()
        assert torch.allclose(net(torch.from_numpy(image.astype(np.float64)).permute(2, 0, 1)[None]), logits)
    return acts


def test_tiny_vgg_matches_torch_layer_by_layer(tiny):
    model, image, acts, net = tiny
    expected = torch_activations(net, image)
    assert list(acts) == ["input"] + list(expected)
    for name, reference in expected.items():
        assert acts[name].shape == reference.shape, name
        assert np.abs(acts[name] - reference).max() <= TOL, name
    assert np.abs(acts["output"]).sum() > 0 and abs(acts["output"].sum() - 1) < 1e-5


def test_tiny_vgg_matches_torch_on_several_images(tiny):
    model, _, _, net = tiny
    images = np.random.default_rng(11).random((6, 64, 64, 3)).astype(np.float32)
    with torch.no_grad():
        reference = torch.softmax(net(torch.from_numpy(images.astype(np.float64)).permute(0, 3, 1, 2)), 1).numpy()
    ours = np.stack([model.predict(im) for im in images])
    assert np.abs(ours - reference).max() <= TOL


def test_layer_names_shapes_and_parameter_count_are_cnn_explainers(tiny):
    model, _, acts, _ = tiny
    assert model.shapes() == CNN_EXPLAINER_SHAPES
    assert [(name, a.shape) for name, a in acts.items()] == CNN_EXPLAINER_SHAPES
    params = sum(l.kernel.size + l.bias.size for l in model.layers if l.kernel is not None)
    assert params == 19_920


def test_forward_refuses_a_wrong_input_shape(tiny):
    model = tiny[0]
    with pytest.raises(ValueError, match="shape"):
        model.forward(np.zeros((32, 32, 3), np.float32))


@pytest.mark.parametrize("name,out_channel", [("conv_1_1", 0), ("conv_1_2", 7), ("conv_2_1", 3), ("conv_2_2", 9)])
def test_conv_intermediates_are_per_channel_correlations(tiny, name, out_channel):
    model, _, acts, _ = tiny
    layer = model.layer(name)
    x = model.input_of(name, acts)
    maps = model.conv_intermediates(name, acts, out_channel)
    assert maps.shape == (x.shape[2], *acts[name].shape[:2])
    for c in range(x.shape[2]):
        expected = signal.correlate2d(x[:, :, c].astype(np.float64), layer.kernel[:, :, c, out_channel].astype(np.float64), "valid")
        assert np.abs(maps[c] - expected).max() <= TOL, c
    assert np.abs(maps.sum(0) + layer.bias[out_channel] - acts[name][:, :, out_channel]).max() <= TOL


@pytest.mark.parametrize("name,row,col", [("conv_1_1", 0, 0), ("conv_1_1", 61, 61), ("conv_1_2", 17, 42),
                                          ("conv_2_2", 25, 0), ("conv_2_1", 13, 27)])
def test_window_at_conv_reproduces_the_output(tiny, name, row, col):
    model, _, acts, _ = tiny
    layer = model.layer(name)
    window = model.window_at(name, acts, row, col)
    assert window.shape == (3, 3, model.input_of(name, acts).shape[2])
    assert np.array_equal(window, model.input_of(name, acts)[row:row + 3, col:col + 3])
    for o in range(layer.kernel.shape[3]):
        value = float(np.sum(window.astype(np.float64) * layer.kernel[:, :, :, o]) + layer.bias[o])
        assert abs(value - acts[name][row, col, o]) <= TOL


@pytest.mark.parametrize("name,row,col", [("max_pool_1", 0, 0), ("max_pool_1", 29, 13), ("max_pool_2", 12, 12), ("max_pool_2", 4, 9)])
def test_window_at_pool_holds_the_max(tiny, name, row, col):
    model, _, acts, _ = tiny
    window = model.window_at(name, acts, row, col)
    assert window.shape == (2, 2, 10)
    assert np.array_equal(window.max(axis=(0, 1)), acts[name][row, col])
    assert np.array_equal(window, model.input_of(name, acts)[2 * row:2 * row + 2, 2 * col:2 * col + 2])


def test_logits_are_the_dense_output_and_softmax_gives_the_output(tiny):
    model, _, acts, _ = tiny
    logits = model.logits(acts)
    assert np.array_equal(logits, acts["dense"])
    expected = torch.softmax(torch.from_numpy(logits.astype(np.float64)), 0).numpy()
    assert np.abs(expected - acts["output"]).max() <= TOL
    assert np.array_equal(model.predict(acts["input"]), acts["output"])


# --- A model with 'same' padding, strides and overlapping pools, against a generic torch reference ---

def same_layers():
    """A small net exercising 'same' padding, stride 2, a 5×5 / 2×3 kernel and an overlapping 3×3 / 2 pool."""
    return [
        Layer("conv_a", "conv2d", {"filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same"}),
        Layer("relu_a", "relu"),
        Layer("conv_b", "conv2d", {"filters": 6, "kernel_size": 5, "strides": 2, "padding": "same"}),
        Layer("relu_b", "relu"),
        Layer("pool_a", "max_pool2d", {"pool_size": 3, "strides": 2, "padding": "same"}),
        Layer("conv_c", "conv2d", {"filters": 5, "kernel_size": [2, 3], "strides": [1, 2], "padding": "same"}),
        Layer("pool_b", "max_pool2d", {"pool_size": [2, 2], "padding": "valid"}),
        Layer("flatten", "flatten"),
        Layer("dense", "dense", {"units": 4}),
        Layer("output", "softmax"),
    ]


def torch_reference(model, image):
    """Run any of our layer lists through torch.nn.functional, padding as Keras does; activations by name."""
    x = torch.from_numpy(image.astype(np.float64)).permute(2, 0, 1)[None]
    acts = {}
    for layer in model.layers:
        if layer.type in ("conv2d", "max_pool2d"):
            window, stride = layer.window_and_stride()
            if layer.padding == "same":
                (t, b), (l, r) = (keras_same_pads(x.shape[2 + i], window[i], stride[i]) for i in (0, 1))
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
            x = F.linear(x, torch.from_numpy(layer.kernel.astype(np.float64)).T, torch.from_numpy(layer.bias.astype(np.float64)))
        else:
            x = torch.softmax(x, 1)
        acts[layer.name] = x[0].permute(1, 2, 0).numpy() if x.dim() == 4 else x[0].numpy()
    return acts


@pytest.fixture(scope="module")
def same_model():
    model = random_model(same_layers(), classes=["a", "b", "c", "d"], input_shape=(23, 18, 3), seed=9)
    image = np.random.default_rng(2).random((23, 18, 3)).astype(np.float32)
    return model, model.forward(image)


def test_same_padding_model_matches_torch(same_model):
    model, acts = same_model
    expected = torch_reference(model, acts["input"])
    assert [(n, a.shape) for n, a in acts.items()] == model.shapes()
    assert acts["conv_a"].shape == (23, 18, 4) and acts["conv_b"].shape == (12, 9, 6) and acts["pool_a"].shape == (6, 5, 6)
    for name, reference in expected.items():
        assert acts[name].shape == reference.shape, name
        assert np.abs(acts[name] - reference).max() <= TOL, name


@pytest.mark.parametrize("name,out_channel", [("conv_a", 1), ("conv_b", 5), ("conv_c", 0)])
def test_same_padding_conv_intermediates(same_model, name, out_channel):
    model, acts = same_model
    layer = model.layer(name)
    window, stride = layer.window_and_stride()
    x = np_same_pad(model.input_of(name, acts).astype(np.float64), window, stride)
    maps = model.conv_intermediates(name, acts, out_channel)
    for c in range(x.shape[2]):
        full = signal.correlate2d(x[:, :, c], layer.kernel[:, :, c, out_channel].astype(np.float64), "valid")
        assert np.abs(maps[c] - full[:: stride[0], :: stride[1]]).max() <= TOL
    assert np.abs(maps.sum(0) + layer.bias[out_channel] - acts[name][:, :, out_channel]).max() <= TOL


@pytest.mark.parametrize("name", ["conv_a", "conv_b", "conv_c", "pool_a", "pool_b"])
def test_same_padding_window_at_every_position(same_model, name):
    model, acts = same_model
    layer = model.layer(name)
    window_hw, stride = layer.window_and_stride()
    out = acts[name]
    padded = np_same_pad(model.input_of(name, acts), window_hw, stride, 0.0 if layer.type == "conv2d" else -np.inf) \
        if layer.padding == "same" else model.input_of(name, acts)
    for row in range(out.shape[0]):
        for col in range(out.shape[1]):
            window = model.window_at(name, acts, row, col)
            assert window.shape == (*window_hw, padded.shape[2])
            r, c = row * stride[0], col * stride[1]
            assert np.array_equal(window, padded[r:r + window_hw[0], c:c + window_hw[1]])
            if layer.type == "conv2d":
                values = np.einsum("ijc,ijco->o", window.astype(np.float64), layer.kernel) + layer.bias
                assert np.abs(values - out[row, col]).max() <= TOL
            else:
                assert np.array_equal(window.max(axis=(0, 1)), out[row, col])


def test_an_input_rescaled_to_another_pixel_range_is_the_same_image(rng):
    from cnn_explainer.net.model import rescale, scale_pixels
    pixels = rng.integers(0, 256, (8, 8, 3))
    for source, target in [((-1.0, 1.0), (0.0, 1.0)), ((0.0, 1.0), (0.0, 255.0)), ((0.0, 255.0), (-1.0, 1.0))]:
        moved = rescale(scale_pixels(pixels, source), source, target)
        assert moved.dtype == np.float32
        np.testing.assert_allclose(moved, pixels / 255.0 * (target[1] - target[0]) + target[0], atol=2e-5 * target[1])
