"""The Python console on the live model (#console-open, #console-input, #console-output): names, redraws after an
edit, reset, history, runaway code, the output cap, text never markup, and both languages. One page for them all."""
import time

import pytest

import harness

pytestmark = pytest.mark.browser

CANVAS_PIXELS = "(selector) => document.querySelector(selector).toDataURL()"
NEURON_1 = '#network .node[data-layer="conv_1_1"][data-index="0"] canvas'


@pytest.fixture(scope="module")
def page(browser, dist):
    """One booted page with the console open."""
    with harness.booted_page(browser, dist) as page:
        page.click("#console-open")
        yield page


def run(page, command):
    """Type a command, press Enter, and return the text of the entry it added."""
    runs = page.evaluate("document.body.dataset.consoleRuns || '0'")
    page.fill("#console-input", command)
    page.press("#console-input", "Enter")
    page.wait_for_function(f"(document.body.dataset.consoleRuns || '0') !== '{runs}'", timeout=20000)
    return page.evaluate("[...document.querySelectorAll('#console-output .console-entry')].at(-1)"
                         ".querySelector('.console-text')?.textContent ?? ''")


def test_the_console_opens_beside_the_network_with_the_focus_in_its_input(page):
    assert page.is_visible("#console") and page.get_attribute("#console-open", "aria-expanded") == "true"
    assert page.evaluate("document.activeElement.id") == "console-input"
    net, panel = page.locator("#network").bounding_box(), page.locator("#console").bounding_box()
    assert net["x"] + net["width"] <= panel["x"] + 1, "the network stays in view beside the console"
    assert "Python 3.12" in page.inner_text("#console-output") and "help()" in page.inner_text("#console-output")


def test_the_ready_made_names_answer(page):
    layer = page.evaluate("document.querySelectorAll('#network .node[data-layer=\"conv_1_1\"]').length")
    assert run(page, "acts['conv_1_1'].shape") == f"(62, 62, {layer})"  # a 3×3 valid convolution of 64×64
    assert run(page, "image.shape, type(np.zeros(1)).__name__") == "((64, 64, 3), 'ndarray')"
    assert run(page, "[layer.name for layer in model.layers][:3]") == "['conv_1_1', 'relu_1_1', 'conv_1_2']"
    text = run(page, "help()")
    assert 'acts["conv_1_1"]' in text and "model.layer(" in text and "image" in text
    assert float(page.evaluate("document.body.dataset.consoleMs")) < 1000


def test_an_edit_redraws_the_network_and_reset_undoes_it(page):
    before = page.evaluate(CANVAS_PIXELS, NEURON_1)
    renders = page.evaluate("document.body.dataset.renderCount")
    assert run(page, "model.layer('conv_1_1').kernel[..., 0] = 0") == ""
    page.wait_for_function(f"document.body.dataset.renderCount !== '{renders}'")
    assert page.evaluate(CANVAS_PIXELS, NEURON_1) != before
    assert page.is_visible("#console-edited")
    # the first neuron is now its bias everywhere: one value, so its map in the page is one flat colour
    assert run(page, "bool(np.allclose(acts['conv_1_1'][..., 0], model.layer('conv_1_1').bias[0], atol=1e-6))") == "True"
    page.click("#console-reset")
    page.wait_for_function("document.body.dataset.consoleEdited === 'false'")
    assert page.evaluate(CANVAS_PIXELS, NEURON_1) == before
    assert page.is_hidden("#console-edited")


def test_a_new_picture_by_assignment_redraws(page):
    renders = page.evaluate("document.body.dataset.renderCount")
    run(page, "image = np.zeros_like(image) + image.mean()")
    page.wait_for_function(f"document.body.dataset.renderCount !== '{renders}'")
    assert run(page, "bool(np.ptp(acts['conv_1_1'][..., 0]) < 1e-5)") == "True"  # a flat picture makes flat maps
    page.click("#console-reset")  # the picture as it was
    assert run(page, "float(image.std()) > 0") == "True"


