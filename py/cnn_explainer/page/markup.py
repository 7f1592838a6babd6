"""HTML and SVG of the page, built as strings (pure, so it is tested natively and pre-rendered by the build).

One escaping rule: every builder takes raw text (names from a user's model file included) and escapes it
exactly where it inserts it, so nothing is escaped twice and nothing is left unescaped.
"""
import functools
import html
import unicodedata

import numpy as np

from . import colormap, layout, steps
from .. import i18n
from ..i18n import N_, _
from .numbers import fixed, number, percent

# Constants marked with N_(): translate them with _() where they are shown.
KIND_TITLES = {"input": N_("input"), "conv2d": N_("convolution"), "relu": N_("ReLU"), "max_pool2d": N_("max pooling"),
               "output": N_("output")}
CHANNEL_NAMES = (N_("red"), N_("green"), N_("blue"))
PROBABILITY_GRADIENT = "rgb(241,245,249), rgb(30,64,175)"
RAMP_CAPTION = N_("A colour ramp (no example images in this build)")
PREVIEW_ALT = N_("The image the network is looking at")  # the toolbar's picture (the build writes it in English)
# The class names of the shipped models (weights/*.json "classes"), so that they are translated wherever they are
# shown (class_name()); a class name of someone's own model has no translation and passes through unchanged.
KNOWN_CLASS_NAMES = (
    # tinyvgg-tin10: the 10 CNN Explainer classes of Tiny ImageNet
    N_("lifeboat"), N_("ladybug"), N_("pizza"), N_("bell pepper"), N_("school bus"),
    N_("koala"), N_("espresso"), N_("red panda"), N_("orange"), N_("sports car"),
    # tinyvgg-imagenette: the 10 Imagenette classes
    N_("tench"), N_("English springer"), N_("cassette player"), N_("chain saw"), N_("church"),
    N_("French horn"), N_("garbage truck"), N_("gas pump"), N_("golf ball"), N_("parachute"),
)
# The descriptions of the shipped models (weights/*.json "description"), translated by model_info().
ORIGINAL_DESCRIPTION = N_("The original CNN Explainer's own Tiny VGG (Wang et al., 2020), imported from its TF.js "
                          "model.json: the same ten classes as tinyvgg-tin10, trained by its authors.")
KNOWN_DESCRIPTIONS = (
    N_("Tiny VGG trained on the 10 CNN Explainer classes of Tiny ImageNet (32 px, upscaled to 64)."),
    N_("Tiny VGG trained on the 10 Imagenette classes at 64 px."),
    ORIGINAL_DESCRIPTION,
)
# The notes that examples/examples.json can hold (as note_of(message, values), written by the build,
# tools/build_site.py, and by the page when the manifest cannot be loaded): shown translated by translated_note().
GALLERY_NOTES = (
    N_("Held-out (val) images from {datasets}, never used in training, stored as 64×64 PNG: per class, the first "
       "{count} in sorted order that our model trained on that data set classifies correctly. ImageNet-derived "
       "images: non-commercial research and education use only."),
    N_("No example images in this build (built with --no-examples, or without the examples/ folder). "
       "Use your own image."),
    N_("No example images in this build: examples/ has none for the shipped models. Use your own image."),
    N_("The example images could not be loaded ({error})."),
)


def escape(text):
    """Text made safe for HTML content and quoted attributes."""
    return html.escape(str(text), quote=True)


# Explicit bidi controls (embeddings, overrides, isolates): in a name from someone's file they only ever reorder what
# the page writes around it ("Prediction: %6.77 exe.png"), so they are dropped wherever such text is shown.
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
RIGHT_TO_LEFT = ("R", "AL", "AN")  # bidi classes that can pull neighbouring numbers and punctuation into their run


def isolate(text):
    """Text from someone's file, safe to place in a sentence, a menu option, an attribute or SVG: its bidi controls
    dropped and, if it holds right-to-left letters, wrapped in FSI … PDI (what <bdi> does, but valid everywhere)."""
    text = str(text).translate(BIDI_CONTROLS)
    if any(unicodedata.bidirectional(c) in RIGHT_TO_LEFT for c in text):
        return f"\u2068{text}\u2069"
    return text


def class_name(name):
    """A class name in the active language (a shipped model's are translated; any other, from someone's file, is
    isolated: it never reorders the text around it)."""
    return isolate(_(name)) if name else name


def _channel_message(index, channels):
    """An input channel's name as its English message: red, green, blue, grey or "channel {number}"."""
    return CHANNEL_NAMES[index] if channels == 3 else (N_("grey") if channels == 1 else N_("channel {number}"))


