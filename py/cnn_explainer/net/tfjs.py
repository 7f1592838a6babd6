"""Import TF.js Layers models: model.json (Keras topology + weightsManifest) and its .bin shards, as a Model."""
import math
import os

import numpy as np

from ..i18n import _
from .spec import MAX_NAME, WeightsError, _check_texts, _require, check_text, model_from_spec, parse_spec

MAX_WEIGHT_BYTES = 512 * 1024 * 1024  # refused before any shard is read: far more than the browser can explain
SUPPORTED = ("InputLayer", "Conv2D", "Activation", "ReLU", "Softmax", "MaxPooling2D", "Flatten", "Dense",
             "Dropout", "SpatialDropout2D", "BatchNormalization")
IDENTITY = ("InputLayer", "Dropout", "SpatialDropout2D")  # nothing to do at inference
ACTIVATIONS = {"linear": None, "relu": "relu", "softmax": "softmax"}  # Keras activation → our layer type
CHANNEL_AXIS = (-1, 3, [-1], [3])


def is_tfjs(spec):
    """Whether a parsed model.json is a TF.js model (it has a modelTopology or a weightsManifest)."""
    return isinstance(spec, dict) and ("modelTopology" in spec or "weightsManifest" in spec)


def _refuse(where, name, kind, reason):
    """The one error for a layer we cannot import: it names the layer, its Keras type and why."""
    return WeightsError(_("{where}: layer {name} of type {type} cannot be imported: {reason}").format(
        where=where, name=repr(name), type=kind, reason=reason))


def _keras_layers(spec, where):
    """The Sequential model's layers as [(class_name, name, config)]; other graphs are refused."""
    topology = spec.get("modelTopology")
    if isinstance(topology, dict) and "model_config" in topology:  # the Python converter nests it one level down
        topology = topology["model_config"]
    if not (isinstance(topology, dict) and isinstance(topology.get("class_name"), str) and "config" in topology):
        raise WeightsError(_("{where}: modelTopology must describe a Keras model (class_name and config)").format(
            where=where))
    config = topology["config"]
    entries = config.get("layers") if isinstance(config, dict) else config  # Keras 2.0 wrote a bare list
    if not isinstance(entries, list) or not entries:
        raise WeightsError(_("{where}: 'layers' is empty").format(where=where))
    layers = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise WeightsError(_("{where}: layer {index} must be an object").format(where=where, index=index))
        in_entry = _("{where}: layer {index}").format(where=where, index=index)
        kind = _require(entry, "class_name", str, in_entry)
        layer_config = _require(entry, "config", dict, in_entry)
        name = _require(layer_config, "name", str, in_entry)
        check_text(name, MAX_NAME, _("the name of layer {number}").format(number=index + 1), where)
        layers.append((kind, name, layer_config))
    if topology["class_name"] != "Sequential":
        for kind, name, _config in layers:
            if kind not in SUPPORTED:
                raise _refuse(where, name, kind, _("this layer type is not supported (supported: {known})").format(
                    known=", ".join(SUPPORTED)))
        raise WeightsError(_("{where}: only Sequential models can be imported; this one is a {kind} graph").format(
            where=where, kind=repr(topology["class_name"])))
    return layers


def _input_shape(layers, where):
    """(height, width, channels) from the first layer's batch_input_shape [null, H, W, C]."""
    config = layers[0][2]
    shape = config.get("batch_input_shape", config.get("batch_shape"))  # Keras 3 calls it batch_shape
    if not (isinstance(shape, list) and len(shape) == 4
            and all(isinstance(v, int) and not isinstance(v, bool) for v in shape[1:])):
        raise WeightsError(_("{where}: the first layer's batch_input_shape must be [null, height, width, channels], "
                             "got {value}").format(where=where, value=repr(shape)))
    return shape[1:]


def _activation(kind, name, config, where):
    """Our layer type for a Keras activation name (None for linear), or a refusal naming the layer."""
    value = config.get("activation") or "linear"
    if not (isinstance(value, str) and value in ACTIVATIONS):
        raise _refuse(where, name, kind, _("activation {value} (supported: linear, relu, softmax)").format(
            value=repr(value)))
    return ACTIVATIONS[value]


