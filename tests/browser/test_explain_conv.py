"""The elastic convolution view: every channel's map, kernel and intermediate, the sum, the bias and the output, with real numbers."""
import io
import os

import pytest

from cnn_explainer.net import image, weights
from cnn_explainer.page import numbers, steps

pytestmark = pytest.mark.browser

LAYER, NEURON = "conv_1_2", 4  # ten input channels
CELL = (17, 23)
POSITION = "[Number(document.querySelector('#explain-body').dataset.row), Number(document.querySelector('#explain-body').dataset.col)]"


def show_lossless_example(page, dist):
    """Show the page's default example again as a PNG (upload) and return the model and its activations, computed here.

    JPEG decoders differ by a unit here and there (Pyodide's Pillow and a native wheel link different libjpeg
    builds), so the native forward pass is compared on a PNG made from the default example: PNG decodes the same.
    """
    model = weights.load_model(os.path.join(dist, "weights", "tinyvgg-tin10.json"))
    example = page.get_attribute("#gallery .example[aria-pressed=true]", "data-example")
    assert example, "the page shows no example image"
    _, square = image.prepare_for(model, os.path.join(dist, example))
    png = io.BytesIO()
    square.save(png, "PNG")
    before = int(page.evaluate("document.body.dataset.renderCount"))
    page.set_input_files("#upload", files=[{"name": "example.png", "mimeType": "image/png", "buffer": png.getvalue()}])
    page.wait_for_function(f"Number(document.body.dataset.renderCount) > {before}")
    array, _ = image.prepare_for(model, png.getvalue())
    return model, model.forward(array)


def open_elastic(page, layer, neuron):
    """Click a conv neuron of the overview and wait for its elastic view."""
    page.click(f'#network .node[data-layer="{layer}"][data-index="{neuron}"]')
    page.wait_for_selector("#explain-body .elastic")
    assert page.inner_text("#explain-title") == f"Convolution · {layer}, neuron {neuron + 1}"


def position(page):
    """The output cell the view shows, from #explain-body's data-row / data-col."""
    return tuple(page.evaluate(POSITION))


def point_at_cell(page, cell, shape):
    """Move the mouse over one cell of the output map."""
    import harness
    harness.point_at_cell(page, ".el-output canvas", *cell, *shape)
    page.wait_for_function(f"{POSITION}.join() === '{cell[0]},{cell[1]}'")


def counts(page):
    """How many of each element the diagram holds."""
    return page.evaluate("""Object.fromEntries(['.el-input', '.el-kernel', '.el-intermediate', '.el-sum', '.el-bias',
        '.el-output canvas'].map(s => [s, document.querySelectorAll('.elastic ' + s).length]))""")


