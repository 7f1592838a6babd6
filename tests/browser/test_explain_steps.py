"""ReLU, max-pool and convolution formula views in Chromium: the numbers shown equal the forward pass; controls work."""
import os

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.browser
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def native_acts(path):
    """Every activation of the shipped default model for an image file, computed here in CPython."""
    import sys
    sys.path.insert(0, os.path.join(REPO_ROOT, "py"))
    from cnn_explainer.net import image, weights
    model = weights.load_model(os.path.join(REPO_ROOT, "weights", "tinyvgg-tin10.json"))
    return model, model.forward(image.prepare_for(model, path)[0])


def make_png(path):
    """A PNG with structure at every scale (PNG decodes identically everywhere, unlike JPEG's chroma)."""
    y, x = np.mgrid[0:96, 0:96]
    pixels = np.stack([(x * 3) % 256, (y * 5 + x) % 256, ((x - 48) ** 2 + (y - 48) ** 2) % 256], -1).astype(np.uint8)
    Image.fromarray(pixels).save(path)


def upload_pattern(page, folder):
    """Give the page the test pattern (make_png) as the visitor's picture; return (its path, the native model, its
    native activations)."""
    import harness
    png = str(folder / "pattern.png")
    make_png(png)
    harness.upload(page, png)
    return (png, *native_acts(png))


@pytest.fixture(scope="module")
def app(browser, dist, tmp_path_factory):
    """A booted page showing a PNG uploaded by the test, plus the native activations of that PNG."""
    import harness
    with harness.booted_page(browser, dist) as page:
        _png, page.model, page.acts = upload_pattern(page, tmp_path_factory.mktemp("img"))
        yield page


@pytest.fixture(autouse=True)
def closed_after(app):
    """Every test leaves the shared page with no view open, even when it fails (or the next test's neuron is hidden)."""
    yield
    close_views(app)


def shown(page):
    """(row, col, phase, result from the step code, forward-pass value) as the open view shows them."""
    page.wait_for_function("document.querySelector('#explain-body .result') !== null")
    data = page.evaluate("({...document.querySelector('#explain-body').dataset})")
    result = page.get_attribute("#explain-body .result", "data-value")
    forward = page.get_attribute("#explain-body .forward-value", "data-value")
    return int(data["row"]), int(data["col"]), int(data["phase"]), float(result), float(forward)


def open_view(page, layer, index):
    page.click(f'.node[data-layer="{layer}"][data-index="{index}"]')
    page.wait_for_function("!document.querySelector('#explain').hidden")


def close_views(page):
    for _ in range(8):  # a view stack is never deeper; a bound keeps a broken Escape from hanging the suite
        if page.evaluate("document.querySelector('#explain').hidden"):
            return
        page.keyboard.press("Escape")


def go_to_cell(page, row, col):
    """Point at an output cell (the view pauses and shows that cell complete)."""
    import harness
    h, w = page.evaluate("(() => { const c = document.querySelector('#explain-body .grid.out canvas'); return [c.height, c.width]; })()")
    harness.point_at_cell(page, "#explain-body .grid.out canvas", row, col, h, w)
    page.wait_for_function(f"document.querySelector('#explain-body').dataset.row === '{row}' && "
                           f"document.querySelector('#explain-body').dataset.col === '{col}'")


@pytest.mark.parametrize("layer,index,cell", [("relu_1_1", 4, (10, 17)), ("relu_2_2", 0, (3, 20)),
                                              ("max_pool_1", 6, (12, 5)), ("max_pool_2", 9, (7, 11))])
def test_relu_and_pool_views_show_the_forward_pass_values(app, layer, index, cell):
    open_view(app, layer, index)
    go_to_cell(app, *cell)
    row, col, phase, result, forward = shown(app)
    assert (row, col) == cell
    expected = float(app.acts[layer][row, col, index])
    assert result == pytest.approx(forward, abs=1e-6)
    assert result == pytest.approx(expected, abs=1e-4), "the page's value differs from the native forward pass"
    close_views(app)
    assert app.console_errors == []


def test_convolution_formula_view_matches_the_native_intermediate_map(app):
    app.evaluate("""() => { const v = document.querySelector('.node[data-layer="conv_1_2"][data-index="2"]'); v.click(); }""")
    app.wait_for_function("!document.querySelector('#explain').hidden")
    # the conv neuron opens the elastic view; its intermediate map of channel 1 opens the formula view
    app.click(".el-intermediate[data-channel='1']")
    app.wait_for_function("/input channel/.test(document.querySelector('#explain-title').textContent)")
    channel = int(app.evaluate("document.querySelector('#explain-title').textContent.match(/input channel (\\d+)/)[1]")) - 1
    go_to_cell(app, 30, 41)
    row, col, phase, result, forward = shown(app)
    expected = app.model.conv_intermediates("conv_1_2", app.acts, 2)[channel][30, 41]
    assert result == pytest.approx(forward, abs=1e-5) and result == pytest.approx(float(expected), abs=1e-4)
    assert app.locator("#explain-body .formula table.nums").count() >= 3  # window, kernel, products
    close_views(app)


def test_play_pause_keyboard_steps_and_the_highlighted_code_line(app):
    open_view(app, "relu_1_2", 1)
    play = app.locator("#explain-body .player .play")
    if play.get_attribute("aria-pressed") != "true":
        play.click()
    start = shown(app)[:3]
    app.wait_for_function(f"JSON.stringify([+document.querySelector('#explain-body').dataset.row, "
                          f"+document.querySelector('#explain-body').dataset.col, +document.querySelector('#explain-body').dataset.phase])"
                          f" !== '{list(start)}'".replace(" ", "").replace("!==", " !== "))
    play.click()  # pause
    assert play.get_attribute("aria-pressed") == "false"
    paused = shown(app)[:2]
    app.wait_for_timeout(400)
    assert shown(app)[:2] == paused, "the animation kept running after pause"
    app.focus("#explain-body .grid.out canvas")
    app.keyboard.press("Home")
    assert shown(app)[:2] == (0, 0)
    app.keyboard.press("ArrowRight")
    app.keyboard.press("ArrowDown")
    assert shown(app)[:2] == (1, 1)
    current = app.locator("#explain-body .code-panel:first-child .line.current")
    assert current.count() == 1 and "return" in current.inner_text()  # a finished cell sits on the result line
    app.keyboard.press("Escape")
    assert app.evaluate("document.querySelector('#explain').hidden")
    assert app.console_errors == []


def test_the_explained_neuron_stays_lit_in_the_overview_until_escape(app):
    open_view(app, "max_pool_1", 2)
    app.mouse.move(5, 5)  # leave the network
    assert app.get_attribute("#edges g.lit", "data-target") == "5:2"  # column 5 (max_pool_1), neuron index 2
    assert app.locator('.node.lit[data-layer="max_pool_1"][data-index="2"]').count() == 1
    close_views(app)
    # closed, the focus is back on the neuron (lit as any focused neuron is); once it moves on, nothing stays lit
    assert app.evaluate("document.activeElement.matches('.node[data-layer=\"max_pool_1\"][data-index=\"2\"]')")
    app.evaluate("document.activeElement.blur()")
    app.mouse.move(5, 5)
    assert app.locator("#edges g.lit").count() == 0


def test_reduced_motion_means_no_autoplay(browser, dist):
    import harness
    with harness.booted_page(browser, dist, reduced_motion="reduce") as page:
        open_view(page, "relu_1_1", 0)
        first = shown(page)[:3]
        page.wait_for_timeout(600)
        assert shown(page)[:3] == first
        assert page.get_attribute("#explain-body .player .play", "aria-pressed") == "false"
