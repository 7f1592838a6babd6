"""One output value at a time: the small computations the explanation views animate and show as code.

Each *_cell function computes exactly one number of a layer's output the slow, readable way; the tests
check that they agree with the vectorised forward pass in ops.py at every position.
"""
import inspect

import numpy as np

KEY_MOVES = {"ArrowLeft": (0, -1), "ArrowRight": (0, 1), "ArrowUp": (-1, 0), "ArrowDown": (1, 0)}


def scale_cell(pixels, row, col, pixel_range=(0.0, 1.0)):
    """One input value: an 8-bit pixel (0 to 255) scaled into the model's input range."""
    low, high = pixel_range
    pixel = int(pixels[row, col])
    return pixel, pixel / 255 * (high - low) + low


def conv_cell(x, kernel, row, col, stride=(1, 1)):
    """One input channel's contribution to one conv output: window × kernel, summed (no bias)."""
    kh, kw = kernel.shape
    window = x[row * stride[0]:row * stride[0] + kh, col * stride[1]:col * stride[1] + kw]
    products = window * kernel
    return window, products, products.sum()


def conv_total(contributions, bias):
    """A conv neuron's output: the sum of every input channel's contribution plus the bias."""
    return np.sum(contributions) + bias


def relu_cell(x, row, col):
    """ReLU of one value: negative values become 0, positive ones pass unchanged."""
    value = x[row, col]
    return value, max(0.0, value)


def pool_cell(x, row, col, size=(2, 2), stride=(2, 2)):
    """Max pooling of one window: the largest of its values, and where it was."""
    window = x[row * stride[0]:row * stride[0] + size[0], col * stride[1]:col * stride[1] + size[1]]
    where = np.unravel_index(np.argmax(window), window.shape)
    return window, window.max(), where


def dense_cell(flat, weights, bias):
    """One dense output (a logit): every input times its weight, summed, plus the bias."""
    products = flat * weights
    return products, products.sum() + bias


def softmax_terms(logits):
    """Softmax written out: e^logit for each class, their sum, and each share of the sum."""
    exps = np.exp(np.asarray(logits, dtype=np.float64))
    total = exps.sum()
    return exps, total, exps / total


def nudge_slope(model, image, class_index, position, step=1e-6):
    """A gradient by the forward pass alone: nudge one input value both ways and see how far the logit moves
    (in float64, so that so small a nudge is not lost to rounding)."""
    def logit(x):
        for layer in model.layers:
            if layer.type == "softmax":
                break
            x = layer(x)
        return x[class_index]
    up, down = np.array(image, dtype=np.float64), np.array(image, dtype=np.float64)
    up[position] += step
    down[position] -= step
    return float(logit(up) - logit(down)) / (2 * step)


def raster(shape):
    """Every (row, col) of a 2-D grid in reading order."""
    return [(r, c) for r in range(shape[0]) for c in range(shape[1])]


def advance(position, shape, steps=1):
    """The position `steps` cells later in reading order, wrapping around the grid."""
    index = (position[0] * shape[1] + position[1] + steps) % (shape[0] * shape[1])
    return divmod(index, shape[1])


def move(position, key, shape):
    """The position an arrow key (or Home / End) moves to, staying inside the grid; None for other keys."""
    if key == "Home":
        return (0, 0)
    if key == "End":
        return (shape[0] - 1, shape[1] - 1)
    if key not in KEY_MOVES:
        return None
    dr, dc = KEY_MOVES[key]
    return (min(max(position[0] + dr, 0), shape[0] - 1), min(max(position[1] + dc, 0), shape[1] - 1))


def source(function):
    """The source lines of a function (what the code panel shows) and the file line its first line is on."""
    lines, first = inspect.getsourcelines(function)
    return [line.rstrip("\n") for line in lines], first


def line_of(function, start):
    """Index (into source(function)[0]) of the first line whose code starts with `start`."""
    for i, line in enumerate(source(function)[0]):
        if line.strip().startswith(start):
            return i
    raise ValueError(f"{function.__name__} has no line starting with {start!r}")
