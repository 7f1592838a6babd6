"""The committed example gallery (examples/): small, complete, documented, held out, and right by its own models."""
import json
import os
import sys

import numpy as np
import pytest
from PIL import Image

from cnn_explainer.net import data
from cnn_explainer.net.image import prepare_for
from cnn_explainer.net.weights import load_model

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, "tools"))

import gallery  # noqa: E402

FOLDER = os.path.join(REPO_ROOT, "examples")


def committed():
    """examples/examples.json as committed."""
    with open(os.path.join(FOLDER, gallery.MANIFEST)) as f:
        return json.load(f)


def entries():
    """(model name, entry) of every committed example."""
    return [(name, entry) for name, items in committed()["models"].items() for entry in items]


def wrong_predictions(folder, manifest, weights_dir):
    """The examples that their model, fed through the app's own image pipeline, does not put in their labelled class."""
    wrong = []
    for name, items in manifest["models"].items():
        model = load_model(os.path.join(weights_dir, name + ".json"))
        for entry in items:
            top = int(model.predict(prepare_for(model, os.path.join(folder, gallery.in_folder(entry["file"])))[0]).argmax())
            if top != entry["class_index"] or model.classes[entry["class_index"]] != entry["label"]:
                wrong.append((entry["file"], model.classes[top]))
    return wrong


def test_every_shipped_model_of_ours_has_a_small_complete_set():
    manifest = committed()
    assert sorted(manifest["models"]) == ["tinyvgg-imagenette", "tinyvgg-tin10"]
    listed = {gallery.in_folder(e["file"]) for _, e in entries()}
    on_disk = {os.path.relpath(os.path.join(d, f), FOLDER).replace(os.sep, "/")
               for d, _, files in os.walk(FOLDER) for f in files}
    assert on_disk - listed == {gallery.MANIFEST, "README.md"} and listed <= on_disk  # nothing unlisted, nothing missing
    sizes = [os.path.getsize(os.path.join(FOLDER, p)) for p in on_disk]
    assert sum(sizes) < 600_000 and max(sizes) < 64_000, (sum(sizes), max(sizes))
    for name, items in manifest["models"].items():
        model = load_model(os.path.join(REPO_ROOT, "weights", name + ".json"))
        per_class = [sum(e["class_index"] == i for e in items) for i in range(len(model.classes))]
        assert min(per_class) >= 2 and max(per_class) <= gallery.EXAMPLES_PER_CLASS, (name, per_class)
        assert manifest["default"][name] in [e["file"] for e in items]
        for entry in items:
            with Image.open(os.path.join(FOLDER, gallery.in_folder(entry["file"]))) as image:
                assert image.format == "PNG" and image.mode == "RGB" and image.size == model.input_shape[1::-1]


def test_each_example_is_one_its_model_gets_right_through_the_apps_pipeline():
    assert wrong_predictions(FOLDER, committed(), os.path.join(REPO_ROOT, "weights")) == []


def test_a_mislabelled_example_is_caught(tmp_path):
    manifest = committed()
    entry = manifest["models"]["tinyvgg-tin10"][0]
    entry["class_index"], entry["label"] = 1, "ladybug"  # a lifeboat labelled as a ladybug
    assert wrong_predictions(FOLDER, manifest, os.path.join(REPO_ROOT, "weights")) == [(entry["file"], "lifeboat")]


def test_the_default_teaches_and_is_stored_as_the_models_exact_input():
    manifest = committed()
    for name, default in manifest["default"].items():
        model = load_model(os.path.join(REPO_ROOT, "weights", name + ".json"))
        path = os.path.join(FOLDER, gallery.in_folder(default))
        array, square = prepare_for(model, path)
        np.testing.assert_array_equal(np.asarray(square), np.asarray(Image.open(path)))  # no resampling left to do
        assert gallery.TEACHING[0] <= float(model.predict(array).max()) <= gallery.TEACHING[1]


def test_every_example_names_its_held_out_source_and_the_readme_lists_it_with_the_terms():
    manifest = committed()
    with open(os.path.join(FOLDER, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    assert readme == gallery.readme(manifest)  # written by tools/gallery.py, never edited apart from it
    assert "non-commercial research and education" in readme and "never used for training" in readme
    for _, entry in entries():
        source = entry["source"]
        assert source["split"] == "val" and source["dataset"] in manifest["datasets"]
        assert "/val/" in source["file"] and "/train/" not in source["file"]
        assert f"`{source['file']}`" in readme and f"`{gallery.in_folder(entry['file'])}`" in readme


@pytest.fixture(scope="module")
def roots():
    """The unpacked data sets ({tar name: root}), or a skip without the data."""
    data_dir = data.find_data_dir()
    if data_dir is None:
        pytest.skip("no ../shared/data here: the held-out check needs the data sets' split lists")
    unpacked, tars = data.unpack(data_dir), gallery.tar_names(data_dir)
    return {tars.get(top, top): root for top, root in unpacked.items()}


def test_the_examples_are_held_out_val_images_and_none_is_a_training_image(roots):
    for name, entry in entries():
        source = entry["source"]
        root = roots[source["dataset"]]
        path = os.path.join(os.path.dirname(root), source["file"])
        assert path in {p for p, _ in data.list_split(root, "val")}, entry["file"]
        train_names = {os.path.basename(p) for p, _ in data.list_split(root, "train")}
        assert os.path.basename(path) not in train_names, entry["file"]
        # the committed pixels are that very val image, as the app prepares it for the model
        model = load_model(os.path.join(REPO_ROOT, "weights", name + ".json"))
        np.testing.assert_array_equal(np.asarray(prepare_for(model, path)[1]),
                                      np.asarray(Image.open(os.path.join(FOLDER, gallery.in_folder(entry["file"])))))


def test_the_tool_reproduces_the_committed_set(roots, tmp_path):
    manifest = gallery.refresh(data.find_data_dir(), os.path.join(REPO_ROOT, "weights"), str(tmp_path))
    assert manifest == committed(), "examples/ is stale for the shipped weights: run make examples"
    for _, entry in entries():
        name = gallery.in_folder(entry["file"])
        np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / name)), np.asarray(Image.open(os.path.join(FOLDER, name))))
