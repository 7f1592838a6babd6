"""Overview markup: every neuron becomes one labelled, focusable element; names are escaped."""
from html.parser import HTMLParser

from cnn_explainer import layout, markup
from cnn_explainer.model import Model
from cnn_explainer.weights import tiny_vgg_layers


class Collector(HTMLParser):
    """Collect (tag, attributes) of every start tag."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(html):
    collector = Collector()
    collector.feed(html)
    return collector.tags


def overview_tags(classes):
    model = Model(tiny_vgg_layers(classes=len(classes)), classes)
    return model, parse(markup.overview_html(model, *layout.overview(model)))


def test_one_focusable_labelled_button_per_neuron_with_a_canvas_of_the_map_size():
    model, tags = overview_tags([f"c{i}" for i in range(10)])
    buttons = [a for t, a in tags if t == "button"]
    assert len(buttons) == 113
    assert all(a.get("aria-label") and a.get("tabindex") == "-1" for a in buttons)
    canvases = [a for t, a in tags if t == "canvas"]
    shapes = dict(model.shapes())
    expected = [shapes[name][:2] for name, s in model.shapes() if len(s) == 3 for _ in range(s[2])]
    assert [(int(a["height"]), int(a["width"])) for a in canvases] == expected


def test_edges_are_grouped_per_target_neuron():
    model, tags = overview_tags([f"c{i}" for i in range(10)])
    groups = [a["data-target"] for t, a in tags if t == "g"]
    assert len(groups) == 110 and len(set(groups)) == 110 and "output:9" in groups and "conv_1_1:0" in groups


def test_class_names_are_escaped():
    model, tags = overview_tags(["<b>bold</b>"] + [f"c{i}" for i in range(9)])
    assert not any(t == "b" for t, _ in tags)
    html = markup.overview_html(model, *layout.overview(model))
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_numbers_and_percentages_read_well():
    assert markup.number(-0.5) == "−0.5"
    assert markup.number(1234.5) == "1.23e+03"
    assert markup.number(0.0) == "0"
    assert markup.percent(0.1234) == "12.3%"
