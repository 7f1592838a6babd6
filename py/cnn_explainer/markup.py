"""HTML and SVG markup of the overview, built as strings from the layout (pure, so it is tested natively)."""
from html import escape

import numpy as np

from .colormap import diverging_rgba
from .layout import HEIGHT, OUTPUT_LABEL_WIDTH, WIDTH

KIND_TITLES = {"input": "input", "conv2d": "convolution", "relu": "ReLU", "max_pool2d": "max pool", "output": "output"}


def pct(value, total):
    """A CSS percentage of the logical overview size."""
    return f"{100 * value / total:.3f}%"


def box_style(x, y, w, h):
    """Absolute position of a box given in logical units."""
    return f"left:{pct(x, WIDTH)};top:{pct(y, HEIGHT)};width:{pct(w, WIDTH)};height:{pct(h, HEIGHT)}"


def node_label(column, index, classes):
    """The accessible name of a neuron."""
    if column.kind == "output":
        return f"output: {classes[index]}"
    if column.kind == "input":
        return f"input, {('red', 'green', 'blue')[index] if column.shape[-1] == 3 else 'grey'} channel"
    return f"{column.name}, {KIND_TITLES[column.kind]} neuron {index + 1} of {column.shape[-1]}"


def edges_svg(edges):
    """One SVG with the edges grouped by target neuron, so highlighting a neuron's inputs is one class change."""
    groups = {}
    for edge in edges:
        groups.setdefault(edge.target, []).append(edge.path)
    parts = [f'<svg id="edges" viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="none" aria-hidden="true">']
    for (layer, index), paths in groups.items():
        parts.append(f'<g data-target="{escape(layer)}:{index}"><path d="{" ".join(paths)}"/></g>')
    parts.append("</svg>")
    return "".join(parts)


def column_label(column, size):
    """The label above a column: layer name, and its shape (shown in details mode)."""
    shape = ", ".join(str(n) for n in column.shape)
    width = OUTPUT_LABEL_WIDTH if column.kind == "output" else size
    return (f'<div class="col-label kind-{column.kind}" style="{box_style(column.x - 20, 2, width + 40, 48)}">'
            f'<span class="col-name">{escape(column.name)}</span>'
            f'<span class="col-shape detail">({shape})</span></div>')


def node_button(column, node, classes):
    """A focusable neuron: a canvas for a map, or a class row with a probability bar for an output neuron."""
    data = f'data-layer="{escape(node.layer)}" data-index="{node.index}" data-kind="{column.kind}"'
    label = escape(node_label(column, node.index, classes))
    if column.kind == "output":
        style = box_style(node.x, node.y - node.size / 2, OUTPUT_LABEL_WIDTH, node.size * 2)
        return (f'<button class="node out" {data} data-class-index="{node.index}" tabindex="-1" aria-label="{label}" style="{style}">'
                f'<span class="swatch"></span><span class="cls">{escape(classes[node.index])}</span>'
                f'<span class="bar"><span class="fill"></span></span><span class="pct"></span></button>')
    h, w = column.shape[:2]
    return (f'<button class="node map" {data} tabindex="-1" aria-label="{label}" '
            f'style="{box_style(node.x, node.y, node.size, node.size)}"><canvas width="{w}" height="{h}"></canvas></button>')


def overview_html(model, columns, nodes, edges, size):
    """The whole overview's inner HTML: edges, column labels and neurons."""
    kinds = {col.name: col for col in columns}
    parts = [edges_svg(edges)]
    parts += [column_label(col, size) for col in columns]
    parts += [node_button(kinds[node.layer], node, model.classes) for node in nodes]
    return "".join(parts)


def number(value):
    """A short, readable number for labels (3 significant digits, real minus sign)."""
    text = f"{value:.3g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.1e}"
    return text.replace("-", "−")


def percent(probability):
    """A probability as a percentage with one decimal."""
    return f"{100 * probability:.1f}%"


def hover_text(layer, kind, index, acts, classes):
    """What the info line says about a neuron: its value range, or for an output neuron its probability."""
    if kind == "output":
        return f"{classes[index]}: probability {percent(float(acts[layer][index]))}"
    values = acts[layer][..., index]
    what = "input channel" if kind == "input" else f"{KIND_TITLES[kind]} neuron"
    return (f"{layer} · {what} {index + 1}: values from {number(float(values.min()))} "
            f"to {number(float(values.max()))} over {values.shape[0]}×{values.shape[1]} positions")


def legend_html(title, gradient, low, high, key):
    """One colour legend: a title, a gradient bar and its two end values."""
    return (f'<div class="legend" data-legend="{escape(key)}" data-low="{low:.6g}" data-high="{high:.6g}">'
            f'<span class="legend-title">{escape(title)}</span>'
            f'<span class="legend-bar" style="background:linear-gradient(to right, {gradient})"></span>'
            f'<span class="legend-ends"><span>{number(low)}</span><span>{number(high)}</span></span></div>')


def number_grid_html(values, limit, label, highlight=None):
    """A small table of numbers, each cell tinted on the diverging scale; `highlight` marks one (row, col)."""
    values = np.asarray(values, dtype=float)
    colours = diverging_rgba(values, limit)
    rows = []
    for r in range(values.shape[0]):
        cells = []
        for c in range(values.shape[1]):
            red, green, blue = (int(v) for v in colours[r, c, :3])
            mark = ' class="hit"' if highlight == (r, c) else ""
            ink = "#fff" if 0.299 * red + 0.587 * green + 0.114 * blue < 140 else "#0f172a"  # readable on dark cells
            cells.append(f'<td{mark} style="background:rgb({red},{green},{blue});color:{ink}">{number_fixed(values[r, c])}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="nums" aria-label="{escape(label)}">{"".join(rows)}</table>'


def number_fixed(value, digits=2):
    """A number with a fixed count of decimals and a real minus sign (for aligned tables)."""
    text = f"{value:.{digits}f}"
    return ("−" + text[1:] if text.startswith("-") else text).replace("−0.00", "0.00")


def code_html(lines, first_line, title):
    """A code panel: numbered source lines, each a span that the animation can highlight."""
    body = "".join(
        f'<span class="line" data-line="{i}"><span class="ln" aria-hidden="true">{first_line + i}</span>{escape(line)}\n</span>'
        for i, line in enumerate(lines))
    return (f'<figure class="code-panel"><figcaption>{escape(title)}</figcaption>'
            f'<pre class="code" tabindex="0" aria-label="{escape(title)}"><code>{body}</code></pre></figure>')


def grid_html(name, shape, label):
    """A heat-map grid: a canvas of the map's own size, scaled up by CSS, and a box marking the window."""
    h, w = shape
    return (f'<div class="grid {name}" style="aspect-ratio:{w} / {h}">'
            f'<canvas width="{w}" height="{h}" tabindex="0" role="img" aria-label="{escape(label)}"></canvas>'
            f'<div class="window-box" aria-hidden="true"></div></div>')
