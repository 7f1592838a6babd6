"""The weights format: a save/load round trip, and one clear WeightsError for each kind of malformed file."""
import io
import json
import os

import numpy as np
import pytest

from cnn_explainer.net import weights
from cnn_explainer.net.weights import WeightsError, load_model, load_model_bytes, save_model
from helpers import random_model


@pytest.fixture
def saved(tmp_path):
    """A random Tiny VGG saved to tmp_path: (model, json path, spec dict, arrays dict)."""
    model = random_model(name="tiny", meta={"class_ids": [f"n{i:08d}" for i in range(10)], "training": {"seed": 1}})
    path = save_model(model, str(tmp_path))
    with open(path) as f:
        spec = json.load(f)
    with np.load(os.path.join(tmp_path, "tiny.npz")) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return model, path, spec, arrays


def write(tmp_path, spec=None, arrays=None, text=None):
    """Write a (possibly broken) weights pair m.json / m.npz (the JSON names m.npz) and return the JSON path."""
    path = os.path.join(tmp_path, "m.json")
    with open(path, "w") as f:
        f.write(text if text is not None else json.dumps(dict(spec, arrays="m.npz") if isinstance(spec, dict) else spec))
    if arrays is not None:
        np.savez(os.path.join(tmp_path, "m.npz"), **arrays)
    return path


def load_error(path):
    """The message of the WeightsError that loading path raises."""
    with pytest.raises(WeightsError) as info:
        load_model(path)
    return str(info.value)


def test_round_trip(saved):
    model, path, spec, arrays = saved
    loaded = load_model(path)
    assert spec["format"] == "cnn-explainer-weights/1" and spec["arrays"] == "tiny.npz"
    assert loaded.name == "tiny" and loaded.classes == model.classes
    assert loaded.input_shape == (64, 64, 3) and loaded.pixel_range == (0.0, 1.0)
    assert loaded.meta["class_ids"] == model.meta["class_ids"] and loaded.meta["training"] == {"seed": 1}
    assert [(l.name, l.type, l.config) for l in loaded.layers] == [(l.name, l.type, l.config) for l in model.layers]
    assert set(arrays) == {f"{n}/{p}" for n in ("conv_1_1", "conv_1_2", "conv_2_1", "conv_2_2", "dense") for p in ("kernel", "bias")}
    for a, b in zip(model.layers, loaded.layers):
        for param in ("kernel", "bias"):
            if getattr(a, param) is not None:
                assert np.array_equal(getattr(a, param), getattr(b, param))
                assert getattr(b, param).dtype == np.float32
    image = np.random.default_rng(0).random((64, 64, 3)).astype(np.float32)
    assert np.array_equal(model.predict(image), loaded.predict(image))


def test_round_trip_twice_gives_the_same_json(saved, tmp_path):
    _, path, spec, _ = saved
    again = save_model(load_model(path), str(tmp_path / "again"))
    with open(again) as f:
        assert json.load(f) == spec


def test_npz_defaults_to_the_json_name(tmp_path, saved):
    spec = {k: v for k, v in saved[2].items() if k != "arrays"}
    (tmp_path / "other.json").write_text(json.dumps(spec))
    np.savez(tmp_path / "other.npz", **saved[3])
    assert load_model(str(tmp_path / "other.json")).classes == saved[0].classes


def test_load_model_bytes(saved):
    model, path, _, _ = saved
    with open(path, "rb") as f:
        json_bytes = f.read()
    with open(path[:-5] + ".npz", "rb") as f:
        npz_bytes = f.read()
    loaded = load_model_bytes(json_bytes, npz_bytes)
    image = np.random.default_rng(1).random((64, 64, 3)).astype(np.float32)
    assert np.array_equal(loaded.predict(image), model.predict(image))
    with pytest.raises(WeightsError, match="not valid JSON"):
        load_model_bytes(b"{oops", npz_bytes)
    with pytest.raises(WeightsError, match="npz"):
        load_model_bytes(json_bytes, b"PK\x03\x04 not really a zip")
    with pytest.raises(WeightsError, match="uploaded model"):
        load_model_bytes(json_bytes, b"")


def test_invalid_json(tmp_path, saved):
    assert "not valid JSON" in load_error(write(tmp_path, text='{"name": "m", "layers": [', arrays=saved[3]))


def test_json_not_an_object(tmp_path, saved):
    assert "must be an object" in load_error(write(tmp_path, text="[1, 2, 3]", arrays=saved[3]))


@pytest.mark.parametrize("key", ["layers", "classes", "input"])
def test_missing_top_level_key(tmp_path, saved, key):
    spec = dict(saved[2])
    del spec[key]
    message = load_error(write(tmp_path, spec, saved[3]))
    assert f"missing '{key}'" in message and "m.json" in message


