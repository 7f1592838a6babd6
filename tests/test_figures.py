"""The article's live figures and the playground's markup, checked against independent computations."""
import json
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from cnn_explainer.page import figures
from cnn_explainer.page import playground as pg
from cnn_explainer.page import playground_markup as pm
from cnn_explainer.net.weights import load_model
from helpers import ROOT, random_model
from scipy.special import softmax

HOSTILE = '<img src=x onerror=alert(1)>"&'


def data_values(html, selector_class):
    """The data-value floats of the elements of a class, in document order."""
    return [float(v) for v in re.findall(rf'class="{selector_class}"[^>]*data-value="([^"]+)"', html)]


def test_relu_graph_puts_every_negative_value_on_zero(rng):
    values = rng.normal(0, 1, (30, 30))
    svg = figures.relu_svg(values, count=200)
    circles = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="[\d.]+" class="(neg|pos)"/>', svg)
    assert len(circles) == 200
    zero_y = {cy for _, cy, kind in circles if kind == "neg"}
    assert len(zero_y) == 1  # all negative values sit on one line: y = 0
    positives = [(float(cx), float(cy)) for cx, cy, kind in circles if kind == "pos"]
    zero = float(zero_y.pop())
    xs = [cx for cx, _ in positives]
    assert all(cy < zero for _, cy in positives)
    # on the positive side y = x: the points lie on one straight line through the origin
    slope = np.polyfit(xs, [cy for _, cy in positives], 1)[0]
    assert slope < 0 and np.allclose([cy for _, cy in positives], np.polyval(np.polyfit(xs, [cy for _, cy in positives], 1), xs), atol=0.2)
    assert f"{int((figures.sample(values, 200) < 0).sum())} negative ones" in svg


def test_the_pool_figure_shows_the_window_that_torch_pools_to_the_largest_value(rng):
    values = rng.normal(0, 1, (26, 26))
    pooled = F.max_pool2d(torch.from_numpy(values)[None, None], 2)[0, 0].numpy()
    row, col = figures.strongest_window(values)
    assert pooled[row, col] == pooled.max()
    html = figures.pool_html(values, (row, col))
    assert data_values(html, "fig-result") == [pooled.max()]


