"""The command line, run as `python -m cnn_explainer` in a subprocess: output, JSON shape and exit codes."""
import json
import os
import re
import subprocess
import sys
import tarfile

import numpy as np
import pytest
from PIL import Image

from cnn_explainer import cli
from cnn_explainer.net import data
from cnn_explainer.net.image import prepare_for
from cnn_explainer.net.weights import save_model
from helpers import PY_DIR, ROOT, TIN10_CLASSES, random_model

CLASS_IDS = [f"n{i:08d}" for i in range(10)]


def run(*args):
    """Run python -m cnn_explainer with py/ on the path; the CompletedProcess (text)."""
    env = dict(os.environ, PYTHONPATH=PY_DIR + os.pathsep + os.environ.get("PYTHONPATH", ""), OPENBLAS_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "cnn_explainer", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    """A random Tiny VGG saved as weights (the shipped ones may still be training): (model, json path)."""
    folder = tmp_path_factory.mktemp("weights")
    model = random_model(seed=21, name="cli-test", meta={"class_ids": CLASS_IDS})
    return model, save_model(model, str(folder))


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    """A small random-ish JPEG photo."""
    path = tmp_path_factory.mktemp("img") / "photo.jpg"
    pixels = np.random.default_rng(8).integers(0, 256, (48, 80, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, quality=92)
    return str(path)


def assert_clean_error(result, *fragments):
    """Exit status 2, exactly one stderr line starting 'error:', no traceback, nothing on stdout."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0]


def test_predict_text(model_files, photo):
    model, path = model_files
    result = run("predict", photo, "--model", path)
    assert result.returncode == 0, result.stderr
    probs = model.predict(prepare_for(model, photo)[0])
    top = model.classes[int(np.argmax(probs))]
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith(f"{top} (") and "cli-test" in lines[0]
    rows = [re.match(r"\s+(.+?)\s+([\d.]+)%", line) for line in lines[1:]]
    assert len(rows) == 10 and all(rows)
    assert sorted(r.group(1) for r in rows) == sorted(model.classes)
    shown = [float(r.group(2)) for r in rows]
    assert shown == sorted(shown, reverse=True)
    for r in rows:
        assert abs(float(r.group(2)) - 100 * probs[model.classes.index(r.group(1))]) <= 0.006


def test_predict_json(model_files, photo):
    model, path = model_files
    result = run("predict", photo, "--model", path, "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"model", "classes", "probabilities", "top", "layers"}
    assert out["model"] == "cli-test" and out["classes"] == TIN10_CLASSES
    probs = np.array(out["probabilities"])
    assert probs.shape == (10,) and abs(probs.sum() - 1) < 1e-5 and (probs >= 0).all()
    assert set(out["top"]) == {"label", "probability"}
    assert out["top"]["label"] == out["classes"][int(probs.argmax())] and out["top"]["probability"] == probs.max()
    assert [(layer["name"], tuple(layer["shape"])) for layer in out["layers"]] == model.shapes()
    assert np.abs(probs - model.predict(prepare_for(model, photo)[0])).max() < 1e-6


def test_predict_with_class_names_from_a_file(model_files, photo, tmp_path):
    model, path = model_files
    names = ["\u202eexe.png", "ladybug", "pizza", "bell pepper", "school bus", "koala", "espresso", "red panda",
             "orange", "<b>car</b>"]
    (tmp_path / "names.txt").write_text("\n".join(f"  {n}  " for n in names) + "\n\n", encoding="utf-8")
    out = json.loads(run("predict", photo, "--model", path, "--classes", str(tmp_path / "names.txt"), "--json").stdout)
    probs = model.predict(prepare_for(model, photo)[0])
    assert out["classes"] == names and out["top"]["label"] == names[int(np.argmax(probs))]
    text = run("predict", photo, "--model", path, "--classes", str(tmp_path / "names.txt")).stdout
    assert text.startswith(names[int(np.argmax(probs))] + " (") and "<b>car</b>" in text
    (tmp_path / "two.txt").write_text("cat\ndog\n")
    assert_clean_error(run("predict", photo, "--model", path, "--classes", str(tmp_path / "two.txt")),
                       "two.txt: Give 10 names, one per line (there are 2).")
    (tmp_path / "long.txt").write_text("\n".join(["x" * 61] * 10))
    assert_clean_error(run("predict", photo, "--model", path, "--classes", str(tmp_path / "long.txt")),
                       "long.txt: A class name may have at most 60 characters.")
    (tmp_path / "huge.txt").write_text("cat\n" * 2_000_000)
    assert_clean_error(run("predict", photo, "--model", path, "--classes", str(tmp_path / "huge.txt")),
                       "huge.txt: That is too much text for 10 names (1,620 characters at most).")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9\n".encode("latin-1") * 10)
    assert_clean_error(run("predict", photo, "--model", path, "--classes", str(tmp_path / "latin1.txt")),
                       "latin1.txt: not a UTF-8 text file")
    assert_clean_error(run("predict", photo, "--model", path, "--classes", str(tmp_path / "absent.txt")),
                       "absent.txt: cannot read")


def test_predict_with_the_default_model(photo):
    if not os.path.exists(os.path.join(ROOT, "weights", "tinyvgg-tin10.json")):
        pytest.skip("weights/tinyvgg-tin10.json is not there yet (training has not finished)")
    out = json.loads(run("predict", photo, "--json").stdout)
    assert out["model"] == "tinyvgg-tin10" and out["classes"] == TIN10_CLASSES


def test_activations(model_files, photo, tmp_path):
    model, path = model_files
    out = tmp_path / "acts.npz"
    result = run("activations", photo, "--model", path, "--out", str(out))
    assert result.returncode == 0, result.stderr
    expected = model.forward(prepare_for(model, photo)[0])
    with np.load(out) as npz:
        assert list(npz.files) == list(expected)
        assert npz.files[0] == "input" and npz.files[-1] == "output" and len(npz.files) == 14
        for name, array in expected.items():
            # one float32 rounding apart at most: BLAS may sum in another order in another process (memory alignment)
            assert npz[name].shape == array.shape and npz[name].dtype == array.dtype, name
            np.testing.assert_allclose(npz[name], array, rtol=1e-5, atol=1e-6, err_msg=name)


def make_image_folder(root, model, per_class=3, unknown_class="n99999999", broken=True):
    """An ImageFolder data set in root/val: three classes (by id and by name), one unknown class, one broken file."""
    rng = np.random.default_rng(4)
    folders = {CLASS_IDS[0]: 0, CLASS_IDS[5]: 5, "pizza": 2, unknown_class: None}
    truth = []
    for folder, index in folders.items():
        os.makedirs(root / "val" / folder)
        for i in range(per_class):
            path = root / "val" / folder / f"{i}.png"
            Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(path)
            truth.append((str(path), index))
    if broken:
        (root / "val" / CLASS_IDS[0] / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    correct = {0: 0, 5: 0, 2: 0}
    for path, index in truth:
        if index is not None:
            correct[index] += int(np.argmax(model.predict(prepare_for(model, path)[0])) == index)
    return correct


def test_evaluate_image_folder(model_files, tmp_path):
    model, path = model_files
    correct = make_image_folder(tmp_path, model)
    result = run("evaluate", str(tmp_path), "--model", path)
    assert result.returncode == 0, result.stderr
    right = sum(correct.values())
    assert re.search(rf"top-1 accuracy {100 * right / 9:.2f}% \({right} / 9\)", result.stdout), result.stdout
    for index, name in ((0, "lifeboat"), (5, "koala"), (2, "pizza")):
        assert re.search(rf"^\s+{name}\s+{correct[index]}\s+3\s", result.stdout, re.M), result.stdout
    assert re.search(r"^\s+ladybug\s+0\s+0\s+-", result.stdout, re.M)
    assert "skipped 3 images of 1 classes the model does not know: n99999999" in result.stdout
    assert "skipped 1 unreadable images" in result.stdout


def test_evaluate_tiny_imagenet_layout(model_files, tmp_path):
    model, path = model_files
    (tmp_path / "wnids.txt").write_text("\n".join(CLASS_IDS) + "\n")
    os.makedirs(tmp_path / "val" / "images")
    rows, right = [], 0
    for i in range(6):
        name, label = f"val_{i}.JPEG", (i * 3) % 10
        Image.new("RGB", (32, 32), (40 * i, 255 - 40 * i, 100)).save(tmp_path / "val" / "images" / name, "JPEG")
        rows.append(f"{name}\t{CLASS_IDS[label]}\t0\t0\t10\t10")
        right += int(np.argmax(model.predict(prepare_for(model, str(tmp_path / "val" / "images" / name))[0])) == label)
    (tmp_path / "val" / "val_annotations.txt").write_text("\n".join(rows) + "\n")
    result = run("evaluate", str(tmp_path), "--model", path)
    assert result.returncode == 0, result.stderr
    assert f"({right} / 6)" in result.stdout
    assert "skipped" not in result.stdout


def test_evaluate_folder_of_tars_picks_the_matching_data_set(model_files, tmp_path, monkeypatch, capsys):
    model, path = model_files
    for name, ids in (("other", ["n55555555", "n66666666"]), ("ours", CLASS_IDS[:2])):
        src = tmp_path / "src" / name
        for class_id in ids:
            os.makedirs(src / "val" / class_id)
            Image.new("RGB", (20, 20), (200, 10, 10)).save(src / "val" / class_id / "a.png")
        with tarfile.open(tmp_path / f"{name}.tar", "w") as tar:
            tar.add(src, arcname=name)
    tars = tmp_path / "tars"
    os.makedirs(tars)
    for name in ("other", "ours"):
        os.rename(tmp_path / f"{name}.tar", tars / f"{name}.tar")
    monkeypatch.setattr(data, "DEFAULT_CACHE_DIR", str(tmp_path / "cache"))
    assert cli.main(["evaluate", str(tars), "--model", path]) == 0
    out = capsys.readouterr().out
    assert "/ 2)" in out and os.path.join(str(tmp_path / "cache"), "ours") in out
    assert os.path.isdir(tmp_path / "cache" / "other")  # both were unpacked; the matching one was chosen


def test_evaluate_shared_data_tars_with_the_default_model():
    shared = data.DEFAULT_DATA_DIR
    if not os.path.exists(os.path.join(ROOT, "weights", "tinyvgg-tin10.json")) or not os.path.isdir(shared):
        pytest.skip("needs weights/tinyvgg-tin10.json and ../shared/data")
    result = run("evaluate", shared)
    assert result.returncode == 0, result.stderr
    assert "(" in result.stdout and "/ 500)" in result.stdout and "tiny-imagenet-10" in result.stdout


# --- bad input: exit status 2, one line on stderr, no traceback ---

def test_missing_image(model_files, tmp_path):
    assert_clean_error(run("predict", str(tmp_path / "nope.jpg"), "--model", model_files[1]), "nope.jpg", "not found")


def test_corrupt_image(model_files, tmp_path):
    bad = tmp_path / "bad.jpg"
    Image.new("RGB", (200, 200), (1, 2, 3)).save(bad, quality=90)
    bad.write_bytes(bad.read_bytes()[:300])
    assert_clean_error(run("predict", str(bad), "--model", model_files[1]), "bad.jpg")


def test_non_image_file(model_files, tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not a picture\n")
    assert_clean_error(run("activations", str(text), "--out", str(tmp_path / "a.npz"), "--model", model_files[1]),
                       "not an image")


def test_decompression_bomb(model_files, tmp_path):
    from test_image import png_header_claiming
    (tmp_path / "bomb.png").write_bytes(png_header_claiming(10000, 10000))  # 100 Mpx: Pillow would also warn
    assert_clean_error(run("predict", str(tmp_path / "bomb.png"), "--model", model_files[1]), "limit")


def test_image_path_is_a_directory(model_files, tmp_path):
    assert_clean_error(run("predict", str(tmp_path), "--model", model_files[1]))


def test_unknown_model(photo):
    assert_clean_error(run("predict", photo, "--model", "no-such-model"), "unknown model 'no-such-model'")


def test_missing_model_file(photo, tmp_path):
    assert_clean_error(run("predict", photo, "--model", str(tmp_path / "absent.json")), "absent.json")


def test_malformed_weights_json(photo, tmp_path):
    (tmp_path / "broken.json").write_text('{"name": "broken", "layers": [')
    assert_clean_error(run("predict", photo, "--model", str(tmp_path / "broken.json")), "not valid JSON")


def test_weights_with_a_wrong_array(model_files, photo, tmp_path):
    spec = json.load(open(model_files[1]))
    (tmp_path / "w.json").write_text(json.dumps(dict(spec, arrays="w.npz")))
    np.savez(tmp_path / "w.npz", **{"conv_1_1/kernel": np.zeros((3, 3, 3, 10), np.float32)})
    assert_clean_error(run("predict", photo, "--model", str(tmp_path / "w.json")), "missing array")


def test_bad_data_dirs(model_files, tmp_path):
    assert_clean_error(run("evaluate", str(tmp_path / "nowhere"), "--model", model_files[1]), "does not exist")
    os.makedirs(tmp_path / "empty")
    assert_clean_error(run("evaluate", str(tmp_path / "empty"), "--model", model_files[1]), "no data set")
    os.makedirs(tmp_path / "novals" / "val")
    assert_clean_error(run("evaluate", str(tmp_path / "novals"), "--model", model_files[1]), "no images")
    os.makedirs(tmp_path / "strangers" / "val" / "n12121212")
    Image.new("RGB", (8, 8)).save(tmp_path / "strangers" / "val" / "n12121212" / "x.png")
    assert_clean_error(run("evaluate", str(tmp_path / "strangers"), "--model", model_files[1]), "1 of unknown classes")


def test_corrupt_tar_in_data_dir(model_files, tmp_path, monkeypatch, capsys):
    (tmp_path / "broken.tar").write_bytes(b"this is not a tar archive" * 100)
    monkeypatch.setattr(data, "DEFAULT_CACHE_DIR", str(tmp_path / "cache"))
    assert cli.main(["evaluate", str(tmp_path), "--model", model_files[1]]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_usage_errors_exit_2():
    for args in ((), ("bogus",), ("predict",), ("activations", "x.jpg")):
        result = run(*args)
        assert result.returncode == 2 and "usage:" in result.stderr and "Traceback" not in result.stderr
