"""The elastic convolution view, pure part: layout (a row per input channel, then sum, bias, output) and markup.

Two geometries: wide (everything left to right) and narrow for phones (the rows, with the sum beside them,
then the output map below), so that nothing needs a horizontal scroller.
"""
from collections import namedtuple

from ..i18n import N_, _
from .layout import curve
from .markup import cell_text, code_index, escape, grid_html
from .numbers import fixed, number

Box = namedtuple("Box", "kind index x y w h")  # kind: input | kernel | intermediate | sum | bias | output
Link = namedtuple("Link", "source target path")  # source/target: (kind, index)
Geometry = namedtuple("Geometry", "width centres rows_height max_map heading_width output_size")

WIDE = Geometry(840, {"input": 75, "kernel": 225, "intermediate": 375, "sum": 530, "output": 725}, 540, 96, 150, 200)
NARROW = Geometry(360, {"input": 48, "kernel": 136, "intermediate": 224, "sum": 314, "output": 180}, 470, 72, 86, 230)
WIDTH = WIDE.width
TOP, BOTTOM = 40, 10  # room for the column headings above, and a margin below
MIN_MAP, MAX_MAP = 22, WIDE.max_map
GAP_RATIO = 0.3  # vertical gap between rows, as a fraction of a map's size
KERNEL_RATIO = 0.7  # a kernel's size, as a fraction of a map's size
SUM_SIZE, BIAS_SIZE = 38, 34
BIAS_DROP = 84  # vertical distance between the sum node and the bias box
OUTPUT_GAP = 44  # narrow: room between the rows and the output map below them (its heading sits there)
HEADINGS = {"input": N_("input channels"), "kernel": N_("kernel slices"), "intermediate": N_("intermediate maps"),
            "sum": N_("sum + bias"), "output": N_("output")}  # translated with _() where they are shown


def geometry(narrow=False):
    """The wide or the narrow geometry."""
    return NARROW if narrow else WIDE


def map_size(channels, narrow=False):
    """The side of every input and intermediate map: as large as fits the rows' height, within bounds."""
    g = geometry(narrow)
    fit = g.rows_height / (channels + (channels - 1) * GAP_RATIO)
    return max(MIN_MAP, min(g.max_map, fit))


def centred(kind, index, cx, cy, w, h):
    """A box of size w × h centred on (cx, cy)."""
    return Box(kind, index, cx - w / 2, cy - h / 2, w, h)


def boxes_of(channels, narrow=False):
    """Every box of the view and the view's height, for a conv neuron with this many input channels."""
    g = geometry(narrow)
    size = map_size(channels, narrow)
    pitch = size * (1 + GAP_RATIO)
    rows = channels * pitch - size * GAP_RATIO
    beside = 2 * (SUM_SIZE / 2 + BIAS_DROP + BIAS_SIZE)  # the sum with the bias above or below it
    content = max(rows, beside) if narrow else max(rows, g.output_size, beside)
    middle = TOP + content / 2
    boxes = []
    for c in range(channels):
        cy = middle - rows / 2 + c * pitch + size / 2
        boxes.append(centred("input", c, g.centres["input"], cy, size, size))
        boxes.append(centred("kernel", c, g.centres["kernel"], cy, size * KERNEL_RATIO, size * KERNEL_RATIO))
        boxes.append(centred("intermediate", c, g.centres["intermediate"], cy, size, size))
    boxes.append(centred("sum", 0, g.centres["sum"], middle, SUM_SIZE, SUM_SIZE))
    drop = (SUM_SIZE + BIAS_SIZE) / 2 + BIAS_DROP
    boxes.append(centred("bias", 0, g.centres["sum"], middle - drop if narrow else middle + drop, BIAS_SIZE, BIAS_SIZE))
    if narrow:  # the output map goes below the rows, its heading in the gap
        top = TOP + content + OUTPUT_GAP
        boxes.append(Box("output", 0, g.centres["output"] - g.output_size / 2, top, g.output_size, g.output_size))
        return boxes, top + g.output_size + BOTTOM
    boxes.append(centred("output", 0, g.centres["output"], middle, g.output_size, g.output_size))
    return boxes, TOP + content + BOTTOM


def right_middle(box):
    """The middle of a box's right side."""
    return box.x + box.w, box.y + box.h / 2


def left_middle(box):
    """The middle of a box's left side."""
    return box.x, box.y + box.h / 2


def down_and_across(x0, y0, x1, y1, turn=36):
    """SVG path straight down from (x0, y0), then curving over to arrive at (x1, y1) from above (clear of the rows)."""
    bend = y1 - turn
    return (f"M{x0:.1f},{y0:.1f}L{x0:.1f},{bend:.1f}"
            f"C{x0:.1f},{y1 - turn / 3:.1f} {x1:.1f},{bend:.1f} {x1:.1f},{y1:.1f}")