def _check_layer(kind, name, config, where):
    """Refuse what our layers cannot compute: unknown types, channels_first, dilation, groups, a leaky ReLU."""
    if kind not in SUPPORTED:
        raise _refuse(where, name, kind, _("this layer type is not supported (supported: {known})").format(
            known=", ".join(SUPPORTED)))
    if config.get("data_format", "channels_last") not in ("channels_last", None):
        raise _refuse(where, name, kind, _("data_format {value} (only channels_last is supported)").format(
            value=repr(config["data_format"])))
    if config.get("dilation_rate", 1) not in (1, [1], [1, 1]) or config.get("groups", 1) != 1:
        raise _refuse(where, name, kind, _("dilated or grouped convolutions are not supported"))
    if kind == "ReLU" and any(config.get(k) not in (None, 0) for k in ("max_value", "negative_slope", "threshold")):
        raise _refuse(where, name, kind, _(
            "only the plain ReLU is supported (no max_value, negative_slope or threshold)"))
    if kind in ("Softmax", "BatchNormalization") and config.get("axis", -1) not in CHANNEL_AXIS:
        raise _refuse(where, name, kind, _("only the last (channel) axis is supported, got axis {value}").format(
            value=repr(config["axis"])))


def _convert(layers, where):
    """Our layer specs, where each one's weights come from, and the BatchNormalizations to fold into a conv."""
    taken = {name for _kind, name, _config in layers}
    specs, origins, params, folds = [], [], [], []  # origins: the Keras (name, class_name) each spec comes from

    def add(name, layer_type, origin, **config):
        specs.append({"name": name, "type": layer_type, **{k: v for k, v in config.items() if v is not None}})
        origins.append(origin)

    def add_activation(layer_type, name, kind):
        """A fused activation as its own layer, named after the layer it came from (so the overview shows it)."""
        if layer_type:
            new, n = f"{name}_{layer_type}", 2
            while new in taken:
                new, n = f"{name}_{layer_type}_{n}", n + 1
            taken.add(new)
            add(new, layer_type, (name, kind))

    for kind, name, config in layers:
        _check_layer(kind, name, config, where)
        if kind in IDENTITY:
            continue
        if kind == "Conv2D":
            add(name, "conv2d", (name, kind), filters=config.get("filters"), kernel_size=config.get("kernel_size"),
                strides=config.get("strides"), padding=config.get("padding"))
            params.append((name, config.get("use_bias", True)))
            add_activation(_activation(kind, name, config, where), name, kind)
        elif kind == "Dense":
            add(name, "dense", (name, kind), units=config.get("units"))
            params.append((name, config.get("use_bias", True)))
            add_activation(_activation(kind, name, config, where), name, kind)
        elif kind == "Activation":
            layer_type = _activation(kind, name, config, where)
            if layer_type:
                add(name, layer_type, (name, kind))
        elif kind in ("ReLU", "Softmax"):
            add(name, kind.lower(), (name, kind))
        elif kind == "MaxPooling2D":
            pool = config.get("pool_size", [2, 2])
            add(name, "max_pool2d", (name, kind), pool_size=pool, strides=config.get("strides") or pool,
                padding=config.get("padding"))
        elif kind == "Flatten":
            add(name, "flatten", (name, kind))
        elif kind == "BatchNormalization":
            if not specs or specs[-1]["type"] != "conv2d":
                raise _refuse(where, name, kind, _(
                    "it can only be folded into a Conv2D directly before it (with no activation in between)"))
            folds.append((specs[-1]["name"], name, config))
    for spec, (name, kind) in zip(specs[:-1], origins[:-1]):
        if spec["type"] == "softmax":
            raise _refuse(where, name, kind, _("a softmax must be the last layer"))
    return specs, params, folds


