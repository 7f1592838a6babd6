"""The Teach panel's drawings: curve geometry, progress and time left, the confusion matrix, the class card (escaped)."""
import html
import re
from xml.etree import ElementTree

import numpy as np
import pytest
from cnn_explainer.page import teach_figures as tf

HOSTILE = '<img src=x onerror=alert(1)>"&'


def entry(epoch, loss, accuracy, held_loss, held_accuracy, seconds=0.5, rate=100.0):
    return {"epoch": epoch, "loss": loss, "accuracy": accuracy, "held_loss": held_loss, "held_accuracy": held_accuracy,
            "seconds": seconds, "images_per_s": rate}


def test_curve_points_span_the_box_by_epoch_and_value():
    left, top, right, bottom = tf.plot_box((300, 120), (34, 10, 8, 20))
    assert (left, top, right, bottom) == (34, 8, 290, 100)
    points = tf.curve_points([0.0, 0.5, 1.0], 5, 0.0, 1.0, (300, 120))
    # epoch 1 at the left edge, epoch 3 halfway (2 of 4 steps); value 0 at the bottom, 1 at the top
    assert points[0] == (34.0, 100.0)
    assert points[1] == pytest.approx((34 + 64, 54.0))
    assert points[2] == pytest.approx((34 + 128, 8.0))


def test_curve_points_clip_values_outside_the_range_and_survive_one_epoch():
    points = tf.curve_points([-1.0, 3.0], 1, 0.0, 2.0, (300, 120))
    assert points[0][1] == 100.0 and points[1][1] == 8.0
    assert tf.curve_points([1.0], 1, 1.0, 1.0)[0][0] == tf.plot_box()[0]  # no division by a zero span or step


def test_path_d_draws_every_point_and_a_dot_for_one():
    assert tf.path_d([(1, 2), (3.5, 4)]) == "M1.0,2.0 L3.5,4.0"
    assert tf.path_d([(10, 20)]) == "M8.5,20.0h3"
    assert tf.path_d([]) == ""


def test_curves_html_is_valid_svg_with_one_path_per_series_and_the_latest_numbers_in_its_title():
    history = [entry(1, 2.0, 0.4, 2.2, 0.3), entry(2, 1.0, 0.7, 1.4, 0.6)]
    out = tf.curves_html(history, 10)
    svgs = re.findall(r"<svg.*?</svg>", out)
    assert len(svgs) == 2
    for svg in svgs:
        ElementTree.fromstring(svg)  # well-formed
    loss, accuracy = svgs
    assert "training 1, held-out 1.4" in html.unescape(loss) and "70.0%" in accuracy and "60.0%" in accuracy
    # the loss chart's top is the largest loss so far: 2.2 is at the top edge (y = 8) on the held-out line
    held = re.search(r'class="held" d="([^"]+)"', loss).group(1)
    assert held.startswith("M34.0,8.0")
    assert "epoch 10" in out and tf.curves_html([], 5).count("<path") == 4


def test_loss_ceiling_ignores_a_non_finite_loss():
    assert tf.loss_ceiling([entry(1, 3.0, 0, float("nan"), 0), entry(2, float("inf"), 0, 1.0, 0)]) == 3.0
    assert tf.loss_ceiling([]) > 0


def test_seconds_left_counts_the_rest_of_this_epoch_and_the_epochs_after_it():
    history = [entry(1, 1, 1, 1, 1, seconds=2.0), entry(2, 1, 1, 1, 1, seconds=4.0)]  # 3 s an epoch
    assert tf.seconds_left([], 10, {}) is None
    assert tf.seconds_left(history, 10, {"phase": "evaluate", "epoch": 2, "done": 1, "total": 1}) == pytest.approx(24.0)
    # a quarter into epoch 3 of 10: 7.75 epochs left
    assert tf.seconds_left(history, 10, {"phase": "train", "epoch": 3, "done": 8, "total": 32}) == pytest.approx(23.25)
    assert tf.seconds_left(history, 2, {"phase": "evaluate", "epoch": 2}) == 0.0


