"""The views' code for the console: run with the console's names, each snippet's slow value equals the forward pass's
(computed by ops.py, the vectorised code) at several neurons and cells, for Tiny VGG and a strided, same-padded model."""
import numpy as np
import pytest

from helpers import random_model
from cnn_explainer.page import console, layout, snippets
from cnn_explainer.net.model import Layer


def strided_model():
    """A small model with 'same' padding, stride 2 and a 3×3 pool: the windows the snippets must get right."""
    layers = [Layer("conv_a", "conv2d", {"filters": 4, "kernel_size": [5, 5], "strides": [2, 2], "padding": "same"}),
              Layer("relu_a", "relu"),
              Layer("pool_a", "max_pool2d", {"pool_size": [3, 3], "strides": [2, 2], "padding": "valid"}),
              Layer("flatten", "flatten"), Layer("dense", "dense", {"units": 3}), Layer("output", "softmax")]
    return random_model(layers, classes=["a", "b", "c"], input_shape=(21, 21, 3), seed=3)


def cases(model):
    """(kind, layer, index, position, channel, softmax) for a few neurons of every column and view."""
    for column in layout.columns_of(model):
        count = column.shape[-1]
        for index in sorted({0, count - 1}):
            if column.kind == "output":
                yield "output", column.name, index, (0, 0), None, False
                yield "output", column.name, index, (0, 0), None, True
                continue
            h, w = column.shape[:2]
            for position in ((0, 0), (h - 1, w - 1), (h // 2, w // 3)):
                yield column.kind, column.name, index, position, None, False
                if column.kind == "conv2d":
                    yield column.kind, column.name, index, position, 1, False


@pytest.mark.parametrize("model", [random_model(), strided_model()], ids=["tiny-vgg", "strided-same"])
def test_every_view_s_code_gives_the_forward_pass_s_value(model):
    image = np.random.default_rng(0).uniform(0, 1, model.input_shape).astype(np.float32)
    acts = model.forward(image)
    shell = console.Console({"model": model, "acts": acts, "image": image, "np": np})
    checked = 0
    for kind, layer, index, position, channel, softmax in cases(model):
        code = snippets.console_code(model, kind, layer, index, position, channel, softmax)
        shell.namespace.pop("_", None)
        text, failed = shell.run(code)
        assert not failed, (code, text)
        value = shell.namespace["_"]
        if kind == "input":
            assert value == image[position[0], position[1], index]
        else:
            slow, fast = value
            assert np.isclose(slow, fast, rtol=1e-5, atol=1e-5), (code, slow, fast)
        checked += 1
    assert checked >= 30


def test_a_snippet_names_the_cell_for_people_and_for_the_code():
    model = random_model()
    code = snippets.console_code(model, "conv2d", "conv_1_2", 3, (4, 7))
    assert "k, row, col = 3, 4, 7" in code and "neuron 4, row 5, column 8" in code
    assert "model.padded_input('conv_1_2', acts)" in code and "relu_1_1" in code