def _manifest(spec, where):
    """The weightsManifest as [(shard paths, [(weight name, shape, byte count)])], checked before any byte is read."""
    groups = spec.get("weightsManifest")
    malformed = WeightsError(_("{where}: weightsManifest must be a list of groups, each with 'paths' and 'weights' "
                               "lists").format(where=where))
    if not isinstance(groups, list):
        raise malformed
    result, seen, total = [], set(), 0
    for group in groups:
        if not (isinstance(group, dict) and isinstance(group.get("paths"), list)
                and isinstance(group.get("weights"), list)
                and all(isinstance(p, str) and os.path.basename(p) for p in group["paths"])):
            raise malformed
        entries = []
        for entry in group["weights"]:
            if not (isinstance(entry, dict) and isinstance(entry.get("name"), str)):
                raise malformed
            name, shape = entry["name"], entry.get("shape")
            if name in seen:
                raise WeightsError(_("{where}: weight {name} appears twice in the manifest").format(
                    where=where, name=repr(name)))
            seen.add(name)
            quantization = entry.get("quantization")
            dtype = quantization.get("dtype") if isinstance(quantization, dict) else entry.get("dtype", "float32")
            if dtype != "float32" or quantization is not None:
                raise WeightsError(_("{where}: weight {name} is stored as {dtype}; only float32 weights can be "
                                     "imported").format(where=where, name=repr(name), dtype=repr(dtype)))
            if not (isinstance(shape, list) and len(shape) <= 8
                    and all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)):
                raise WeightsError(_("{where}: weight {name} has an invalid shape {shape}").format(
                    where=where, name=repr(name), shape=repr(shape)))
            size = 4 * math.prod(shape)  # Python integers: a huge shape cannot overflow
            total += size
            if total > MAX_WEIGHT_BYTES:
                raise WeightsError(_("{where}: the weights take more than {limit} MB, the most this app loads").format(
                    where=where, limit=MAX_WEIGHT_BYTES // 2**20))
            entries.append((name, tuple(shape), size))
        result.append(([os.path.basename(p) for p in group["paths"]], entries))
    return result


def _read_weights(groups, sizes, read, where):
    """Every manifest weight as a float32 array: each group's shards joined in manifest order, then sliced.

    sizes(file) gives a shard's byte count (None if missing) and read(file) its bytes; the sizes are checked
    against the manifest before anything is read."""
    def check(files, actual, expected):
        if actual != expected:
            raise WeightsError(_("{where}: the weight files {files} hold {actual} bytes, but the manifest needs "
                                 "{expected}").format(where=where, files=", ".join(files), actual=actual,
                                                      expected=expected))

    arrays = {}
    for files, entries in groups:
        expected, actual = sum(size for _name, _shape, size in entries), 0
        for file in files:
            size = sizes(file)
            if size is None:
                raise WeightsError(_("{where}: weight file {file} is missing").format(where=where, file=repr(file)))
            actual += size
        check(files, actual, expected)
        buffer, offset = b"".join(read(file) for file in files), 0
        check(files, len(buffer), expected)  # a file that changed between the two looks
        for name, shape, size in entries:
            arrays[name] = np.frombuffer(buffer, "<f4", size // 4, offset).reshape(shape)
            offset += size
    return arrays


def _weight(arrays, layer, param):
    """The manifest weight layer/param; also found under a model-name prefix or with TensorFlow's ':0' suffix."""
    for key in (f"{layer}/{param}", f"{layer}/{param}:0"):
        if key in arrays:
            return arrays[key]
    found = [k for k in arrays if k.removesuffix(":0").endswith(f"/{layer}/{param}")]
    return arrays[found[0]] if len(found) == 1 else None


def _fold(model, folds, arrays, where):
    """Fold each BatchNormalization into the conv before it: y = gamma (conv(x) - mean) / sqrt(var + eps) + beta."""
    for conv_name, name, config in folds:
        conv = model.layer(conv_name)
        channels = (conv.kernel.shape[-1],)
        values = {}
        for param, default in (("gamma", 1.0), ("beta", 0.0), ("moving_mean", None), ("moving_variance", None)):
            if default is not None and not config.get({"gamma": "scale", "beta": "center"}[param], True):
                values[param] = np.full(channels, default)
                continue
            key, array = f"{name}/{param}", _weight(arrays, name, param)
            if array is None:
                raise WeightsError(_("{where}: missing array {key}").format(where=where, key=repr(key)))
            if array.shape != channels:
                raise WeightsError(_("{where}: array {key} has shape {shape}, expected {expected}").format(
                    where=where, key=repr(key), shape=array.shape, expected=channels))
            if not np.all(np.isfinite(array)):
                raise WeightsError(_("{where}: array {key} contains NaN or infinite values").format(
                    where=where, key=repr(key)))
            values[param] = array.astype(np.float64)
        epsilon = config.get("epsilon", 1e-3)
        if not (isinstance(epsilon, (int, float)) and not isinstance(epsilon, bool) and 0 <= epsilon < math.inf):
            raise _refuse(where, name, "BatchNormalization", _("epsilon must be a number of at least 0, got {value}")
                          .format(value=repr(epsilon)))
        if not np.all(values["moving_variance"] + epsilon > 0):
            raise _refuse(where, name, "BatchNormalization", _("moving_variance + epsilon must be positive"))
        with np.errstate(all="ignore"):
            scale = values["gamma"] / np.sqrt(values["moving_variance"] + epsilon)
            kernel = (conv.kernel * scale).astype(np.float32)
            bias = ((conv.bias - values["moving_mean"]) * scale + values["beta"]).astype(np.float32)
        if not (np.all(np.isfinite(kernel)) and np.all(np.isfinite(bias))):
            raise _refuse(where, name, "BatchNormalization", _("folding it into {conv} gives infinite values").format(
                conv=repr(conv_name)))
        conv.kernel, conv.bias = kernel, bias


def model_from_tfjs(spec, sizes, read, where="model.json", name="tfjs-model"):
    """Build a Model from a parsed TF.js model.json; sizes(file) and read(file) fetch its shards (see _read_weights)."""
    if not is_tfjs(spec):
        raise WeightsError(_("{where}: not a TF.js Layers model (no modelTopology)").format(where=where))
    layers = _keras_layers(spec, where)
    shape = _input_shape(layers, where)
    specs, params, folds = _convert(layers, where)  # unsupported layers are refused before any shard is read
    metadata = spec.get("userDefinedMetadata") if isinstance(spec.get("userDefinedMetadata"), dict) else {}
    classes = next((holder[key] for holder in (metadata, spec) for key in ("classes", "class_names", "labels")
                    if key in holder), None)
    _check_texts({"name": name, "classes": classes}, where)  # overlong names too, before any shard is read
    arrays = _read_weights(_manifest(spec, where), sizes, read, where)
    ours = {}
    for layer, use_bias in params:
        kernel = _weight(arrays, layer, "kernel")
        bias = _weight(arrays, layer, "bias") if use_bias or kernel is None else np.zeros(kernel.shape[-1:], np.float32)
        ours.update({f"{layer}/{param}": array for param, array in (("kernel", kernel), ("bias", bias))
                     if array is not None})
    if classes is None:
        units = next((s.get("units") for s in reversed(specs) if s["type"] == "dense"), 1)
        count = units if isinstance(units, int) and 0 < units <= sum(a.size for a in arrays.values()) else 1
        classes = [f"class {i}" for i in range(1, count + 1)]
    source = {k: spec[k] for k in ("format", "generatedBy", "convertedBy") if isinstance(spec.get(k), str)}
    ours_spec = {"name": name, "input": dict(zip(("height", "width", "channels"), shape),
                                              pixel_range=metadata.get("pixel_range", [0.0, 1.0])),
                 "classes": classes, "layers": specs, "source": dict(source, importer="tfjs-layers")}
    model = model_from_spec(ours_spec, ours, where)
    _fold(model, folds, arrays, where)
    return model


def load_tfjs(json_path, spec=None):
    """Load a TF.js model.json and the .bin shards beside it (only their file names are used, never their folders)."""
    where, folder = os.path.basename(json_path), os.path.dirname(json_path)
    if spec is None:
        try:
            with open(json_path, "rb") as f:
                spec = parse_spec(f.read(), where)
        except OSError as error:
            raise WeightsError(_("{where}: cannot read ({error})").format(where=where, error=error.strerror)) from None

    def sizes(file):
        try:
            return os.path.getsize(os.path.join(folder, file))
        except (OSError, ValueError):
            return None

    def read(file):
        try:
            with open(os.path.join(folder, file), "rb") as f:
                return f.read()
        except OSError as error:
            raise WeightsError(_("{where}: cannot read ({error})").format(where=file, error=error.strerror)) from None

    stem = os.path.splitext(where)[0]
    name = os.path.basename(os.path.abspath(folder)) if stem == "model" else stem  # model.json: its folder's name
    return model_from_tfjs(spec, sizes, read, where, name or "tfjs-model")


def load_tfjs_bytes(json_bytes, shards, where="uploaded model", name="tfjs-model"):
    """Load a TF.js model from the bytes of its model.json and {file name: bytes} of its shards (as uploaded)."""
    shards = {os.path.basename(k): v for k, v in shards.items()}
    return model_from_tfjs(parse_spec(json_bytes, where), lambda f: len(shards[f]) if f in shards else None,
                           shards.__getitem__, where, name)


SHARD = "group1-shard1of1.bin"
KERAS_LAYERS = {"conv2d": "Conv2D", "max_pool2d": "MaxPooling2D", "flatten": "Flatten", "dense": "Dense"}


def _keras_config(layer):
    """The Keras class name and config of one of our layers (relu and softmax as Activation layers)."""
    if layer.type in ("relu", "softmax"):
        return "Activation", {"name": layer.name, "trainable": True, "dtype": "float32", "activation": layer.type}
    config = {"name": layer.name, "trainable": True, "dtype": "float32"}
    if layer.type == "conv2d":
        window, stride = layer.window_and_stride()
        config.update(filters=layer.config["filters"], kernel_size=list(window), strides=list(stride),
                      padding=layer.padding, data_format="channels_last", dilation_rate=[1, 1], activation="linear",
                      use_bias=True)
    elif layer.type == "max_pool2d":
        window, stride = layer.window_and_stride()
        config.update(pool_size=list(window), strides=list(stride), padding=layer.padding, data_format="channels_last")
    elif layer.type == "flatten":
        config.update(data_format="channels_last")
    else:
        config.update(units=layer.config["units"], activation="linear", use_bias=True)
    return KERAS_LAYERS[layer.type], config


def save_tfjs(model):
    """A TF.js Layers model of ours: {"model.json": bytes, SHARD: bytes} (a Sequential model, float32 weights in
    one shard; the classes and pixel range in userDefinedMetadata), as TF.js's loadLayersModel reads it."""
    import json

    input_name = "input" if all(l.name != "input" for l in model.layers) else "input_layer"
    layers = [{"class_name": "InputLayer", "config": {
        "name": input_name, "batch_input_shape": [None, *model.input_shape], "dtype": "float32", "sparse": False}}]
    weights, data = [], []
    for layer in model.layers:
        kind, config = _keras_config(layer)
        layers.append({"class_name": kind, "config": config})
        for param in ("kernel", "bias"):
            array = getattr(layer, param)
            if array is not None:
                weights.append({"name": f"{layer.name}/{param}", "shape": list(array.shape), "dtype": "float32"})
                data.append(np.ascontiguousarray(array, "<f4").tobytes())
    spec = {"format": "layers-model", "generatedBy": "PyCNN Explainer", "convertedBy": None,
            "modelTopology": {"class_name": "Sequential", "config": {"name": model.name, "layers": layers},
                              "keras_version": "tfjs-layers 4.22.0", "backend": "tensor_flow.js"},
            "weightsManifest": [{"paths": [SHARD], "weights": weights}],
            "userDefinedMetadata": {"classes": list(model.classes), "pixel_range": list(model.pixel_range),
                                    "name": model.name}}
    return {"model.json": json.dumps(spec, indent=1).encode(), SHARD: b"".join(data)}


def write_tfjs(model, directory):
    """Write save_tfjs(model)'s files into directory; return the model.json path."""
    os.makedirs(directory, exist_ok=True)
    for file, content in save_tfjs(model).items():
        with open(os.path.join(directory, file), "wb") as f:
            f.write(content)
    return os.path.join(directory, "model.json")
