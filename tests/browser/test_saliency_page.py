"""Which pixels mattered, in Chromium: the overview's toggle and the input's saliency view paint the gradient that
PyTorch autograd computes for the same picture (tests/torch_saliency.py), follow the class, SmoothGrad and another
model, and hand their code to the console."""
import numpy as np
import pytest

import harness
from cnn_explainer.net import image
from cnn_explainer.net.model import pixels_of
from cnn_explainer.page import colormap, heatmap
from helpers import random_model
from test_explain_steps import upload_pattern
from torch_saliency import torch_saliency

pytestmark = pytest.mark.browser
PIXELS = "(s) => { const c = document.querySelector(s); return [...c.getContext('2d').getImageData(0, 0, c.width, c.height).data]; }"
INPUT_PIXELS = """() => [...document.querySelectorAll('#network .node[data-col="0"] canvas')]
    .map(c => [...c.getContext('2d').getImageData(0, 0, c.width, c.height).data])"""
VIEW = ".saliency-view"


@pytest.fixture(scope="module")
def app(browser, dist, tmp_path_factory):
    """A booted page showing a PNG uploaded by the test; the native model and its input for that PNG."""
    with harness.booted_page(browser, dist) as page:
        png, page.model, acts = upload_pattern(page, tmp_path_factory.mktemp("img"))
        page.image = acts["input"]
        page.png = png
        yield page


def canvas(page, selector, shape):
    """The RGBA pixels a canvas holds, (H, W, 4)."""
    return np.array(page.evaluate(PIXELS, selector), np.uint8).reshape(*shape[:2], 4)


def close_colours(shown, expected, levels=2):
    """Every pixel within a couple of 8-bit levels (float32 rounding may land a value on the next entry)."""
    difference = np.abs(shown.astype(int) - expected.astype(int))
    assert difference.max() <= levels, f"{(difference > levels).sum()} pixels differ, by up to {difference.max()}"


def view_ready(page, **expected):
    """Wait until the saliency view has drawn for the expected settings (data-* attributes)."""
    conditions = " && ".join([f"v.dataset.state === 'ready'"] + [f"v.dataset.{k} === {str(v)!r}" for k, v in expected.items()])
    page.wait_for_function(f"(() => {{ const v = document.querySelector('{VIEW}'); return v && {conditions}; }})()")


def test_the_toggle_lays_the_torch_gradient_over_the_input_column(app):
    model, picture = app.model, app.image
    assert not app.is_checked("#saliency-toggle") and app.get_attribute("#network", "data-saliency") is None
    plain = np.array(app.evaluate(INPUT_PIXELS), np.uint8).reshape(3, 64, 64, 4)
    np.testing.assert_array_equal(plain, colormap.input_rgba(picture, model.pixel_range))
    app.check("#saliency-toggle")
    app.wait_for_selector("#network[data-saliency=on]")
    top = int(np.argmax(model.logits(model.forward(picture))))
    assert app.get_attribute("#network", "data-saliency-class") == str(top)
    reference = torch_saliency(model, picture, top)
    assert float(app.get_attribute("#network", "data-saliency-top")) == pytest.approx(np.abs(reference).max(), rel=1e-4)
    shown = np.array(app.evaluate(INPUT_PIXELS), np.uint8).reshape(3, 64, 64, 4)
    expected, _ = heatmap.channel_overlays(pixels_of(picture, model.pixel_range), reference)
    close_colours(shown, expected)
    assert not app.is_hidden("#saliency-note") and model.classes[top] in app.inner_text("#saliency-note")
    app.uncheck("#saliency-toggle")
    app.wait_for_function("!document.querySelector('#network').dataset.saliency")
    np.testing.assert_array_equal(np.array(app.evaluate(INPUT_PIXELS), np.uint8).reshape(3, 64, 64, 4), plain)
    assert app.is_hidden("#saliency-note") and app.console_errors == []