def channel_name(index, channels):
    """An input channel's name, in the active language: red, green, blue, or grey for a one-channel model."""
    return _(_channel_message(index, channels)).format(number=index + 1)


def shape_text(shape):
    """A shape as people write it: 62×62×10."""
    return "×".join(str(n) for n in shape)


# ---- the overview ---------------------------------------------------------------------------------------------

def box_vars(prefix, box, width):
    """A box as CSS custom properties in hundredths of the overview's width (the page multiplies them by 1cqw)."""
    scale = 100 / width
    return (f"--{prefix}x:{box.x * scale:.3f};--{prefix}y:{box.y * scale:.3f};"
            f"--{prefix}w:{box.w * scale:.3f};--{prefix}h:{box.h * scale:.3f}")


def placement(wide, tall):
    """The style of an overview element: its wide and its tall box."""
    return f"{box_vars('w', wide, layout.WIDTH)};{box_vars('t', tall, layout.TALL_WIDTH)}"


def node_label(column, index, classes):
    """The accessible name of a neuron (counted from 1, as people count)."""
    if column.kind == "output":
        return _("output: {class_name}").format(class_name=class_name(classes[index]))
    if column.kind == "input":
        return _("input, {channel} channel: show its pixel values").format(
            channel=channel_name(index, column.shape[-1]))
    return _("{layer}, {kind} neuron {number} of {count}: show how it was computed").format(
        layer=column.name, kind=_(KIND_TITLES[column.kind]), number=index + 1, count=column.shape[-1])


def edges_svg(columns, edges):
    """The wide overview's edges, grouped by target column and then by target neuron ("column:neuron", both
    numbers, so no name from a model file ever ends up in a CSS selector): highlighting is one class change."""
    position = {col.name: i for i, col in enumerate(columns)}
    groups = {}
    for edge in edges:
        groups.setdefault(edge.target, []).append(edge.path)
    parts = [f'<svg id="edges" viewBox="0 0 {layout.WIDTH} {layout.HEIGHT}" preserveAspectRatio="none" aria-hidden="true">']
    current = None
    for (layer, index), paths in groups.items():
        if position[layer] != current:
            parts.append("</g>" if current is not None else "")
            current = position[layer]
            parts.append(f'<g class="edge-col" data-col="{current}">')
        parts.append(f'<g data-target="{current}:{index}"><path d="{" ".join(paths)}"/></g>')
    parts.append("</g></svg>" if current is not None else "</svg>")
    return "".join(parts)


def column_label(column, wide, tall):
    """The label of a column: its name, what it does and its shape (a name that is just the word "input" or "output"
    is that word, translated; any other name is the model's own)."""
    name = _(KIND_TITLES[column.kind]) if column.name == column.kind else column.name
    return (f'<div class="col-label kind-{column.kind}" style="{placement(wide, tall)}">'
            f'<span class="col-name">{escape(name)}</span>'
            f'<span class="col-kind">{escape(_(KIND_TITLES[column.kind]))}</span>'
            f'<span class="col-shape">{escape(shape_text(column.shape))}</span></div>')


def more_note(column, wide, tall):
    """The note under a compact column: how many of its neurons are not drawn."""
    count, shown = column.shape[-1], layout.drawn(column)
    if column.kind == "output":
        title = _("The {shown} most probable of {count} classes for this image are drawn here; the softmax view "
                  "lists and finds every class.").format(shown=shown, count=count)
    else:
        title = _("Only the first {shown} of {count} neurons are drawn here; every one is computed.").format(
            shown=shown, count=count)
    return (f'<div class="col-more" style="{placement(wide, tall)}" title="{escape(title)}">'
            + escape(_("+{count} more").format(count=count - shown)) + "</div>")


def sprite_style(sprite, index):
    """The background of a map's canvas that shows its pre-rendered pixels: map `index` of a strip image.

    A strip holds each map with a one-pixel border copied from its edge, so rounding never shows a neighbour.
    """
    url, count, height, width = sprite
    cell_w, cell_h = width + 2, height + 2
    x = (index * cell_w + 1) / (count * cell_w - width)
    return (f"background:url({escape(url)}) {100 * x:.4f}% 50% / {100 * count * cell_w / width:.4f}% "
            f"{100 * cell_h / height:.4f}% no-repeat")