def test_missing_input_height(tmp_path, saved):
    spec = json.loads(json.dumps(saved[2]))
    del spec["input"]["height"]
    assert "missing 'height'" in load_error(write(tmp_path, spec, saved[3]))


def test_unknown_layer_type(tmp_path, saved):
    spec = json.loads(json.dumps(saved[2]))
    spec["layers"][1]["type"] = "leaky_relu"
    message = load_error(write(tmp_path, spec, saved[3]))
    assert "unknown type 'leaky_relu'" in message and "relu_1_1" in message


def test_missing_array(tmp_path, saved):
    arrays = dict(saved[3])
    del arrays["conv_2_1/bias"]
    assert "missing array 'conv_2_1/bias'" in load_error(write(tmp_path, saved[2], arrays))


def test_wrong_array_shape(tmp_path, saved):
    arrays = dict(saved[3])
    arrays["conv_1_2/kernel"] = np.zeros((3, 3, 10, 9), np.float32)
    message = load_error(write(tmp_path, saved[2], arrays))
    assert "'conv_1_2/kernel'" in message and "(3, 3, 10, 9)" in message and "(3, 3, 10, 10)" in message


def test_dense_kernel_in_the_wrong_orientation(tmp_path, saved):
    arrays = dict(saved[3])
    arrays["dense/kernel"] = arrays["dense/kernel"].T
    assert "'dense/kernel' has shape (10, 1690)" in load_error(write(tmp_path, saved[2], arrays))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_infinite_in_an_array(tmp_path, saved, bad):
    arrays = dict(saved[3])
    kernel = arrays["dense/kernel"].copy()
    kernel[5, 3] = bad
    arrays["dense/kernel"] = kernel
    message = load_error(write(tmp_path, saved[2], arrays))
    assert "'dense/kernel'" in message and "NaN" in message


def test_non_numeric_array(tmp_path, saved):
    arrays = dict(saved[3])
    arrays["conv_1_1/bias"] = np.array(["a"] * 10)
    assert "'conv_1_1/bias' is not numeric" in load_error(write(tmp_path, saved[2], arrays))


def test_class_count_differs_from_final_units(tmp_path, saved):
    spec = dict(saved[2], classes=saved[2]["classes"][:9])
    message = load_error(write(tmp_path, spec, saved[3]))
    assert "9 classes" in message and "(10,)" in message


def test_npz_missing(tmp_path, saved):
    message = load_error(write(tmp_path, saved[2]))  # no m.npz written
    assert "m.npz" in message and "not found" in message


def test_npz_not_a_zip(tmp_path, saved):
    path = write(tmp_path, saved[2])
    with open(tmp_path / "m.npz", "wb") as f:
        f.write(b"this is not a zip file at all")
    message = load_error(path)
    assert "m.npz" in message and "not a readable .npz" in message


def test_npz_is_a_single_npy(tmp_path, saved):
    path = write(tmp_path, saved[2])
    buffer = io.BytesIO()
    np.save(buffer, np.zeros(3))
    (tmp_path / "m.npz").write_bytes(buffer.getvalue())
    assert "not a readable .npz" in load_error(path)


def test_bad_padding_value(tmp_path, saved):
    spec = json.loads(json.dumps(saved[2]))
    spec["layers"][0]["padding"] = "full"
    message = load_error(write(tmp_path, spec, saved[3]))
    assert "'padding' must be 'valid' or 'same'" in message and "conv_1_1" in message


@pytest.mark.parametrize("key,value", [("kernel_size", 0), ("kernel_size", [3, "3"]), ("strides", [1, 1, 1]), ("filters", -2)])
def test_bad_hyper_parameters(tmp_path, saved, key, value):
    spec = json.loads(json.dumps(saved[2]))
    spec["layers"][0][key] = value
    message = load_error(write(tmp_path, spec, saved[3]))
    assert f"'{key}'" in message and "conv_1_1" in message


def test_one_item_lists_mean_both_axes(tmp_path, saved):
    spec = json.loads(json.dumps(saved[2]))
    spec["layers"][0].update(kernel_size=[3], strides=[1])
    spec["layers"][4].update(pool_size=[2], strides=[2])
    model = load_model(write(tmp_path, spec, saved[3]))
    assert model.layers[0].window_and_stride() == ((3, 3), (1, 1))
    assert model.layers[4].window_and_stride() == ((2, 2), (2, 2))
    assert model.shapes() == saved[0].shapes()


def test_window_too_big_for_the_input(tmp_path, saved):
    spec = json.loads(json.dumps(saved[2]))
    spec["input"].update(height=8, width=8)
    message = load_error(write(tmp_path, spec, saved[3]))
    assert message == "m.json: layer 'conv_2_1': its 3×3 kernel is larger than its 2×2 input"


