"""Geometry of the overview: columns, neuron boxes and edges, wide (columns left to right) and tall (bands for phones).

Every position is in logical units: the wide overview is WIDTH × HEIGHT, the tall one TALL_WIDTH × its height.
The page turns them into fractions of the overview's width, so one markup serves both orientations.
"""
import math
from collections import namedtuple

Column = namedtuple("Column", "name kind shape x")  # kind: input | conv2d | relu | max_pool2d | output
Node = namedtuple("Node", "layer index x y size")
Edge = namedtuple("Edge", "source target path")  # source/target: (layer, index)
Box = namedtuple("Box", "x y w h")
Rail = namedtuple("Rail", "scale shift panel_left")  # scale and x shift of the overview, where the panel starts

WIDTH, HEIGHT = 1200, 520
TOP, BOTTOM, LEFT = 44, 8, 8
OUTPUT_LABEL_WIDTH = 190  # room on the right for class names and probability bars
GAP_RATIO = 0.22  # vertical gap between neurons, as a fraction of the neuron size
LABEL_HEIGHT = 38  # the column labels sit in the band above the neurons
OUTPUT_PITCH = 22  # at least this much height per class row, however many neurons the widest layer has
OUTPUT_NAME_WIDTH = 86  # a class row's swatch and name (what stays beside a panel), at the page's font size

TALL_WIDTH = 360  # the tall overview: one band per column, its label on the left, five neurons to a row
TALL_LABEL = 98  # wide enough for a name like "max_pool_1" at the band's font size
TALL_PER_ROW = 5
TALL_GAP = 8
TALL_BAND_GAP = 16
TALL_OUTPUT_ROW = 44  # a class row: a full 44 px touch target

COMPACT_OVER = 64  # a layer of more neurons than this is drawn compact: its first COMPACT_SHOWN neurons and a note
COMPACT_SHOWN = 32  # (every neuron is still computed, and the views show them all)
OUTPUT_SHOWN = 10  # an output of more than COMPACT_OVER classes draws this many rows: the current image's top classes
MORE_HEIGHT = 16  # the note under a compact column ("+96 more"), in either geometry

RAIL_SHARE = 0.4  # an open explanation leaves the overview at most this share of the width …
RAIL_SMALLEST = 0.7  # … shrinking it no further than this; earlier columns then slide off to the left
RAIL_PAD = 12


def columns_of(model):
    """The overview's columns: the input, every layer with a spatial (H, W, C) output, then the output."""
    kinds = {layer.name: layer.type for layer in model.layers}
    cols = [(name, "input" if name == "input" else kinds[name], shape) for name, shape in model.shapes() if len(shape) == 3]
    cols.append((model.layers[-1].name, "output", (len(model.classes),)))
    step = (WIDTH - LEFT - OUTPUT_LABEL_WIDTH) / (len(cols) - 1)
    return [Column(name, kind, shape, LEFT + i * step) for i, (name, kind, shape) in enumerate(cols)]


def drawn(column):
    """How many of a column's neurons the overview draws: all of them, or the first few of a compact column."""
    count = column.shape[-1]
    if count <= COMPACT_OVER:
        return count
    return OUTPUT_SHOWN if column.kind == "output" else COMPACT_SHOWN


def rows(column):
    """Rows of the wide overview a column takes: its drawn neurons, and one more for a compact column's note."""
    return drawn(column) + (drawn(column) < column.shape[-1])


def node_size(columns):
    """One neuron size for the whole overview so the tallest column fits and neurons stay square."""
    tallest = max(rows(col) for col in columns)
    step = (WIDTH - LEFT - OUTPUT_LABEL_WIDTH) / (len(columns) - 1)
    fit = (HEIGHT - TOP - BOTTOM) / (tallest + (tallest - 1) * GAP_RATIO)
    return min(fit, step * 0.62)


def nodes_of(columns, size):
    """Every neuron's box, each column centred vertically; output neurons are small squares before their labels."""
    nodes = []
    middle = TOP + (HEIGHT - TOP - BOTTOM) / 2
    for col in columns:
        count = drawn(col)
        pitch = size * (1 + GAP_RATIO)
        box = size
        if col.kind == "output":  # class rows stay readable beside layers of many small neurons
            pitch = max(pitch, min(OUTPUT_PITCH, (HEIGHT - TOP - BOTTOM) / count))
            box = max(size * 0.5, pitch * 0.45)
            size_here = box
        else:
            size_here = size
        first = middle - (rows(col) * pitch - (pitch - size_here)) / 2
        for i in range(count):
            nodes.append(Node(col.name, i, col.x, first + i * pitch + (size_here - box) / 2, box))
    return nodes


def sources(kind, index, previous_count):
    """Indices of the previous column's neurons that feed neuron `index` of a column of this kind."""
    if kind in ("conv2d", "output"):
        return range(previous_count)
    return [index] if index < previous_count else []


def curve(x0, y0, x1, y1):
    """SVG path of a smooth horizontal S-curve from (x0, y0) to (x1, y1)."""
    mid = (x0 + x1) / 2
    return f"M{x0:.1f},{y0:.1f}C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"


