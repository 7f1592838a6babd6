"""The elastic convolution view: its geometry and markup, and the numbers it shows checked against an independent convolution."""
import re

import numpy as np
import pytest
from scipy.signal import correlate2d

from cnn_explainer.page import elastic, steps
from cnn_explainer.net import weights
from cnn_explainer.net.model import Layer, Model

CHANNEL_COUNTS = (1, 3, 10, 64)


def endpoints(path):
    """The first and last (x, y) points of an SVG path."""
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path)]
    return (numbers[0], numbers[1]), (numbers[-2], numbers[-1])


def overlap(a, b):
    """True when two boxes share some area."""
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "narrow"])
@pytest.mark.parametrize("channels", CHANNEL_COUNTS)
def test_every_channel_has_its_row_and_one_sum_bias_and_output(channels, narrow):
    boxes, links, height = elastic.elastic(channels, narrow)
    kinds = [(b.kind, b.index) for b in boxes]
    assert len(kinds) == len(set(kinds)) == 3 * channels + 3
    for kind in ("input", "kernel", "intermediate"):
        assert sorted(i for k, i in kinds if k == kind) == list(range(channels))
    assert {("sum", 0), ("bias", 0), ("output", 0)} <= set(kinds)
    by_key = {(b.kind, b.index): b for b in boxes}
    for c in range(channels):  # a row reads left to right and its three boxes share a centre line
        row = [by_key[(k, c)] for k in ("input", "kernel", "intermediate")]
        assert row[0].x + row[0].w < row[1].x and row[1].x + row[1].w < row[2].x
        assert len({round(b.y + b.h / 2, 6) for b in row}) == 1
    assert by_key[("intermediate", 0)].x + by_key[("intermediate", 0)].w < by_key[("sum", 0)].x
    rows_bottom = max(b.y + b.h for b in boxes if b.kind in ("input", "kernel", "intermediate"))
    if narrow:  # the output map goes under every row, the bias above the sum
        assert by_key[("output", 0)].y > rows_bottom and by_key[("bias", 0)].y < by_key[("sum", 0)].y
    else:  # everything left to right, the bias under the sum
        assert by_key[("sum", 0)].x + by_key[("sum", 0)].w < by_key[("output", 0)].x
        assert by_key[("bias", 0)].y > by_key[("sum", 0)].y


@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "narrow"])
@pytest.mark.parametrize("channels", CHANNEL_COUNTS)
def test_boxes_fit_below_the_headings_and_never_overlap(channels, narrow):
    boxes, links, height = elastic.elastic(channels, narrow)
    width = elastic.geometry(narrow).width
    for b in boxes:
        assert 0 <= b.x and b.x + b.w <= width and elastic.TOP - 1e-9 <= b.y and b.y + b.h <= height - elastic.BOTTOM + 1e-9
        assert b.w > 0 and b.h > 0
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not overlap(a, b), (a, b)


@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "narrow"])
@pytest.mark.parametrize("channels", CHANNEL_COUNTS)
def test_edges_connect_the_right_boxes(channels, narrow):
    boxes, links, height = elastic.elastic(channels, narrow)
    by_key = {(b.kind, b.index): b for b in boxes}
    expected = {(("input", c), ("kernel", c)) for c in range(channels)}
    expected |= {(("kernel", c), ("intermediate", c)) for c in range(channels)}
    expected |= {(("intermediate", c), ("sum", 0)) for c in range(channels)}
    expected |= {(("bias", 0), ("sum", 0)), (("sum", 0), ("output", 0))}
    assert len(links) == len(expected) and {(a, b) for a, b, _ in links} == expected
    for source, target, path in links:
        (x0, y0), (x1, y1) = endpoints(path)
        a, b = by_key[source], by_key[target]
        if source[0] == "bias" and narrow:  # from the bias's bottom straight down into the top of the sum node
            assert x0 == x1 == pytest.approx(a.x + a.w / 2, abs=0.06) and y0 == pytest.approx(a.y + a.h, abs=0.06)
            assert y1 == pytest.approx(b.y, abs=0.06) and y1 > y0
        elif source[0] == "bias":  # from the bias's top straight up into the bottom of the sum node
            assert x0 == x1 == pytest.approx(a.x + a.w / 2, abs=0.06) and y0 == pytest.approx(a.y, abs=0.06)
            assert y1 == pytest.approx(b.y + b.h, abs=0.06) and y1 < y0
        elif target[0] == "output" and narrow:  # from the sum's bottom down to the top of the output map
            assert (x0, y0) == pytest.approx((a.x + a.w / 2, a.y + a.h), abs=0.06)
            assert (x1, y1) == pytest.approx((b.x + b.w / 2, b.y), abs=0.06)
        else:  # from the middle of the source's right side to the middle of the target's left side
            assert (x0, y0) == pytest.approx((a.x + a.w, a.y + a.h / 2), abs=0.06)
            assert (x1, y1) == pytest.approx((b.x, b.y + b.h / 2), abs=0.06)


