"""The teaching commands: train on a folder of class folders, evaluate on the same layout, saliency to .npy."""
import json
import os

import numpy as np
import pytest
from PIL import Image

from cnn_explainer import cli
from cnn_explainer.net import saliency, weights
from cnn_explainer.net.image import prepare_for
from test_cli import assert_clean_error, run

COLOURS = {"red": (210, 40, 40), "blue": (40, 40, 210), "green": (40, 200, 40)}


def class_folders(root, per_class=5, colours=COLOURS, seed=0):
    """One folder of noisy single-colour PNGs per class, and one unreadable file."""
    rng = np.random.default_rng(seed)
    for name, colour in colours.items():
        os.makedirs(root / name, exist_ok=True)
        for i in range(per_class):
            pixels = np.clip(np.array(colour) + rng.normal(0, 40, (24, 30, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


@pytest.fixture(scope="module")
def taught(tmp_path_factory):
    """The train command's output on three colour classes: (folder of pictures, model .json, stdout, tfjs folder)."""
    root = class_folders(tmp_path_factory.mktemp("pictures"))
    (root / "red" / "broken.png").write_bytes(b"not a picture")
    out = tmp_path_factory.mktemp("out")
    result = run("train", str(root), "--out", str(out / "colours"), "--epochs", "4", "--seed", "3",
                 "--tfjs", str(out / "tfjs"))
    assert result.returncode == 0, result.stderr
    return root, str(out / "colours.json"), result.stdout, str(out / "tfjs")


def test_train_prints_epochs_accuracy_and_the_confusion_matrix(taught):
    _, path, stdout, _ = taught
    assert "skipped 1 unreadable pictures: broken.png" in stdout
    assert "3 classes (blue, green, red): 12 pictures to learn from, 3 held out; mode quick, 4 epochs, seed 3" in stdout
    assert [line.split()[1] for line in stdout.splitlines() if line.startswith("epoch")] == ["1/4", "2/4", "3/4", "4/4"]
    assert "held-out accuracy" in stdout and "confusion matrix (rows: true class, columns: predicted)" in stdout
    rows = [line.split() for line in stdout.splitlines() if line.strip().startswith(("blue ", "green ", "red "))]
    assert len(rows) == 3 and sum(int(n) for row in rows for n in row[1:4]) == 3


def test_the_trained_model_loads_and_predicts_like_any_other(taught):
    root, path, _, tfjs_dir = taught
    model = weights.load_model(path)
    assert model.classes == ["blue", "green", "red"] and model.name == "colours"
    assert model.meta["mode"] == "quick" and model.meta["epochs"] == 4 and model.meta["seed"] == 3
    result = run("predict", str(root / "green" / "0.png"), "--model", path, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["classes"] == ["blue", "green", "red"]
    exported = weights.load_model(os.path.join(tfjs_dir, "model.json"))
    image = prepare_for(model, str(root / "blue" / "1.png"))[0]
    assert np.allclose(exported.predict(image), model.predict(image), atol=1e-6)


def test_evaluate_reads_a_folder_of_class_folders(taught, capsys):
    root, path, _, _ = taught
    assert cli.main(["evaluate", str(root), "--model", path]) == 0
    out = capsys.readouterr().out
    assert out.startswith("top-1 accuracy")
    assert "skipped 1 unreadable images" in out
    model = weights.load_model(path)
    right = sum(int(np.argmax(model.predict(prepare_for(model, str(root / c / f"{i}.png"))[0])) == k)
                for k, c in enumerate(model.classes) for i in range(5))
    assert f"({right} / 15)" in out.splitlines()[0]


def test_evaluate_names_class_folders_the_model_does_not_know(taught, tmp_path, capsys):
    _, path, _, _ = taught
    class_folders(tmp_path, 2, {"Red": (210, 40, 40), "purple": (120, 0, 120)})
    assert cli.main(["evaluate", str(tmp_path), "--model", path]) == 0
    out = capsys.readouterr().out
    assert "/ 2)" in out.splitlines()[0]  # the two pictures of Red (case ignored)
    assert "skipped 2 images of 1 classes the model does not know: purple" in out


def test_saliency_writes_the_logit_gradient(taught, tmp_path, capsys):
    root, path, _, _ = taught
    picture = str(root / "red" / "2.png")
    assert cli.main(["saliency", picture, "--model", path, "--out", str(tmp_path / "map")]) == 0
    assert "wrote" in capsys.readouterr().out
    grad = np.load(tmp_path / "map.npy")
    model = weights.load_model(path)
    image = prepare_for(model, picture)[0]
    assert grad.dtype == np.float32 and grad.shape == model.input_shape
    top = int(np.argmax(model.predict(image)))
    assert np.array_equal(grad, saliency.saliency(model, image, top))
    assert cli.main(["saliency", picture, "--model", path, "--class", " BLUE", "--out", str(tmp_path / "b.npy"),
                     "--smoothgrad", "3"]) == 0
    assert np.array_equal(np.load(tmp_path / "b.npy"), saliency.smoothgrad(model, image, 0, samples=3))


def test_saliency_of_an_unknown_class(taught, tmp_path):
    root, path, _, _ = taught
    result = run("saliency", str(root / "red" / "0.png"), "--model", path, "--class", "violet",
                 "--out", str(tmp_path / "x.npy"))
    assert_clean_error(result, "no class 'violet'", "blue, green, red")


@pytest.mark.parametrize("folders,fragment", [
    ({"only": (1, 2, 3)}, "at least two classes"),
    ({"a": (1, 2, 3), "b": None}, "'b' has no pictures"),
    ({"Cat": (1, 2, 3), "cat ": (4, 5, 6)}, "same name"),
])
def test_train_refuses_bad_folders_with_one_message(tmp_path, folders, fragment):
    for name, colour in folders.items():
        os.makedirs(tmp_path / "in" / name)
        if colour:
            class_folders(tmp_path / "in", 3, {name: colour})
    result = run("train", str(tmp_path / "in"), "--out", str(tmp_path / "out" / "m"), "--epochs", "1")
    assert_clean_error(result, fragment)
    assert not (tmp_path / "out").exists()