def output_row(classes, index, probability=None, top=False):
    """The inside of a class row: swatch, name, probability bar and percentage."""
    width = "" if probability is None else f' style="width:{100 * probability:.2f}%"'
    text = "" if probability is None else percent(probability)
    return (f'<span class="swatch"></span><span class="cls">{escape(class_name(classes[index]))}</span>'
            f'<span class="bar"><span class="fill"{width}></span></span><span class="pct">{text}</span>')


def node_button(column, position, node, tall_box, classes, probability=None, top=False, sprite=None):
    """A focusable neuron: a canvas for a map, or a class row with a probability bar for an output neuron."""
    data = (f'data-layer="{escape(node.layer)}" data-index="{node.index}" data-kind="{column.kind}" '
            f'data-col="{position}"')
    style = placement(layout.wide_box(column, node), tall_box)
    label = escape(node_label(column, node.index, classes))
    if column.kind == "output":
        extra = "" if probability is None else f' data-probability="{probability:.6f}"'
        return (f'<button type="button" class="node out{" top" if top else ""}" {data}{extra} data-class-index="{node.index}" '
                f'tabindex="-1" style="{style}">{output_row(classes, node.index, probability)}</button>')  # named by its text
    h, w = column.shape[:2]
    background = f' style="{sprite_style(sprite, node.index)}"' if sprite else ""
    return (f'<button type="button" class="node map" {data} tabindex="-1" aria-label="{label}" style="{style}">'
            f'<canvas width="{w}" height="{h}"{background}></canvas></button>')


def overview_html(model, columns, nodes, edges, size, probabilities=None, sprites=None):
    """The overview: one container holding the edges, and per column its label and neurons (both geometries).

    probabilities fill the class rows; sprites ({layer: (url, count, height, width)}) show pre-rendered maps.
    """
    by_column = {}
    for node in nodes:
        by_column.setdefault(node.layer, []).append(node)
    tall_boxes, tall_labels, tall_height = layout.tall(columns)
    top = int(np.argmax(probabilities)) if probabilities is not None else None
    step = (columns[1].x - columns[0].x) / layout.WIDTH * 100 if len(columns) > 1 else 8.0  # a column's share, in %
    parts = [f'<div class="net" data-model="{escape(model.name)}" style="--wide-ratio:{layout.WIDTH} / {layout.HEIGHT};'
             f'--tall-ratio:{layout.TALL_WIDTH} / {tall_height:.1f};--col-step:{step:.3f}">', edges_svg(columns, edges)]
    for position, column in enumerate(columns):
        parts.append(f'<div class="col" data-col="{position}" data-layer="{escape(column.name)}">')
        parts.append(column_label(column, layout.wide_label(column, size), tall_labels[column.name]))
        for node in by_column[column.name]:
            p = None if probabilities is None or column.kind != "output" else float(probabilities[node.index])
            parts.append(node_button(column, position, node, tall_boxes[(node.layer, node.index)], model.classes,
                                     p, node.index == top, (sprites or {}).get(column.name)))
        if layout.drawn(column) < column.shape[-1]:
            parts.append(more_note(column, layout.more_box(column, nodes), tall_boxes[(column.name, "more")]))
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def prediction_html(classes, probabilities):
    """The prediction line: the top class and its probability."""
    top = int(np.argmax(probabilities))
    name = f'<strong>{escape(class_name(classes[top]))}</strong>'
    return (_("Prediction: {class_name}").format(class_name=name)
            + f' <span class="muted">{percent(float(probabilities[top]))}</span>')


def hover_text(layer, kind, index, acts, classes):
    """What the info line says about a neuron: its value range, or for an output neuron its probability."""
    if kind == "output":
        return _("{class_name}: probability {percent}").format(class_name=class_name(classes[index]),
                                                             percent=percent(float(acts[layer][index])))
    values = acts[layer][..., index]
    if kind == "input":
        what = _("{channel} channel").format(channel=channel_name(index, acts[layer].shape[-1]))
    else:
        what = _("{kind} neuron {number}").format(kind=_(KIND_TITLES[kind]), number=index + 1)
    return _("{layer} · {neuron}: values from {low} to {high} over {height}×{width} positions").format(
        layer=layer, neuron=what, low=number(float(values.min())), high=number(float(values.max())),
        height=values.shape[0], width=values.shape[1])


def legend_html(title, gradient, low, high, key):
    """One colour legend: a title, a gradient bar and its two end values."""
    return (f'<div class="legend" data-legend="{escape(key)}" data-low="{low:.6g}" data-high="{high:.6g}">'
            f'<span class="legend-title">{escape(title)}</span>'
            f'<span class="legend-bar" style="background:linear-gradient(to right, {gradient})"></span>'
            f'<span class="legend-ends"><span>{number(low)}</span><span>{number(high)}</span></span></div>')


