"""Accessibility to the standard: axe-core (WCAG 2.2 AA rules) finds no violation on the overview, the article and
every explanation view, in English and in Chinese."""
import json
import os

import pytest

import harness

pytestmark = pytest.mark.browser
AXE = os.path.join(harness.REPO_ROOT, "tests", "engines", "node_modules", "axe-core", "axe.min.js")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWS = [("input", 0, ".stepview", None), ("conv_1_2", 3, ".elastic", None),
         ("conv_1_2", 3, ".stepview", '#explain-body .el-input[data-channel="2"]'),
         ("conv_1_1", 0, ".playground", "#explain-body .to-playground"),
         ("relu_1_1", 0, ".stepview", None), ("max_pool_1", 0, ".stepview", None),
         ("output", 2, ".ox-view", None), ("output", 2, ".sm-row", "#explain-body .ox-next")]


def violations(page, context="body"):
    """axe-core's violations under a selector: [(rule id, impact, first offending element)]."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        with open(AXE) as f:  # evaluated from outside: the page's policy (rightly) refuses an inline <script>
            page.evaluate(f.read())
    found = page.evaluate("""async ([context, tags]) => {
        const result = await axe.run(context, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
        return result.violations.map(v => [v.id, v.impact, v.nodes.length, v.nodes[0].target.join(' '), v.nodes[0].failureSummary]);
    }""", [context, TAGS])
    return found


@pytest.fixture(scope="module")
def app(browser, dist):
    if not os.path.exists(AXE):
        pytest.fail(f"{AXE} is missing: run `make engines` (tools/install_engines.sh)")
    with harness.booted_page(browser, dist, viewport={"width": 1440, "height": 900}) as page:
        page.wait_for_function("Number(document.body.dataset.articleCount) >= 1")
        yield page


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_page_has_no_violation(app, language):
    app.select_option("#lang-select", language)
    app.wait_for_function(f"document.documentElement.lang.startsWith({language!r})")
    app.wait_for_function("Number(document.body.dataset.articleCount) >= 1")
    found = violations(app)
    assert found == [], "\n".join(map(str, found))


@pytest.mark.parametrize("layer,index,view,further", VIEWS)
def test_every_view_has_no_violation(app, layer, index, view, further):
    while app.evaluate("!document.querySelector('#explain').hidden"):
        app.keyboard.press("Escape")
    app.evaluate("scrollTo(0, 0)")
    app.click(f'#network .node[data-layer="{layer}"][data-index="{index}"]')
    if further:
        app.wait_for_selector(further)
        app.click(further)
    app.wait_for_selector(f"#explain-body {view}")
    harness.settle(app)
    found = violations(app, "#explain")
    assert found == [], "\n".join(map(str, found))


ACTIVE = """(() => { const a = document.activeElement; const style = getComputedStyle(a);
    return {tag: a.tagName, id: a.id, cls: a.className, layer: a.dataset.layer || null, label: a.getAttribute('aria-label'),
            ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 || style.boxShadow !== 'none'}; })()"""


def tab_to(page, wanted, limit=80):
    """Press Tab until the focused element satisfies wanted(active) (each stop must show a focus ring); that element."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        assert active["ring"], f"no visible focus on {active}"
        if wanted(active):
            return active
    raise AssertionError(f"{limit} presses of Tab never reached the element")


def test_a_keyboard_only_visitor_picks_an_image_opens_a_neuron_steps_and_comes_back(browser, dist):
    with harness.booted_page(browser, dist, viewport={"width": 1280, "height": 720}, reduced_motion="reduce") as page:
        renders = int(page.evaluate("document.body.dataset.renderCount"))
        # Tab into the examples strip, on to an example that is not the one shown, and take it with Enter
        tab_to(page, lambda a: "example" in a["cls"] and "current" not in a["cls"])
        page.keyboard.press("Enter")
        page.wait_for_function(f"Number(document.body.dataset.renderCount) > {renders}")
        # Tab on to the network (one tab stop), arrow to a conv neuron of the next column, open it with Enter
        tab_to(page, lambda a: "node" in a["cls"])
        page.keyboard.press("ArrowRight")
        node = page.evaluate(ACTIVE)
        assert node["layer"] == "conv_1_1", node
        page.keyboard.press("Enter")
        page.wait_for_function("!document.querySelector('#explain').hidden")
        assert page.evaluate("document.activeElement.id") == "explain-title", "the focus moves into the opened view"
        # Tab to the player's step button and step with Enter: the view moves one cell on
        tab_to(page, lambda a: "step-forward" in a["cls"], limit=40)
        before = page.evaluate("[document.querySelector('#explain-body').dataset.row, document.querySelector('#explain-body').dataset.col]")
        page.keyboard.press("Enter")
        page.wait_for_function(f"JSON.stringify([document.querySelector('#explain-body').dataset.row, "
                               f"document.querySelector('#explain-body').dataset.col]) !== '{json.dumps(before, separators=(',', ':'))}'")
        # Escape closes it, and the focus is back on the neuron it came from
        page.keyboard.press("Escape")
        page.wait_for_function("document.querySelector('#explain').hidden")
        back = page.evaluate(ACTIVE)
        assert back["layer"] == "conv_1_1" and "node" in back["cls"] and back["ring"], back
        assert page.console_errors == []
