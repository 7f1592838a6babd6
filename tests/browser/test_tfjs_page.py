"""TF.js models in Chromium: the original CNN Explainer's model is the third model of the menu, and a TF.js
model.json + .bin opened in the page predicts as an independent torch forward pass of its weights does."""
import os

import numpy as np
import pytest

import harness
from test_explain_steps import make_png
from test_tfjs import FIXTURE, reference_probabilities

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(FIXTURE), reason="../shared/fixtures is not beside the repo (CI has it)")]


def reference(png):
    """The torch reference's probabilities for an image file, prepared as the page prepares uploads."""
    from cnn_explainer.net import image
    _, square = image.prepare(png, (64, 64, 3), (0.0, 1.0))
    return reference_probabilities(FIXTURE, np.asarray(square, np.uint8)[None])[0]


def shown_probabilities(page):
    return [float(v) for v in page.eval_on_selector_all(".node.out", "rows => rows.map(r => r.dataset.probability)")]


def upload_png(page, png):
    before = int(page.evaluate("document.body.dataset.renderCount"))
    page.set_input_files("#upload", png)
    page.wait_for_function(f"Number(document.body.dataset.renderCount) > {before}")


@pytest.fixture(scope="module")
def app(browser, dist, tmp_path_factory):
    with harness.booted_page(browser, dist) as page:
        png = str(tmp_path_factory.mktemp("img") / "pattern.png")
        make_png(png)
        page.png = png
        yield page


def test_the_original_model_is_the_third_model(app):
    assert "cnn-explainer-original" in app.eval_on_selector_all("#model-select option", "os => os.map(o => o.value)")
    before = int(app.evaluate("document.body.dataset.renderCount"))
    app.select_option("#model-select", "cnn-explainer-original")
    app.wait_for_function(f"Number(document.body.dataset.renderCount) > {before}")
    upload_png(app, app.png)
    np.testing.assert_allclose(shown_probabilities(app), reference(app.png), atol=2e-5)
    assert "original CNN Explainer" in app.inner_text("#model-info")
    assert app.console_errors == []


def test_a_tfjs_model_opened_in_the_page_predicts_like_torch(app, tmp_path):
    with open(os.path.join(FIXTURE, "model.json"), "rb") as f:
        spec = f.read()
    with open(os.path.join(FIXTURE, "group1-shard1of1.bin"), "rb") as f:
        shard = f.read()
    label = app.get_attribute("#prediction", "data-label")
    app.set_input_files("#model-upload", files=[
        {"name": "model.json", "mimeType": "application/json", "buffer": spec},
        {"name": "group1-shard1of1.bin", "mimeType": "application/octet-stream", "buffer": shard[:1000]}])
    app.wait_for_function("document.querySelector('#message').textContent.includes('Could not load')")
    assert app.get_attribute("#prediction", "data-label") == label  # the truncated shard changed nothing
    upload_png(app, app.png)
    before = int(app.evaluate("document.body.dataset.renderCount"))
    app.set_input_files("#model-upload", files=[
        {"name": "model.json", "mimeType": "application/json", "buffer": spec},
        {"name": "group1-shard1of1.bin", "mimeType": "application/octet-stream", "buffer": shard}])
    app.wait_for_function(f"Number(document.body.dataset.renderCount) > {before}")
    assert app.eval_on_selector("#model-select", "s => s.value") == "tfjs-model"
    np.testing.assert_allclose(shown_probabilities(app), reference(app.png), atol=2e-5)
    assert app.locator("#network .node.out").count() == 10 and "class 1" in app.inner_text("#network")
    assert app.console_errors == []


def test_the_classes_of_an_opened_model_can_be_named(app):
    """(After the previous test: the fixture is the current model, its classes called "class 1" … "class 10".)"""
    probabilities = shown_probabilities(app)
    app.click("#classes-open")
    assert app.input_value("#classes-text").splitlines() == [f"class {i}" for i in range(1, 11)]
    app.fill("#classes-text", "just\ntwo")
    app.click("#classes-save")
    assert app.inner_text("#classes-status") == "Give 10 names, one per line (there are 2)."
    names = ["lifeboat", "ladybug", "pizza", "bell pepper", "school bus", "koala", "espresso", "red panda", "orange",
             '<img src=x onerror="window.__xss=1">']
    app.fill("#classes-text", "\n".join(names) + "\n\n")
    app.click("#classes-save")
    app.wait_for_function("!document.querySelector('#classes').open")
    rows = app.eval_on_selector_all("#network .node.out .cls", "els => els.map(e => e.textContent)")
    assert rows == names and app.evaluate("window.__xss === undefined && !document.querySelector('#network img')")
    assert app.get_attribute("#prediction", "data-label") == names[int(np.argmax(probabilities))]
    np.testing.assert_allclose(shown_probabilities(app), probabilities, atol=1e-7)  # the same numbers, new names
    assert app.console_errors == []


def test_the_pixel_range_of_an_opened_model_can_be_chosen(app):
    """(After the previous test: the fixture is the current model, showing the test's PNG.)"""
    assert app.is_visible("#range-tool") and app.input_value("#pixel-range") == "0,1"
    before = int(app.evaluate("document.body.dataset.renderCount"))
    app.select_option("#pixel-range", "-1,1")
    app.wait_for_function(f"Number(document.body.dataset.renderCount) > {before}")
    from cnn_explainer.net import image
    _, square = image.prepare(app.png, (64, 64, 3), (0.0, 1.0))
    twice = 2.0 * np.asarray(square, np.float64)[None] - 255.0  # the reference divides by 255: this gives −1..1
    np.testing.assert_allclose(shown_probabilities(app), reference_probabilities(FIXTURE, twice)[0], atol=2e-5)
    app.select_option("#model-select", "tinyvgg-tin10")
    app.wait_for_function("document.querySelector('#range-tool').hidden")  # a shipped model knows its range
    assert app.is_hidden("#range-tool") and app.is_hidden("#classes-open"), "hidden, and not shown by a CSS display"
