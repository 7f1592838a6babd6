"""A sequential CNN built from a layer list: the forward pass and the pieces the explanations need."""
import numpy as np

from . import ops
from ..i18n import _

LAYER_TYPES = ("conv2d", "relu", "max_pool2d", "flatten", "dense", "softmax")


def scale_pixels(pixels, pixel_range=(0.0, 1.0)):
    """8-bit pixels (H, W, C) as float32, scaled from 0..255 into the model's pixel_range."""
    low, high = pixel_range
    return (np.asarray(pixels, dtype=np.float32) / 255.0 * (high - low) + low).astype(np.float32)


def rescale(array, from_range, to_range):
    """An input scaled for one pixel range, scaled for another (the same image for a model that reads another range)."""
    (a, b), (c, d) = from_range, to_range
    return ((np.asarray(array, np.float32) - a) / (b - a) * (d - c) + c).astype(np.float32)


def ramp_pixels(shape):
    """A smooth colour ramp of 8-bit pixels (H, W, C): the input shown when there is no example image."""
    h, w, c = shape
    across, down = np.meshgrid(np.linspace(0, 255, w), np.linspace(0, 255, h))
    return np.rint(np.stack([across, down, np.full((h, w), 128.0)], -1)[..., :c]).astype(np.uint8)


def pixels_of(image, pixel_range=(0.0, 1.0)):
    """The 8-bit pixels (H, W, C) behind an image scaled by scale_pixels (its inverse, rounded)."""
    low, high = pixel_range
    return np.clip(np.rint((np.asarray(image, dtype=np.float64) - low) / (high - low) * 255), 0, 255).astype(np.uint8)