def test_flatten_lists_the_values_channel_fastest(rng):
    maps = rng.normal(0, 1, (13, 13, 10))
    html = figures.flatten_html(maps, count=25)
    shown = [float(v) for v in re.findall(r'<li data-value="([^"]+)"', html)]
    expected = [maps[i // 130, (i // 10) % 13, i % 10] for i in range(25)]  # Keras's order written out by hand
    assert shown == expected
    assert "map 3, row 1, column 2" in html.split("</li>")[12]  # x[12] is map 3 of cell (1, 2)
    assert "1,690 values" in html


def test_the_softmax_figure_equals_scipy(rng):
    logits = rng.normal(0, 2, 10)
    classes = [f"class {i}" for i in range(9)] + [HOSTILE]
    html = figures.softmax_html(logits, classes)
    order = [int(k) for k in re.findall(r'data-class-index="(\d+)"', html)]
    shares = data_values(html, "share")
    reference = softmax(logits)
    assert order == list(np.argsort(-reference))
    np.testing.assert_allclose(shares, reference[order], rtol=1e-12)
    assert "<img" not in html and "&lt;img" in html


def test_the_softmax_figure_of_10000_classes_lists_the_top_ten_and_sums_the_rest(rng):
    logits = rng.normal(0, 2, 10000)
    html = figures.softmax_html(logits, [f"class {i}" for i in range(10000)])
    reference = softmax(logits)
    order = [int(k) for k in re.findall(r'data-class-index="(\d+)"', html)]
    assert order == list(np.argsort(-reference)[:10])
    rest = 1 - np.sort(reference)[::-1][:10].sum()
    assert f"… 9,990 more classes, together {100 * rest:.1f}%" in html and html.count("<tr") == 12


def test_the_training_facts_come_from_the_weights_file_and_are_escaped():
    model = load_model(f"{ROOT}/weights/tinyvgg-tin10.json")
    with open(f"{ROOT}/weights/tinyvgg-tin10.json") as f:
        training = json.load(f)["training"]
    html = figures.training_html(model)
    assert f"{100 * training['val_accuracy']:.1f}%" in html and training["dataset"] in html
    hostile = random_model(meta={"training": {"dataset": HOSTILE, "val_accuracy": 0.5,
                                              "history": [{"train_loss": 2.0, "holdout_loss": 2.1, "holdout_accuracy": 0.2},
                                                          {"train_loss": 1.0, "holdout_loss": 1.4, "holdout_accuracy": 0.6}]}})
    html = figures.training_html(hostile)
    assert "<img" not in html and "&lt;img" in html
    assert html.count("<path") == 3 and "from 20.0% to 60.0%" in html
    assert "says nothing" in figures.training_html(random_model(meta={}))


def test_the_output_size_equation_writes_the_numbers_out():
    s = pg.Settings(9, (1, 1), 3, 2, 1)
    math = pm.size_math(s)
    assert math.count("<math") == 2 and "<mfrac>" in math
    assert 'aria-label="out = floor((9 − 3 + 2) / 2) + 1 = 5"' in math and '<mn class="pg-out-size">5</mn>' in math
    uneven = pm.size_math(pg.Settings(8, (0, 1), 3, 2, 2))
    assert "before" in uneven and "(8 − 5 + 1) / 2" in uneven


def test_the_overlay_numbers_small_grids_only_and_marks_padding_and_unread_cells():
    s = pg.Settings(8, (1, 1), 3, 2, 1)
    padded = pg.pad(pg.random_grid(8, 3), s.padding)
    rgba = np.zeros(padded.shape + (4,), np.uint8)
    html = pm.overlay_html(padded, pg.padding_mask(s), pg.used_cells(s), rgba)
    assert html.count('class="pg-cell') == 100 and html.count(" pad") == 36
    assert html.count("unused") == int((~pg.used_cells(s)).sum()) > 0
    assert pm.overlay_html(np.zeros((20, 20)), np.zeros((20, 20), bool), np.ones((20, 20), bool), np.zeros((20, 20, 4))) == ""


def test_kernel_options_escape_the_layer_name():
    html = pm.kernel_options_html(HOSTILE, 2, "learned:1:2")
    assert "<img" not in html and html.count("<option") == len(pg.PRESETS) + 1 + 6
    assert 'value="learned:1:2" selected' in html


def test_the_crop_box_is_the_square_pillow_keeps():
    from PIL import Image, ImageOps
    for width, height in [(90, 40), (40, 90), (64, 64), (101, 100), (3, 7)]:
        columns = np.tile(np.arange(width, dtype=np.uint8), (height, 1))
        rows = np.tile(np.arange(height, dtype=np.uint8)[:, None], (1, width))
        picture = Image.fromarray(np.stack([columns, rows, columns], -1))
        left, top, side = figures.crop_box(width, height)
        kept = np.asarray(ImageOps.fit(picture, (side, side), centering=(0.5, 0.5)))  # no resize: the crop itself
        assert side == min(width, height)
        assert kept[0, 0, 0] == int(left) and kept[0, 0, 1] == int(top), (width, height)


def test_the_training_facts_tell_the_seeds_when_several_were_trained():
    from cnn_explainer.net.model import Model
    from cnn_explainer.net.weights import tiny_vgg_layers
    training = {"val_accuracy": 0.667, "val_accuracy_mean": 0.6765, "val_accuracy_sd": 0.0094,
                "seeds": [{"seed": s, "holdout_accuracy": 0.6, "val_accuracy": 0.6} for s in range(3)]}
    html = figures.training_html(Model(tiny_vgg_layers(), [f"c{i}" for i in range(10)], meta={"training": training}))
    assert "<dt>seeds</dt><dd>3 trained, mean 67.7% on val (sd 0.9%); this one was best on the holdout</dd>" in html


@pytest.mark.parametrize("threads, said", [(1, "12.5 minutes on 1 CPU thread"), (2, "12.5 minutes on 2 CPU threads"),
                                           (None, "12.5 minutes on a 2-core CPU")])
def test_the_training_time_says_on_how_many_threads_when_the_file_records_it(threads, said):
    from cnn_explainer.net.model import Model
    from cnn_explainer.net.weights import tiny_vgg_layers
    training = {"minutes": 12.5} | ({"threads": threads} if threads else {})
    html = figures.training_html(Model(tiny_vgg_layers(), [f"c{i}" for i in range(10)], meta={"training": training}))
    assert f"<dt>training time</dt><dd>{said}</dd>" in html


def patch_of(model, row, col):
    """Reference: the input rows and columns one value of the last layer before flatten reads, found by walking each
    window back to the input as index intervals (no formula shared with figures.receptive_field)."""
    rows, cols = (row, row), (col, col)
    before = [layer for layer in model.layers[:[l.type for l in model.layers].index("flatten")]]
    for layer in reversed(before):
        if layer.type in ("conv2d", "max_pool2d"):
            (kh, kw), (sh, sw) = layer.window_and_stride()
            rows, cols = (rows[0] * sh, rows[1] * sh + kh - 1), (cols[0] * sw, cols[1] * sw + kw - 1)
    return rows, cols


def test_the_receptive_field_is_what_one_value_really_depends_on(rng):
    model = load_model(f"{ROOT}/weights/tinyvgg-tin10.json")
    assert figures.receptive_field(model) == 16 and figures.first_block_sizes(model) == [64, 62, 60]
    last = [l.name for l in model.layers][[l.type for l in model.layers].index("flatten") - 1]
    row, col = 5, 7
    (top, bottom), (left, right) = patch_of(model, row, col)
    assert bottom - top + 1 == right - left + 1 == figures.receptive_field(model)
    image = rng.uniform(-1, 1, (64, 64, 3))
    changed = rng.uniform(-1, 1, image.shape)
    changed[top:bottom + 1, left:right + 1] = image[top:bottom + 1, left:right + 1]
    value = model.forward(image)[last][row, col]
    assert np.array_equal(model.forward(changed)[last][row, col], value)  # nothing outside the patch counts
    ring = image.copy()
    ring[[top, bottom], left:right + 1] += 3
    ring[top:bottom + 1, [left, right]] += 3
    assert not np.array_equal(model.forward(ring)[last][row, col], value)  # its border rows and columns do
