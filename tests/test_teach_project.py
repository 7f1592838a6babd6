"""The Teach panel's files: camera frames prepared like picture files, a project's .zip packed and unpacked (and hostile ones
refused with one message), a taught model exported in our format and as TF.js, loaded back."""
import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image, ImageOps
from cnn_explainer.net import image, tfjs, weights
from cnn_explainer.page import teach_project as tp

SHAPE = (64, 64, 3)


def zip_of(members, method=zipfile.ZIP_DEFLATED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def project_json(**fields):
    return json.dumps({"format": tp.PROJECT_FORMAT, "classes": [{"name": "a", "pictures": []}], **fields}).encode()


def test_a_camera_frame_is_prepared_like_the_same_picture_as_a_file():
    frame = np.random.default_rng(0).integers(0, 256, (90, 120, 3), dtype=np.uint8)
    rgba = np.concatenate([frame, np.full((90, 120, 1), 255, np.uint8)], axis=2)
    file = io.BytesIO()
    Image.fromarray(frame).save(file, "PNG")
    assert np.array_equal(tp.frame_pixels(rgba.tobytes(), 120, 90, SHAPE), image.picture_pixels(file.getvalue(), SHAPE))
    wide = Image.fromarray(frame)
    reference = np.asarray(ImageOps.fit(wide, (32, 32), method=Image.Resampling.LANCZOS))  # centre crop + resize
    assert np.array_equal(tp.frame_pixels(rgba.tobytes(), 120, 90, (32, 32, 3)), reference)
    gray = tp.frame_pixels(rgba.tobytes(), 120, 90, (64, 64, 1))
    assert gray.shape == (64, 64, 1) and gray.dtype == np.uint8


def test_png_bytes_keep_the_pixels_exactly():
    pixels = np.random.default_rng(1).integers(0, 256, SHAPE, dtype=np.uint8)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(tp.png_bytes(pixels)))), pixels)


def test_safe_name_is_never_a_path():
    assert tp.safe_name("my model") == "my-model"
    assert tp.safe_name("../../etc/passwd") == "etc-passwd"
    assert tp.safe_name("///") == "model" and len(tp.safe_name("x" * 500)) == 60


def test_a_project_comes_back_as_it_was_packed():
    rng = np.random.default_rng(2)
    classes = [("cats", [rng.integers(0, 256, SHAPE, dtype=np.uint8) for _ in range(3)]),
               ("狗 <b>", [rng.integers(0, 256, SHAPE, dtype=np.uint8)]), ("empty", [])]
    settings = {"mode": "deeper", "epochs": 12, "seed": 7, "name": "pets"}
    data = tp.pack(classes, settings)
    assert tp.pack(classes, settings) == data  # fixed times: the same project gives the same bytes
    back, back_settings = tp.unpack(data, SHAPE)
    assert back_settings == settings
    assert [name for name, _p in back] == ["cats", "狗 <b>", "empty"]
    for (_n, pictures), (_m, originals) in zip(back, classes):
        assert len(pictures) == len(originals) and all(np.array_equal(a, b) for a, b in zip(pictures, originals))


@pytest.mark.parametrize("data, words", [
    (b"PK\x03\x04 not really", "not a .zip"),
    (zip_of({"other.txt": b"x"}), "no project.json"),
    (zip_of({"project.json": b"{not json"}), "not valid JSON"),
    (zip_of({"project.json": b"[1, 2]"}), "not a project"),
    (zip_of({"project.json": json.dumps({"format": "else"}).encode()}), "not a project"),
    (zip_of({"project.json": project_json(classes=[])}), "from 1 to 10 classes"),
    (zip_of({"project.json": project_json(classes=[{"name": str(i), "pictures": []} for i in range(11)])}), "from 1 to 10"),
    (zip_of({"project.json": project_json(classes=[{"name": 3, "pictures": []}])}), "not a name and a list"),
    (zip_of({"project.json": project_json(classes=[{"name": "x" * 61, "pictures": []}])}), "not a name and a list"),
    (zip_of({"project.json": project_json(mode="turbo")}), "mode"),
    (zip_of({"project.json": project_json(epochs=0)}), "epochs"),
    (zip_of({"project.json": project_json(epochs=True)}), "epochs"),
    (zip_of({"project.json": project_json(seed=-1)}), "seed"),
    (zip_of({"project.json": project_json(name=["x"])}), "model name"),
    (zip_of({"project.json": project_json(classes=[{"name": "a", "pictures": ["p.png"]}])}), "does not hold"),
    (zip_of({"project.json": project_json(classes=[{"name": "a", "pictures": ["p.png"]}]), "p.png": b"junk"}),
     "cannot be read"),
    (zip_of({"project.json": project_json(), "../evil.png": b"x"}), "unsafe name"),
    (zip_of({"project.json": project_json(), "/abs.png": b"x"}), "unsafe name"),
    (zip_of({"project.json": project_json(), "c:\\evil.png": b"x"}), "unsafe name"),
    (zip_of({"project.json": project_json(), "bomb.png": bytes(3 * 2**20)}), "larger than 2 MB"),
])
def test_a_hostile_or_broken_project_is_refused_with_one_message(data, words):
    with pytest.raises(tp.ProjectError) as caught:
        tp.unpack(data, SHAPE)
    assert words in str(caught.value)


def test_a_zip_bomb_is_refused_from_its_directory_before_anything_is_unpacked(monkeypatch):
    members = {f"m{i}.bin": bytes(2 * 2**20) for i in range(65)}  # 130 MB of zeros in well under 1 MB
    data = zip_of({"project.json": project_json(), **members})
    assert len(data) < 2**20
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("a member was opened"))
    with pytest.raises(tp.ProjectError, match="unpacks to more than 128 MB"):
        tp.unpack(data, SHAPE)


def test_a_project_too_big_or_with_too_many_files_is_refused(monkeypatch):
    monkeypatch.setattr(tp, "MAX_PROJECT_BYTES", 100)
    with pytest.raises(tp.ProjectError, match="larger than"):
        tp.unpack(bytes(101), SHAPE)
    monkeypatch.setattr(tp, "MAX_PROJECT_BYTES", 64 * 2**20)
    monkeypatch.setattr(tp, "MAX_PICTURES", 3)
    with pytest.raises(tp.ProjectError, match="more than 4 files"):
        tp.unpack(zip_of({f"{i}": b"" for i in range(5)}), SHAPE)


def test_the_exported_model_loads_back_with_the_same_weights(tmp_path):
    model = weights.resolve_model(weights.DEFAULT_MODEL)
    model.name = "my model"
    name, data = tp.export_ours(model)
    assert name == "my-model.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["my-model.json", "my-model.npz"]
        archive.extractall(tmp_path)
    back = weights.load_model(str(tmp_path / "my-model.json"))
    assert back.name == "my model" and back.classes == model.classes
    for key, array in weights.model_arrays(model).items():
        assert np.array_equal(weights.model_arrays(back)[key], array)


def test_the_tfjs_export_loads_back_as_the_same_network(tmp_path):
    model = weights.resolve_model(weights.DEFAULT_MODEL)
    name, data = tp.export_tfjs(model)
    assert name.endswith("-tfjs.zip")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "model.json" in archive.namelist() and any(n.endswith(".bin") for n in archive.namelist())
        archive.extractall(tmp_path)
    back = tfjs.load_tfjs(str(tmp_path / "model.json"))
    picture = np.random.default_rng(3).random(model.input_shape).astype(np.float32)
    np.testing.assert_allclose(back.predict(picture), model.predict(picture), rtol=1e-5, atol=1e-6)
