"""简体中文 in Chromium: ?lang=zh boots in Chinese, the menu switches both ways and is remembered, and no English
is left in the visible UI of the overview, of every view and of the article (names, code and numbers aside)."""
import re

import pytest

import harness

pytestmark = pytest.mark.browser

# Words that stay as they are in the Chinese page: names of things, code, file formats, units.
KEPT = {"relu", "softmax", "logit", "logits", "numpy", "python", "pyodide", "webassembly", "pytorch", "cpu", "tiny",
        "vgg", "cnn", "jpeg", "png", "webp", "gif", "bmp", "json", "npz", "keras", "esc", "sobel", "laplacian",
        "adamw", "valid", "same", "max", "exp", "ops", "conv2d", "tar", "imagenet", "imagenette", "english",
        "pycnn", "explainer", "ctrl", "tab", "shift", "enter", "home", "end", "px", "floor", "dense", "flatten",
        "tensorflow", "adam", "smoothgrad"}
VISIBLE_WORDS = """(root) => {
    const FILES = /[\\w.-]*\\.(json|npz|bin|tar|png|zip)\\b/g;  // file names and extensions are not words
    const scope = document.querySelector(root);
    const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
    const words = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (el.closest('code, pre, script, style, math, [hidden], .visually-hidden, #lang-select, .code-panel')) continue;
        if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
        words.push(...(n.textContent.replace(FILES, '').match(/[A-Za-z][A-Za-z0-9_'’]{2,}/g) || []));
    }
    for (const el of scope.querySelectorAll('[aria-label]')) {
        if (el.closest('[hidden], #lang-select, .code-panel')) continue;
        words.push(...(el.getAttribute('aria-label').replace(FILES, '').match(/[A-Za-z][A-Za-z0-9_'’]{2,}/g) || []));
    }
    return words;
}"""


def english_left(page, root="body", also=()):
    """The English words left in the visible text and accessible names under root (allowed words and layer names aside)."""
    layers = {w.lower() for w in page.eval_on_selector_all("#network .node", "ns => ns.map(n => n.dataset.layer)")}
    kept = KEPT | layers | {w.lower() for w in also}
    words = page.evaluate(VISIBLE_WORDS, root)
    return sorted({w for w in words if w.lower() not in kept and not re.fullmatch(r"[a-z]+_\w*", w)})


@pytest.fixture(scope="module")
def chinese(browser, dist):
    site = harness.Site(dist, "/")
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = harness.open_page(context)
        page.goto(site.url + "?lang=zh")
        harness.wait_ready(page)
        page.dist = dist
        yield page
    finally:
        context.close()
        site.stop()


def test_lang_zh_boots_in_chinese_with_no_english_left(chinese):
    page = chinese
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    assert page.input_value("#lang-select") == "zh"
    assert re.search(r"[\u4e00-\u9fff]", page.inner_text("#cue"))
    page.wait_for_function("Number(document.body.dataset.articleCount) >= 1")
    left = english_left(page)
    assert not left, f"English left on the page: {left}"
    assert page.console_errors == []


VIEWS = [("input", 0, ".stepview"), ("conv_1_1", 1, ".elastic"), ("relu_1_1", 0, ".stepview"),
         ("max_pool_1", 0, ".stepview"), ("output", 2, ".ox-view")]


@pytest.mark.parametrize("layer,index,view", VIEWS)
def test_every_view_speaks_chinese(chinese, layer, index, view):
    page = chinese
    while page.evaluate("!document.querySelector('#explain').hidden"):  # whatever an earlier case left open
        page.keyboard.press("Escape")
    page.evaluate("scrollTo(0, 0)")
    page.click(f'#network .node[data-layer="{layer}"][data-index="{index}"]')
    page.wait_for_selector(f"#explain-body {view}")
    left = english_left(page, "#explain")
    if layer == "conv_1_1":  # and on to its formula view and the playground
        page.click("#explain-body .el-input")
        page.wait_for_selector("#explain-body .stepview")
        left += english_left(page, "#explain")
        page.click("#explain-body .to-playground")
        page.wait_for_selector("#explain-body .playground")
        left += english_left(page, "#explain")
    if layer == "input":  # and on to which pixels mattered
        page.click("#explain-body .to-saliency")
        page.wait_for_selector("#explain-body .saliency-view[data-state=ready]")
        left += english_left(page, "#explain")
    if layer == "output":
        page.click("#explain-body .ox-next")
        page.wait_for_selector("#explain-body .sm-row")
        left += english_left(page, "#explain")
    assert not left, f"English left in the {layer} view: {sorted(set(left))}"
    while page.evaluate("!document.querySelector('#explain').hidden"):
        page.keyboard.press("Escape")
    assert page.console_errors == []


def test_the_picture_s_text_and_the_input_and_output_columns_are_chinese(chinese):
    """The toolbar picture's alt text and the names of the input and output columns (the page's own words, not a
    model's layer names) are translated."""
    page = chinese
    alt = page.get_attribute("#input-preview", "alt")
    names = page.eval_on_selector_all("#network .col-label:is(.kind-input, .kind-output) .col-name", "ns => ns.map(n => n.textContent)")
    assert re.search(r"[\u4e00-\u9fff]", alt) and not re.search("[A-Za-z]", alt), alt
    assert names == ["输入", "输出"], names
    text = page.inner_text("body")
    assert "交互演示" in text and "演练场" not in text


def test_the_menu_switches_back_and_the_choice_is_remembered(chinese):
    page = chinese
    page.select_option("#lang-select", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert "any neuron to see how it was computed" in page.text_content("#cue")  # (hidden since the first click)
    assert page.inner_text("#about-cnn-title") == "What a CNN is"
    assert float(page.evaluate("document.body.dataset.languageMs")) > 0
    page.select_option("#lang-select", "zh")
    page.wait_for_function("document.documentElement.lang === 'zh-Hans'")
    page.goto(page.url.split("?")[0])  # no ?lang: the remembered choice
    harness.wait_ready(page)
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    page.select_option("#lang-select", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.console_errors == []


def test_the_teach_panel_speaks_chinese_and_follows_a_switch(chinese):
    page = chinese
    if page.evaluate("document.documentElement.lang") != "zh-Hans":  # an earlier test of the shared page left English
        page.select_option("#lang-select", "zh")
        page.wait_for_function("document.documentElement.lang === 'zh-Hans'")
    page.click("#teach-open")
    page.wait_for_selector("#teach .teach-class")
    left = english_left(page, "#teach", also=("TF.js", "tfjs"))
    assert not left, f"English left in the Teach panel: {left}"
    page.select_option("#lang-select", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.inner_text("#teach .teach-record") == "Hold to record"
    assert page.get_attribute("#teach .teach-name", "aria-label") == "Name of class 1"
    page.select_option("#lang-select", "zh")
    page.wait_for_function("document.documentElement.lang === 'zh-Hans'")
    assert not english_left(page, "#teach", also=("TF.js", "tfjs"))
    page.keyboard.press("Escape") if page.evaluate("document.activeElement.closest('#teach') !== null") \
        else page.click("#teach-close")
    assert page.console_errors == []
