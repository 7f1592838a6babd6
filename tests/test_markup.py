"""Page markup: every neuron one labelled, focusable element in both geometries; and every builder escapes what it inserts."""
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from cnn_explainer.page import colormap, elastic, layout, markup, steps
from cnn_explainer.net.model import Layer, Model
from cnn_explainer.net.weights import tiny_vgg_layers

HOSTILE = "<evil>x</evil>\"&'y"  # would open an <evil> tag or end an attribute if it were inserted unescaped


class Collector(HTMLParser):
    """Collect (tag, attributes) of every start tag and every piece of text."""

    def __init__(self):
        super().__init__()
        self.tags, self.texts = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.texts.append(data)


def parse(html):
    collector = Collector()
    collector.feed(html)
    collector.close()
    return collector


def with_weights(model, seed=0):
    """The model with small random weights in every conv and dense layer."""
    rng, shape = np.random.default_rng(seed), model.input_shape
    for layer in model.layers:
        for param, param_shape in layer.param_shapes(shape).items():
            setattr(layer, param, rng.standard_normal(param_shape).astype(np.float32) * 0.1)
        shape = layer.output_shape(shape)
    return model


def tiny_vgg(classes):
    return with_weights(Model(tiny_vgg_layers(classes=len(classes)), classes))


def overview_tags(model, probabilities=None):
    return parse(markup.overview_html(model, *layout.overview(model), probabilities)).tags


def style_vars(style):
    """{name: number} of the CSS custom properties in a style attribute."""
    return {k: float(v) for k, v in re.findall(r"--([\w-]+):(-?[\d.]+)(?=;|$)", style)}


def test_one_focusable_labelled_button_per_neuron_with_a_canvas_of_the_map_size():
    model = tiny_vgg([f"c{i}" for i in range(10)])
    tags = overview_tags(model)
    buttons = [a for t, a in tags if t == "button"]
    assert len(buttons) == 113
    # a map is named by its aria-label; an output row by its visible text (class and probability)
    assert all((a.get("aria-label") or "out" in a["class"].split()) and a.get("tabindex") == "-1"
               and a.get("type") == "button" for a in buttons)
    canvases = [a for t, a in tags if t == "canvas"]
    shapes = dict(model.shapes())
    expected = [shapes[name][:2] for name, s in model.shapes() if len(s) == 3 for _ in range(s[2])]
    assert [(int(a["height"]), int(a["width"])) for a in canvases] == expected


def test_people_count_neurons_from_one():
    model = tiny_vgg([f"c{i}" for i in range(10)])
    labels = {(a["data-layer"], int(a["data-index"])): a.get("aria-label") for t, a in overview_tags(model) if t == "button"}
    assert labels[("conv_1_1", 0)].startswith("conv_1_1, convolution neuron 1 of 10")
    assert labels[("max_pool_2", 9)].startswith("max_pool_2, max pooling neuron 10 of 10")
    assert labels[("input", 0)].startswith("input, red channel") and labels[("output", 3)] is None
    acts = model.forward(np.zeros(model.input_shape, np.float32))
    assert markup.hover_text("conv_1_2", "conv2d", 0, acts, model.classes).startswith("conv_1_2 · convolution neuron 1:")
    assert markup.cell_text((0, 4), (60, 60)) == "row 1, column 5 of 60×60"


def test_every_element_has_a_wide_and_a_tall_box_matching_the_layout():
    model = tiny_vgg([f"c{i}" for i in range(10)])
    columns, nodes, edges, size = layout.overview(model)
    tall_boxes, tall_labels, height = layout.tall(columns)
    by_key = {(n.layer, n.index): n for n in nodes}
    kinds = {c.name: c for c in columns}
    for tag, attrs in overview_tags(model):
        if tag == "button":
            key = (attrs["data-layer"], int(attrs["data-index"]))
            v = style_vars(attrs["style"])
            wide = layout.wide_box(kinds[key[0]], by_key[key])
            assert (v["wx"], v["wy"], v["ww"]) == pytest.approx((100 * wide.x / layout.WIDTH, 100 * wide.y / layout.WIDTH,
                                                                100 * wide.w / layout.WIDTH), abs=1e-3)
            tall = tall_boxes[key]
            assert (v["tx"], v["ty"], v["th"]) == pytest.approx((100 * tall.x / layout.TALL_WIDTH, 100 * tall.y / layout.TALL_WIDTH,
                                                                100 * tall.h / layout.TALL_WIDTH), abs=1e-3)
        if tag == "div" and "net" in attrs.get("class", "").split():
            assert f"--tall-ratio:{layout.TALL_WIDTH} / {height:.1f}" in attrs["style"]


def test_edges_are_grouped_per_target_column_and_neuron_by_number():
    model = tiny_vgg([f"c{i}" for i in range(10)])
    tags = overview_tags(model)
    targets = [a["data-target"] for t, a in tags if t == "g" and "data-target" in a]
    assert len(targets) == 110 and len(set(targets)) == 110 and "11:9" in targets and "1:0" in targets
    assert [a["data-col"] for t, a in tags if t == "g" and "edge-col" in a.get("class", "")] == [str(i) for i in range(1, 12)]