def overview_legends_html(model, hidden, limits, level):
    """The overview's legends: input channels, the activation range(s) of the colour level, and the output."""
    gradient = colormap.legend_gradient()
    parts = []
    channels = model.input_shape[-1]
    hues = colormap.CHANNEL_HUES if channels == 3 else [colormap.GREY_HUE] * channels
    for c, hue in enumerate(hues):
        key = _channel_message(c, channels).format(number=c + 1)  # the key stays English in every language
        title = _("input {channel}").format(channel=channel_name(c, channels))
        parts.append(legend_html(title, f"rgb(0,0,0), rgb{tuple(hue)}", *model.pixel_range, f"input-{key}"))
    if level == "unit":
        top = max(float(limits[name].max()) for name in hidden)
        parts.append(legend_html(_("each neuron: its own ±max (largest shown)"), gradient, -top, top, "unit"))
    else:
        groups = colormap.modules(hidden) if level == "module" else [hidden]
        for i, group in enumerate(groups):
            top = float(limits[group[0]].max())
            title = (_("module {number} ({first_layer} … {last_layer})").format(
                number=i + 1, first_layer=group[0], last_layer=group[-1]) if level == "module"
                else _("all hidden layers"))
            parts.append(legend_html(title, gradient, -top, top, f"{level}-{i + 1}"))
    parts.append(legend_html(_("output probability"), PROBABILITY_GRADIENT, 0.0, 1.0, "output"))
    return "".join(parts)


# ---- the toolbar ----------------------------------------------------------------------------------------------

def example_button(item, pressed, size=40, lazy=False):
    """A gallery button showing one example image."""
    loading = ' loading="lazy"' if lazy else ""
    name = class_name(item["label"])
    label = _("example: {class_name}").format(class_name=name)
    return (f'<button type="button" class="example" data-example="{escape(item["file"])}" '
            f'aria-label="{escape(label)}" title="{escape(name)}" '
            f'aria-pressed="{"true" if pressed else "false"}">'
            f'<img src="./{escape(item["file"])}" alt="" width="{size}" height="{size}"{loading}></button>')


def strip_items(items, shown=None):
    """The short strip's examples: one per class, its first (or the one shown)."""
    chosen = {}
    for item in items:
        if item["label"] not in chosen or item["file"] == shown:
            chosen[item["label"]] = item
    return list(chosen.values())


def gallery_html(items, shown=None, size=40, lazy=False):
    """A row of example buttons, the shown one pressed."""
    return "".join(example_button(item, item["file"] == shown, size, lazy) for item in items)


def note_of(message, **values):
    """A gallery note as examples.json keeps it: one of GALLERY_NOTES in English and its values, translated when shown."""
    return {"message": message, "values": {key: str(value) for key, value in values.items()}}


def translated_note(note):
    """A note in the active language: a note_of() dict is translated and filled in; plain text is shown as it is."""
    if isinstance(note, dict):
        try:
            return _(str(note["message"])).format(**note.get("values", {}))
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):  # someone else's malformed manifest
            return ""
    return _(note) if isinstance(note, str) else ""


def gallery_note(examples, items):
    """The line under the full gallery: where the examples come from, or why there are none for this model."""
    fallback = N_("No example images for this model: use your own.")
    note = examples.get("note", "") if items else (examples.get("note") or fallback)
    return translated_note(note)


def model_options_html(names, selected):
    """The model menu's options."""
    return "".join(f'<option value="{escape(n)}"{" selected" if n == selected else ""}>{escape(isolate(n))}</option>'
                   for n in names)


def model_info(model):
    """One sentence about a model: its description and its held-out accuracy."""
    description = model.meta.get("description", "")
    text = _(description) if description in KNOWN_DESCRIPTIONS else isolate(description)
    accuracy = model.meta.get("training", {}).get("val_accuracy")
    if accuracy is not None:
        sentence = _("Top-1 accuracy on held-out images: {percent}.").format(percent=f"{100 * accuracy:.1f}%")
        text = _("{description} {accuracy}").format(description=text, accuracy=sentence) if text else sentence
    return text.strip()


# ---- the explanation views ------------------------------------------------------------------------------------