def links_of(boxes, narrow=False):
    """The edges: each input → its kernel → its intermediate → the sum; the bias into the sum; the sum → the output."""
    by_key = {(b.kind, b.index): b for b in boxes}
    channels = sum(1 for b in boxes if b.kind == "input")
    pairs = []
    for c in range(channels):
        pairs += [(("input", c), ("kernel", c)), (("kernel", c), ("intermediate", c)), (("intermediate", c), ("sum", 0))]
    links = [Link(a, b, curve(*right_middle(by_key[a]), *left_middle(by_key[b]))) for a, b in pairs]
    bias, total, output = by_key[("bias", 0)], by_key[("sum", 0)], by_key[("output", 0)]
    x = bias.x + bias.w / 2
    if narrow:  # bias from above, output below
        links.append(Link(("sum", 0), ("output", 0), down_and_across(x, total.y + total.h, output.x + output.w / 2, output.y)))
        links.append(Link(("bias", 0), ("sum", 0), f"M{x:.1f},{bias.y + bias.h:.1f}L{x:.1f},{total.y:.1f}"))
    else:
        links.append(Link(("sum", 0), ("output", 0), curve(*right_middle(total), *left_middle(output))))
        links.append(Link(("bias", 0), ("sum", 0), f"M{x:.1f},{bias.y:.1f}L{x:.1f},{total.y + total.h:.1f}"))
    return links


def elastic(channels, narrow=False):
    """(boxes, links, height) of the elastic view in its geometry's width."""
    if channels < 1:
        raise ValueError(f"a convolution needs at least one input channel, got {channels}")
    boxes, height = boxes_of(channels, narrow)
    return boxes, links_of(boxes, narrow), height


def tip_position(box, height, narrow=False):
    """CSS (left, top, bottom, transform) of the tooltip of a kernel or the bias, so it hides nothing it explains.

    The bias's goes beside it (right in the wide view, left in the narrow one, where the bias is at the edge);
    a kernel's goes under it, or above it in the lower half of the view, so the kernel's own row stays in sight.
    """
    width = geometry(narrow).width
    if box.kind == "bias":
        if narrow:
            return f"{100 * (box.x - 8) / width:.3f}%", f"{100 * box.y / height:.3f}%", "", "translateX(-100%)"
        return f"{100 * (box.x + box.w + 8) / width:.3f}%", f"{100 * box.y / height:.3f}%", "", ""
    left = f"{100 * (box.x + box.w / 2) / width:.3f}%"
    if box.y + box.h / 2 < height / 2:
        return left, f"{100 * (box.y + box.h + 6) / height:.3f}%", "", "translateX(-50%)"
    return left, "", f"{100 * (height - box.y + 6) / height:.3f}%", "translateX(-50%)"


def headings(narrow=False, boxes=()):
    """(kind, left, top, width) of each column heading, centred over its column (narrow: output's above its map)."""
    g = geometry(narrow)
    result = []
    for kind in HEADINGS:
        top = 0.0
        if narrow and kind == "output":
            top = next(b.y for b in boxes if b.kind == "output") - TOP
        result.append((kind, g.centres[kind] - g.heading_width / 2, top, g.heading_width))
    return result


def box_style(box, height, width=WIDTH):
    """Absolute position of a box, in percent of the view's logical size."""
    return (f"left:{100 * box.x / width:.3f}%;top:{100 * box.y / height:.3f}%;"
            f"width:{100 * box.w / width:.3f}%;height:{100 * box.h / height:.3f}%")


def weights_text(kernel):
    """A kernel's weights read row by row, for an accessible name."""
    return "; ".join(", ".join(number(float(v)) for v in row) for row in kernel)


def labels_of(layer, source, inputs, kernels, intermediates, bias, output):
    """The accessible name of every element, keyed (kind, index); maps are (C, H, W), kernels (C, kh, kw)."""
    channels = len(inputs)
    labels = {}
    for c in range(channels):
        labels[("input", c)] = _("input channel {number} of {count} ({layer}), values {range}: "
                                 "press Enter to watch it convolved with its kernel").format(
            number=c + 1, count=channels, layer=source, range=span(inputs[c]))
        labels[("kernel", c)] = _("kernel slice for input channel {number}, weights by row: {weights}").format(
            number=c + 1, weights=weights_text(kernels[c]))
        labels[("intermediate", c)] = _("intermediate map {number}: input channel {number} convolved with its kernel, "
                                        "values {range}: press Enter to see how").format(
            number=c + 1, range=span(intermediates[c]))
    labels[("sum", 0)] = _("sum of the {count} intermediate maps, cell by cell").format(count=channels)
    labels[("bias", 0)] = _("bias: {value}").format(value=number(float(bias)))
    labels[("output", 0)] = _("output map of {layer}, values {range}: "
                              "point or use the arrow keys to choose a cell").format(layer=layer, range=span(output))
    return labels


