"""Geometry of the overview: columns, neuron boxes and edges in one logical coordinate space."""
from collections import namedtuple

Column = namedtuple("Column", "name kind shape x")  # kind: input | conv2d | relu | max_pool2d | output
Node = namedtuple("Node", "layer index x y size")
Edge = namedtuple("Edge", "source target path")  # source/target: (layer, index)

WIDTH, HEIGHT = 1200, 560
TOP, BOTTOM, LEFT = 56, 16, 8
OUTPUT_LABEL_WIDTH = 190  # room on the right for class names and probability bars
GAP_RATIO = 0.22  # vertical gap between neurons, as a fraction of the neuron size


def columns_of(model):
    """The overview's columns: the input, every layer with a spatial (H, W, C) output, then the output."""
    kinds = {layer.name: layer.type for layer in model.layers}
    cols = [(name, "input" if name == "input" else kinds[name], shape) for name, shape in model.shapes() if len(shape) == 3]
    cols.append((model.layers[-1].name, "output", (len(model.classes),)))
    step = (WIDTH - LEFT - OUTPUT_LABEL_WIDTH) / (len(cols) - 1)
    return [Column(name, kind, shape, LEFT + i * step) for i, (name, kind, shape) in enumerate(cols)]


def node_size(columns):
    """One neuron size for the whole overview so the tallest column fits and neurons stay square."""
    tallest = max(col.shape[-1] for col in columns)
    step = (WIDTH - LEFT - OUTPUT_LABEL_WIDTH) / (len(columns) - 1)
    fit = (HEIGHT - TOP - BOTTOM) / (tallest + (tallest - 1) * GAP_RATIO)
    return min(fit, step * 0.62)


def nodes_of(columns, size):
    """Every neuron's box, each column centred vertically; output neurons are small squares before their labels."""
    nodes = []
    middle = TOP + (HEIGHT - TOP - BOTTOM) / 2
    for col in columns:
        count = col.shape[-1]
        pitch = size * (1 + GAP_RATIO)
        box = size * 0.5 if col.kind == "output" else size
        first = middle - (count * pitch - size * GAP_RATIO) / 2
        for i in range(count):
            nodes.append(Node(col.name, i, col.x, first + i * pitch + (size - box) / 2, box))
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
        for i in range(col.shape[-1]):
            dst = by_key[(col.name, i)]
            for j in sources(col.kind, i, prev.shape[-1]):
                src = by_key[(prev.name, j)]
                path = curve(src.x + src.size, src.y + src.size / 2, dst.x, dst.y + dst.size / 2)
                result.append(Edge((prev.name, j), (col.name, i), path))
    return result


def overview(model):
    """(columns, nodes, edges, node size) of the model's overview in the WIDTH × HEIGHT space."""
    columns = columns_of(model)
    size = node_size(columns)
    nodes = nodes_of(columns, size)
    return columns, nodes, edges_of(columns, nodes), size


def neighbour(columns, layer, index, key):
    """The (layer, index) an arrow key moves to from a neuron, or None past the overview's edge."""
    names = [col.name for col in columns]
    position = names.index(layer)
    if key in ("ArrowUp", "ArrowDown"):
        index += -1 if key == "ArrowUp" else 1
    elif key in ("ArrowLeft", "ArrowRight"):
        position += -1 if key == "ArrowLeft" else 1
    else:
        return None
    if not 0 <= position < len(names):
        return None
    return names[position], max(0, min(index, columns[position].shape[-1] - 1))