def number_grid_html(values, limit, label, highlight=None):
    """A small table of numbers, each cell tinted on the diverging scale; `highlight` marks one (row, col).
    Whole numbers are written without decimals."""
    values = np.asarray(values, dtype=float)
    digits = 0 if np.all(values == np.round(values)) else 2
    colours = colormap.diverging_rgba(values, limit)
    rows = []
    for r in range(values.shape[0]):
        cells = []
        for c in range(values.shape[1]):
            red, green, blue = (int(v) for v in colours[r, c, :3])
            mark = ' class="hit"' if highlight == (r, c) else ""
            cells.append(f'<td{mark} style="background:rgb({red},{green},{blue});color:{colormap.ink(red, green, blue)}">'
                         f'{fixed(values[r, c], digits)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="nums" aria-label="{escape(label)}">{"".join(rows)}</table>'


def products_sum_html(where, window, window_limit, window_words, kernel, products, total, phase, check_words, forward):
    """One convolution cell written out: the window × the kernel (= the products from phase 1), their sum (shown from
    phase 2) and the value the forward pass computed there (`.result` beside `.forward-value`)."""
    parts = [number_grid_html(window, window_limit, window_words), '<span class="op">×</span>',
             number_grid_html(kernel, colormap.limit_of(kernel), _("kernel weights"))]
    if phase >= 1:
        parts += ['<span class="op">=</span>', number_grid_html(products, colormap.limit_of(products), _("products"))]
    shown, total_words = fixed(total, 3) if phase == 2 else "?", _("sum of the products")
    return (f'<p class="where">{escape(where)}</p><div class="tables">{"".join(parts)}</div>'
            f'<p class="eq">{escape(total_words)} = '
            f'<span class="result" data-value="{float(total)!r}">{shown}</span></p>'
            f'<p class="check">{escape(check_words)} '
            f'<span class="forward-value" data-value="{float(forward)!r}">{number(forward)}</span></p>')


def code_title(function):
    """Where a function lives, as the code panel's caption: py/cnn_explainer/page/steps.py · conv_cell."""
    return f"py/{function.__module__.replace('.', '/')}.py · {function.__qualname__}"


def code_html(lines, first_line, title):
    """A code panel: numbered source lines, each a span that the animation can highlight."""
    body = "".join(
        f'<span class="line" data-line="{i}"><span class="ln" aria-hidden="true">{first_line + i}</span>{escape(line)}\n</span>'
        for i, line in enumerate(lines))
    note = _("(Python counts from 0)")
    return (f'<figure class="code-panel"><figcaption>{escape(title)} '
            f'<span class="code-note">{note}</span></figcaption>'
            f'<pre class="code" tabindex="0" aria-label="{escape(title)}"><code>{body}</code></pre></figure>')


def code_panel(function):
    """One function's code panel in the active language (built once per function and language: every view opening
    and every new image reuses it, and switching language never shows a stale caption)."""
    return _code_panel(function, i18n.language)


@functools.cache
def _code_panel(function, language):
    """code_panel(), cached by function and language (`language` is the cache key: _() reads the active one)."""
    return code_html(*steps.source(function), code_title(function))


def code_panels_html(functions):
    """The code panels of several functions, side by side."""
    return '<div class="code-row">' + "".join(code_panel(f) for f in functions) + "</div>"


def grid_html(name, shape, label):
    """A heat-map grid: a canvas of the map's own size, scaled up by CSS, and a box marking the window."""
    h, w = shape
    return (f'<div class="grid {escape(name)}" style="aspect-ratio:{w} / {h}">'
            f'<canvas width="{w}" height="{h}" tabindex="0" role="img" aria-label="{escape(label)}"></canvas>'
            f'<div class="window-box" aria-hidden="true"></div></div>')


def playground_button(layer, index):
    """The button of a convolution view that opens the playground (the explanation panel handles its click)."""
    text = _("Try other settings in the playground")
    return (f'<button type="button" class="to-playground" data-layer="{escape(layer)}" data-index="{int(index)}">'
            f'{text}</button>')


def cell_text(position, shape=None):
    """An output cell for people, counted from 1: "row 3, column 7" (of a 60×60 map)."""
    row, col = position
    text = _("row {row}, column {column}").format(row=row + 1, column=col + 1)
    if shape is None:
        return text
    return _("{cell} of {height}×{width}").format(cell=text, height=shape[0], width=shape[1])


def code_index(name, *indices):
    """An array index as the code writes it (from 0), marked as code: <code>output[2, 6]</code>."""
    return f'<code class="index">{escape(name)}[{", ".join(str(i) for i in indices)}]</code>'
