"""A model description (the JSON of our weights format, or what a TF.js file says): parse it, check it and build
the Model from it with its arrays. Both file formats (weights.py, tfjs.py) build on this module."""
import json
import re
import unicodedata

import numpy as np

from ..i18n import _
from .model import LAYER_TYPES, Layer, Model

FORMAT = "cnn-explainer-weights/1"
# What this page can hold (checked before anything big is allocated; Tiny VGG uses a small fraction of each).
MAX_JSON_BYTES = 8 * 2**20
MAX_JSON_DEPTH = 64  # a deeper JSON is not a model, and its parser could overflow the WebAssembly stack
MAX_PARAMETERS = 20_000_000
MAX_ACTIVATIONS = 24_000_000  # numbers in all the layers' outputs together
MAX_WINDOWS = 60_000_000  # numbers in one convolution's or pooling's window matrix (what im2col builds)
STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')  # a JSON string (unrolled: a 2 MB one takes 40 ms, not 1.5 s)
OPENERS, CLOSERS = np.frombuffer(b"[{", np.uint8), np.frombuffer(b"]}", np.uint8)
HYPER_PARAMETERS = ("filters", "kernel_size", "strides", "padding", "pool_size", "units")
# Text from a model file is shown on the page: longer names are not names (3 names of 2 MB took 31 s to draw).
MAX_NAME = 200  # characters of a model, layer or class name
MAX_DESCRIPTION = 2000
# A pixel range beyond these makes no picture (and [0, 1e308] overflows float32 into "nan%").
MAX_PIXEL_VALUE = 10_000
MIN_PIXEL_SPAN = 0.001


class WeightsError(ValueError):
    """A weights file that cannot be used; the message names the file and the problem."""


def _require(spec, key, kind, where):
    """spec[key], which must be of the given type; else a WeightsError naming where it is missing."""
    if key not in spec:
        raise WeightsError(_("{where}: missing {key}").format(where=where, key=repr(key)))
    if not isinstance(spec[key], kind):
        raise WeightsError(_("{where}: {key} must be a {type}, got {value}").format(
            where=where, key=repr(key), type=getattr(kind, "__name__", "value"), value=repr(spec[key])))
    return spec[key]


def _short(value, limit=80):
    """repr(value), cut to limit characters (a message never repeats megabytes of someone's file)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def check_text(value, limit, what, where):
    """Refuse a name or description longer than limit characters (before anything heavy is done with it)."""
    if isinstance(value, str) and len(value) > limit:
        raise WeightsError(_("{where}: {what} has {length} characters; the most this page shows is {limit}").format(
            where=where, what=what, length=f"{len(value):,}", limit=f"{limit:,}"))


def identifier_text(name):
    """Whether a name holds no control or format characters and no right-to-left letters (it reads the same
    wherever the page writes it)."""
    return not any(unicodedata.category(c) in ("Cc", "Cf") or unicodedata.bidirectional(c) in ("R", "AL", "AN")
                   for c in name)


def _check_texts(spec, where):
    """The model's name, description, class names and layer names: strings of a sensible length."""
    name = spec.get("name", "model")
    if not (isinstance(name, str) and name.strip()):
        raise WeightsError(_("{where}: 'name' must be a non-empty text, got {value}").format(
            where=where, value=_short(name)))
    check_text(name, MAX_NAME, _("the model's name"), where)
    description = spec.get("description", "")
    if not isinstance(description, str):
        raise WeightsError(_("{where}: 'description' must be a text, got {value}").format(
            where=where, value=_short(description)))
    check_text(description, MAX_DESCRIPTION, _("the description"), where)
    for number, name in enumerate(spec.get("classes") if isinstance(spec.get("classes"), list) else [], 1):
        check_text(name, MAX_NAME, _("the name of class {number}").format(number=number), where)
    for number, layer in enumerate(spec.get("layers") if isinstance(spec.get("layers"), list) else [], 1):
        check_text(layer.get("name") if isinstance(layer, dict) else None, MAX_NAME,
                   _("the name of layer {number}").format(number=number), where)