def test_probabilities_fill_the_class_rows_and_mark_the_top():
    model = tiny_vgg([f"c{i}" for i in range(10)])
    p = np.array([.05, .7, .05, .05, .05, .02, .02, .02, .02, .02])
    rows = [a for t, a in overview_tags(model, p) if t == "button" and "out" in a["class"].split()]
    assert [float(a["data-probability"]) for a in rows] == pytest.approx(p, abs=1e-6)
    assert [("top" in a["class"].split()) for a in rows] == [i == 1 for i in range(10)]
    html = markup.overview_html(model, *layout.overview(model), p)
    assert 'style="width:70.00%"' in html and ">70.0%<" in html
    assert markup.prediction_html(model.classes, p) == 'Prediction: <strong>c1</strong> <span class="muted">70.0%</span>'


def test_a_sprite_background_shows_exactly_its_own_map_of_the_strip():
    count, height, width = 10, 62, 62
    style = markup.sprite_style(("./s.png", count, height, width), 3)
    x, size_x, size_y = (float(v) for v in re.search(r"\) ([\d.]+)% 50% / ([\d.]+)% ([\d.]+)%", style).groups())
    box = 41.7  # any box size in pixels: the strip is drawn size_x % of it wide
    strip_px = size_x / 100 * box
    offset = x / 100 * (strip_px - box)  # what CSS does with a percentage position
    assert offset / strip_px * (count * (width + 2)) == pytest.approx(3 * (width + 2) + 1)  # map 3's first pixel
    assert size_y / 100 * box / box * height == pytest.approx(height + 2)


def hostile_model():
    """Tiny VGG with a hostile name on every layer, every class and the model."""
    layers = tiny_vgg_layers()
    for layer in layers:
        layer.name = f"{layer.name}{HOSTILE}"
    return with_weights(Model(layers, [f"{HOSTILE}{i}" for i in range(10)], name=f"m{HOSTILE}",
                              meta={"description": HOSTILE, "training": {"val_accuracy": 0.5}}))


def builders(model):
    """Every markup builder, called with hostile text wherever it takes text."""
    acts = model.forward(np.zeros(model.input_shape, np.float32))
    columns, nodes, edges, size = layout.overview(model)
    hidden = [c.name for c in columns if c.kind not in ("input", "output")]
    items = [{"file": f"examples/{HOSTILE}.png", "label": HOSTILE, "class_index": 0}]
    conv = columns[1]
    boxes, links, height = elastic.elastic(3)
    labels = elastic.labels_of(conv.name, "input", np.zeros((3, 8, 8)), np.zeros((3, 3, 3)), np.zeros((3, 6, 6)), 0.5,
                               np.zeros((6, 6)))
    shapes = {"input": (8, 8), "kernel": (3, 3), "intermediate": (6, 6), "output": (6, 6)}
    return {
        "overview_html": markup.overview_html(model, columns, nodes, edges, size, acts[model.layers[-1].name],
                                              {"input": (f"./{HOSTILE}.png", 3, 64, 64)}),
        "column_label": markup.column_label(conv, layout.Box(0, 0, 1, 1), layout.Box(0, 0, 1, 1)),
        "prediction_html": markup.prediction_html(model.classes, acts[model.layers[-1].name]),
        "legend_html": markup.legend_html(HOSTILE, "red, blue", -1, 1, HOSTILE),
        "overview_legends_html": markup.overview_legends_html(model, hidden, colormap.limits(acts, hidden, "unit"), "unit"),
        "gallery_html": markup.gallery_html(items, items[0]["file"]),
        "model_options_html": markup.model_options_html([HOSTILE, "b"], HOSTILE),
        "number_grid_html": markup.number_grid_html(np.zeros((2, 2)), 1.0, HOSTILE),
        "products_sum_html": markup.products_sum_html(HOSTILE, np.zeros((3, 3)), 1.0, HOSTILE, np.ones((3, 3)),
                                                      np.zeros((3, 3)), 0.0, 2, HOSTILE, 0.0),
        "code_html": markup.code_html([HOSTILE, "x = 1"], 7, HOSTILE),
        "grid_html": markup.grid_html(HOSTILE, (4, 5), HOSTILE),
        "code_index": markup.code_index(HOSTILE, 1, 2),
        "elastic_html": elastic.elastic_html(boxes, links, height, labels, shapes),
        "sum_html": elastic.sum_html((0, 0), np.zeros(3), 0.0, 0.0, 0.0, conv.name, 0),
    }


