"""Shareable state in Chromium: a link reopens the model, example, colour level, language, the open views and the
animation's cell; back/forward walk through opened views; a visitor's own image is never put into the address."""
import pytest

import harness
from test_explain_steps import make_png

pytestmark = pytest.mark.browser


def fresh_page(browser, url):
    """A page in a new context (no history, no storage) opened at url and ready."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = harness.open_page(context)
    page.goto(url)
    harness.wait_ready(page)
    return context, page


def shown(page):
    """What the panel shows: title, and the open view's row, column."""
    data = page.evaluate("({...document.querySelector('#explain-body').dataset})")
    return page.inner_text("#explain-title"), data.get("row"), data.get("col")


@pytest.fixture
def site(dist):
    site = harness.Site(dist, "/")
    yield site
    site.stop()


def test_a_link_reopens_exactly_what_was_on_screen(browser, site):
    context, page = fresh_page(browser, site.url)
    page.click("#more-examples")
    other = page.locator("#gallery .example[aria-pressed=false]").nth(4)
    example = other.get_attribute("data-example")
    other.click()
    page.wait_for_function(f"location.hash.includes({example!r})")
    page.select_option("#scale-level", "unit")
    page.click('#network .node[data-layer="conv_1_2"][data-index="3"]')
    page.wait_for_selector("#explain-body .elastic")
    page.click('#explain-body .el-input[data-channel="2"]')
    page.wait_for_selector("#explain-body .stepview")
    page.click("#explain-body .play") if page.get_attribute("#explain-body .play", "aria-pressed") == "true" else None
    page.focus("#explain-body .grid.out canvas")
    for key in ("End", "ArrowUp", "ArrowLeft"):
        page.keyboard.press(key)
    before = shown(page)
    link = page.url
    assert "view=conv_1_2:3,channel:2" in link and "level=unit" in link and example in link
    context.close()

    context, page = fresh_page(browser, link)
    page.wait_for_selector("#explain-body .stepview")
    assert shown(page) == before
    assert page.get_attribute("#gallery .example[aria-pressed=true]", "data-example") == example
    assert page.input_value("#scale-level") == "unit"
    assert page.console_errors == []
    context.close()


def test_back_and_forward_walk_through_opened_views(browser, site):
    context, page = fresh_page(browser, site.url)
    page.click('#network .node[data-layer="output"][data-index="2"]')
    page.wait_for_selector("#explain-body .ox-view")
    page.click("#explain-body .ox-next")
    page.wait_for_selector("#explain-body .sm-row")
    page.go_back()
    page.wait_for_selector("#explain-body .ox-view")
    page.go_back()
    page.wait_for_function("document.querySelector('#explain').hidden")
    page.go_forward()
    page.wait_for_selector("#explain-body .ox-view")
    page.go_forward()
    page.wait_for_selector("#explain-body .sm-row")
    assert page.console_errors == []
    context.close()


def test_a_link_in_chinese_and_a_hostile_link(browser, site):
    context, page = fresh_page(browser, site.url + "#lang=zh&view=relu_1_1:2&at=5,6")
    page.wait_for_selector("#explain-body .stepview")
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    assert shown(page)[1:] == ("5", "6")
    context.close()
    hostile = "#model=..%2F..%2Fetc&example=%3Cimg%20src%3Dx%3E&view=%3Cscript%3E:1&at=-1,99999&level=evil&lang=xx"
    context, page = fresh_page(browser, site.url + hostile)
    assert page.evaluate("document.querySelector('#explain').hidden")
    assert page.console_errors == [] and page.evaluate("document.querySelector('img[src=\"x\"], script:not([src])') === null")
    assert page.input_value("#scale-level") == "module" and page.evaluate("document.documentElement.lang") == "en"
    context.close()


def test_your_own_image_never_goes_into_the_address(browser, site, tmp_path):
    context, page = fresh_page(browser, site.url)
    png = str(tmp_path / "mine.png")
    make_png(png)
    before = int(page.evaluate("document.body.dataset.renderCount"))
    page.set_input_files("#upload", png)
    page.wait_for_function(f"Number(document.body.dataset.renderCount) > {before}")
    page.click('#network .node[data-layer="relu_1_1"][data-index="0"]')
    page.wait_for_selector("#explain-body .stepview")
    assert "example=" not in page.url and "mine" not in page.url and "view=relu_1_1:0" in page.url
    context.close()