@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "narrow"])
def test_headings_fit_side_by_side_above_their_columns(narrow):
    boxes, _, height = elastic.elastic(10, narrow)
    heads = elastic.headings(narrow, boxes)
    assert [kind for kind, *_ in heads] == ["input", "kernel", "intermediate", "sum", "output"]
    top_row = [h for h in heads if h[2] == 0]
    assert top_row[0][1] >= 0 and max(x + w for _, x, _, w in heads) <= elastic.geometry(narrow).width
    assert all(a[1] + a[3] <= b[1] for a, b in zip(top_row, top_row[1:]))
    for kind, left, top, width in heads:
        below = [b for b in boxes if b.kind == kind]
        assert [b.x + b.w / 2 for b in below] == pytest.approx([left + width / 2] * len(below))
        assert all(top + elastic.TOP - 6 <= b.y + 1e-9 for b in below)  # a heading sits above its boxes


def test_tooltips_leave_their_own_row_and_the_output_in_sight():
    boxes, _, height = elastic.elastic(10)
    by_key = {(b.kind, b.index): b for b in boxes}
    top_kernel, bottom_kernel = by_key[("kernel", 0)], by_key[("kernel", 9)]
    _, top, bottom, _ = elastic.tip_position(top_kernel, height)
    assert bottom == "" and float(top[:-1]) * height / 100 > top_kernel.y + top_kernel.h
    _, top, bottom, _ = elastic.tip_position(bottom_kernel, height)
    assert top == "" and height - float(bottom[:-1]) * height / 100 < bottom_kernel.y
    bias, output = by_key[("bias", 0)], by_key[("output", 0)]
    left, top, _, _ = elastic.tip_position(bias, height)
    assert float(left[:-1]) * elastic.WIDTH / 100 > bias.x + bias.w and float(top[:-1]) * height / 100 > output.y + output.h
    boxes, _, height = elastic.elastic(10, narrow=True)  # narrow: the bias sits at the right edge, its tip goes left
    bias = next(b for b in boxes if b.kind == "bias")
    left, _, _, transform = elastic.tip_position(bias, height, narrow=True)
    assert float(left[:-1]) * elastic.NARROW.width / 100 < bias.x and transform == "translateX(-100%)"


def test_maps_shrink_with_more_channels_within_bounds():
    sizes = [elastic.map_size(n) for n in (1, 3, 10, 64, 500)]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] == elastic.MAX_MAP and sizes[-1] == elastic.MIN_MAP
    with pytest.raises(ValueError):
        elastic.elastic(0)


def test_markup_names_every_element_and_keeps_the_exact_numbers():
    rng = np.random.default_rng(3)
    inputs, kernels = rng.standard_normal((3, 8, 8)), rng.standard_normal((3, 3, 3))
    intermediates, output = rng.standard_normal((3, 6, 6)), rng.standard_normal((6, 6))
    boxes, links, height = elastic.elastic(3)
    labels = elastic.labels_of("conv_x", "input", inputs, kernels, intermediates, 0.25, output)
    html = elastic.elastic_html(boxes, links, height, labels, {"input": (8, 8), "kernel": (3, 3),
                                                                "intermediate": (6, 6), "output": (6, 6)})
    assert html.count('data-el="input"') == html.count('data-el="kernel"') == html.count('data-el="intermediate"') == 3
    assert html.count("<button") == 3 * 3 + 1 and html.count("<canvas") == 3 * 3 + 1 and html.count("<path") == len(links)
    assert all(f'aria-label="{label}"' in html for label in labels.values() if "−" not in label)
    assert "bias: 0.25" in labels[("bias", 0)]
    for c in range(3):  # a channel's row lights its own three edges, never the bias's or the output's
        assert html.count(f'data-channel="{c}" d=') == 3
    sentence = elastic.sum_html((2, 4), np.array([0.5, -0.25, 1.0]), 0.125, 1.375, 1.3750001, "conv_x", 7)
    assert 'class="result" data-value="1.375"' in sentence and 'data-value="1.3750001"' in sentence
    # people count from 1 (row 3, column 5); the code's own index counts from 0 and is marked as code
    assert "row 3, column 5" in sentence and "(−0.250)" in sentence
    assert '<code class="index">acts[&#x27;conv_x&#x27;][2, 4, 7]</code>' in sentence


