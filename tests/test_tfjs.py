"""TF.js Layers import: the original CNN Explainer's model against an independent torch forward pass, BatchNormalization
folding, hostile files (one WeightsError naming the layer), the convert command and the CLI's format detection."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnn_explainer import cli
from cnn_explainer.net import tfjs
from cnn_explainer.net.model import ramp_pixels, scale_pixels
from cnn_explainer.net.weights import WeightsError, load_model
from helpers import PY_DIR, ROOT

FIXTURE = os.path.normpath(os.path.join(ROOT, "..", "shared", "fixtures", "cnn-explainer-tfjs"))
needs_fixture = pytest.mark.skipif(
    not os.path.isdir(FIXTURE), reason=f"the CNN Explainer TF.js fixture {FIXTURE} is absent (CI has it)")
FIXTURE_JSON = os.path.join(FIXTURE, "model.json")


# ---- an independent reference: the fixture's weights sliced from the .bin by hand, run in torch (float64) -----

def reference_probabilities(folder, pixels):
    """Probabilities of the CNN Explainer model for 8-bit images (N, 64, 64, 3), computed without our loader."""
    with open(os.path.join(folder, "model.json")) as f:
        spec = json.load(f)
    (group,) = spec["weightsManifest"]
    data = b"".join(open(os.path.join(folder, path), "rb").read() for path in group["paths"])
    w, offset = {}, 0
    for entry in group["weights"]:
        count = int(np.prod(entry["shape"]))
        array = np.frombuffer(data, "<f4", count, offset).reshape(entry["shape"])
        w[entry["name"]] = torch.from_numpy(array.astype(np.float64))
        offset += 4 * count
    assert offset == len(data)
    x = torch.from_numpy(np.asarray(pixels, np.float64) / 255.0).permute(0, 3, 1, 2)  # the original scales to 0..1
    for block in (1, 2):
        for unit in (1, 2):
            name = f"conv_{block}_{unit}"
            x = F.relu(F.conv2d(x, w[f"{name}/kernel"].permute(3, 2, 0, 1), w[f"{name}/bias"]))
        x = F.max_pool2d(x, 2, 2)
    x = x.permute(0, 2, 3, 1).reshape(len(x), -1)  # Keras flattens channels-last
    return torch.softmax(x @ w["output/kernel"] + w["output/bias"], dim=1).numpy()


def sample_images():
    """A random image, a synthetic stripe-and-checker pattern and a colour ramp, as 8-bit (3, 64, 64, 3)."""
    rng = np.random.default_rng(7)
    rows, cols = np.mgrid[0:64, 0:64]
    pattern = np.stack([(rows // 8 + cols // 8) % 2 * 255, (cols % 16 < 8) * 200, rows * 4], -1)
    return np.stack([rng.integers(0, 256, (64, 64, 3)), pattern, ramp_pixels((64, 64, 3))]).astype(np.uint8)


@needs_fixture
def test_the_fixture_matches_an_independent_forward_pass():
    model = tfjs.load_tfjs(FIXTURE_JSON)
    images = sample_images()
    expected = reference_probabilities(FIXTURE, images)
    ours = np.stack([model.predict(scale_pixels(image, model.pixel_range)) for image in images])
    assert np.abs(ours - expected).max() < 1e-5
    assert len(set(expected.argmax(1))) > 1 or expected.max() < 0.999  # the images are not all one trivial answer


@needs_fixture
def test_the_fixture_layers_classes_and_input():
    model = load_model(FIXTURE_JSON)  # detected by content
    assert [(l.name, l.type) for l in model.layers] == [
        ("conv_1_1", "conv2d"), ("relu_1_1", "relu"), ("conv_1_2", "conv2d"), ("relu_1_2", "relu"),
        ("max_pool_1", "max_pool2d"), ("conv_2_1", "conv2d"), ("relu_2_1", "relu"), ("conv_2_2", "conv2d"),
        ("relu_2_2", "relu"), ("max_pool_2", "max_pool2d"), ("flatten", "flatten"), ("output", "dense"),
        ("output_softmax", "softmax")]  # the Dense's fused softmax split out
    assert model.classes == [f"class {i}" for i in range(1, 11)]  # the file carries no class names
    assert model.input_shape == (64, 64, 3) and model.pixel_range == (0.0, 1.0)
    assert model.name == "cnn-explainer-tfjs" and model.meta["source"]["convertedBy"].startswith("TensorFlow.js")
    assert all(l.kernel.dtype == np.float32 and l.kernel.flags.writeable for l in model.layers if l.kernel is not None)


@needs_fixture
def test_the_fixture_from_bytes_equals_from_files():
    with open(FIXTURE_JSON, "rb") as f:
        json_bytes = f.read()
    with open(os.path.join(FIXTURE, "group1-shard1of1.bin"), "rb") as f:
        shards = {"group1-shard1of1.bin": f.read()}
    image = scale_pixels(sample_images()[0])
    from_bytes = tfjs.load_tfjs_bytes(json_bytes, shards)
    assert np.array_equal(from_bytes.predict(image), tfjs.load_tfjs(FIXTURE_JSON).predict(image))
    with pytest.raises(WeightsError, match="'group1-shard1of1.bin' is missing"):
        tfjs.load_tfjs_bytes(json_bytes, {})


@needs_fixture
def test_the_fixture_with_a_truncated_bin(tmp_path):
    shutil.copy(FIXTURE_JSON, tmp_path / "model.json")
    with open(os.path.join(FIXTURE, "group1-shard1of1.bin"), "rb") as f:
        (tmp_path / "group1-shard1of1.bin").write_bytes(f.read()[:-100])
    message = load_error(tmp_path / "model.json")
    assert "group1-shard1of1.bin" in message and "79580" in message and "79680" in message


@needs_fixture
def test_convert_round_trip(tmp_path, capsys):
    assert cli.main(["convert", FIXTURE_JSON, "--out", str(tmp_path / "out" / "cnnx")]) == 0
    assert "13 layers" in capsys.readouterr().out
    original, converted = tfjs.load_tfjs(FIXTURE_JSON), load_model(str(tmp_path / "out" / "cnnx.json"))
    assert converted.name == "cnnx" and converted.classes == original.classes
    described = [[(l.name, l.type, l.config) for l in m.layers] for m in (converted, original)]
    assert described[0] == described[1]
    for image in sample_images():
        x = scale_pixels(image)
        assert np.array_equal(converted.predict(x), original.predict(x))


def run(*args):
    """python -m cnn_explainer in a subprocess, py/ on the path."""
    env = dict(os.environ, PYTHONPATH=PY_DIR + os.pathsep + os.environ.get("PYTHONPATH", ""), OPENBLAS_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "cnn_explainer", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@needs_fixture
def test_cli_predict_detects_a_tfjs_model(tmp_path):
    from PIL import Image
    path = str(tmp_path / "pattern.png")
    Image.fromarray(sample_images()[1]).save(path)
    result = run("predict", path, "--model", os.path.relpath(FIXTURE_JSON, ROOT), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["model"] == "cnn-explainer-tfjs" and out["classes"][0] == "class 1"
    assert out["layers"][-1] == {"name": "output_softmax", "shape": [10]}
    expected = reference_probabilities(FIXTURE, sample_images()[1:2])  # a 64×64 PNG goes in unchanged
    assert np.abs(np.array(out["probabilities"]) - expected[0]).max() < 1e-5


# ---- a small synthetic TF.js model, written in the test ----------------------------------------------------------

def keras(kind, name, **config):
    """One Keras layer as model.json writes it."""
    return {"class_name": kind, "config": {"name": name, "trainable": True, "dtype": "float32", **config}}


def write_tfjs(folder, layers, weights, shards=2, groups=1, graph="Sequential", **extra):
    """Write folder/model.json and its shards: weights [(name, array)] in order, split into `groups` manifest groups
    of `shards` files each, cut at byte positions that fall inside floats. Returns the model.json path."""
    folder, manifest = str(folder), []
    for g, part in enumerate(np.array_split(np.arange(len(weights)), groups), 1):
        data = b"".join(np.asarray(weights[i][1], "<f4").tobytes() for i in part)
        cuts = [0, *sorted({len(data) * k // shards + 1 for k in range(1, shards)}), len(data)]
        paths = [f"group{g}-shard{s}of{shards}.bin" for s in range(1, shards + 1)]
        for path, start, end in zip(paths, cuts, cuts[1:]):
            with open(os.path.join(folder, path), "wb") as f:
                f.write(data[start:end])
        manifest.append({"paths": paths, "weights": [
            {"name": weights[i][0], "shape": list(np.shape(weights[i][1])), "dtype": "float32"} for i in part]})
    spec = {"format": "layers-model", "generatedBy": "test", "convertedBy": "test",
            "modelTopology": {"keras_version": "2.15", "backend": "tensorflow",
                              "model_config": {"class_name": graph, "config": {"name": "seq", "layers": layers}}},
            "weightsManifest": manifest, **extra}
    path = os.path.join(folder, "model.json")
    with open(path, "w") as f:
        json.dump(spec, f)
    return path


def bn_model(rng, bn_after="conv"):
    """Conv2D → BatchNormalization → ReLU → MaxPooling2D → Flatten → Dropout → Dense(softmax) on 8×8×3.

    Returns (layers, weights); bn_after="relu" fuses a relu into the Conv2D, so the BatchNormalization follows it."""
    conv = dict(filters=4, kernel_size=[3, 3], strides=[1, 1], padding="valid", data_format="channels_last",
                dilation_rate=[1, 1], activation="linear", use_bias=True)
    bn = keras("BatchNormalization", "bn", axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True)
    layers = [keras("Conv2D", "conv", batch_input_shape=[None, 8, 8, 3], **conv), bn,
              keras("Activation", "relu", activation="relu"),
              keras("MaxPooling2D", "pool", pool_size=[2, 2], strides=[2, 2], padding="valid",
                    data_format="channels_last"),
              keras("Flatten", "flatten", data_format="channels_last"), keras("Dropout", "drop", rate=0.5),
              keras("Dense", "dense", units=3, activation="softmax", use_bias=True)]
    weights = [("conv/kernel", rng.normal(0, 0.5, (3, 3, 3, 4))), ("conv/bias", rng.normal(0, 0.1, 4)),
               ("bn/gamma", rng.uniform(0.5, 2, 4)), ("bn/beta", rng.normal(0, 0.5, 4)),
               ("bn/moving_mean", rng.normal(0, 0.5, 4)), ("bn/moving_variance", rng.uniform(0.2, 3, 4)),
               ("dense/kernel", rng.normal(0, 0.4, (36, 3))), ("dense/bias", rng.normal(0, 0.1, 3))]
    if bn_after == "relu":
        layers[0]["config"]["activation"] = "relu"
    return layers, [(name, np.asarray(a, np.float32)) for name, a in weights]


def unfolded_reference(weights, image, until="dense"):
    """The BN model computed layer by layer in torch (float64), the BatchNormalization applied as such; until="bn"
    stops after it, returning (H, W, C)."""
    w = {name: torch.from_numpy(a.astype(np.float64)) for name, a in weights}
    x = torch.from_numpy(image.astype(np.float64)).permute(2, 0, 1)[None]
    x = F.conv2d(x, w["conv/kernel"].permute(3, 2, 0, 1), w["conv/bias"])
    x = F.batch_norm(x, w["bn/moving_mean"], w["bn/moving_variance"], w["bn/gamma"], w["bn/beta"], False, 0.0, 0.001)
    if until == "bn":
        return x[0].permute(1, 2, 0).numpy()
    x = F.max_pool2d(F.relu(x), 2, 2).permute(0, 2, 3, 1).reshape(1, -1)
    return torch.softmax(x @ w["dense/kernel"] + w["dense/bias"], dim=1)[0].numpy()


def load_error(path):
    """The message of the WeightsError that loading path raises."""
    with pytest.raises(WeightsError) as info:
        load_model(str(path))
    return str(info.value)


def test_batch_normalization_is_folded_into_the_conv(tmp_path, rng):
    layers, weights = bn_model(rng)
    model = load_model(write_tfjs(tmp_path, layers, weights, shards=3, groups=2))
    assert [(l.name, l.type) for l in model.layers] == [
        ("conv", "conv2d"), ("relu", "relu"), ("pool", "max_pool2d"), ("flatten", "flatten"), ("dense", "dense"),
        ("dense_softmax", "softmax")]  # BatchNormalization folded, Dropout dropped, the fused softmax split out
    assert model.name == os.path.basename(tmp_path) and model.classes == ["class 1", "class 2", "class 3"]
    for _ in range(4):
        image = rng.random((8, 8, 3)).astype(np.float32)
        assert np.abs(model.predict(image) - unfolded_reference(weights, image)).max() < 1e-5
    assert np.abs(model.forward(image)["conv"] - unfolded_reference(weights, image, until="bn")).max() < 1e-5


def test_batch_normalization_without_scale_and_center(tmp_path, rng):
    layers, weights = bn_model(rng)
    layers[1]["config"].update(center=False, scale=False)
    weights = [(n, a) for n, a in weights if n not in ("bn/gamma", "bn/beta")]
    model = load_model(write_tfjs(tmp_path, layers, weights))
    full = dict(weights, **{"bn/gamma": np.ones(4, np.float32), "bn/beta": np.zeros(4, np.float32)})
    image = rng.random((8, 8, 3)).astype(np.float32)
    assert np.abs(model.predict(image) - unfolded_reference(list(full.items()), image)).max() < 1e-5


@pytest.mark.parametrize("where", ["relu", "dense", "first"])
def test_batch_normalization_not_after_a_conv_is_refused(tmp_path, rng, where):
    layers, weights = bn_model(rng, bn_after="relu" if where == "relu" else "conv")
    if where == "dense":
        layers[-1]["config"].update(activation="linear")
        layers += [layers.pop(1), keras("Activation", "softmax", activation="softmax")]
    if where == "first":
        layers.insert(0, keras("InputLayer", "in", batch_input_shape=[None, 8, 8, 3]))
        layers.insert(1, layers.pop(2))
    message = load_error(write_tfjs(tmp_path, layers, weights))
    assert "'bn'" in message and "BatchNormalization" in message and "Conv2D directly before it" in message


def test_a_non_positive_variance_is_refused(tmp_path, rng):
    layers, weights = bn_model(rng)
    weights[5] = ("bn/moving_variance", np.array([1, 1, -5, 1], np.float32))
    message = load_error(write_tfjs(tmp_path, layers, weights))
    assert "'bn'" in message and "moving_variance + epsilon must be positive" in message


def test_use_bias_false_relu_layer_and_class_names_from_the_file(tmp_path, rng):
    layers, weights = bn_model(rng)
    del layers[1]
    layers[0]["config"].update(use_bias=False)
    layers[1] = keras("ReLU", "relu", max_value=None, negative_slope=0.0, threshold=0.0)
    weights = [(n, a) for n, a in weights if not n.startswith("bn/") and n != "conv/bias"]
    path = write_tfjs(tmp_path, layers, weights, userDefinedMetadata={"classes": ["cat", "dog", "fish"]})
    model = load_model(path)
    assert model.classes == ["cat", "dog", "fish"] and not model.layer("conv").bias.any()
    assert model.layer("relu").type == "relu"


def test_manifest_names_with_a_model_prefix(tmp_path, rng):
    layers, weights = bn_model(rng)
    model = load_model(write_tfjs(tmp_path, layers, [("sequential/" + n, a) for n, a in weights]))
    image = rng.random((8, 8, 3)).astype(np.float32)
    assert np.abs(model.predict(image) - unfolded_reference(weights, image)).max() < 1e-5


# ---- hostile files: one WeightsError, naming the layer or weight ------------------------------------------------

def edited(tmp_path, rng, edit):
    """Write the BN model, let edit(spec) change its parsed model.json, save it again; the path."""
    path = write_tfjs(tmp_path, *bn_model(rng))
    with open(path) as f:
        spec = json.load(f)
    edit(spec)
    with open(path, "w") as f:
        json.dump(spec, f)
    return path


def layers_of(spec):
    return spec["modelTopology"]["model_config"]["config"]["layers"]


def weight(spec, name):
    return next(w for group in spec["weightsManifest"] for w in group["weights"] if w["name"] == name)


def test_wrong_shape(tmp_path, rng):
    message = load_error(edited(tmp_path, rng, lambda s: weight(s, "dense/kernel").update(shape=[3, 36])))
    assert "'dense/kernel' has shape (3, 36), expected (36, 3)" in message


def test_huge_shape_is_refused_before_reading(tmp_path, rng):
    message = load_error(edited(tmp_path, rng, lambda s: weight(s, "dense/kernel").update(shape=[10**9, 10**9, 10**9])))
    assert "more than 512 MB" in message


def test_manifest_larger_than_the_files(tmp_path, rng):
    message = load_error(edited(tmp_path, rng, lambda s: weight(s, "dense/kernel").update(shape=[37, 3])))
    assert "group1-shard1of2.bin, group1-shard2of2.bin" in message and "bytes" in message


def test_missing_shard(tmp_path, rng):
    path = write_tfjs(tmp_path, *bn_model(rng))
    os.remove(tmp_path / "group1-shard2of2.bin")
    assert "'group1-shard2of2.bin' is missing" in load_error(path)


def test_shard_paths_cannot_leave_the_folder(tmp_path, rng):
    os.makedirs(tmp_path / "m")
    path = edited(tmp_path / "m", rng,
                  lambda s: s["weightsManifest"][0]["paths"].__setitem__(0, "../group1-shard1of2.bin"))
    shutil.move(tmp_path / "m" / "group1-shard1of2.bin", tmp_path / "group1-shard1of2.bin")
    assert "'group1-shard1of2.bin' is missing" in load_error(path)  # looked for beside model.json only


def test_nan_in_the_weights(tmp_path, rng):
    layers, weights = bn_model(rng)
    weights[6][1][5, 1] = np.nan
    assert "'dense/kernel' contains NaN" in load_error(write_tfjs(tmp_path, layers, weights))


@pytest.mark.parametrize("change,shown", [({"dtype": "int32"}, "'int32'"),
                                          ({"quantization": {"dtype": "uint8", "min": 0, "scale": 1}}, "'uint8'")])
def test_non_float32_weights(tmp_path, rng, change, shown):
    message = load_error(edited(tmp_path, rng, lambda s: weight(s, "conv/bias").update(change)))
    assert "'conv/bias'" in message and shown in message and "float32" in message


def test_unknown_layer_type(tmp_path, rng):
    leaky = keras("LeakyReLU", "leaky_1", alpha=0.3)
    message = load_error(edited(tmp_path, rng, lambda s: layers_of(s).__setitem__(2, leaky)))
    assert "'leaky_1'" in message and "LeakyReLU" in message and "not supported" in message


def test_average_pooling_is_refused(tmp_path, rng):
    message = load_error(edited(tmp_path, rng, lambda s: layers_of(s)[3].update(class_name="AveragePooling2D")))
    assert "'pool'" in message and "AveragePooling2D" in message


def test_channels_first(tmp_path, rng):
    message = load_error(edited(tmp_path, rng,
                                lambda s: layers_of(s)[0]["config"].update(data_format="channels_first")))
    assert "'conv'" in message and "Conv2D" in message and "channels_first" in message


@pytest.mark.parametrize("key,value", [("dilation_rate", [2, 2]), ("activation", "tanh")])
def test_unsupported_conv_options(tmp_path, rng, key, value):
    message = load_error(edited(tmp_path, rng, lambda s: layers_of(s)[0]["config"].update({key: value})))
    assert "'conv'" in message and "Conv2D" in message


def test_clipped_relu_is_refused(tmp_path, rng):
    relu6 = keras("ReLU", "relu6", max_value=6.0)
    message = load_error(edited(tmp_path, rng, lambda s: layers_of(s).__setitem__(2, relu6)))
    assert "'relu6'" in message and "ReLU" in message and "max_value" in message


def test_softmax_in_the_middle(tmp_path, rng):
    message = load_error(edited(tmp_path, rng, lambda s: layers_of(s)[2]["config"].update(activation="softmax")))
    assert "'relu'" in message and "last layer" in message


def test_functional_model_with_add(tmp_path, rng):
    layers, weights = bn_model(rng)
    layers = [keras("InputLayer", "input_1", batch_input_shape=[None, 8, 8, 3]), *layers[:3],
              keras("Add", "add_1"), *layers[3:]]
    message = load_error(write_tfjs(tmp_path, layers, weights, graph="Functional"))
    assert "'add_1'" in message and "Add" in message


def test_functional_model_of_supported_layers(tmp_path, rng):
    message = load_error(write_tfjs(tmp_path, *bn_model(rng), graph="Model"))
    assert "only Sequential" in message and "'Model'" in message


@pytest.mark.parametrize("edit,fragment", [
    (lambda s: s.update(modelTopology=5), "modelTopology"),
    (lambda s: s.update(weightsManifest={"paths": []}), "weightsManifest"),
    (lambda s: s["weightsManifest"][0]["weights"].append(dict(weight(s, "conv/bias"))), "'conv/bias' appears twice"),
    (lambda s: layers_of(s)[0]["config"].pop("batch_input_shape"), "batch_input_shape"),
    (lambda s: layers_of(s)[0]["config"].update(batch_input_shape=[None, 8, 8]), "batch_input_shape"),
    (lambda s: layers_of(s)[4]["config"].update(name="input"), "'input' is repeated or not allowed"),
    (lambda s: layers_of(s)[6]["config"].update(units="3"), "'units'"),
    (lambda s: layers_of(s).__setitem__(4, "Flatten"), "layer 4 must be an object"),
    (lambda s: layers_of(s).clear(), "'layers' is empty"),
    (lambda s: s.update(userDefinedMetadata={"classes": ["a", "b"]}), "2 classes"),
])
def test_malformed_model_json(tmp_path, rng, edit, fragment):
    assert fragment in load_error(edited(tmp_path, rng, edit))


def test_not_json(tmp_path):
    with pytest.raises(WeightsError, match="not valid JSON"):
        tfjs.load_tfjs_bytes(b'{"modelTopology": ', {})


def test_cli_convert_and_its_errors(tmp_path, rng):
    layers, weights = bn_model(rng)
    path = write_tfjs(tmp_path, layers, weights)
    result = run("convert", path, "--out", str(tmp_path / "ours" / "small.json"))
    assert result.returncode == 0, result.stderr
    converted, image = load_model(str(tmp_path / "ours" / "small.json")), rng.random((8, 8, 3)).astype(np.float32)
    assert converted.name == "small" and np.array_equal(converted.predict(image), load_model(path).predict(image))
    os.remove(tmp_path / "group1-shard1of2.bin")
    result = run("convert", path, "--out", str(tmp_path / "x"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: model.json: weight file 'group1-shard1of2.bin' is missing")


@pytest.mark.parametrize("param,values,fragment", [
    ("bn/gamma", [1, np.nan, 1, 1], "'bn/gamma' contains NaN"),
    ("bn/gamma", [3e38, 1, 1, 1], "folding it into 'conv' gives infinite values"),
])
def test_batch_normalization_with_bad_values(tmp_path, rng, param, values, fragment):
    layers, weights = bn_model(rng)
    layers[1]["config"].update(epsilon=0)
    weights = [(n, np.array(values, np.float32) if n == param else a) for n, a in weights]
    weights[5] = ("bn/moving_variance", np.full(4, 1e-6, np.float32))
    message = load_error(write_tfjs(tmp_path, layers, weights))
    assert fragment in message


@needs_fixture
def test_the_fixture_split_into_several_shards(tmp_path):
    with open(FIXTURE_JSON) as f:
        spec = json.load(f)
    with open(os.path.join(FIXTURE, "group1-shard1of1.bin"), "rb") as f:
        data = f.read()
    paths, cuts = ["a.bin", "b.bin", "c.bin"], [0, 1001, 50003, len(data)]  # cut inside floats
    for path, start, end in zip(paths, cuts, cuts[1:]):
        (tmp_path / path).write_bytes(data[start:end])
    spec["weightsManifest"][0]["paths"] = paths
    (tmp_path / "model.json").write_text(json.dumps(spec))
    image = scale_pixels(sample_images()[2])
    expected = load_model(FIXTURE_JSON).predict(image)
    assert np.array_equal(load_model(str(tmp_path / "model.json")).predict(image), expected)
    shards = {path: (tmp_path / path).read_bytes() for path in paths}
    from_bytes = tfjs.load_tfjs_bytes((tmp_path / "model.json").read_bytes(), shards)
    assert np.array_equal(from_bytes.predict(image), expected)
    with pytest.raises(WeightsError, match="the weight files a.bin, b.bin, c.bin hold"):
        tfjs.load_tfjs_bytes((tmp_path / "model.json").read_bytes(), dict(shards, **{"b.bin": shards["c.bin"]}))


def test_load_from_bytes(tmp_path, rng):
    layers, weights = bn_model(rng)
    path = write_tfjs(tmp_path, layers, weights, shards=3)
    shards = {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path) if name.endswith(".bin")}
    model = tfjs.load_tfjs_bytes((tmp_path / "model.json").read_bytes(), shards, name="mine")
    image = rng.random((8, 8, 3)).astype(np.float32)
    assert model.name == "mine" and np.array_equal(model.predict(image), load_model(path).predict(image))


def test_an_absurd_pixel_range_in_the_metadata_is_refused(tmp_path, rng):
    path = write_tfjs(tmp_path, *bn_model(rng), userDefinedMetadata={"pixel_range": [0, 1e308]})
    assert "input.pixel_range must be [low, high]: two numbers from -10,000 to 10,000" in load_error(path)


def test_an_overlong_layer_name_is_refused_before_any_shard_is_read(tmp_path, rng):
    path = edited(tmp_path, rng, lambda s: layers_of(s)[2]["config"].update(name="\u202e" + "r" * 2 * 2**20))
    for file in os.listdir(tmp_path):
        if file.endswith(".bin"):
            os.remove(os.path.join(tmp_path, file))
    assert load_error(path) == "model.json: the name of layer 3 has 2,097,153 characters; the most this page shows is 200"
    path = write_tfjs(tmp_path, *bn_model(rng), userDefinedMetadata={"classes": ["a", "b" * 201, "c"]})
    for file in os.listdir(tmp_path):
        if file.endswith(".bin"):
            os.remove(os.path.join(tmp_path, file))
    assert load_error(path) == "model.json: the name of class 2 has 201 characters; the most this page shows is 200"


def test_a_dense_layer_after_a_pooling_says_a_flatten_is_missing(tmp_path, rng):
    path = edited(tmp_path, rng, lambda s: layers_of(s).pop(4))
    assert load_error(path) == ("model.json: layer 'dense': a dense layer needs a flat input, but it gets 3×3×4 maps: "
                                "a Flatten layer is missing before it")