def edges_of(columns, nodes):
    """Every edge of the overview, from the right side of a source neuron to the left side of its target."""
    by_key = {(n.layer, n.index): n for n in nodes}
    result = []
    for prev, col in zip(columns, columns[1:]):
        for i in range(drawn(col)):
            dst = by_key[(col.name, i)]
            for j in sources(col.kind, i, drawn(prev)):
                src = by_key[(prev.name, j)]
                path = curve(src.x + src.size, src.y + src.size / 2, dst.x, dst.y + dst.size / 2)
                result.append(Edge((prev.name, j), (col.name, i), path))
    return result


def overview(model):
    """(columns, nodes, edges, node size) of the model's wide overview in the WIDTH × HEIGHT space."""
    columns = columns_of(model)
    size = node_size(columns)
    nodes = nodes_of(columns, size)
    return columns, nodes, edges_of(columns, nodes), size


def wide_box(column, node):
    """The clickable box of a neuron in the wide overview (a class row is wider than its square)."""
    if column.kind == "output":
        return Box(node.x, node.y - node.size / 2, OUTPUT_LABEL_WIDTH, node.size * 2)
    return Box(node.x, node.y, node.size, node.size)


def more_box(column, nodes):
    """Where a compact column's note goes in the wide overview: centred under its last drawn neuron (an output's: under
    its last class row)."""
    last = max((n for n in nodes if n.layer == column.name), key=lambda n: n.index)
    if column.kind == "output":  # under the last class row, left-aligned with the rows
        return Box(last.x, last.y + last.size * 1.5 + 1, OUTPUT_LABEL_WIDTH, MORE_HEIGHT)
    return Box(last.x + last.size / 2 - 40, last.y + last.size * (1 + GAP_RATIO), 80, MORE_HEIGHT)


def wide_label(column, size):
    """The box of a column's label, centred over the column in the band above the neurons (and inside the overview)."""
    width = (OUTPUT_LABEL_WIDTH if column.kind == "output" else size) + 48
    left = min(max(column.x + (width - 48) / 2 - width / 2, 0), WIDTH - width)
    return Box(left, 2, width, LABEL_HEIGHT)


def tall(columns):
    """The tall overview: ({(layer, index): Box, (layer, "more"): a compact column's note}, {layer: label Box},
    height), bands top to bottom."""
    boxes, labels, y = {}, {}, 0.0
    size = (TALL_WIDTH - TALL_LABEL - (TALL_PER_ROW - 1) * TALL_GAP) / TALL_PER_ROW
    for col in columns:
        count = drawn(col)
        if col.kind == "output":
            for i in range(count):
                boxes[(col.name, i)] = Box(TALL_LABEL, y + i * TALL_OUTPUT_ROW, TALL_WIDTH - TALL_LABEL, TALL_OUTPUT_ROW)
            height = count * TALL_OUTPUT_ROW
            if count < col.shape[-1]:
                boxes[(col.name, "more")] = Box(TALL_LABEL, y + height + 2, TALL_WIDTH - TALL_LABEL, MORE_HEIGHT)
                height += MORE_HEIGHT + 2
        else:
            for i in range(count):
                row, place = divmod(i, TALL_PER_ROW)
                boxes[(col.name, i)] = Box(TALL_LABEL + place * (size + TALL_GAP), y + row * (size + TALL_GAP), size, size)
            height = math.ceil(count / TALL_PER_ROW) * (size + TALL_GAP) - TALL_GAP
            if count < col.shape[-1]:
                boxes[(col.name, "more")] = Box(TALL_LABEL, y + height + 2, TALL_WIDTH - TALL_LABEL, MORE_HEIGHT)
                height += MORE_HEIGHT + 2
        labels[col.name] = Box(0, y, TALL_LABEL - TALL_GAP, max(height, 40))
        y += max(height, 40) + TALL_BAND_GAP
    return boxes, labels, y - TALL_BAND_GAP


def tall_cut(columns, position):
    """How far down the tall overview reaches when it ends after the band of column `position` (its band gap included)."""
    _, labels, height = tall(columns)
    label = labels[columns[position].name]
    return min(label.y + label.h + TALL_BAND_GAP, height)


def rail(columns, size, position):
    """Where the wide overview goes while column `position` is explained beside it: its scale, its x shift and
    the left edge of the explanation panel, all in logical units, so that this column and the one it reads from
    stay in view at the left and the panel takes the rest."""
    col = columns[position]
    if col.kind == "output":  # a class row keeps its swatch and name beside a panel (bar and percentage fade)
        right = col.x + OUTPUT_NAME_WIDTH + RAIL_PAD
    else:  # the column's label is wider than its neurons
        label = wide_label(col, size)
        right = max(col.x + size, label.x + label.w) + RAIL_PAD
    room = RAIL_SHARE * WIDTH
    scale = min(1.0, max(RAIL_SMALLEST, room / right))
    shift = min(0.0, room - right * scale)
    return Rail(scale, shift, right * scale + shift)


def neighbour(columns, layer, index, key, last=None):
    """The (layer, index) an arrow key moves to from a neuron, or None past the overview's edge (or column `last`)."""
    names = [col.name for col in columns]
    position = names.index(layer)
    if key in ("ArrowUp", "ArrowDown"):
        index += -1 if key == "ArrowUp" else 1
    elif key in ("ArrowLeft", "ArrowRight"):
        position += -1 if key == "ArrowLeft" else 1
    else:
        return None
    end = len(names) - 1 if last is None else last
    if not 0 <= position <= end:
        return None
    return names[position], max(0, min(index, drawn(columns[position]) - 1))
