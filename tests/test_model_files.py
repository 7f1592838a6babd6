"""What "Open…" takes, natively: our .json + .npz, a TF.js model.json + shard, or one .zip of either (the Teach
panel's exports, folders flattened), against the shipped model loaded from its own files; hostile zips refused
with one message before anything is decompressed."""
import io
import struct
import zipfile

import numpy as np
import pytest
from cnn_explainer.net import tfjs, weights
from cnn_explainer.net.model import scale_pixels
from cnn_explainer.page import model_files as mf
from cnn_explainer.page import teach_project as tp


@pytest.fixture(scope="module")
def shipped():
    return weights.resolve_model("tinyvgg-tin10")


@pytest.fixture(scope="module")
def picture(shipped):
    pixels = np.random.default_rng(3).integers(0, 256, shipped.input_shape, dtype=np.uint8)
    return scale_pixels(pixels, shipped.pixel_range)


def zip_of(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def refused(files, *words):
    with pytest.raises(weights.WeightsError) as error:
        mf.model_from_files(files)
    assert any(word in str(error.value) for word in words), str(error.value)
    return str(error.value)


def same_model(model, shipped, picture, rtol):
    assert model.classes == shipped.classes and model.input_shape == shipped.input_shape
    np.testing.assert_allclose(model.predict(picture), shipped.predict(picture), rtol=rtol, atol=1e-7)


@pytest.mark.parametrize("export, rtol", [(tp.export_ours, 0), (tp.export_tfjs, 1e-5)])
def test_an_exported_zip_opens_as_the_same_model(shipped, picture, export, rtol):
    name, data = export(shipped)
    same_model(mf.model_from_files({name: data}), shipped, picture, rtol)
    same_model(mf.model_from_files(members(data)), shipped, picture, rtol)  # and its files chosen one by one


def test_folders_in_a_zip_are_flattened_and_macos_copies_and_other_files_ignored(shipped, picture):
    files = members(tp.export_tfjs(shipped)[1])
    nested = {f"my model/{name}": data for name, data in files.items()}
    nested.update({"my model/": b"", "__MACOSX/my model/._model.json": b"\x00junk", "my model/._model.json": b"junk",
                   "my model/README.txt": b"hello"})
    same_model(mf.model_from_files({"MODEL.ZIP": zip_of(nested)}), shipped, picture, 1e-5)
    assert set(mf.unzip_model(zip_of(nested))) == {"model.json", tfjs.SHARD}


def test_a_zip_is_chosen_on_its_own(shipped):
    name, data = tp.export_ours(shipped)
    refused({name: data, "notes.json": b"{}"}, "on its own")
    refused({name: data, "other.zip": data}, "on its own")


@pytest.mark.parametrize("case, words", [
    ("not a zip", ["not a .zip"]),
    ("no json", ["no model"]),
    ("two of a name", ["two files named"]),
    ("parent", ["unsafe name"]),
    ("absolute", ["unsafe name"]),
    ("backslash", ["unsafe name"]),
    ("drive", ["unsafe name"]),
    ("lies about its size", ["larger than it says", "damaged"]),
])
def test_a_hostile_or_unusable_zip_gets_one_message(shipped, case, words):
    ours = members(tp.export_ours(shipped)[1])
    json_name = next(n for n in ours if n.endswith(".json"))
    data = {
        "not a zip": b"PK\x03\x04 not really",
        "no json": zip_of({n: d for n, d in ours.items() if n.endswith(".npz")}),
        "two of a name": zip_of({**{f"a/{n}": d for n, d in ours.items()}, f"b/{json_name}": ours[json_name]}),
        "parent": zip_of({f"../{n}": d for n, d in ours.items()}),
        "absolute": zip_of({f"/{n}": d for n, d in ours.items()}),
        "backslash": zip_of({f"a\\{n}": d for n, d in ours.items()}),
        "drive": zip_of({f"C:{n}": d for n, d in ours.items()}),
        "lies about its size": lying_zip(ours),
    }[case]
    message = refused({"evil.zip": data}, *words)
    assert message.startswith("evil.zip"), "the message names the file"


def lying_zip(files):
    """A stored zip whose directory says every member is 10 bytes long, whatever it holds."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    data = bytearray(out.getvalue())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # uncompressed size in each header
        start = data.find(signature)
        while start >= 0:
            struct.pack_into("<I", data, start + offset, 10)
            start = data.find(signature, start + 4)
    return bytes(data)


@pytest.mark.parametrize("limit, value, words", [
    ("MAX_ZIP_BYTES", 1000, "the file is larger than"),
    ("MAX_ZIP_MEMBERS", 3, "more than 3 files"),
    ("MAX_ZIP_MEMBER_BYTES", 2**20, "a file inside it is larger than 1 MB"),
    ("MAX_ZIP_UNPACKED_BYTES", 3 * 2**20, "unpacks to more than 3 MB"),
])
def test_the_limits_are_checked_from_the_directory_before_anything_is_decompressed(monkeypatch, limit, value, words):
    bomb = zip_of({"model.json": b"{}", **{f"zeros{i}.bin": bytes(2 * 2**20) for i in range(4)}})  # 8 MB in ~8 kB
    monkeypatch.setattr(mf, limit, value)
    decompressed = []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: decompressed.append(a) or pytest.fail("opened"))
    refused({"bomb.zip": bomb}, words)
    assert decompressed == []


def test_the_real_limits_hold_a_model_and_refuse_a_bomb():
    assert mf.MAX_ZIP_UNPACKED_BYTES >= weights.MAX_ARRAY_BYTES and mf.MAX_ZIP_MEMBERS >= 2
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.json", b"{}")
        with archive.open("zeros.bin", "w", force_zip64=True) as member:  # 129 MB of zeros, ~130 kB packed
            chunk = bytes(2**20)
            for _ in range(129):
                member.write(chunk)
    assert len(out.getvalue()) < 2**20
    refused({"bomb.zip": out.getvalue()}, "a file inside it is larger than 128 MB")


def test_files_without_a_zip_still_need_their_partner(shipped):
    ours = members(tp.export_ours(shipped)[1])
    refused({n: d for n, d in ours.items() if n.endswith(".json")}, "its .json and its .npz")
    refused({"cat.png": b"x"}, "Choose the files of a model")