def test_the_view_paints_the_gradient_follows_the_class_and_checks_it_by_nudging(app):
    model, picture = app.model, app.image
    app.check("#saliency-toggle")
    app.click('#network .node[data-col="0"][data-index="0"]')
    app.click("#explain-body .to-saliency")
    top = int(np.argmax(model.logits(model.forward(picture))))
    view_ready(app, classIndex=top, smooth="false")
    assert app.input_value("#saliency-class") == str(top)
    assert app.text_content("#explain-title") == "Input · which pixels mattered"
    for k in (top, (top + 3) % len(model.classes)):
        if k != top:
            app.select_option("#saliency-class", str(k))
            view_ready(app, classIndex=k)
            app.wait_for_function(f"document.querySelector('#network').dataset.saliencyClass === '{k}'")  # it follows
        reference = torch_saliency(model, picture, k)
        t, largest = heatmap.normalise(heatmap.strength(reference))
        close_colours(canvas(app, f"{VIEW} .sal-heat canvas", (64, 64)), heatmap.heat_rgba(t))
        assert float(app.get_attribute(VIEW, "data-top")) == pytest.approx(largest, rel=1e-4)
        result = float(app.get_attribute(f"{VIEW} .result", "data-value"))
        assert result == pytest.approx(reference[heatmap.strongest(reference)], rel=1e-4)
        nudged = float(app.get_attribute(f"{VIEW} .forward-value", "data-value"))
        assert nudged == pytest.approx(result, rel=1e-3, abs=1e-6)
    # a new picture: the open view and the overview recompute for it
    other = str(app.png).replace("pattern", "other")
    y, x = np.mgrid[0:80, 0:80]
    from PIL import Image
    Image.fromarray(np.stack([(x * 7) % 256, (y * 2) % 256, (x * y) % 256], -1).astype(np.uint8)).save(other)
    before = int(app.evaluate("document.body.dataset.renderCount"))
    app.set_input_files("#upload", other)
    app.wait_for_function(f"Number(document.body.dataset.renderCount) > {before}")
    view_ready(app, classIndex=k)
    second = image.prepare_for(model, other)[0]
    reference = torch_saliency(model, second, k)
    t, _ = heatmap.normalise(heatmap.strength(reference))
    close_colours(canvas(app, f"{VIEW} .sal-heat canvas", (64, 64)), heatmap.heat_rgba(t))
    # its code in the console
    app.click("#explain-console")
    app.wait_for_function("document.querySelector('#console-input').value.includes('saliency.saliency(model, image, k)')")
    assert f"k = {k}" in app.input_value("#console-input")
    app.click("#console-close")
    app.set_input_files("#upload", app.png)
    app.wait_for_function(f"Number(document.body.dataset.renderCount) > {before + 1}")
    assert app.console_errors == []


def test_smoothgrad_averages_noisy_copies_a_task_at_a_time(app):
    model, picture = app.model, app.image
    if app.locator(VIEW).count() == 0:
        app.click('#network .node[data-col="0"][data-index="0"]')
        app.click("#explain-body .to-saliency")
    k = int(app.input_value("#saliency-class"))
    app.check("#saliency-smooth")
    app.select_option("#saliency-samples", "4")
    view_ready(app, smooth="true", samples="4")
    native = list(heatmap.smoothgrad_steps(model, picture, k, 4))[-1]
    t, largest = heatmap.normalise(heatmap.strength(native))
    close_colours(canvas(app, f"{VIEW} .sal-heat canvas", (64, 64)), heatmap.heat_rgba(t))
    plain, _ = heatmap.normalise(heatmap.strength(torch_saliency(model, picture, k)))
    assert np.abs(t - plain).max() > 0.1  # not the plain gradient
    assert app.locator(f"{VIEW} .forward-value").count() == 0 and "4 noisy copies" in app.inner_text(f"{VIEW} .sal-check")
    app.uncheck("#saliency-smooth")
    view_ready(app, smooth="false")
    assert app.console_errors == []


def test_another_model_gets_its_own_gradient(app):
    """A model opened in the page (grey, 'same' padding, stride 2): the view and the heat map follow its top class."""
    from cnn_explainer.net.model import Layer
    layers = [Layer("conv_a", "conv2d", {"filters": 4, "kernel_size": 5, "strides": 2, "padding": "same"}),
              Layer("relu_a", "relu"), Layer("pool_a", "max_pool2d", {"pool_size": 3, "strides": 2}),
              Layer("flatten", "flatten"), Layer("dense", "dense", {"units": 3}), Layer("output", "softmax")]
    model = random_model(layers, classes=["a", "b", "c"], input_shape=(21, 21, 1), seed=3, name="grey-strided")
    while app.evaluate("!document.querySelector('#explain').hidden"):
        app.keyboard.press("Escape")
    app.set_input_files("#model-upload", files=harness.model_files(model))
    app.wait_for_function("document.querySelector('#model-select').value === 'grey-strided'")
    app.wait_for_selector("#network[data-saliency=on]")
    picture = image.prepare_for(model, app.png)[0]
    top = int(np.argmax(model.logits(model.forward(picture))))
    assert app.get_attribute("#network", "data-saliency-class") == str(top)
    app.click('#network .node[data-col="0"][data-index="0"]')
    app.click("#explain-body .to-saliency")
    view_ready(app, classIndex=top)
    reference = torch_saliency(model, picture, top)
    t, _ = heatmap.normalise(heatmap.strength(reference))
    close_colours(canvas(app, f"{VIEW} .sal-heat canvas", (21, 21)), heatmap.heat_rgba(t))
    assert app.locator("#saliency-class option").count() == 3
    while app.evaluate("!document.querySelector('#explain').hidden"):
        app.keyboard.press("Escape")
    app.select_option("#model-select", "tinyvgg-tin10")
    app.wait_for_function("document.querySelector('#model-select').value === 'tinyvgg-tin10'")
    app.uncheck("#saliency-toggle")
    assert app.console_errors == []
