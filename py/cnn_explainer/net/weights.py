"""Read and write the weights format: <name>.json (architecture, classes, provenance) + <name>.npz (arrays); a TF.js
model.json is recognised by load_model too. What a description may say is checked in spec.py (shared with tfjs.py),
whose errors and limits are named here as well."""
import io
import json
import os
import zipfile

import numpy as np

from . import tfjs
from ..i18n import _
from .model import Layer
from .spec import (  # noqa: F401 (WeightsError, parse_spec, limits: also this module's public names)
    FORMAT, MAX_ACTIVATIONS, MAX_JSON_BYTES, MAX_NAME, WeightsError, json_depth, model_from_spec, parse_spec, _check_texts)

MAX_ARRAY_BYTES = 256 * 2**20  # every array of an .npz, uncompressed, before any is decompressed
DEFAULT_MODEL = "tinyvgg-tin10"  # the model the app and the command line use unless told otherwise


def _unpacked_size(npz_source):
    """The bytes an .npz's members declare they unpack to (read from the zip's directory, nothing decompressed)."""
    with zipfile.ZipFile(npz_source) as archive:
        return sum(info.file_size for info in archive.infolist())


def _read_arrays(npz_source, where):
    """Every array of an .npz (path, bytes or file object) as a dict, or a WeightsError; oversized files refused
    before anything is decompressed."""
    try:
        if isinstance(npz_source, (bytes, bytearray)):
            npz_source = io.BytesIO(npz_source)
        size = _unpacked_size(npz_source)
        if size > MAX_ARRAY_BYTES:
            raise WeightsError(_("{where}: its arrays unpack to {size} MB, more than this page holds ({limit} MB)").format(
                where=where, size=size // 2**20, limit=MAX_ARRAY_BYTES // 2**20))
        if hasattr(npz_source, "seek"):
            npz_source.seek(0)
        with np.load(npz_source, allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except WeightsError:
        raise
    except FileNotFoundError:
        raise WeightsError(_("{where}: file not found").format(where=where)) from None
    except Exception as error:  # np.load raises many kinds for a damaged zip
        raise WeightsError(_("{where}: not a readable .npz array file ({error})").format(
            where=where, error=error)) from None




def load_model(json_path):
    """Load <name>.json and the .npz beside it (or the one its "arrays" field names); a TF.js model.json too."""
    where = os.path.basename(json_path)
    try:
        with open(json_path, "rb") as f:
            text = f.read()
    except OSError as error:
        raise WeightsError(_("{where}: cannot read ({error})").format(where=where, error=error.strerror)) from None
    spec = parse_spec(text, where)
    if tfjs.is_tfjs(spec):
        return tfjs.load_tfjs(json_path, spec)
    if isinstance(spec, dict):
        _check_texts(spec, where)  # before the arrays are unpacked
    default = os.path.splitext(os.path.basename(json_path))[0] + ".npz"
    npz_name = spec.get("arrays", default) if isinstance(spec, dict) else default
    npz_path = os.path.join(os.path.dirname(json_path), os.path.basename(str(npz_name)))
    arrays = _read_arrays(npz_path, os.path.basename(npz_path))
    return model_from_spec(spec, arrays, where)


def load_model_bytes(json_bytes, npz_bytes, where="uploaded model"):
    """Load a model from the bytes of its two files (as the browser receives them)."""
    spec = parse_spec(json_bytes, where)
    if isinstance(spec, dict):
        _check_texts(spec, where)  # before the arrays are unpacked
    return model_from_spec(spec, _read_arrays(npz_bytes, where), where)


def model_spec(model):
    """The JSON-ready description of a model (everything but the arrays)."""
    layers = [{"name": l.name, "type": l.type, **l.config} for l in model.layers]
    height, width, channels = model.input_shape
    spec = {"format": FORMAT, "name": model.name, **{k: v for k, v in model.meta.items() if k not in ("format", "name")}}
    spec.update(input={"height": height, "width": width, "channels": channels, "pixel_range": list(model.pixel_range)},
                classes=model.classes, layers=layers, arrays=model.name + ".npz")
    return spec


def model_arrays(model):
    """The arrays of a model as its .npz holds them: {"<layer>/kernel": ..., "<layer>/bias": ...}."""
    return {f"{l.name}/{p}": getattr(l, p) for l in model.layers for p in ("kernel", "bias") if getattr(l, p) is not None}


def save_model(model, directory):
    """Write <directory>/<model.name>.json and .npz; return the JSON path."""
    os.makedirs(directory, exist_ok=True)
    np.savez_compressed(os.path.join(directory, model.name + ".npz"), **model_arrays(model))
    json_path = os.path.join(directory, model.name + ".json")
    with open(json_path, "w") as f:
        json.dump(model_spec(model), f, indent=2)
        f.write("\n")
    return json_path


MAX_CLASS_NAME = 60


def class_text_limit(count):
    """The most characters that count typed class names can take (with room for blank lines and spaces)."""
    return count * (MAX_CLASS_NAME + 2) + 1000


def parse_class_names(text, count):
    """The class names a visitor typed, one per line (blank lines ignored); WeightsError unless exactly count."""
    if len(text) > class_text_limit(count):  # refused before splitting megabytes someone pasted
        raise WeightsError(_("That is too much text for {count} names ({limit} characters at most).").format(
            count=count, limit=f"{class_text_limit(count):,}"))
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if len(names) != count:
        raise WeightsError(_("Give {count} names, one per line (there are {given}).").format(count=count, given=len(names)))
    long = next((name for name in names if len(name) > MAX_CLASS_NAME), None)
    if long is not None:
        raise WeightsError(_("A class name may have at most {limit} characters.").format(limit=MAX_CLASS_NAME))
    return names


def unique_name(name, taken):
    """name, or "name (2)", "name (3)" … : the first that is not taken (a model opened twice gets two menu entries)."""
    if name not in taken:
        return name
    number = 2
    while f"{name} ({number})" in taken:
        number += 1
    return f"{name} ({number})"


def tiny_vgg_layers(filters=10, classes=10):
    """The layer list of CNN Explainer's Tiny VGG (no arrays): two blocks of conv-relu-conv-relu-pool."""
    layers = []
    for block in (1, 2):
        for unit in (1, 2):
            layers.append(Layer(f"conv_{block}_{unit}", "conv2d",
                                {"filters": filters, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid"}))
            layers.append(Layer(f"relu_{block}_{unit}", "relu"))
        layers.append(Layer(f"max_pool_{block}", "max_pool2d", {"pool_size": [2, 2], "strides": [2, 2], "padding": "valid"}))
    return layers + [Layer("flatten", "flatten"), Layer("dense", "dense", {"units": classes}), Layer("output", "softmax")]


def default_weights_dir():
    """The weights/ folder shipped with the app (beside py/ in a checkout, or inside the Pyodide file system)."""
    here = os.path.dirname(os.path.abspath(__file__))  # py/cnn_explainer/net, or cnn_explainer/net in Pyodide
    for candidate in (os.path.join(here, "..", "..", "..", "weights"), os.path.join(here, "..", "..", "weights"),
                      "weights"):
        if os.path.isdir(candidate):
            return os.path.normpath(candidate)
    return "weights"


def resolve_model(name_or_path):
    """A model from a shipped name (tinyvgg-tin10) or a path to a .json; WeightsError if not found."""
    if name_or_path.endswith(".json") or os.sep in name_or_path:
        return load_model(name_or_path)
    path = os.path.join(default_weights_dir(), name_or_path + ".json")
    if not os.path.exists(path):
        known = sorted(f[:-5] for f in os.listdir(default_weights_dir()) if f.endswith(".json")) if os.path.isdir(default_weights_dir()) else []
        raise WeightsError(f"unknown model {name_or_path!r} (shipped: {', '.join(known) or 'none'})")
    return load_model(path)