def test_last_layer_must_be_softmax(tmp_path, saved):
    spec = json.loads(json.dumps(saved[2]))
    spec["layers"] = spec["layers"][:-1]
    assert "softmax" in load_error(write(tmp_path, spec, saved[3]))


def test_unknown_format(tmp_path, saved):
    spec = dict(saved[2], format="keras-h5")
    assert "unknown format 'keras-h5'" in load_error(write(tmp_path, spec, saved[3]))


def test_repeated_layer_name(tmp_path, saved):
    spec = json.loads(json.dumps(saved[2]))
    spec["layers"][3]["name"] = "relu_1_1"
    assert "'relu_1_1' is repeated" in load_error(write(tmp_path, spec, saved[3]))


def test_json_file_missing(tmp_path):
    assert "nothere.json" in load_error(str(tmp_path / "nothere.json"))


def test_resolve_model(saved):
    _, path, _, _ = saved
    assert weights.resolve_model(path).name == "tiny"
    with pytest.raises(WeightsError, match="unknown model 'no-such-model'"):
        weights.resolve_model("no-such-model")


def test_weights_error_is_a_value_error():
    assert issubclass(WeightsError, ValueError)


# ---- files built to take the page down: refused before anything big is parsed, unpacked or allocated --------

def test_a_deeply_nested_json_is_refused_before_parsing(tmp_path, saved):
    deep = '{"a":' + "[" * 10_000 + "]" * 10_000 + "}"  # 20 KB; json.loads would recurse 10,000 deep
    assert "nested more than 64 levels" in load_error(write(tmp_path, text=deep, arrays=saved[3]))
    assert weights.json_depth('{"a": "[[[[[[", "b": [[1], {"c": 2}]}') == 3  # brackets inside strings do not count
    with open(saved[1], "rb") as f:
        assert weights.json_depth(f.read()) < 10


def test_an_oversized_json_is_refused(saved):
    with pytest.raises(WeightsError, match="too big for a model description"):
        weights.parse_spec(b" " * (weights.MAX_JSON_BYTES + 1))


def test_an_npz_that_unpacks_too_big_is_refused_before_decompressing(tmp_path, saved, monkeypatch):
    monkeypatch.setattr(weights, "MAX_ARRAY_BYTES", 4 * 2**20)  # the rule at a smaller scale (the real one is 256 MB)
    arrays = dict(saved[3], unused=np.zeros(2_000_000, np.float32))  # 8 MB of zeros: a few KB compressed
    path = os.path.join(tmp_path, "big.npz")
    np.savez_compressed(path, **arrays)
    assert os.path.getsize(path) < 100_000
    opened = []
    monkeypatch.setattr(np, "load", lambda *a, **k: opened.append(a) or pytest.fail("decompressed"))
    with pytest.raises(WeightsError, match="unpack to 7 MB"):  # 8,000,000 bytes and headers: 7.6 MiB
        weights._read_arrays(path, "big.npz")
    assert not opened


def test_a_model_too_big_for_the_page_is_refused_up_front(tmp_path, saved):
    spec = {"format": weights.FORMAT, "name": "huge", "input": {"height": 64, "width": 64, "channels": 3},
            "classes": ["a", "b"],
            "layers": [{"name": "wide", "type": "conv2d", "filters": 100_000, "kernel_size": 1},
                       {"name": "flat", "type": "flatten"}, {"name": "out", "type": "dense", "units": 2},
                       {"name": "p", "type": "softmax"}]}
    arrays = {"wide/kernel": np.zeros((1, 1, 3, 100_000), np.float32), "wide/bias": np.zeros(100_000, np.float32)}
    message = load_error(write(tmp_path, spec, arrays))
    assert "too big for this page" in message and "409,612,288" in message  # 64·64·3 + 64·64·100,000 numbers
    model, *_ = saved  # Tiny VGG is far inside every limit
    assert sum(int(np.prod(s)) for _, s in model.shapes()) < weights.MAX_ACTIVATIONS / 50


def test_class_names_typed_one_per_line():
    assert weights.parse_class_names("cat\n\n  dog  \nbird\n", 3) == ["cat", "dog", "bird"]
    with pytest.raises(weights.WeightsError, match="Give 3 names, one per line \\(there are 2\\)"):
        weights.parse_class_names("cat\ndog", 3)
    with pytest.raises(weights.WeightsError, match="at most 60 characters"):
        weights.parse_class_names("cat\ndog\n" + "x" * 61, 3)
    with pytest.raises(weights.WeightsError, match="too much text for 3 names"):
        weights.parse_class_names("cat\ndog\nbird" + " " * weights.class_text_limit(3), 3)
    weights.parse_class_names("\n".join(["x" * 60] * 3) + "\n" * 900, 3)  # the longest names and blank lines pass