@pytest.mark.parametrize("name", sorted(builders(hostile_model())))
def test_every_builder_escapes_hostile_names_once(name):
    html = builders(hostile_model())[name]
    page = parse(html)
    assert "evil" not in [t for t, _ in page.tags], f"{name} inserted a name as markup"
    seen = "".join(page.texts) + "".join(v or "" for _, attrs in page.tags for v in attrs.values())
    assert "&amp;" not in seen and "&lt;" not in seen, f"{name} escaped a name twice"
    assert HOSTILE in seen or HOSTILE.replace("'", "") not in seen, f"{name} mangled a name"


@pytest.mark.parametrize("phase", [0, 1, 2])
def test_a_convolution_cell_shows_products_from_phase_1_and_its_sum_from_phase_2(phase):
    window, kernel = np.arange(9.0).reshape(3, 3), np.full((3, 3), 0.5)
    products = window * kernel
    html = markup.products_sum_html("row 1, column 1", window, 8.0, "window", kernel, products, products.sum(), phase,
                                    "forward pass:", 18.0)
    assert html.count('<table class="nums"') == (2 if phase == 0 else 3)
    result = re.search(r'<span class="result" data-value="([^"]+)">([^<]+)</span>', html)
    assert float(result.group(1)) == 18.0 and result.group(2) == ("18.000" if phase == 2 else "?")
    assert 'class="forward-value" data-value="18.0"' in html


def test_no_name_goes_into_a_selector_or_an_id():
    html = builders(hostile_model())["overview_html"]
    for tag, attrs in parse(html).tags:
        assert "id" not in attrs or attrs["id"] == "edges"
        assert not re.search(r"[<>\"&]", attrs.get("data-target", "")) and not re.search(r"\D", attrs.get("data-col", "0"))


def test_the_strip_shows_one_example_per_class_and_the_shown_one():
    items = [{"file": f"{c}-{n}.png", "label": c, "class_index": i} for i, c in enumerate("abc") for n in (1, 2)]
    assert [i["file"] for i in markup.strip_items(items)] == ["a-1.png", "b-1.png", "c-1.png"]
    assert [i["file"] for i in markup.strip_items(items, "b-2.png")] == ["a-1.png", "b-2.png", "c-1.png"]


def test_code_panels_number_their_lines_and_say_python_counts_from_zero():
    html = markup.code_panels_html([steps.relu_cell])
    lines, first = steps.source(steps.relu_cell)
    page = parse(html)
    assert [a["data-line"] for t, a in page.tags if t == "span" and a.get("class") == "line"] == [str(i) for i in range(len(lines))]
    assert "py/cnn_explainer/page/steps.py · relu_cell" in html and "Python counts from 0" in html
    assert f'aria-hidden="true">{first}</span>' in html


def test_models_get_a_sentence_and_layers_of_any_kind_a_title():
    model = tiny_vgg(["a", "b"])
    model.meta = {"description": "Tiny VGG.", "training": {"val_accuracy": 0.726}}
    assert markup.model_info(model) == "Tiny VGG. Top-1 accuracy on held-out images: 72.6%."
    grey = Model([Layer("c", "conv2d", {"filters": 2, "kernel_size": 3}), Layer("f", "flatten"),
                  Layer("d", "dense", {"units": 2}), Layer("s", "softmax")], ["a", "b"], (8, 8, 1))
    labels = [a["aria-label"] for t, a in overview_tags(grey) if t == "button" and "aria-label" in a]
    assert labels[0].startswith("input, grey channel")


def test_text_from_a_file_never_reorders_the_page_around_it():
    """A class name starting with U+202E (right-to-left override) made "Prediction: %6.77 exe.png"; an Arabic name
    pulls the percentage after it into its right-to-left run. Controls are dropped, right-to-left text isolated."""
    fsi, pdi = "\u2068", "\u2069"
    assert markup.isolate("\u202eexe.png") == "exe.png" and markup.isolate("koala") == "koala"
    assert markup.isolate("قطة") == f"{fsi}قطة{pdi}" and markup.isolate("\u2069\u202bכלב\u2066") == f"{fsi}כלב{pdi}"
    classes = ["\u202eexe.png", "قطة 2"]
    html = markup.prediction_html(classes, np.array([0.0677, 0.9323]))
    assert f"<strong>{fsi}قطة 2{pdi}</strong>" in html and html.endswith("93.2%</span>")
    html = markup.prediction_html(classes, np.array([0.9323, 0.0677]))
    assert "<strong>exe.png</strong>" in html and "\u202e" not in html
    assert "\u202e" not in markup.output_row(classes, 0, 0.5) and f">{fsi}قطة 2{pdi}</span>" in markup.output_row(classes, 1, 0.5)
    options = markup.model_options_html(["\u202emodel", "نموذج"], "نموذج")
    assert 'value="\u202emodel">model</option>' in options and f'value="نموذج" selected>{fsi}نموذج{pdi}</option>' in options
    assert markup.model_info(Model([], [], meta={"description": "\u202eevil"})) == "evil"
    assert markup.hover_text("output", "output", 0, {"output": np.array([0.5, 0.5])}, classes) == "exe.png: probability 50.0%"
