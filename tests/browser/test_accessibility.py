"""Accessibility to the standard: axe-core (WCAG 2.2 AA rules) finds no violation on the overview, the article and
every explanation view, in English and in Chinese."""
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