def test_a_model_opened_twice_gets_its_own_name():
    taken = {"tfjs-model": 1, "tfjs-model (2)": 2, "tinyvgg-tin10": 3}
    assert weights.unique_name("new", taken) == "new"
    assert weights.unique_name("tinyvgg-tin10", taken) == "tinyvgg-tin10 (2)"
    assert weights.unique_name("tfjs-model", taken) == "tfjs-model (3)"


@pytest.mark.parametrize("value", [[0, 1e308], [0, float("inf")], [float("nan"), 1], [1, 1], [1, 0], [0, 1e-9],
                                   [-20000, 0], [True, 2], [0, "1"], [0, 1, 2]])
def test_an_absurd_pixel_range_is_refused(tmp_path, saved, value):
    spec = json.loads(json.dumps(saved[2]))
    spec["input"]["pixel_range"] = value
    path = write(tmp_path, text=json.dumps(dict(spec, arrays="m.npz")), arrays=saved[3])
    message = load_error(path)
    assert "input.pixel_range must be [low, high]: two numbers from -10,000 to 10,000, low below high by at least 0.001" in message


def test_sensible_pixel_ranges_are_accepted(tmp_path, saved):
    for value in ([0, 1], [-1, 1], [0, 255], [-123.68, 151.061]):
        spec = json.loads(json.dumps(saved[2]))
        spec["input"]["pixel_range"] = value
        assert load_model(write(tmp_path, spec, saved[3])).pixel_range == tuple(value)


def test_a_dense_layer_right_after_a_convolution_says_a_flatten_is_missing(tmp_path, saved):
    spec = json.loads(json.dumps(saved[2]))
    spec["layers"] = [layer for layer in spec["layers"] if layer["type"] != "flatten"]
    message = load_error(write(tmp_path, spec, saved[3]))
    assert message == ("m.json: layer 'dense': a dense layer needs a flat input, but it gets 13×13×10 maps: a Flatten "
                       "layer is missing before it")


def test_a_kernel_larger_than_its_input_is_said_as_such(tmp_path, saved):
    spec = json.loads(json.dumps(saved[2]))
    spec["layers"][0]["kernel_size"] = [70, 70]
    arrays = dict(saved[3], **{"conv_1_1/kernel": np.zeros((70, 70, 3, 10), np.float32)})
    assert load_error(write(tmp_path, spec, arrays)) == "m.json: layer 'conv_1_1': its 70×70 kernel is larger than its 64×64 input"
    spec["layers"][0]["kernel_size"] = [3, 3]
    spec["layers"][4]["pool_size"] = [80, 2]
    assert load_error(write(tmp_path, spec, saved[3])) == ("m.json: layer 'max_pool_1': its 80×2 pooling window is larger "
                                                           "than its 60×60 input")


@pytest.mark.parametrize("where,limit", [("name", 200), ("description", 2000), ("class", 200), ("layer", 200)])
def test_overlong_names_in_a_model_file_are_refused(tmp_path, saved, where, limit):
    spec = json.loads(json.dumps(saved[2]))
    long = "\u202e" + "x" * limit
    if where in ("name", "description"):
        spec[where] = long
    elif where == "class":
        spec["classes"][3] = long
    else:
        spec["layers"][2]["name"] = long
    message = load_error(write(tmp_path, spec, saved[3]))
    what = {"name": "the model's name", "description": "the description", "class": "the name of class 4",
            "layer": "the name of layer 3"}[where]
    assert message == f"m.json: {what} has {limit + 1:,} characters; the most this page shows is {limit:,}"
    spec = json.loads(json.dumps(saved[2]))
    spec["name"] = 42
    assert "'name' must be a non-empty text, got 42" in load_error(write(tmp_path, spec, saved[3]))


def test_three_names_of_two_megabytes_are_refused_fast(saved):
    import time
    spec = json.loads(json.dumps(saved[2]))
    big = "n" * 2 * 2**20
    spec["name"], spec["classes"][0], spec["layers"][0]["name"] = big + "1", big + "2", big + "3"
    text = json.dumps(spec).encode()
    start = time.perf_counter()
    with pytest.raises(WeightsError, match="the model's name has 2,097,153 characters"):
        weights.load_model_bytes(text, b"not read")
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("name", ["conv\u202e", "\u2066conv", "طبقة", "conv\x00"])
def test_a_layer_name_is_an_identifier(tmp_path, saved, name):
    spec = json.loads(json.dumps(saved[2]))
    spec["layers"][1]["name"] = name
    assert load_error(write(tmp_path, spec, saved[3])) == ("m.json: the name of layer 2 holds control characters or "
                                                           "right-to-left text (a layer name is an identifier)")
