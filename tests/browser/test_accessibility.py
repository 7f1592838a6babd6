"""Accessibility to the standard: axe-core (WCAG 2.0–2.2 A/AA rules and best practices) finds no violation of any impact
on the whole page, alone and with each explanation view open, on a 1280×720 screen and on a 390×844 phone, in English
and in Chinese; keyboard focus is visible and goes where it should."""
import json
import os

import pytest

import harness

pytestmark = pytest.mark.browser
AXE = os.path.join(harness.REPO_ROOT, "tests", "engines", "node_modules", "axe-core", "axe.min.js")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
SIZES = {"wide": {"viewport": {"width": 1280, "height": 720}},
         "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}}
VIEWS = [("input", 0, ".stepview", None), ("conv_1_2", 3, ".elastic", None),
         ("conv_1_2", 3, ".stepview", '#explain-body .el-input[data-channel="2"]'),
         ("conv_1_1", 0, ".playground", "#explain-body .to-playground"),
         ("relu_1_1", 0, ".stepview", None), ("max_pool_1", 0, ".stepview", None),
         ("output", 2, ".ox-view", None), ("output", 2, ".sm-row", "#explain-body .ox-next"),
         ("input", 0, ".saliency-view[data-state=ready]", "#explain-body .to-saliency")]


def violations(page, context="body"):
    """axe-core's violations under a selector: [(rule id, impact, first offending element)]."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        with open(AXE) as f:  # evaluated from outside: the page's policy (rightly) refuses an inline <script>
            page.evaluate(f.read())
    # The article's sections are drawn only near the screen (content-visibility): axe reads colours from what is
    # drawn, so each is drawn for the check (as it is once scrolled to), then left to the browser again.
    found = page.evaluate("""async ([context, tags]) => {
        const skipped = [...document.querySelectorAll('#article > section')];
        skipped.forEach(s => s.style.contentVisibility = 'visible');
        try {
            const result = await axe.run(context, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return result.violations.map(v => [v.id, v.impact, v.nodes.length, v.nodes[0].target.join(' '), v.nodes[0].failureSummary]);
        } finally {
            skipped.forEach(s => s.style.contentVisibility = '');
        }
    }""", [context, TAGS])
    return found


@pytest.fixture(scope="module", params=list(SIZES))
def app(request, browser, dist):
    """One booted page per screen size, shared by every check at that size."""
    if not os.path.exists(AXE):
        pytest.fail(f"{AXE} is missing: run `make engines` (tools/install_engines.sh)")
    with harness.booted_page(browser, dist, **SIZES[request.param]) as page:
        page.wait_for_function("Number(document.body.dataset.articleCount) >= 1")
        yield page


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_page_has_no_violation(app, language):
    app.select_option("#lang-select", language)
    app.wait_for_function(f"document.documentElement.lang.startsWith({language!r})")
    app.wait_for_function("Number(document.body.dataset.articleCount) >= 1")
    found = violations(app)
    assert found == [], "\n".join(map(str, found))


def open_neuron(page, layer, index):
    """Open a neuron's explanation from the keyboard (focus and Enter: no pointer left hovering over the network)."""
    page.focus(f'#network .node[data-layer="{layer}"][data-index="{index}"]')
    page.keyboard.press("Enter")


@pytest.mark.parametrize("layer,index,view,further", VIEWS)
def test_every_view_has_no_violation(app, layer, index, view, further):
    close_views(app)
    open_neuron(app, layer, index)
    if further:
        app.wait_for_selector(further)
        app.click(further)
    app.wait_for_selector(f"#explain-body {view}")
    harness.settle(app)
    found = violations(app)  # the whole page: the view's headings and landmarks must fit the page's
    assert found == [], "\n".join(map(str, found))


def test_the_heat_map_over_the_input_column_has_no_violation(app):
    """With "Which pixels mattered" on: its line over the network (words, colour key, button) and the input column."""
    close_views(app)
    app.check("#saliency-toggle")
    app.wait_for_selector("#saliency-note:not([hidden]) #saliency-explain")
    try:
        found = violations(app)
        assert found == [], "\n".join(map(str, found))
    finally:
        app.uncheck("#saliency-toggle")


# the ring must be seen: on the focused element, or on the label that stands for a visually hidden control (a file
# input), drawn (an outline or a shadow) on a box of real size that is inside the window
ACTIVE = """(() => { const a = document.activeElement; let shown = a; let box = a.getBoundingClientRect();
    if ((box.width <= 1 || box.height <= 1) && a.labels?.length) { shown = a.labels[0]; box = shown.getBoundingClientRect(); }
    const style = getComputedStyle(shown);
    const drawn = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 || style.boxShadow !== 'none';
    const seen = box.width > 1 && box.height > 1 && box.bottom > 0 && box.right > 0 && box.top < innerHeight && box.left < innerWidth;
    return {tag: a.tagName, id: a.id, cls: a.className, layer: a.dataset.layer || null, label: a.getAttribute('aria-label'),
            shown: shown.id || shown.textContent.trim().slice(0, 30), ring: drawn && seen}; })()"""


def tab_to(page, wanted, limit=80):
    """Press Tab until the focused element satisfies wanted(active) (each stop must show a focus ring); that element."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        assert active["ring"], f"no visible focus on {active}"
        if wanted(active):
            return active
    raise AssertionError(f"{limit} presses of Tab never reached the element")


def test_the_file_pickers_show_a_focus_ring_under_the_keyboard(browser, dist):
    """"Your image…" and "Open…" are labels of visually hidden file inputs: tabbing onto an input rings its label."""
    with harness.booted_page(browser, dist, viewport={"width": 1280, "height": 720}) as page:
        for wanted in ("upload", "model-upload"):
            active = tab_to(page, lambda a: a["id"] == wanted)
            assert active["tag"] == "INPUT" and active["shown"] != wanted, active


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


def close_views(page):
    """Step out of every open explanation and go back to the top of the page."""
    while page.evaluate("!document.querySelector('#explain').hidden"):
        page.keyboard.press("Escape")
    page.evaluate("scrollTo(0, 0)")
    page.mouse.move(0, 0)  # no pointer left over a neuron (its info line would come and go)


IN_SIGHT = "(e => { const b = e.getBoundingClientRect(); return b.height > 0 && b.top >= -1 && b.top < innerHeight; })"


def test_the_info_button_leads_to_the_section_heading_and_back_to_the_view(app):
    """The "i" button puts the focus on its article section's heading, with a button there that returns to the view."""
    close_views(app)
    open_neuron(app, "conv_1_1", 0)
    app.wait_for_selector("#explain-body .elastic")
    harness.settle(app)
    address = app.evaluate("location.hash")
    app.focus("#explain-info")
    app.keyboard.press("Enter")
    app.wait_for_function("document.activeElement.id === 'about-convolution-title'")
    assert app.evaluate(f"{IN_SIGHT}(document.activeElement)"), "the heading is on screen"
    assert app.evaluate("location.hash") == address, "the address still records the view"
    app.keyboard.press("Tab")
    assert app.evaluate("document.activeElement.id") == "back-to-view"
    app.keyboard.press("Enter")
    app.wait_for_function("document.activeElement.id === 'explain-info'")
    assert app.evaluate(f"{IN_SIGHT}(document.querySelector('#explain'))"), "the view is on screen again"
    assert app.evaluate("!document.querySelector('#explain').hidden && document.querySelector('#back-to-view').hidden")


def test_formulas_are_no_tab_stops_fit_their_box_and_sliders_are_big_enough(app):
    """No MathML formula is a tab stop or cuts its own content (the playground's size equation is read as one
    labelled image), and the playground's sliders are at least 24 px tall (WCAG 2.5.8)."""
    close_views(app)
    app.wait_for_selector("#playground-root .pg-size-math math")
    app.evaluate("document.querySelector('#article-title').tabIndex = -1; document.querySelector('#article-title').focus()")
    stops = []
    for _ in range(300):
        app.keyboard.press("Tab")
        active = app.evaluate("[document.activeElement.tagName, !!document.activeElement.closest('#article')]")
        if not active[1]:
            break
        stops.append(active[0])
    assert "math" not in [s.lower() for s in stops], stops
    # a formula that scrolls is a tab stop and cuts the top of a tall fraction: none may scroll, and none is wider
    # than the column it is in
    cut = app.evaluate("""[...document.querySelectorAll('#article math')].filter(m => getComputedStyle(m).overflowX !== 'visible'
        || getComputedStyle(m).overflowY !== 'visible' || m.scrollWidth > m.clientWidth + 1).map(m => m.textContent.slice(0, 40))""")
    assert cut == [], cut
    names = app.evaluate("[...document.querySelectorAll('#article math')].map(m => m.closest('[aria-label]')?.getAttribute('aria-label') || '')")
    assert all(names), names
    heights = app.evaluate("[...document.querySelectorAll('#playground-root input[type=range]')].map(r => r.getBoundingClientRect().height)")
    assert heights and min(heights) >= 24, heights


def test_the_console_has_no_violation_and_gives_the_focus_back(app):
    close_views(app)
    app.click("#console-open")
    app.fill("#console-input", "help()")
    app.press("#console-input", "Enter")
    app.wait_for_function("document.body.dataset.consoleRuns >= '1'")
    found = violations(app)
    assert found == [], "\n".join(map(str, found))
    app.keyboard.press("Escape")
    assert app.evaluate("document.activeElement.id") == "console-open" and app.is_hidden("#console")


def test_the_teach_panel_has_no_violation_after_a_training_and_gives_the_focus_back(app):
    close_views(app)
    app.click("#teach-open")
    examples = os.path.join(harness.REPO_ROOT, "examples", "tinyvgg-tin10")
    for n, kind in ((1, "espresso"), (2, "koala")):
        app.set_input_files(f"#teach-classes .teach-class:nth-child({n}) input.teach-files",
                            [os.path.join(examples, f"{kind}-{i}.png") for i in (1, 2, 3)])
    app.wait_for_function("document.body.dataset.teachPictures === '6'", timeout=30000)
    app.fill("#teach-epochs", "2")
    app.click("#teach-train")
    app.wait_for_function("['done', 'stopped', 'error'].includes(document.body.dataset.training)", timeout=60000)
    assert app.evaluate("document.body.dataset.training") == "done"
    found = violations(app)
    assert found == [], "\n".join(map(str, found))
    app.focus("#teach-mode")
    app.keyboard.press("Escape")
    assert app.evaluate("document.activeElement.id") == "teach-open" and app.is_hidden("#teach")
