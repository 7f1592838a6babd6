"""The pure side of the flatten/dense and softmax views: index mapping, contributions, band geometry, number text."""
from collections import namedtuple

import numpy as np

from . import steps
from ..i18n import _
from .markup import class_name
from .numbers import number

Contribution = namedtuple("Contribution", "index value weight product")
SoftmaxTerm = namedtuple("SoftmaxTerm", "index name logit exp share")
BAND_MOVES = {"ArrowLeft": -1, "ArrowRight": 1}


def output_chain(model):
    """(maps layer or None, dense layer) behind the logits; None when the logits are not made by a dense layer."""
    names = ["input"] + [layer.name for layer in model.layers]
    last = model.layers[-1]
    dense = model.layers[-2] if last.type == "softmax" and len(model.layers) > 1 else last
    if dense.type != "dense":
        return None
    before = names[names.index(dense.name) - 1]
    if before != "input" and model.layer(before).type == "flatten":
        maps = names[names.index(before) - 1]
        return (maps if len(dict(model.shapes())[maps]) == 3 else None), dense
    return None, dense


def flat_index(row, col, channel, shape):
    """Where value (row, col, channel) of an (H, W, C) map lands in the channels-last flatten."""
    _, width, channels = shape
    return (row * width + col) * channels + channel


def map_position(index, shape):
    """The (row, col, channel) of the maps that vector element `index` came from (inverse of flat_index)."""
    _, width, channels = shape
    position, channel = divmod(index, channels)
    row, col = divmod(position, width)
    return row, col, channel


def band_shape(size, per_row):
    """(rows, columns) of a vector of `size` elements wrapped into rows of `per_row` cells."""
    return -(-size // per_row), per_row


def band_cell(index, per_row):
    """The (row, column) of vector element `index` in the wrapped band."""
    return divmod(index, per_row)


def band_index(row, col, per_row, size):
    """The vector element at (row, column) of the band, or None past the vector's end."""
    index = row * per_row + col
    return index if 0 <= col < per_row and 0 <= index < size else None


def band_values(vector, per_row, fill=0.0):
    """The vector wrapped into a (rows, per_row) array for painting, the last row padded with `fill`."""
    rows, _ = band_shape(vector.size, per_row)
    padded = np.full(rows * per_row, fill, dtype=np.float64)
    padded[: vector.size] = vector
    return padded.reshape(rows, per_row)


def band_move(index, key, per_row, size):
    """The element an arrow key (or Home / End) moves to in the band, staying inside it; None for other keys."""
    if key == "Home":
        return 0
    if key == "End":
        return size - 1
    if key in BAND_MOVES:
        step = BAND_MOVES[key]
    elif key in ("ArrowUp", "ArrowDown"):
        step = per_row if key == "ArrowDown" else -per_row
        if not 0 <= index + step < size:
            return index
    else:
        return None
    return min(max(index + step, 0), size - 1)


def edge_path(index, per_row, target):
    """SVG path (band units) of a smooth edge from the centre of element `index`'s cell to the (x, y) target."""
    row, col = band_cell(index, per_row)
    x0, y0, (x1, y1) = col + 0.5, row + 0.5, target
    mid = x0 + (x1 - x0) * 0.6
    return f"M{x0:.2f},{y0:.2f}C{mid:.2f},{y0:.2f} {mid:.2f},{y1:.2f} {x1:.2f},{y1:.2f}"


def dense_summary(flat, weights, bias, top=8):
    """A dense neuron's logit taken apart: the `top` largest |products|, the rest, the sign totals and the logit."""
    products, logit = steps.dense_cell(flat, weights, bias)
    order = sorted(range(products.size), key=lambda k: (-abs(float(products[k])), k))[:top]
    biggest = [Contribution(k, float(flat[k]), float(weights[k]), float(products[k])) for k in order]
    shown = sum(c.product for c in biggest)
    total = float(products.sum())
    return {
        "products": products, "top": biggest, "rest_count": products.size - len(biggest), "rest_sum": total - shown,
        "positive": float(products[products > 0].sum()), "negative": float(products[products < 0].sum()),
        "zeros": int(np.count_nonzero(flat == 0)), "total": total, "bias": float(bias), "logit": logit,
    }


def exp_text(logit, digits=3):
    """e raised to a logit as plain text, e.g. 'e^(2.2)' (for labels, where markup cannot raise the exponent)."""
    return f"e^({number(logit, digits)})"


def exp_html(logit, digits=3):
    """e raised to a logit as HTML, the exponent raised: e<sup>2.2</sup>."""
    return f"e<sup>{number(logit, digits)}</sup>"


class SoftmaxTerms:
    """Every class's SoftmaxTerm, each made when it is asked for (of 10,000 classes a view shows a dozen)."""

    def __init__(self, logits, classes):
        self.logits = np.asarray(logits, dtype=np.float64)
        self.exps, total, self.shares = steps.softmax_terms(self.logits)
        self.total, self.classes = float(total), classes

    def __len__(self):
        return len(self.classes)

    def __getitem__(self, j):
        return SoftmaxTerm(j, self.classes[j], float(self.logits[j]), float(self.exps[j]), float(self.shares[j]))

    def __iter__(self):
        return (self[j] for j in range(len(self)))


def softmax_table(logits, classes):
    """One SoftmaxTerm per class: its logit, e^logit and its share of the sum (the probability)."""
    terms = SoftmaxTerms(logits, classes)
    return list(terms), terms.total


def softmax_formula(terms, total, chosen, shown=None):
    """The softmax of class `chosen` as text, with the real numbers: p = e^(z) / (e^(z1) + …) = a / s = p
    (the class name in the active language); `shown` (some of the terms) writes only those out and counts the rest."""
    term = terms[chosen]
    denominator = " + ".join(exp_text(t.logit) for t in (terms if shown is None else shown))
    if shown is not None and len(shown) < len(terms):
        denominator += " + " + _("{count} more terms").format(count=len(terms) - len(shown))
    return (f"p({class_name(term.name)}) = {exp_text(term.logit)} / ({denominator}) = "
            f"{number(term.exp)} / {number(total)} = {number(term.share, 4)}")
