"""The Teach panel's files: a picture prepared for training, a project (pictures, names, settings) packed into one .zip
and checked when it comes back, and a trained model exported as a .zip."""
import io
import json
import zipfile

import numpy as np

from ..i18n import _
from ..net import image, safe_zip, tfjs, weights

PROJECT_FORMAT = "pycnn-teach-project/1"
MAX_CLASSES = 10
MAX_PICTURES = 2000  # in one project, all classes together
MAX_PROJECT_BYTES = 64 * 2**20  # the .zip as it arrives
MAX_MEMBER_BYTES = 2 * 2**20  # one member, unpacked (a 64×64 PNG is ~12 kB)
MAX_UNPACKED_BYTES = 128 * 2**20  # all members, unpacked, checked from the directory before any is read
MAX_JSON_BYTES = 256 * 1024
MAX_NAME = weights.MAX_CLASS_NAME
MODES = ("quick", "deeper", "scratch")


class ProjectError(ValueError):
    """A project file that cannot be opened (the message says why)."""


def frame_pixels(rgba, width, height, input_shape):
    """A camera frame's RGBA bytes (width × height) as the model's input pixels, uint8 (H, W, C), prepared like a
    picture file (image.picture_pixels: centre crop, resize)."""
    from PIL import Image
    frame = Image.frombuffer("RGBA", (width, height), bytes(rgba), "raw", "RGBA", 0, 1).convert("RGB")
    square = image.fit_square(frame, input_shape[:2])
    return np.asarray(square.convert("L") if input_shape[2] == 1 else square, dtype=np.uint8).reshape(input_shape)


def png_bytes(pixels):
    """uint8 pixels (H, W, C) as a PNG file."""
    from PIL import Image
    pixels = np.asarray(pixels, dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels[..., 0] if pixels.shape[2] == 1 else pixels).save(out, "PNG")
    return out.getvalue()


def safe_name(text, fallback="model"):
    """A file name made of a model or class name: letters, digits, - and _ only (never a path)."""
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in str(text)).strip("-")[:60]
    return cleaned or fallback


def zip_bytes(members):
    """A .zip of {name: bytes}, written with fixed times (the same inputs give the same bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def export_ours(model):
    """The model in our format, NAME.json + NAME.npz, in one .zip; returns (file name, bytes)."""
    stem = safe_name(model.name)
    spec = dict(weights.model_spec(model), arrays=stem + ".npz")
    arrays = io.BytesIO()
    np.savez_compressed(arrays, **weights.model_arrays(model))
    data = zip_bytes({stem + ".json": json.dumps(spec, indent=1).encode(), stem + ".npz": arrays.getvalue()})
    return stem + ".zip", data


def export_tfjs(model):
    """The model as a TF.js Layers model (model.json + its .bin) in one .zip; returns (file name, bytes)."""
    return safe_name(model.name) + "-tfjs.zip", zip_bytes(tfjs.save_tfjs(model))


def pack(classes, settings):
    """A project as .zip bytes: classes is [(name, [uint8 pixels, …]), …]; settings holds mode, epochs, seed, name."""
    entries, members = [], {}
    for c, (name, pictures) in enumerate(classes):
        files = []
        for p, pixels in enumerate(pictures):
            files.append(f"pictures/{c:02d}/{p:04d}.png")
            members[files[-1]] = png_bytes(pixels)
        entries.append({"name": name, "pictures": files})
    project = {"format": PROJECT_FORMAT, "classes": entries,
               **{key: settings[key] for key in ("mode", "epochs", "seed", "name") if key in settings}}
    return zip_bytes({"project.json": json.dumps(project, indent=1, ensure_ascii=False).encode(), **members})


def _refuse(message):
    raise ProjectError(message)


def _open_archive(data):
    """The zip of a project's bytes, after the checks that need no unpacking (size, members, their sizes, names)."""
    return safe_zip.open_checked(data, MAX_PROJECT_BYTES, MAX_PICTURES + 1, MAX_MEMBER_BYTES, MAX_UNPACKED_BYTES,
                                 ProjectError)


def _read(archive, name, limit):
    """One member's bytes, never more than limit (a member may lie about its size)."""
    try:
        archive.getinfo(name)
    except KeyError:
        _refuse(_("it names a picture it does not hold"))
    return safe_zip.read_member(archive, name, limit, ProjectError)


def _settings(project):
    """The settings of a project's JSON, each checked (unknown keys ignored)."""
    settings = {}
    if project.get("mode", "quick") not in MODES:
        _refuse(_("its mode is not one of quick, deeper, scratch"))
    settings["mode"] = project.get("mode", "quick")
    for key, low, high in (("epochs", 1, 500), ("seed", 0, 2**31 - 1)):
        value = project.get(key)
        if value is not None:
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                _refuse(_("its {key} must be a whole number from {low} to {high}").format(key=key, low=low, high=high))
            settings[key] = value
    name = project.get("name")
    if name is not None:
        if not isinstance(name, str) or len(name) > MAX_NAME:
            _refuse(_("its model name must be text of at most {limit} characters").format(limit=MAX_NAME))
        settings["name"] = name
    return settings


def unpack(data, input_shape):
    """A project's .zip bytes → ([(name, [uint8 pixels (input_shape), …]), …], settings); ProjectError with one
    message for anything wrong (too big, a zip bomb, unsafe paths, bad JSON, a picture that cannot be read)."""
    archive = _open_archive(data)
    if "project.json" not in archive.namelist():
        _refuse(_("it holds no project.json: it is not a project of this page"))
    try:
        project = json.loads(_read(archive, "project.json", MAX_JSON_BYTES).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        _refuse(_("its project.json is not valid JSON"))
    if not isinstance(project, dict) or project.get("format") != PROJECT_FORMAT:
        _refuse(_("it is not a project of this page"))
    entries = project.get("classes")
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_CLASSES:
        _refuse(_("it must hold from 1 to {count} classes").format(count=MAX_CLASSES))
    settings, classes, count = _settings(project), [], 0
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or len(entry["name"]) > MAX_NAME \
                or not isinstance(entry.get("pictures"), list) or not all(isinstance(p, str) for p in entry["pictures"]):
            _refuse(_("a class in it is not a name and a list of pictures"))
        count += len(entry["pictures"])
        if count > MAX_PICTURES:
            _refuse(_("it holds more than {count} pictures").format(count=MAX_PICTURES))
        pictures = []
        for path in entry["pictures"]:
            try:
                pictures.append(image.picture_pixels(_read(archive, path, MAX_MEMBER_BYTES), input_shape))
            except image.ImageError:
                _refuse(_("a picture in it cannot be read"))
        classes.append((entry["name"], pictures))
    return classes, settings