def test_progress_text_says_the_phase_epoch_rate_and_time():
    history = [entry(1, 1, 1, 1, 1, seconds=2.0, rate=1234.4)]
    assert tf.progress_text([], {"phase": "features", "done": 4, "total": 22, "epochs": 5}) == \
        "Reading the pictures: 4 of 22"
    text = tf.progress_text(history, {"phase": "train", "epoch": 2, "done": 16, "total": 32, "epochs": 5})
    assert text == "Epoch 2 of 5 · 1,234 images/s · about 7 s left"
    assert tf.progress_text(history, {"phase": "end", "epoch": 1, "epochs": 1}) == "Epoch 1 of 1 · 2.0 s in all"


def test_confusion_html_counts_rows_as_true_classes_with_each_class_accuracy():
    matrix = np.array([[3, 1, 0], [0, 4, 0], [2, 0, 0]])
    out = tf.confusion_html(matrix, ["cat", "dog", HOSTILE])
    ElementTree.fromstring(out)
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", out)
    assert [html.unescape(name) for name, _cells in rows] == ["cat", "dog", HOSTILE]
    counts = [[int(c) for c in re.findall(r'data-count="(\d+)"', cells)] for _name, cells in rows]
    assert counts == matrix.tolist()
    accuracies = re.findall(r'class="num accuracy">([^<]+)<', out)
    assert accuracies == ["75.0%", "100.0%", "0.0%"]
    assert "10, 70.0% right" in out  # 7 of 10 on the diagonal
    assert "<img" not in out and tf.confusion_html(np.zeros((2, 2), int), ["a", "b"]).count("–") == 3


def test_the_class_card_escapes_its_name_and_has_the_contract_parts():
    card = tf.class_card_html(7, 2, HOSTILE)
    assert card.count("<div") == card.count("</div>") == 4
    assert 'class="teach-class"' in card and 'class="teach-name"' in card and 'class="teach-files' in card
    assert 'id="teach-files-7"' in card and 'for="teach-files-7"' in card and "multiple" in card
    assert "<img" not in card and html.escape(HOSTILE, quote=True) in card
    assert tf.default_class_name(3) == "class 3"
    assert tf.picture_count(1) == "1 picture" and tf.picture_count(0) == "0 pictures"


def test_live_text_lists_the_most_probable_classes_first():
    assert tf.live_text(np.array([0.1, 0.7, 0.2]), ["a", "b", "c"], count=2) == "b 70.0% · c 20.0%"


def test_wall_clock_replaces_each_epochs_time_and_rate_by_what_the_page_took():
    history = [entry(1, 1, 1, 1, 1, seconds=0.1, rate=480.0), entry(2, 1, 1, 1, 1, seconds=0.1, rate=480.0)]
    seen = tf.wall_clock(history, [0.5, 0.25], 48)
    assert [(e["seconds"], e["images_per_s"]) for e in seen] == [(0.5, 96.0), (0.25, 192.0)]
    assert history[0]["seconds"] == 0.1 and len(tf.wall_clock(history, [0.5], 48)) == 1  # the history is untouched


def test_forward_from_a_layer_matches_the_whole_forward_pass_after_the_later_layers_change():
    from cnn_explainer.net import weights
    model = weights.resolve_model(weights.DEFAULT_MODEL)
    picture = np.random.default_rng(4).random(model.input_shape).astype(np.float32)
    acts = model.forward(picture)
    start = next(i for i, layer in enumerate(model.layers) if layer.name == "conv_2_1")
    model.layers[start].kernel = model.layers[start].kernel * -1.5  # a training changed block 2
    again = tf.forward_from(model, acts, start)
    whole = model.forward(picture)
    assert again.keys() == whole.keys()
    for name in whole:
        np.testing.assert_allclose(again[name], whole[name], rtol=1e-6, atol=1e-7)
    assert np.array_equal(acts["output"], model.forward(picture)["output"]) is False  # the old acts were not touched
