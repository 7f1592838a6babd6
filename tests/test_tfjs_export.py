"""The TF.js export: our loader reads it back identically, the real TF.js (Node) loads it and predicts what NumPy
does, and a taught model survives both our format and TF.js's."""
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from cnn_explainer.net import tfjs, training, weights
from cnn_explainer.net.model import Layer, Model
from helpers import ROOT, random_model

ENGINES = os.path.join(ROOT, "tests", "engines")
TFJS = os.path.join(ENGINES, "node_modules", "@tensorflow", "tfjs")


def same_padding_model():
    """Conv with stride 2 and 'same' padding, a 3×3/s2 'same' pool and a 5×5 conv: what TF.js must pad as we do."""
    rng = np.random.default_rng(0)
    layers = [Layer("c1", "conv2d", {"filters": 4, "kernel_size": [5, 5], "strides": [2, 2], "padding": "same"},
                    rng.standard_normal((5, 5, 3, 4)).astype(np.float32) * 0.3, rng.standard_normal(4).astype(np.float32) * 0.1),
              Layer("r1", "relu"),
              Layer("p1", "max_pool2d", {"pool_size": [3, 3], "strides": [2, 2], "padding": "same"}),
              Layer("c2", "conv2d", {"filters": 5, "kernel_size": [1, 1], "strides": [1, 1], "padding": "valid"},
                    rng.standard_normal((1, 1, 4, 5)).astype(np.float32), rng.standard_normal(5).astype(np.float32) * 0.1),
              Layer("f", "flatten"),
              Layer("d", "dense", {"units": 3}, rng.standard_normal((4 * 4 * 5, 3)).astype(np.float32) * 0.3,
                    rng.standard_normal(3).astype(np.float32) * 0.1),
              Layer("out", "softmax")]
    return Model(layers, ["x", "y", "z"], (13, 13, 3), (-1.0, 1.0), name="padded")


def assert_same_model(a, b):
    assert [(l.name, l.type) for l in a.layers] == [(l.name, l.type) for l in b.layers]
    assert a.classes == b.classes and a.input_shape == b.input_shape and tuple(a.pixel_range) == tuple(b.pixel_range)
    for la, lb in zip(a.layers, b.layers):
        if la.type in ("conv2d", "max_pool2d"):
            assert la.window_and_stride() == lb.window_and_stride() and la.padding == lb.padding
        if la.kernel is not None:
            assert np.array_equal(la.kernel, lb.kernel) and np.array_equal(la.bias, lb.bias)


@pytest.mark.parametrize("make", [random_model, same_padding_model])
def test_our_loader_reads_the_export_back_identically(make, tmp_path):
    model = make()
    files = tfjs.save_tfjs(model)
    assert sorted(files) == ["group1-shard1of1.bin", "model.json"]
    back = tfjs.load_tfjs_bytes(files["model.json"], {tfjs.SHARD: files[tfjs.SHARD]}, name=model.name)
    assert_same_model(model, back)
    image = np.random.default_rng(1).uniform(-1, 1, model.input_shape).astype(np.float32)
    assert np.array_equal(model.predict(image), back.predict(image))
    on_disk = weights.load_model(tfjs.write_tfjs(model, str(tmp_path / "export")))  # format detected by load_model
    assert_same_model(model, on_disk)


def taught(tmp_path):
    rng = np.random.default_rng(0)
    base = random_model(input_shape=(32, 32, 3), seed=1)
    labels = np.repeat([0, 1], 4)
    trainer = training.Trainer(base, ["left", "right"], rng.integers(0, 256, (8, 32, 32, 3), dtype=np.uint8), labels,
                               mode="deeper", epochs=2, name="taught")
    for _ in trainer.work():
        pass
    return trainer.model


def test_a_taught_model_round_trips_through_our_format_and_tfjs(tmp_path):
    model = taught(tmp_path)
    back = weights.load_model(weights.save_model(model, str(tmp_path)))
    assert_same_model(model, back)
    assert back.meta["mode"] == "deeper" and back.meta["epochs"] == 2 and back.name == "taught"
    assert back.meta["held_out_accuracy"] == model.meta["held_out_accuracy"]
    files = tfjs.save_tfjs(model)
    assert_same_model(model, tfjs.load_tfjs_bytes(files["model.json"], {tfjs.SHARD: files[tfjs.SHARD]}))


@pytest.mark.skipif(shutil.which("node") is None or not os.path.isdir(TFJS),
                    reason="Node or @tensorflow/tfjs is absent (npm install in tests/engines)")
@pytest.mark.parametrize("make", [random_model, same_padding_model])
def test_real_tfjs_loads_the_export_and_predicts_as_numpy(make, tmp_path):
    model = make()
    path = tfjs.write_tfjs(model, str(tmp_path / "export"))
    images = np.random.default_rng(2).uniform(-1, 1, (3, *model.input_shape)).astype(np.float32)
    images.tofile(tmp_path / "images.f32")
    result = subprocess.run(["node", os.path.join(ENGINES, "tfjs_predict.mjs"), path, str(tmp_path / "images.f32"),
                             *map(str, images.shape)], capture_output=True, text=True, timeout=120, cwd=ENGINES)
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert [name for name, kind in out["layers"] if kind != "InputLayer"] == [l.name for l in model.layers]
    assert out["outputShape"] == [3, len(model.classes)]
    ours = np.stack([model.predict(image) for image in images])
    assert np.allclose(np.reshape(out["probabilities"], ours.shape), ours, atol=1e-5)