def _check_pixel_range(pixel_range, where):
    """input.pixel_range: two finite numbers, low < high, within ±MAX_PIXEL_VALUE and at least MIN_PIXEL_SPAN apart."""
    if not (isinstance(pixel_range, list) and len(pixel_range) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pixel_range)
            and all(-MAX_PIXEL_VALUE <= v <= MAX_PIXEL_VALUE for v in pixel_range)  # False for NaN and ±inf
            and pixel_range[1] - pixel_range[0] >= MIN_PIXEL_SPAN):
        raise WeightsError(_("{where}: input.pixel_range must be [low, high]: two numbers from {lowest} to {highest}, "
                             "low below high by at least {span}; got {value}").format(
            where=where, lowest=f"{-MAX_PIXEL_VALUE:,}", highest=f"{MAX_PIXEL_VALUE:,}", span=MIN_PIXEL_SPAN,
            value=_short(pixel_range)))


def _check_hyper_parameters(layer_spec, where):
    """Reject hyper-parameters of the wrong kind before they turn into confusing NumPy errors."""
    for key in ("filters", "units"):
        if key in layer_spec and not (isinstance(layer_spec[key], int) and layer_spec[key] > 0):
            raise WeightsError(_("{where}: {key} must be a positive integer, got {value}").format(
                where=where, key=repr(key), value=repr(layer_spec[key])))
    for key in ("kernel_size", "strides", "pool_size"):
        value = layer_spec.get(key, 1)
        values = [value] if isinstance(value, int) else value
        if not (isinstance(values, list) and len(values) in (1, 2)
                and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values)):
            raise WeightsError(_("{where}: {key} must be a positive integer or a pair of them, got {value}").format(
                where=where, key=repr(key), value=repr(value)))
    if layer_spec.get("padding", "valid") not in ("valid", "same"):
        raise WeightsError(_("{where}: 'padding' must be 'valid' or 'same', got {value}").format(
            where=where, value=repr(layer_spec["padding"])))




