"""Shared by the native tests: py/ and training/ on sys.path, and small helpers to make random models.

(A module of its own: `from conftest import` would be ambiguous beside tests/browser/conftest.py.)
"""
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads: tiny matmuls, no thread-pool overhead
import numpy as np  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
PY_DIR = os.path.join(ROOT, "py")
TRAINING_DIR = os.path.join(ROOT, "training")
for _path in (PY_DIR, TRAINING_DIR):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from cnn_explainer.net.model import Model  # noqa: E402
from cnn_explainer.net.weights import tiny_vgg_layers  # noqa: E402

TIN10_CLASSES = ["lifeboat", "ladybug", "pizza", "bell pepper", "school bus",
                 "koala", "espresso", "red panda", "orange", "sports car"]


def random_arrays(layers, input_shape, seed=0):
    """Random float32 kernel/bias arrays of the right shapes for a layer list, keyed '<layer>/<param>'.

    Kernels have a standard deviation of 1.5 / sqrt(fan-in), so activations stay of order one through the net.
    """
    rng = np.random.default_rng(seed)
    arrays, shape = {}, tuple(input_shape)
    for layer in layers:
        shapes = layer.param_shapes(shape)
        if shapes:
            fan_in = int(np.prod(shapes["kernel"][:-1]))
            arrays[f"{layer.name}/kernel"] = (rng.standard_normal(shapes["kernel"]) * 1.5 / fan_in**0.5).astype(np.float32)
            arrays[f"{layer.name}/bias"] = (rng.standard_normal(shapes["bias"]) * 0.1).astype(np.float32)
        shape = layer.output_shape(shape)
    return arrays


def random_model(layers=None, classes=TIN10_CLASSES, input_shape=(64, 64, 3), seed=0, name="random-tinyvgg", meta=None):
    """A Model with random weights (Tiny VGG unless layers are given)."""
    layers = tiny_vgg_layers(classes=len(classes)) if layers is None else layers
    arrays = random_arrays(layers, input_shape, seed)
    for layer in layers:
        for param in ("kernel", "bias"):
            if f"{layer.name}/{param}" in arrays:
                setattr(layer, param, arrays[f"{layer.name}/{param}"])
    return Model(layers, classes, input_shape, name=name, meta=meta)