def random_model(layers=None, classes=("a", "b"), input_shape=(64, 64, 3), seed=0):
    """A model with random weights (Tiny VGG unless layers are given); built here, since two conftests share a name."""
    layers = weights.tiny_vgg_layers(classes=len(classes)) if layers is None else layers
    rng, shape = np.random.default_rng(seed), tuple(input_shape)
    for layer in layers:
        for param, param_shape in layer.param_shapes(shape).items():
            setattr(layer, param, (rng.standard_normal(param_shape) * 0.3).astype(np.float32))
        shape = layer.output_shape(shape)
    return Model(layers, list(classes), input_shape)


def shipped_model():
    """The committed Tiny VGG weights, or skip when the checkout has none."""
    try:
        return weights.resolve_model("tinyvgg-tin10")
    except weights.WeightsError as error:  # a checkout without weights/ still tests on the random models below
        pytest.skip(f"no shipped weights: {error}")


def same_padding_model():
    """A small random model with 'same' padding, so padded windows are checked too."""
    layers = [Layer("conv_a", "conv2d", {"filters": 4, "kernel_size": 3, "padding": "same"}),
              Layer("relu_a", "relu"), Layer("conv_b", "conv2d", {"filters": 3, "kernel_size": 3, "padding": "same"}),
              Layer("flatten", "flatten"), Layer("dense", "dense", {"units": 2}), Layer("output", "softmax")]
    return random_model(layers, input_shape=(9, 7, 2), seed=5)


@pytest.mark.parametrize("make", [shipped_model, random_model, same_padding_model], ids=["shipped", "random", "same"])
def test_intermediates_match_scipy_and_add_up_to_the_forward_pass(make):
    model = make()
    image = np.random.default_rng(11).uniform(0, 1, model.input_shape).astype(np.float32)
    acts = model.forward(image)
    for layer in (layer for layer in model.layers if layer.type == "conv2d"):
        x = model.input_of(layer.name, acts).astype(np.float64)
        mode = "same" if layer.padding == "same" else "valid"
        for k in sorted({0, layer.kernel.shape[-1] - 1}):
            intermediates = model.conv_intermediates(layer.name, acts, k)
            assert intermediates.shape == (x.shape[-1],) + acts[layer.name].shape[:2]
            for c in range(x.shape[-1]):
                reference = correlate2d(x[..., c], layer.kernel[:, :, c, k].astype(np.float64), mode=mode)
                np.testing.assert_allclose(intermediates[c], reference, rtol=1e-4, atol=1e-5)
            totals = np.array([[steps.conv_total(intermediates[:, r, q], layer.bias[k])
                                for q in range(intermediates.shape[2])] for r in range(intermediates.shape[1])])
            np.testing.assert_allclose(totals, acts[layer.name][..., k], rtol=1e-4, atol=1e-5)


def test_a_sum_of_many_channels_writes_out_its_first_terms_and_how_many_more():
    contributions = np.arange(128, dtype=np.float64) / 1000
    html = elastic.sum_html((0, 0), contributions, 0.5, contributions.sum() + 0.5, contributions.sum() + 0.5, "c", 0)
    assert html.count('class="term" data-channel=') == elastic.SUM_TERMS - 2
    assert "… (114 more terms)" in html and f'data-value="{float(contributions.sum() + 0.5)!r}"' in html
    short = elastic.sum_html((0, 0), contributions[:16], 0.5, 1.0, 1.0, "c", 0)
    assert short.count('class="term" data-channel=') == 16 and "more terms" not in short