class Layer:
    """One named layer: its type, its hyper-parameters and (for conv2d and dense) its kernel and bias."""

    def __init__(self, name, type, config=None, kernel=None, bias=None):
        if type not in LAYER_TYPES:
            raise ValueError(f"layer {name!r}: unknown type {type!r} (known: {', '.join(LAYER_TYPES)})")
        self.name, self.type, self.config = name, type, dict(config or {})
        self.kernel, self.bias = kernel, bias

    def pair(self, key, default):
        """A two-number hyper-parameter such as kernel_size, accepting one int (or a one-item list) for both axes."""
        value = self.config.get(key, default)
        value = (value,) if isinstance(value, int) else tuple(value)
        return value * 2 if len(value) == 1 else value

    def window_and_stride(self):
        """The (kh, kw) window and (sh, sw) stride of a conv2d or max_pool2d layer."""
        if self.type == "conv2d":
            return self.pair("kernel_size", 3), self.pair("strides", 1)
        window = self.pair("pool_size", 2)
        return window, self.pair("strides", window)

    @property
    def padding(self):
        return self.config.get("padding", "valid")

    def __call__(self, x):
        """Apply this layer to x."""
        if self.type == "conv2d":
            return ops.conv2d(x, self.kernel, self.bias, self.pair("strides", 1), self.padding)
        if self.type == "relu":
            return ops.relu(x)
        if self.type == "max_pool2d":
            return ops.max_pool2d(x, *self.window_and_stride(), self.padding)
        if self.type == "flatten":
            return ops.flatten(x)
        if self.type == "dense":
            return ops.dense(x, self.kernel, self.bias)
        return ops.softmax(x)

    def output_shape(self, shape):
        """The shape this layer produces from an input of the given shape (raises ValueError if impossible)."""
        if self.type in ("relu", "softmax"):
            return shape
        if self.type == "flatten":
            return (int(np.prod(shape)),)
        if self.type == "dense":
            if len(shape) != 1:
                raise ValueError(_("layer {name}: a dense layer needs a flat input, but it gets {shape} maps: a "
                                   "Flatten layer is missing before it").format(
                    name=repr(self.name), shape="×".join(str(n) for n in shape)))
            return (self.config["units"],)
        if len(shape) != 3:
            raise ValueError(_("layer {name}: {type} needs an (H, W, C) input, got shape {shape}").format(
                name=repr(self.name), type=self.type, shape=shape))
        window, stride = self.window_and_stride()
        if self.padding != "same" and (window[0] > shape[0] or window[1] > shape[1]):
            message = (_("layer {name}: its {window} kernel is larger than its {size} input") if self.type == "conv2d"
                       else _("layer {name}: its {window} pooling window is larger than its {size} input"))
            raise ValueError(message.format(name=repr(self.name), window="×".join(str(n) for n in window),
                                            size="×".join(str(n) for n in shape[:2])))
        if self.padding == "same":
            out = [-(-shape[i] // stride[i]) for i in (0, 1)]
        else:
            out = [(shape[i] - window[i]) // stride[i] + 1 for i in (0, 1)]
        channels = self.config["filters"] if self.type == "conv2d" else shape[2]
        return (out[0], out[1], channels)

    def param_shapes(self, input_shape):
        """The kernel and bias shapes this layer needs for the given input shape ({} if it has none)."""
        if self.type == "conv2d":
            kh, kw = self.window_and_stride()[0]
            return {"kernel": (kh, kw, input_shape[2], self.config["filters"]), "bias": (self.config["filters"],)}
        if self.type == "dense":
            return {"kernel": (input_shape[0], self.config["units"]), "bias": (self.config["units"],)}
        return {}


class Model:
    """A sequential CNN: input shape, pixel range, class names, layers and free-form metadata."""

    def __init__(self, layers, classes, input_shape=(64, 64, 3), pixel_range=(0.0, 1.0), name="model", meta=None):
        self.layers, self.classes, self.name = list(layers), list(classes), name
        self.input_shape, self.pixel_range = tuple(input_shape), tuple(pixel_range)
        self.meta = dict(meta or {})

    def layer(self, name):
        """The layer with this name."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"no layer named {name!r}")

    def shapes(self):
        """Every layer's output shape, in order, as (name, shape) pairs starting with the input."""
        shape, result = self.input_shape, [("input", self.input_shape)]
        for layer in self.layers:
            shape = layer.output_shape(shape)
            result.append((layer.name, shape))
        return result

    def forward(self, image):
        """Run the network on one (H, W, C) image already scaled to pixel_range; every activation by name."""
        x = np.asarray(image, dtype=np.float32)
        if x.shape != self.input_shape:
            raise ValueError(f"model {self.name!r} takes an image of shape {self.input_shape}, got {x.shape}")
        acts = {"input": x}
        for layer in self.layers:
            x = layer(x)
            acts[layer.name] = x
        return acts

    def predict(self, image):
        """The class probabilities (the last activation) for one image."""
        return list(self.forward(image).values())[-1]

    def input_of(self, name, acts):
        """The activation that feeds the named layer."""
        names = ["input"] + [layer.name for layer in self.layers]
        return acts[names[names.index(name) - 1]]

    def logits(self, acts):
        """The input of the final softmax: the scores before they are turned into probabilities."""
        last = self.layers[-1]
        return self.input_of(last.name, acts) if last.type == "softmax" else acts[last.name]

    def padded_input(self, name, acts):
        """The named layer's input after its padding, i.e. the grid its windows slide over."""
        layer = self.layer(name)
        window, stride = layer.window_and_stride()
        value = 0.0 if layer.type == "conv2d" else -np.inf
        return ops.pad(self.input_of(name, acts), window, stride, layer.padding, value), window, stride

    def conv_intermediates(self, name, acts, out_channel):
        """For one conv neuron: each input channel cross-correlated with its own kernel slice, no bias: (in, H, W)."""
        x, (kh, kw), (sh, sw) = self.padded_input(name, acts)
        x = np.ascontiguousarray(np.moveaxis(x, -1, 0))  # (in, H, W): one map per input channel
        kernel = self.layer(name).kernel[:, :, :, out_channel]  # (kh, kw, in): one slice per input channel
        oh, ow = (x.shape[1] - kh) // sh + 1, (x.shape[2] - kw) // sw + 1
        maps = np.zeros((x.shape[0], oh, ow), np.result_type(x, kernel))
        for i in range(kh):  # each kernel position weighs the input shifted by (i, j): kh × kw whole-map steps
            for j in range(kw):
                maps += kernel[i, j, :, None, None] * x[:, i : i + sh * oh : sh, j : j + sw * ow : sw]
        return maps

    def window_at(self, name, acts, row, col):
        """The input window (kh, kw, in) behind output position (row, col) of a conv or pool layer."""
        x, window, stride = self.padded_input(name, acts)
        r, c = row * stride[0], col * stride[1]
        return x[r : r + window[0], c : c + window[1], :]