def model_from_spec(spec, arrays, where="weights"):
    """Build and validate a Model from the parsed JSON spec and a dict of arrays."""
    if not isinstance(spec, dict):
        raise WeightsError(_("{where}: the JSON must be an object").format(where=where))
    if spec.get("format", FORMAT) != FORMAT:
        raise WeightsError(_("{where}: unknown format {format} (this app reads {known})").format(
            where=where, format=repr(spec["format"]), known=repr(FORMAT)))
    _check_texts(spec, where)
    shape_spec = _require(spec, "input", dict, where)
    in_input = _("{where}: input").format(where=where)  # "input": the JSON key
    shape = tuple(_require(shape_spec, key, int, in_input) for key in ("height", "width", "channels"))
    if min(shape) < 1 or shape[2] not in (1, 3):
        raise WeightsError(_("{where}: input must be positive with 1 or 3 channels, got {shape}").format(
            where=where, shape=shape))
    pixel_range = shape_spec.get("pixel_range", [0.0, 1.0])
    _check_pixel_range(pixel_range, where)
    classes = _require(spec, "classes", list, where)
    if not classes or not all(isinstance(c, str) and c for c in classes):
        raise WeightsError(_("{where}: 'classes' must be a non-empty list of names").format(where=where))
    layer_specs = _require(spec, "layers", list, where)
    if not layer_specs:
        raise WeightsError(_("{where}: 'layers' is empty").format(where=where))

    layers, seen, current = [], set(), shape
    parameters, activations = 0, int(np.prod(shape))
    for index, layer_spec in enumerate(layer_specs):
        if not isinstance(layer_spec, dict):
            raise WeightsError(_("{where}: layer {index} must be an object").format(where=where, index=index))
        name = _require(layer_spec, "name", str, _("{where}: layer {index}").format(where=where, index=index))
        in_layer = _("{where}: layer {name}").format(where=where, name=repr(name))
        kind = _require(layer_spec, "type", str, in_layer)
        if name in seen or name == "input" or "/" in name:
            raise WeightsError(_("{where}: layer name {name} is repeated or not allowed").format(
                where=where, name=repr(name)))
        if not identifier_text(name):  # a layer name is shown inside the page's own sentences in every view
            raise WeightsError(_("{where}: the name of layer {number} holds control characters or right-to-left "
                                 "text (a layer name is an identifier)").format(where=where, number=index + 1))
        seen.add(name)
        if kind not in LAYER_TYPES:
            raise WeightsError(_("{where}: layer {name} has unknown type {type} (known: {known})").format(
                where=where, name=repr(name), type=repr(kind), known=", ".join(LAYER_TYPES)))
        for key in {"conv2d": ("filters",), "dense": ("units",)}.get(kind, ()):
            _require(layer_spec, key, int, in_layer)
        _check_hyper_parameters(layer_spec, in_layer)
        layer = Layer(name, kind, {k: layer_spec[k] for k in HYPER_PARAMETERS if k in layer_spec})
        try:
            following = layer.output_shape(current)  # raises first when a Flatten is missing or a window is too big
            for param, expected in layer.param_shapes(current).items():
                key = f"{name}/{param}"
                if key not in arrays:
                    raise WeightsError(_("{where}: missing array {key}").format(where=where, key=repr(key)))
                array = np.asarray(arrays[key])
                if array.shape != expected:
                    raise WeightsError(_("{where}: array {key} has shape {shape}, expected {expected}").format(
                        where=where, key=repr(key), shape=array.shape, expected=expected))
                if not np.issubdtype(array.dtype, np.floating) and not np.issubdtype(array.dtype, np.integer):
                    raise WeightsError(_("{where}: array {key} is not numeric ({dtype})").format(
                        where=where, key=repr(key), dtype=array.dtype))
                if not np.all(np.isfinite(array)):
                    raise WeightsError(_("{where}: array {key} contains NaN or infinite values").format(
                        where=where, key=repr(key)))
                setattr(layer, param, array.astype(np.float32))
                parameters += array.size
            if layer.type in ("conv2d", "max_pool2d"):
                (kh, kw), (sh, sw) = layer.window_and_stride()
                windows = (current[0] // sh + 1) * (current[1] // sw + 1) * kh * kw * current[2]
                if windows > MAX_WINDOWS:
                    raise WeightsError(_("{where}: layer {name} would need {count} million numbers at once, more "
                                         "than this page holds").format(where=where, name=repr(name), count=windows // 10**6))
            current = following
            activations += int(np.prod(current))
            if parameters > MAX_PARAMETERS or activations > MAX_ACTIVATIONS:
                raise WeightsError(_("{where}: the model is too big for this page ({parameters} parameters, {activations} "
                                     "numbers in its layers' outputs; the limits are {max_parameters} and "
                                     "{max_activations})").format(where=where, parameters=f"{parameters:,}",
                                                                  activations=f"{activations:,}",
                                                                  max_parameters=f"{MAX_PARAMETERS:,}",
                                                                  max_activations=f"{MAX_ACTIVATIONS:,}"))
        except ValueError as error:
            if isinstance(error, WeightsError):
                raise
            raise WeightsError(_("{where}: {error}").format(where=where, error=error)) from None
        layers.append(layer)
    if current != (len(classes),):
        raise WeightsError(_("{where}: the network ends in shape {shape} but there are {count} classes").format(
            where=where, shape=current, count=len(classes)))
    if layers[-1].type != "softmax":
        raise WeightsError(_("{where}: the last layer must be a softmax, got {type}").format(
            where=where, type=repr(layers[-1].type)))
    meta = {k: v for k, v in spec.items() if k not in ("input", "classes", "layers")}
    return Model(layers, classes, shape, pixel_range, spec.get("name", "model"), meta)


def json_depth(text):
    """How deeply a JSON text nests its arrays and objects (strings skipped), counted without parsing it."""
    if isinstance(text, str):
        text = text.encode("utf-8", "replace")
    bare = STRING.sub(b'""', bytes(text))
    steps = np.frombuffer(bare, np.uint8)
    change = np.isin(steps, OPENERS).astype(np.int64) - np.isin(steps, CLOSERS).astype(np.int64)
    return int(np.cumsum(change).max(initial=0))


def parse_spec(json_text, where="weights"):
    """Parse the JSON half of a weights pair, or raise a WeightsError with the position of the mistake."""
    if len(json_text) > MAX_JSON_BYTES:
        raise WeightsError(_("{where}: {size} MB is too big for a model description (the limit is {limit} MB)").format(
            where=where, size=len(json_text) // 2**20, limit=MAX_JSON_BYTES // 2**20))
    if json_depth(json_text) > MAX_JSON_DEPTH:
        raise WeightsError(_("{where}: nested more than {depth} levels deep: not a model description").format(
            where=where, depth=MAX_JSON_DEPTH))
    try:
        return json.loads(json_text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise WeightsError(_("{where}: not valid JSON ({error})").format(where=where, error=error)) from None