def test_history_walks_with_the_arrows_and_ctrl_l_clears(page):
    run(page, "first = 1")
    run(page, "second = 2")
    page.fill("#console-input", "draft")
    page.press("#console-input", "ArrowUp")
    assert page.input_value("#console-input") == "second = 2"
    page.press("#console-input", "ArrowUp")
    assert page.input_value("#console-input") == "first = 1"
    page.press("#console-input", "ArrowDown")
    page.press("#console-input", "ArrowDown")
    assert page.input_value("#console-input") == "draft"
    page.fill("#console-input", "x = [\n1")  # Shift+Enter adds a line instead of running
    page.press("#console-input", "Shift+Enter")
    assert page.input_value("#console-input").count("\n") == 2
    page.fill("#console-input", "")
    page.press("#console-input", "Control+l")
    assert page.evaluate("document.querySelector('#console-output').children.length") == 0


def test_errors_are_tracebacks_as_text_and_output_is_never_markup(page):
    text = run(page, "def f(n):\n    return 1 / n\nf(0)")
    assert text.startswith("Traceback") and text.strip().endswith("ZeroDivisionError: division by zero")
    assert "File \"<console>\", line 3" in text
    assert run(page, "print('<img src=x onerror=alert(1)><b>bold</b>')") == "<img src=x onerror=alert(1)><b>bold</b>"
    assert page.evaluate("document.querySelectorAll('#console-output img, #console-output b').length") == 0
    assert run(page, "raise SystemExit").strip().endswith("SystemExit")
    assert run(page, "6 * 7") == "42"


def test_output_keeps_the_last_thousand_lines(page):
    text = run(page, "for i in range(3000): print(i)")
    assert text.startswith("… 2000 earlier lines not kept") and text.rstrip().endswith("2999")
    run(page, "for i in range(900): print(i)")
    lines = page.evaluate("document.querySelector('#console-output').innerText.split('\\n').length")
    assert lines <= 1100


def test_a_loop_that_never_ends_is_stopped_and_the_page_keeps_working(page):
    start = time.monotonic()
    text = run(page, "while True: pass")
    assert time.monotonic() - start <= 12
    assert text.startswith("Stopped: the command ran longer than 8 s")
    assert run(page, "'still here'") == "'still here'"
    page.click("#console-close")
    page.click('#network .node[data-layer="relu_1_1"][data-index="0"]')
    page.wait_for_selector("#explain[data-state='open'], #explain:not([hidden])")
    page.keyboard.press("Escape")
    page.click("#console-open")


def test_escape_closes_the_console_and_the_focus_returns_to_its_button(page):
    page.focus("#console-input")
    page.keyboard.press("Escape")
    assert page.is_hidden("#console") and page.evaluate("document.activeElement.id") == "console-open"
    assert page.get_attribute("#console-open", "aria-expanded") == "false"
    page.click("#console-open")


def test_the_console_speaks_chinese(browser, dist):
    with harness.booted_page(browser, dist) as page:
        page.select_option("#lang-select", "zh")
        page.wait_for_function("document.documentElement.lang.startsWith('zh')")
        assert page.inner_text("#console-open") == "Python 控制台"
        page.click("#console-open")
        assert "输入 help()" in page.inner_text("#console-output")
        assert "现成的名字" in run(page, "help()")
        assert page.get_attribute("#console-input", "aria-label") == "要运行的 Python 代码"


@pytest.mark.parametrize("layer, index", [("conv_1_2", 2), ("relu_2_1", 4), ("max_pool_1", 1), ("output", 7)])
def test_run_in_console_pastes_the_view_s_code_for_its_neuron_and_it_gives_the_forward_value(page, layer, index):
    page.click("#console-close")
    page.click(f'#network .node[data-layer="{layer}"][data-index="{index}"]')
    page.wait_for_selector("#explain-console:not([hidden])")
    page.click("#explain-console")
    assert page.is_visible("#console") and page.evaluate("document.activeElement.id") == "console-input"
    code = page.input_value("#console-input")
    assert f"'{layer}'" in code or f'"{layer}"' in code or layer == "output"
    runs = page.evaluate("document.body.dataset.consoleRuns || '0'")
    page.press("#console-input", "Enter")
    page.wait_for_function(f"(document.body.dataset.consoleRuns || '0') !== '{runs}'")
    assert run(page, "bool(np.isclose(*_, rtol=1e-5, atol=1e-6))") == "True", page.inner_text("#console-output")[-400:]
    page.keyboard.press("Escape")  # the console closes
    page.keyboard.press("Escape")  # then the view
    page.click("#console-open")
