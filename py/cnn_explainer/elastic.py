"""The elastic convolution view, pure part: layout (a row per input channel, then sum, bias, output) and markup."""
from collections import namedtuple

from .layout import curve
from .markup import escape, grid_html, number, number_fixed

Box = namedtuple("Box", "kind index x y w h")  # kind: input | kernel | intermediate | sum | bias | output
Link = namedtuple("Link", "source target path")  # source/target: (kind, index)

WIDTH = 840
TOP, BOTTOM = 40, 10  # room for the column headings above, and a margin below
ROWS_HEIGHT = 540  # the rows fill at most this height while their maps stay between MIN_MAP and MAX_MAP
MIN_MAP, MAX_MAP = 22, 96
GAP_RATIO = 0.3  # vertical gap between rows, as a fraction of a map's size
KERNEL_RATIO = 0.7  # a kernel's size, as a fraction of a map's size
SUM_SIZE, BIAS_SIZE, OUTPUT_SIZE = 38, 34, 200
BIAS_DROP = 84  # vertical distance from the sum node's bottom to the bias box's top
HEADING_WIDTH = 150
CENTRES = {"input": 75, "kernel": 225, "intermediate": 375, "sum": 530, "output": 725}  # column centres (x)


def map_size(channels):
    """The side of every input and intermediate map: as large as fits the rows' height, within bounds."""
    fit = ROWS_HEIGHT / (channels + (channels - 1) * GAP_RATIO)
    return max(MIN_MAP, min(MAX_MAP, fit))


def centred(kind, index, cx, cy, w, h):
    """A box of size w × h centred on (cx, cy)."""
    return Box(kind, index, cx - w / 2, cy - h / 2, w, h)


def boxes_of(channels):
    """Every box of the view and the view's height, for a conv neuron with this many input channels."""
    size = map_size(channels)
    pitch = size * (1 + GAP_RATIO)
    rows = channels * pitch - size * GAP_RATIO
    right_column = max(OUTPUT_SIZE, 2 * (SUM_SIZE / 2 + BIAS_DROP + BIAS_SIZE))  # output, and sum with bias below
    content = max(rows, right_column)
    middle = TOP + content / 2
    boxes = []
    for c in range(channels):
        cy = middle - rows / 2 + c * pitch + size / 2
        boxes.append(centred("input", c, CENTRES["input"], cy, size, size))
        boxes.append(centred("kernel", c, CENTRES["kernel"], cy, size * KERNEL_RATIO, size * KERNEL_RATIO))
        boxes.append(centred("intermediate", c, CENTRES["intermediate"], cy, size, size))
    boxes.append(centred("sum", 0, CENTRES["sum"], middle, SUM_SIZE, SUM_SIZE))
    bias_cy = middle + SUM_SIZE / 2 + BIAS_DROP + BIAS_SIZE / 2
    boxes.append(centred("bias", 0, CENTRES["sum"], bias_cy, BIAS_SIZE, BIAS_SIZE))
    boxes.append(centred("output", 0, CENTRES["output"], middle, OUTPUT_SIZE, OUTPUT_SIZE))
    return boxes, TOP + content + BOTTOM


def right_middle(box):
    """The middle of a box's right side."""
    return box.x + box.w, box.y + box.h / 2


def left_middle(box):
    """The middle of a box's left side."""
    return box.x, box.y + box.h / 2


def links_of(boxes):
    """The edges: each input → its kernel → its intermediate → the sum; the bias up into the sum; the sum → the output."""
    by_key = {(b.kind, b.index): b for b in boxes}
    channels = sum(1 for b in boxes if b.kind == "input")
    pairs = []
    for c in range(channels):
        pairs += [(("input", c), ("kernel", c)), (("kernel", c), ("intermediate", c)), (("intermediate", c), ("sum", 0))]
    pairs.append((("sum", 0), ("output", 0)))
    links = [Link(a, b, curve(*right_middle(by_key[a]), *left_middle(by_key[b]))) for a, b in pairs]
    bias, total = by_key[("bias", 0)], by_key[("sum", 0)]
    x = bias.x + bias.w / 2
    links.append(Link(("bias", 0), ("sum", 0), f"M{x:.1f},{bias.y:.1f}L{x:.1f},{total.y + total.h:.1f}"))
    return links


def elastic(channels):
    """(boxes, links, height) of the elastic view in a WIDTH-wide logical space."""
    if channels < 1:
        raise ValueError(f"a convolution needs at least one input channel, got {channels}")
    boxes, height = boxes_of(channels)
    return boxes, links_of(boxes), height



def tip_position(box, height):
    """CSS (left, top, bottom, transform) of the tooltip of a kernel or the bias, so it hides nothing it explains.

    The bias's goes to its right (below the output map); a kernel's goes under it, or above it in the lower
    half of the view, centred on the kernel, so the kernel's own row stays in sight.
    """
    if box.kind == "bias":
        return f"{100 * (box.x + box.w + 8) / WIDTH:.3f}%", f"{100 * box.y / height:.3f}%", "", ""
    left = f"{100 * (box.x + box.w / 2) / WIDTH:.3f}%"
    if box.y + box.h / 2 < height / 2:
        return left, f"{100 * (box.y + box.h + 6) / height:.3f}%", "", "translateX(-50%)"
    return left, "", f"{100 * (height - box.y + 6) / height:.3f}%", "translateX(-50%)"