def span(values):
    """'from a to b' for a map's value range."""
    return _("from {low} to {high}").format(low=number(float(values.min())), high=number(float(values.max())))


def element_html(box, height, width, label, shape):
    """One element of the view: a focusable map, kernel or bias, the sum node, or the output grid."""
    style = box_style(box, height, width)
    name = escape(label)
    data = f'data-el="{box.kind}" data-channel="{box.index}"'
    if box.kind == "output":
        return f'<div class="el el-output" {data} style="{style}">{grid_html("out", shape, label)}</div>'
    if box.kind == "sum":
        return f'<div class="el el-sum" {data} role="img" aria-label="{name}" style="{style}">+</div>'
    if box.kind == "bias":
        return (f'<button type="button" class="el el-bias" {data} aria-label="{name}" aria-describedby="el-tip" '
                f'style="{style}">b</button>')
    h, w = shape
    described = ' aria-describedby="el-tip"' if box.kind == "kernel" else ""
    frame = '<span class="window-box" aria-hidden="true"></span>' if box.kind != "kernel" else ""
    return (f'<button type="button" class="el el-map el-{box.kind}" {data} aria-label="{name}"{described} '
            f'style="{style}"><canvas width="{w}" height="{h}"></canvas>{frame}</button>')


def edges_svg(links, height, width=WIDTH):
    """The edges as one SVG, one path per link (tagged with its channel so a row can be highlighted)."""
    rows = ("input", "kernel", "intermediate")
    paths = "".join(f'<path class="flow" data-from="{a[0]}" data-channel="{a[1] if a[0] in rows else ""}" d="{path}"/>'
                    for a, _, path in links)
    return (f'<svg class="el-edges" viewBox="0 0 {width} {height:.1f}" preserveAspectRatio="none" '
            f'aria-hidden="true">{paths}</svg>')


def elastic_html(boxes, links, height, labels, shapes, narrow=False):
    """The whole diagram: edges, column headings, every element and the (hidden) tooltip; shapes: {kind: (h, w)}."""
    width = geometry(narrow).width
    heads = "".join(f'<div class="el-heading" style="top:{100 * top / height:.3f}%;height:{100 * (TOP - 6) / height:.3f}%;'
                    f'left:{100 * x / width:.3f}%;width:{100 * w / width:.3f}%">{escape(_(HEADINGS[kind]))}</div>'
                    for kind, x, top, w in headings(narrow, boxes))
    items = "".join(element_html(b, height, width, labels[(b.kind, b.index)], shapes.get(b.kind)) for b in boxes)
    return (f'<div class="elastic backdrop{" narrow" if narrow else ""}" style="aspect-ratio:{width} / {height:.1f}">'
            f'{edges_svg(links, height, width)}{heads}{items}'
            '<div class="el-tip" id="el-tip" role="tooltip" hidden></div></div>')


SUM_TERMS = 16  # a written-out sum of more intermediate maps shows its first few terms and how many it leaves out


def term(value):
    """One term of the written-out sum: three decimals, negative ones in parentheses."""
    text = fixed(value, 3)
    return f"({text})" if value < 0 else text


def sum_html(position, contributions, bias, total, forward, layer, index):
    """The output cell at position written out: the intermediate maps' values there, plus the bias, with the numbers
    and the forward pass's value (cells and neurons counted from 1; the code's own index, from 0, marked as code)."""
    r, c = position
    shown = contributions if len(contributions) <= SUM_TERMS else contributions[:SUM_TERMS - 2]  # a long sum: its start
    terms = " + ".join(f'<span class="term" data-channel="{i}">{term(float(v))}</span>' for i, v in enumerate(shown))
    if len(shown) < len(contributions):
        terms += " + " + _("… ({count} more terms)").format(count=len(contributions) - len(shown))
    heading = _("Output at <b>{cell}</b> = the {count} intermediate maps at that cell, added, + bias").format(
        cell=cell_text(position), count=len(contributions))
    value = f'<span class="forward-value" data-value="{float(forward)!r}">{fixed(float(forward), 3)}</span>'
    check = _("forward pass: {value} · in the code {index}").format(
        value=value, index=code_index(f"acts[{layer!r}]", r, c, index))
    return (f'<p class="eq">{heading}</p>'
            f'<p class="eq terms">= {terms} + <span class="term bias-term">{term(float(bias))}</span></p>'
            f'<p class="eq">= <span class="result" data-value="{float(total)!r}">{fixed(float(total), 3)}</span></p>'
            f'<p class="check">{check}</p>')