def test_elastic_view_shows_every_channel_and_the_forward_pass_numbers(new_site, page, dist, wait_ready):
    site = new_site("/")
    page.goto(site.url)
    wait_ready(page)
    model, acts = show_lossless_example(page, dist)
    conv = model.layer(LAYER)
    channels = conv.kernel.shape[2]
    open_elastic(page, LAYER, NEURON)
    open_ms = float(page.evaluate("document.body.dataset.viewOpenMs"))
    print(f"\nelastic view of {LAYER} opened in {open_ms} ms (Python side; target 100 ms)")
    assert 0 < open_ms < 2000, "opening the view is pathologically slow"
    assert counts(page) == {".el-input": channels, ".el-kernel": channels, ".el-intermediate": channels,
                            ".el-sum": 1, ".el-bias": 1, ".el-output canvas": 1}
    names = page.evaluate("[...document.querySelectorAll('.elastic button.el, .el-output canvas')]"
                          ".map(e => [e.getAttribute('aria-label'), e.tabIndex])")
    assert len(names) == 3 * channels + 2 and all(name and tab == 0 for name, tab in names), names
    assert page.evaluate("getComputedStyle(document.querySelector('.el-edges path')).animationName") == "el-flow"

    page.hover('.el-kernel[data-channel="3"]')  # its nine weights, as the table in the tooltip
    assert page.is_visible(".el-tip table.nums")
    shown = page.locator(".el-tip td").all_inner_texts()
    assert shown == [numbers.fixed(float(w)) for w in conv.kernel[:, :, 3, NEURON].ravel()]
    page.focus('.el-bias')  # keyboard focus shows the bias too
    assert float(page.get_attribute(".el-tip .bias-value", "data-value")) == pytest.approx(float(conv.bias[NEURON]), abs=1e-7)

    shape = acts[LAYER].shape[:2]
    point_at_cell(page, CELL, shape)
    result = float(page.get_attribute(".el-sum-formula .result", "data-value"))
    forward = float(page.get_attribute(".el-sum-formula .forward-value", "data-value"))
    native = acts[LAYER][CELL + (NEURON,)]
    intermediates = model.conv_intermediates(LAYER, acts, NEURON)
    assert result == pytest.approx(forward, rel=1e-5, abs=1e-6)
    assert forward == pytest.approx(float(native), rel=1e-5, abs=1e-6)
    assert result == pytest.approx(float(steps.conv_total(intermediates[(slice(None),) + CELL], conv.bias[NEURON])), rel=1e-5, abs=1e-6)
    assert page.get_attribute(".play", "aria-pressed") == "false"  # pointing pauses

    page.focus(".el-output canvas")
    page.keyboard.press("ArrowRight")
    assert position(page) == (CELL[0], CELL[1] + 1)
    page.click(".play")
    page.wait_for_function(f"{POSITION}.join() !== '{CELL[0]},{CELL[1] + 1}'", timeout=5000)
    page.click(".play")
    paused = position(page)
    page.wait_for_timeout(400)
    assert position(page) == paused

    page.click('.el-intermediate[data-channel="3"]')  # → the formula view of that channel
    page.wait_for_selector("#explain-body .stepview")
    assert "input channel 4" in page.inner_text("#explain-title")
    page.keyboard.press("Escape")
    page.wait_for_selector("#explain-body .elastic")
    page.focus('.el-input[data-channel="0"]')  # Enter on an input map opens it too
    page.keyboard.press("Enter")
    page.wait_for_selector("#explain-body .stepview")
    assert "input channel 1" in page.inner_text("#explain-title")
    page.keyboard.press("Escape")
    page.wait_for_selector("#explain-body .elastic")
    assert page.evaluate("document.activeElement.matches('.el-input[data-channel=\"0\"]')"), "focus was not given back"
    page.keyboard.press("Escape")
    page.wait_for_selector("#explain", state="hidden")

    open_elastic(page, LAYER, NEURON)  # a click on empty space steps back too
    box = page.locator(".elastic").bounding_box()
    page.mouse.click(box["x"] + 4, box["y"] + box["height"] / 2)
    page.wait_for_selector("#explain", state="hidden")
    assert page.console_errors == []


def test_reduced_motion_waits_for_the_reader(browser, new_site, dist, wait_ready):
    site = new_site("/")
    context = browser.new_context(reduced_motion="reduce")
    try:
        page = context.new_page()
        errors = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(site.url)
        wait_ready(page)
        open_elastic(page, "conv_1_1", 0)
        assert counts(page) == {".el-input": 3, ".el-kernel": 3, ".el-intermediate": 3, ".el-sum": 1, ".el-bias": 1,
                                ".el-output canvas": 1}
        assert page.evaluate("getComputedStyle(document.querySelector('.el-edges path')).animationName") == "none"
        # the legends and the code follow a frame after the diagram, with the resting line (the sum's return) marked
        page.wait_for_selector("#explain-body .code-panel .line.current")
        assert page.locator("#explain-body .el-legends .legend").count() == 4
        assert page.inner_text("#explain-body .code-panel .line.current").strip().endswith("return np.sum(contributions) + bias")
        # the rail's properties are set on .net and not inherited: inherited from #stage, each click restyled every neuron
        cuts = page.evaluate("""['#stage', '.net', '.net .node'].map(s =>
            getComputedStyle(document.querySelector(s)).getPropertyValue('--tall-cut').trim())""")
        assert cuts[0] == cuts[2] == "" and cuts[1].startswith("360 /"), cuts
        assert page.get_attribute(".play", "aria-pressed") == "false"
        page.wait_for_timeout(500)
        assert position(page) == (0, 0)
        page.focus(".el-output canvas")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowDown")
        assert position(page) == (1, 1)
        page.click(".step-forward")
        assert position(page) == (1, 2)
        assert errors == []
    finally:
        context.close()
