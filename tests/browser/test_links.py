"""Shareable state in Chromium: a link reopens the model, example, colour level, language, the open views and the
animation's cell; back/forward walk through opened views; a visitor's own image is never put into the address."""
import time

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
    harness.upload(page, png)
    page.click('#network .node[data-layer="relu_1_1"][data-index="0"]')
    page.wait_for_selector("#explain-body .stepview")
    assert "example=" not in page.url and "mine" not in page.url and "view=relu_1_1:0" in page.url
    context.close()


@pytest.mark.parametrize("fragment,level", [("#view=conv_1_1:²", None), ("#level=unit&view=conv_1_2:0,channel:¹", "unit"),
                                            ("#level=global&view=conv_1_1:%D9%A3&at=٣,1", "global"),
                                            ("#level=unit&view=conv_1_1:" + "9" * 250, "unit")])
def test_a_link_with_non_ascii_digits_is_dropped_not_fatal(browser, site, fragment, level):
    """'²' passes str.isdigit() but not int(): such a link stopped the app from starting, on every reload."""
    context, page = fresh_page(browser, site.url + fragment)  # fails unless the page becomes ready
    assert page.evaluate("document.querySelector('#explain').hidden")  # the bad view is dropped …
    assert page.input_value("#scale-level") == (level or "module")  # … and the rest restored
    assert page.console_errors == [] and page.inner_text("#message") == ""
    page.reload()
    harness.wait_ready(page)
    context.close()


def page_state(page):
    """What the page shows (model menu, drawn network, pressed example, caption, prediction) and its address."""
    return page.evaluate("""() => ({hash: decodeURIComponent(location.hash), select: document.querySelector('#model-select').value,
        net: document.querySelector('#network .net').dataset.model,
        example: document.querySelector('#gallery-strip .example[aria-pressed=true]')?.dataset.example ?? null,
        caption: document.querySelector('#input-caption').textContent,
        prediction: document.querySelector('#prediction').dataset.label,
        classes: [...document.querySelectorAll('#network .node.out')].map(n => n.getAttribute('aria-label') || n.textContent),
        view: document.querySelector('#explain').hidden ? null : document.querySelector('#explain-title').textContent,
        level: document.querySelector('#scale-level').value, message: document.querySelector('#message').textContent})""")


def consistent(state, entry):
    """Whether a page state is the one an entry {model, example, view, level} records, and the address says so."""
    return (state["select"] == state["net"] == entry["model"] and state["example"] == entry["example"]
            and state["caption"] != "" and any(state["prediction"] in c for c in state["classes"])
            and (state["view"] is not None) == entry["view"] and state["level"] == entry["level"]
            and f"model={entry['model']}&" in state["hash"] and f"example={entry['example']}" in state["hash"])


def test_fast_back_and_forward_end_in_one_consistent_state(browser, site):
    """Six traversals without waiting, over entries of three models: the latest restore wins, the others stop."""
    context, page = fresh_page(browser, site.url)
    manifest = page.evaluate("fetch('examples/examples.json').then(r => r.json())")["models"]
    entries = [{"model": "tinyvgg-imagenette", "example": manifest["tinyvgg-imagenette"][3]["file"], "view": True,
                "level": "unit", "hash": "view=conv_1_1:3"},
               {"model": "tinyvgg-tin10", "example": manifest["tinyvgg-tin10"][5]["file"], "view": False,
                "level": "module", "hash": ""},
               {"model": "tinyvgg-imagenette", "example": manifest["tinyvgg-imagenette"][7]["file"], "view": True,
                "level": "global", "hash": "view=output:2"}]
    for entry in entries:
        fields = f"#model={entry['model']}&example={entry['example']}&level={entry['level']}&{entry['hash']}"
        page.evaluate("(h) => history.pushState(null, '', h)", fields.rstrip("&"))
    page.evaluate("""async () => { for (const step of ['back', 'back', 'forward', 'back', 'forward', 'forward',
        'back', 'back']) { history[step](); await new Promise(r => setTimeout(r, 40)); } }""")
    # from the last of the three pushed entries, back, back, forward, back, forward, forward, back, back: the first
    start = time.monotonic()
    while not consistent(page_state(page), entries[0]) and time.monotonic() - start < 60:
        time.sleep(0.2)
    time.sleep(2)  # a stale restore still running would change the page after this
    state = page_state(page)
    assert consistent(state, entries[0]), state
    assert state["message"] == "" and page.console_errors == []
    context.close()


def test_back_to_the_first_entry_shows_the_defaults_and_keeps_it_empty(browser, site):
    context, page = fresh_page(browser, site.url)
    first = page_state(page)
    page.click('#network .node[data-layer="output"][data-index="2"]')
    page.wait_for_selector("#explain-body .ox-view")
    page.wait_for_function("location.hash.includes('view=output:2')")
    page.select_option("#scale-level", "unit")
    before = int(page.evaluate("document.body.dataset.renderCount"))
    page.select_option("#model-select", "tinyvgg-imagenette")
    page.wait_for_function(f"Number(document.body.dataset.renderCount) > {before}")
    while page.evaluate("location.hash") != "":  # (the switch closed the view: one more entry)
        page.go_back()
    page.wait_for_function("document.querySelector('#network .net').dataset.model === 'tinyvgg-tin10' "
                           "&& document.querySelector('#explain').hidden && document.querySelector('#scale-level').value === 'module'")
    harness.settle(page)
    page.wait_for_timeout(500)
    state = page_state(page)
    assert state == first and state["hash"] == "", state  # the defaults, and the entry was not overwritten
    page.go_forward()
    page.wait_for_selector("#explain-body .ox-view")  # the next entry: the view opened on the default model
    assert "view=output:2" in page.url and page.input_value("#scale-level") == "unit"
    assert page.console_errors == []
    context.close()


def test_a_link_reopens_the_saliency_view_and_its_class(browser, site):
    context, page = fresh_page(browser, site.url)
    page.click('#network .node[data-layer="input"][data-index="0"]')
    page.click("#explain-body .to-saliency")
    page.wait_for_selector("#explain-body .saliency-view[data-state=ready]")
    page.wait_for_function("location.hash.includes('view=input:0,saliency')")
    assert "saliency:" not in page.url  # no class chosen: the link explains whatever class is predicted
    top = page.get_attribute("#network .node.out.top", "data-index")
    chosen = "2" if top != "2" else "3"
    page.select_option("#saliency-class", chosen)
    page.wait_for_function(f"location.hash.includes('view=input:0,saliency:{chosen}')")
    link = page.url
    context.close()

    context, page = fresh_page(browser, link)
    page.wait_for_selector("#explain-body .saliency-view[data-state=ready]")
    assert page.input_value("#saliency-class") == chosen
    assert page.console_errors == []
    context.close()

    context, page = fresh_page(browser, link.replace(f"saliency:{chosen}", "saliency"))  # the predicted class
    page.wait_for_selector("#explain-body .saliency-view[data-state=ready]")
    assert page.input_value("#saliency-class") == top
    context.close()