HEADINGS = {"input": "input channels", "kernel": "kernel slices", "intermediate": "intermediate maps",
            "sum": "sum + bias", "output": "output"}


def headings():
    """(kind, left, width) of each column heading: HEADING_WIDTH wide, centred over its column."""
    return [(kind, CENTRES[kind] - HEADING_WIDTH / 2, HEADING_WIDTH) for kind in HEADINGS]


def box_style(box, height):
    """Absolute position of a box, in percent of the view's logical size."""
    return (f"left:{100 * box.x / WIDTH:.3f}%;top:{100 * box.y / height:.3f}%;"
            f"width:{100 * box.w / WIDTH:.3f}%;height:{100 * box.h / height:.3f}%")


def weights_text(kernel):
    """A kernel's weights read row by row, for an accessible name."""
    return "; ".join(", ".join(number(float(v)) for v in row) for row in kernel)


def labels_of(layer, source, inputs, kernels, intermediates, bias, output):
    """The accessible name of every element, keyed (kind, index); maps are (C, H, W), kernels (C, kh, kw)."""
    channels = len(inputs)
    labels = {}
    for c in range(channels):
        labels[("input", c)] = (f"input channel {c + 1} of {channels} ({source}), values {span(inputs[c])}: "
                                "press Enter to watch it convolved with its kernel")
        labels[("kernel", c)] = f"kernel slice for input channel {c + 1}, weights by row: {weights_text(kernels[c])}"
        labels[("intermediate", c)] = (f"intermediate map {c + 1}: input channel {c + 1} convolved with its kernel, "
                                       f"values {span(intermediates[c])}: press Enter to see how")
    labels[("sum", 0)] = f"sum of the {channels} intermediate maps, cell by cell"
    labels[("bias", 0)] = f"bias: {number(float(bias))}"
    labels[("output", 0)] = f"output map of {layer}, values {span(output)}: point or use the arrow keys to choose a cell"
    return labels


def span(values):
    """'from a to b' for a map's value range."""
    return f"from {number(float(values.min()))} to {number(float(values.max()))}"


def element_html(box, height, label, shape):
    """One element of the view: a focusable map, kernel or bias, the sum node, or the output grid."""
    style = box_style(box, height)
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


def edges_svg(links, height):
    """The edges as one SVG, one path per link (tagged with its channel so a row can be highlighted)."""
    rows = ("input", "kernel", "intermediate")
    paths = "".join(f'<path class="flow" data-from="{a[0]}" data-channel="{a[1] if a[0] in rows else ""}" d="{path}"/>'
                    for a, _, path in links)
    return (f'<svg class="el-edges" viewBox="0 0 {WIDTH} {height:.1f}" preserveAspectRatio="none" '
            f'aria-hidden="true">{paths}</svg>')


def elastic_html(boxes, links, height, labels, shapes):
    """The whole diagram: edges, column headings, every element and the (hidden) tooltip; shapes: {kind: (h, w)}."""
    band = f"top:0;height:{100 * (TOP - 6) / height:.3f}%"  # headings sit on the bottom of the band above the boxes
    heads = "".join(f'<div class="el-heading" style="{band};left:{100 * x / WIDTH:.3f}%;width:{100 * w / WIDTH:.3f}%">'
                    f"{escape(HEADINGS[kind])}</div>" for kind, x, w in headings())
    items = "".join(element_html(b, height, labels[(b.kind, b.index)], shapes.get(b.kind)) for b in boxes)
    return (f'<div class="elastic" style="aspect-ratio:{WIDTH} / {height:.1f}">{edges_svg(links, height)}{heads}{items}'
            '<div class="el-tip" id="el-tip" role="tooltip" hidden></div></div>')


def term(value):
    """One term of the written-out sum: three decimals, negative ones in parentheses."""
    text = number_fixed(value, 3)
    return f"({text})" if value < 0 else text


def sum_html(position, contributions, bias, total, forward, layer, index):
    """The output cell at position written out: Σᵢ intermediateᵢ[r, c] + bias, with the numbers and the forward pass's value."""
    r, c = position
    terms = " + ".join(f'<span class="term" data-channel="{i}">{term(float(v))}</span>' for i, v in enumerate(contributions))
    return (f'<p class="eq"><span class="term">output[{r}, {c}] =</span> '
            f'<span class="term">Σ<sub>i</sub> intermediate<sub>i</sub>[{r}, {c}]</span> <span class="term">+ bias</span></p>'
            f'<p class="eq terms">= {terms} + <span class="term bias-term">{term(float(bias))}</span></p>'
            f'<p class="eq">= <span class="result" data-value="{float(total)!r}">{number_fixed(float(total), 3)}</span></p>'
            f'<p class="check">forward pass, {escape(layer)}[{r}, {c}, {index}]: '
            f'<span class="forward-value" data-value="{float(forward)!r}">{number_fixed(float(forward), 3)}</span></p>')
