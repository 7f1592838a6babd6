"""Flatten/dense and softmax views in Chromium: their numbers equal the NumPy model's, hover and keys work, Escape steps back."""
import os

import numpy as np
import pytest
from PIL import Image

import harness
from cnn_explainer.net import image, weights
from cnn_explainer.page.numbers import number

pytestmark = pytest.mark.browser

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def native(png):
    """The NumPy model and its activations for an image file, prepared as the page prepares uploads."""
    model = weights.load_model(os.path.join(REPO, "weights", "tinyvgg-tin10.json"))
    array, _ = image.prepare(png, model.input_shape, model.pixel_range)
    return model, model.forward(array)


def lossless_copy(dist, example, folder):
    """The example decoded natively and saved as PNG: Pyodide's JPEG decoder gives slightly different pixels
    than the native one, so the page and this process only see the very same pixels through a lossless file."""
    path = os.path.join(folder, os.path.basename(example).rsplit(".", 1)[0] + ".png")
    Image.open(os.path.join(dist, example)).convert("RGB").save(path)
    return path


def data_value(page, selector, name="value"):
    """A float the page keeps in a data attribute."""
    return float(page.get_attribute(selector, f"data-{name}"))


@pytest.fixture
def ready_page(new_site, page, wait_ready):
    """The app, booted, with its current example's native activations."""
    site = new_site()
    page.goto(site.url)
    wait_ready(page)
    return page


def test_dense_and_softmax_views_match_the_native_forward_pass(ready_page, dist, tmp_path):
    page = ready_page
    example = page.get_attribute("#gallery .example[aria-pressed=true]", "data-example")
    assert example, "no example image is selected"
    png = lossless_copy(dist, example, tmp_path)
    model, acts = native(png)
    logits, flat, kernel = model.logits(acts), acts["flatten"], model.layer("dense").kernel
    i = int(np.argsort(acts["output"])[-2])  # the runner-up: any class works, this one is not the default focus

    page.click(f'.node.out[data-index="{i}"]')
    page.wait_for_selector("#explain-body .ox-view .result")
    dense_ms = float(page.evaluate("document.body.dataset.viewOpenMs"))
    result, forward = data_value(page, "#explain-body .result"), data_value(page, "#explain-body .forward-value")
    assert abs(result - forward) <= 1e-4, (result, forward)

    # the same pixels in the page: the open view is rebuilt for the new image
    renders = int(page.evaluate("document.body.dataset.renderCount"))
    page.set_input_files("#upload", png)
    page.wait_for_function(f"Number(document.body.dataset.renderCount) > {renders}")
    page.wait_for_selector("#explain-body .ox-view .result")
    result, forward = data_value(page, "#explain-body .result"), data_value(page, "#explain-body .forward-value")
    assert abs(result - forward) <= 1e-4 and abs(result - float(logits[i])) <= 1e-4, (result, forward, logits[i])

    # a vector element: value × weight = product
    k = 3 * 130 + 77
    harness.point_at_cell(page, 'canvas[data-ox="products"]', 3, 77, 13, 130)
    readout = "#explain-body .ox-readout"
    page.wait_for_function(f"document.querySelector('{readout}').dataset.index === '{k}'")
    assert data_value(page, readout) == pytest.approx(float(flat[k]), abs=1e-6)
    assert data_value(page, readout, "weight") == pytest.approx(float(kernel[k, i]), abs=1e-6)
    assert data_value(page, readout, "product") == pytest.approx(float(flat[k] * kernel[k, i]), abs=1e-6)
    text = page.inner_text(readout)
    assert f"{number(flat[k])} × {number(kernel[k, i])} = {number(flat[k] * kernel[k, i])}" in text, text
    row, col, channel = (k // 10) // 13, (k // 10) % 13, k % 10  # people count from 1, the code from 0
    assert f"value {k + 1} of 1\u2009690 (channel {channel + 1}, row {row + 1}, column {col + 1})" in text, text
    assert f"x[{k}]" in page.inner_text(readout + " code")

    # a map cell points to its place in the vector, and the arrow keys move along the vector
    harness.point_at_cell(page, 'canvas[data-ox="map"][data-channel="4"]', 6, 2, 13, 13)
    place = (6 * 13 + 2) * 10 + 4
    page.wait_for_function(f"document.querySelector('{readout}').dataset.index === '{place}'")
    assert page.inner_text("#explain-body .ox-index code").endswith(f"= {place}")
    page.focus('canvas[data-ox="vector"]')
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"document.querySelector('{readout}').dataset.index === '{place + 1}'")

    page.click("#explain-body .ox-next")
    page.wait_for_selector("#explain-body .sm-row")
    softmax_ms = float(page.evaluate("document.body.dataset.viewOpenMs"))
    shown = [float(v) for v in page.eval_on_selector_all(".sm-row", "rows => rows.map(r => r.dataset.probability)")]
    np.testing.assert_allclose(shown, acts["output"], atol=1e-5)
    result, forward = data_value(page, "#explain-body .result"), data_value(page, "#explain-body .forward-value")
    assert abs(result - forward) <= 1e-5 and abs(result - float(acts["output"][i])) <= 1e-5

    # a term lights up its logit's row, and a row lights up its terms
    j = (i + 3) % 10
    page.hover(f'.sm-bottom .sm-term[data-class="{j}"] >> nth=0')
    assert "lit" in page.get_attribute(f'.sm-row[data-class="{j}"]', "class")
    page.hover(f'.sm-row[data-class="{i}"]')
    lit = page.eval_on_selector_all(".sm-term.lit", "terms => terms.map(t => t.dataset.class)")
    assert lit and set(lit) == {str(i)}

    page.keyboard.press("Escape")
    page.wait_for_selector("#explain-body .ox-view")
    page.keyboard.press("Escape")
    page.wait_for_function("document.getElementById('explain').hidden")
    assert page.console_errors == []
    print(f"view open: dense {dense_ms:.1f} ms, softmax {softmax_ms:.1f} ms")
    assert dense_ms < 500 and softmax_ms < 500  # target 100 ms; a loaded test machine gets slack


def test_every_control_is_reachable_by_keyboard_with_a_name(ready_page):
    page = ready_page
    page.focus('.node.out[data-index="0"]')
    page.keyboard.press("Enter")
    page.wait_for_selector("#explain-body .ox-view")
    unnamed = page.eval_on_selector_all(
        "#explain-body canvas, #explain-body button",
        "els => els.filter(e => e.tabIndex < 0 || !(e.getAttribute('aria-label') || e.textContent.trim())).length")
    assert unnamed == 0
    page.focus("#explain-body .ox-next")
    page.keyboard.press("Enter")
    page.wait_for_selector("#explain-body .sm-row.chosen")
    page.focus('#explain-body .sm-row[data-class="2"]')
    page.keyboard.press("Enter")
    page.wait_for_selector('#explain-body .sm-top .sm-term[data-class="2"]')
    assert page.get_attribute('.sm-row[data-class="2"]', "aria-pressed") == "true"
    assert page.console_errors == []
