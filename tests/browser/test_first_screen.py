"""The network is the page: all of it on the first screen, explanations in place, phones without sideways scrolling,
one numbering rule, and a cue that says what to do."""
import re

import pytest

import harness

pytestmark = pytest.mark.browser

# JavaScript: is an element fully reachable without horizontal scrolling (inside the window's width, and no
# ancestor of it scrolls or clips sideways)?
SIDEWAYS_FREE = """(el) => {
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.left < -0.5 || r.right > innerWidth + 0.5) return false;
    for (let a = el.parentElement; a; a = a.parentElement) {
        const s = getComputedStyle(a);
        if (['auto', 'scroll'].includes(s.overflowX) && a.scrollWidth > a.clientWidth + 1) return false;
    }
    return true;
}"""
# The same check, saying why not (for the failure message).
SIDEWAYS_WHY = """(el) => {
    const r = el.getBoundingClientRect();
    const where = `${el.className} at ${Math.round(r.left)}..${Math.round(r.right)} of ${innerWidth}`;
    if (r.width <= 0) {
        const none = [];
        for (let a = el; a; a = a.parentElement) if (getComputedStyle(a).display === 'none' || a.hidden) none.push(a.tagName + '.' + a.className + '#' + a.id);
        return `${where}, not rendered: ${none.join(' < ') || 'no hidden ancestor'}; text "${el.textContent}"`;
    }
    if (r.left < -0.5 || r.right > innerWidth + 0.5) return where;
    for (let a = el.parentElement; a; a = a.parentElement) {
        const s = getComputedStyle(a);
        if (['auto', 'scroll'].includes(s.overflowX) && a.scrollWidth > a.clientWidth + 1)
            return `${where}: ${a.tagName}.${a.className} scrolls ${a.scrollWidth} > ${a.clientWidth}`;
    }
    return '';
}"""
PROSE_TEXT = """() => {
    const walker = document.createTreeWalker(document.querySelector('#stage'), NodeFilter.SHOW_TEXT);
    const parts = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (n.parentElement.closest('code, pre, script, style, [hidden]')) continue;
        parts.push(n.textContent);
    }
    const labels = [...document.querySelectorAll('#stage [aria-label]')].map(e => e.getAttribute('aria-label'));
    return [document.querySelector('#explain-title').textContent, ...parts, ...labels].join(' ');
}"""
ZERO_BASED = re.compile(r"\b(neuron|channel|row|column|value|map|slice|element|position) 0\b")
VIEWS = [("input", 0, ".stepview"), ("conv_1_2", 0, ".elastic"), ("relu_2_1", 0, ".stepview"),
         ("max_pool_1", 0, ".stepview"), ("output", 0, ".ox-view")]


def boxes(page, selector):
    """The bounding boxes {x, y, width, height} of every element matching selector."""
    return page.eval_on_selector_all(selector, "els => els.map(e => e.getBoundingClientRect().toJSON())")


def inside(box, width, height):
    return box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width and box["y"] + box["height"] <= height


def open_neuron(page, layer, index, view=".stepview"):
    """Click a neuron of the overview and wait until its view is drawn and every transition has finished."""
    page.click(f'#network .node[data-layer="{layer}"][data-index="{index}"]')
    page.wait_for_selector(f"#explain-body {view}")
    harness.settle(page)


def close_all(page):
    """Step back until the panel is closed."""
    while page.evaluate("!document.querySelector('#explain').hidden"):
        page.keyboard.press("Escape")


@pytest.mark.parametrize("size", [(1280, 720), (1440, 900)], ids=["1280x720", "1440x900"])
def test_the_whole_network_is_on_the_first_screen(browser, dist, size):
    width, height = size
    with harness.booted_page(browser, dist, viewport={"width": width, "height": height}) as page:
        nodes = boxes(page, "#network .node")
        assert len(nodes) == 113
        outside = [b for b in nodes if not inside(b, width, height)]
        assert not outside, f"{len(outside)} neurons are off the first screen, e.g. {outside[0]}"
        labels = boxes(page, "#network .col-label")
        assert all(inside(b, width, height) for b in labels)
        assert page.evaluate("scrollY") == 0 and page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.is_visible("#cue") and "Click any neuron" in page.inner_text("#cue")
        assert page.console_errors == []


def test_at_1024_px_nothing_overlaps(browser, dist):
    with harness.booted_page(browser, dist, viewport={"width": 1024, "height": 768}) as page:
        labels = page.eval_on_selector_all(
            "#network .col-name", "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; })")
        assert all(a[1] <= b[0] for a, b in zip(labels, labels[1:])), f"column names overlap: {labels}"
        nodes = boxes(page, "#network .node")
        for i, a in enumerate(nodes):
            for b in nodes[i + 1:]:
                assert (a["x"] + a["width"] <= b["x"] + 0.5 or b["x"] + b["width"] <= a["x"] + 0.5
                        or a["y"] + a["height"] <= b["y"] + 0.5 or b["y"] + b["height"] <= a["y"] + 0.5), (a, b)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1024


@pytest.mark.parametrize("layer,index", [("conv_1_1", 4), ("relu_1_2", 9), ("conv_2_1", 0), ("max_pool_2", 3),
                                         ("output", 7)])
def test_a_click_opens_the_explanation_in_place_with_the_layer_and_its_source_in_sight(browser, dist, layer, index):
    with harness.booted_page(browser, dist, viewport={"width": 1280, "height": 720}) as page:
        clicked = f'#network .node[data-layer="{layer}"][data-index="{index}"]'
        view = ".ox-view" if layer == "output" else ".elastic" if layer.startswith("conv") else ".stepview"
        open_neuron(page, layer, index, view)
        assert page.evaluate("scrollY") == 0, "the page jumped"
        panel = page.locator("#explain").bounding_box()
        node = page.locator(clicked + (" .swatch" if layer == "output" else "")).bounding_box()  # a class row: its swatch
        assert inside(node, 1280, 720) and node["x"] + node["width"] <= panel["x"], "the clicked neuron is hidden"
        source = page.get_attribute(clicked, "data-col")
        first_source = boxes(page, f'#network .node[data-col="{int(source) - 1}"]')[0]
        assert inside(first_source, 1280, 720) and first_source["x"] + first_source["width"] <= panel["x"]
        assert panel["y"] < 720 - 200, "the explanation does not start on the first screen"
        assert page.evaluate("document.activeElement.id") in ("explain-title",) or page.evaluate(
            "document.activeElement.closest('#explain') !== null"), "the focus did not move into the view"
        assert page.inner_text("#explain-status").startswith("Explanation opened: ")
        assert not page.is_visible("#cue"), "the cue stays after the first click"
        later = page.locator('#network .col.after').count()
        assert later == 11 - int(source), "columns after the explained one should make room"
        page.click("#explain-close")
        page.wait_for_selector("#explain", state="hidden")
        harness.settle(page)
        assert page.evaluate("(s) => document.activeElement.matches(s)", clicked), "the focus did not return"
        assert page.locator("#stage.explaining").count() == 0 and page.locator("#network .col.after").count() == 0
        assert page.console_errors == []


def test_transitions_are_short_and_absent_under_reduced_motion(browser, dist):
    durations = """() => [getComputedStyle(document.querySelector('.net')).transitionDuration,
                          getComputedStyle(document.querySelector('.col')).transitionDuration,
                          getComputedStyle(document.querySelector('#explain')).animationDuration]"""
    seconds = lambda text: max(float(t.rstrip("s")) for t in text.split(","))  # noqa: E731
    with harness.booted_page(browser, dist, viewport={"width": 1280, "height": 720}) as page:
        open_neuron(page, "relu_1_1", 0)
        assert 0 < max(seconds(d) for d in page.evaluate(durations)) <= 0.3
    with harness.booted_page(browser, dist, viewport={"width": 1280, "height": 720}, reduced_motion="reduce") as page:
        open_neuron(page, "relu_1_1", 0)
        assert max(seconds(d) for d in page.evaluate(durations)) == 0


@pytest.fixture(scope="module")
def phone(browser, dist):
    """One booted page on a 390×844 touch screen."""
    with harness.booted_page(browser, dist, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True) as page:
        yield page


def test_a_phone_shows_the_overview_without_sideways_scrolling(phone):
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    for selector in ("#network .node.out .bar", "#network .node.out .pct", "#network .node.map"):
        for element in phone.query_selector_all(selector):
            assert element.evaluate(SIDEWAYS_FREE), f"{selector} is hidden sideways"
    small = [b for b in boxes(phone, "#network .node") if min(b["width"], b["height"]) < 44]
    assert not small, f"{len(small)} tap targets are smaller than 44 px, e.g. {small[0]}"
    assert not phone.is_visible(".keys"), "a phone has no Escape key to offer"


def test_a_phone_never_scrolls_sideways_with_any_shipped_model(phone):
    """Every model's numbers fit: the article's softmax table once grew 15 px too wide with Imagenette's."""
    names = phone.evaluate("[...document.querySelectorAll('#model-select option')].map((o) => o.value)")
    first = phone.eval_on_selector("#model-select", "s => s.value")
    try:
        for name in [n for n in names if n != first]:
            phone.evaluate("delete document.body.dataset.modelSwitchMs")
            phone.select_option("#model-select", name)
            phone.wait_for_function("document.body.dataset.modelSwitchMs !== undefined", timeout=60000)
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390, f"{name}: the page scrolls sideways"
    finally:
        phone.select_option("#model-select", first)
        phone.wait_for_function(f"document.querySelector('#model-select').value === {first!r}")
    assert "Tap any neuron" in phone.inner_text("#cue")


@pytest.mark.parametrize("layer,index,view,essential", [
    ("conv_2_2", 1, ".elastic", [".el-output canvas", ".el-sum", ".el-bias", ".el-sum-formula .result"]),
    ("max_pool_2", 0, ".stepview", [".grid.out canvas", ".formula"]),
    ("output", 2, ".ox-view", [".ox-readout", ".ox-sum .ox-total", 'canvas[data-ox="products"]']),
])
def test_a_phone_opens_every_view_under_its_layer_without_sideways_scrolling(phone, layer, index, view, essential):
    close_all(phone)  # whatever an earlier case left open
    open_neuron(phone, layer, index, view)
    node = phone.locator(f'#network .node[data-layer="{layer}"][data-index="{index}"]').bounding_box()
    assert inside(node, 390, 844), "the tapped neuron left the screen"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    for selector in essential:  # found and measured in one script: a playing view rewrites its formula every step
        assert phone.query_selector(f"#explain-body {selector}") is not None, f"{selector} is missing"
        why = phone.evaluate(f"(selector) => ({SIDEWAYS_WHY})(document.querySelector(selector))", f"#explain-body {selector}")
        assert not why, f"{selector} is hidden sideways: {why}"
    if layer == "output":  # and on to the softmax: every probability readable
        phone.click("#explain-body .ox-next")
        phone.wait_for_selector("#explain-body .sm-row")
        harness.settle(phone)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        assert phone.eval_on_selector_all("#explain-body .sm-share .sm-num",
                                          f"els => els.length === 10 && els.every({SIDEWAYS_FREE})")
    close_all(phone)
    assert phone.console_errors == []


def test_people_count_from_one_and_code_from_zero(browser, dist):
    with harness.booted_page(browser, dist, viewport={"width": 1440, "height": 900}) as page:
        for layer, index, view in VIEWS:
            open_neuron(page, layer, index, view)
            if view == ".ox-view":
                page.focus('#explain-body canvas[data-ox="vector"]')
                page.keyboard.press("Home")  # the vector's first value
                page.wait_for_function("document.querySelector('#explain-body .ox-readout').dataset.index === '0'")
                assert "value 1 of 1\u2009690 (channel 1, row 1, column 1)" in page.inner_text("#explain-body .ox-readout")
                assert "x[0]" in page.inner_text("#explain-body .ox-readout code")
            else:
                grid = "#explain-body .el-output canvas" if view == ".elastic" else "#explain-body .grid.out canvas"
                page.focus(grid)
                page.keyboard.press("Home")  # the first cell
                page.wait_for_function("document.querySelector('#explain-body').dataset.row === '0' && "
                                       "document.querySelector('#explain-body').dataset.col === '0'")
                assert "row 1, column 1" in page.inner_text("#explain-body")
                assert "output[0, 0]" in page.inner_text("#explain-body code.index")
            if view == ".elastic":  # and the formula view of input channel 1
                page.hover('#explain-body .el-kernel[data-channel="0"]')
                page.click('#explain-body .el-input[data-channel="0"]')
                page.wait_for_selector("#explain-body .stepview")
                assert page.inner_text("#explain-title").endswith("neuron 1, input channel 1")
                text = page.evaluate(PROSE_TEXT)
                assert not ZERO_BASED.search(text), ZERO_BASED.search(text).group(0)
                page.keyboard.press("Escape")
                page.wait_for_selector("#explain-body .elastic")
                page.hover('#explain-body .el-kernel[data-channel="0"]')
                assert page.inner_text("#explain-body .el-tip").startswith("kernel slice 1")
            text = page.evaluate(PROSE_TEXT)
            found = ZERO_BASED.search(text)
            assert not found, f"{layer}: “{found.group(0)}” counts from 0 outside the code"
            close_all(page)
        page.hover('#network .node[data-layer="conv_1_1"][data-index="0"]')
        assert "neuron 1:" in page.inner_text("#hover-info")
        assert page.console_errors == []


def test_an_input_neuron_shows_its_pixel_values(browser, dist):
    with harness.booted_page(browser, dist, viewport={"width": 1280, "height": 720}) as page:
        open_neuron(page, "input", 1)
        assert page.inner_text("#explain-title") == "Input · the green channel"
        page.focus("#explain-body .grid.out canvas")
        page.keyboard.press("End")
        page.wait_for_function("document.querySelector('#explain-body').dataset.row === '63'")
        result = float(page.get_attribute("#explain-body .result", "data-value"))
        forward = float(page.get_attribute("#explain-body .forward-value", "data-value"))
        assert result == pytest.approx(forward, abs=1e-6)
        pixel = int(re.match(r"(\d+) / 255", page.inner_text("#explain-body .eq")).group(1))
        assert result == pytest.approx(pixel / 255 * 2 - 1, abs=1e-6)  # the default model's inputs run from −1 to 1
        assert page.console_errors == []


def test_beside_the_dense_view_the_class_names_stay_readable_and_the_explained_class_uncovered(browser, dist):
    with harness.booted_page(browser, dist, viewport={"width": 1280, "height": 720}) as page:
        open_neuron(page, "output", 7, ".ox-view")
        names = page.evaluate("""() => {
            const panel = document.querySelector('#explain').getBoundingClientRect();
            return [...document.querySelectorAll('#network .node.out .cls')].map(e => {
                const r = e.getBoundingClientRect();
                return {text: e.textContent, opacity: getComputedStyle(e).opacity, width: r.width, right: r.right,
                        left: panel.left};
            });
        }""")
        assert len(names) == 10
        for name in names:
            assert name["opacity"] == "1" and name["width"] >= 24, f"the rail hides the class names: {name}"
            assert name["right"] <= name["left"] + 0.5, f"{name['text']} is under the panel"
        # what is at the explained class's name is that class's row, not the panel
        hit = page.evaluate("""() => {
            const r = document.querySelector('#network .node.out.pinned .cls').getBoundingClientRect();
            return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)?.closest('.node.out')?.dataset.index;
        }""")
        assert hit == "7"
        assert page.console_errors == []


def test_a_phone_dense_view_keeps_its_scales_neuron_and_labels_inside(phone):
    close_all(phone)
    names = phone.evaluate("""() => [...document.querySelectorAll('#network .col-name')].map(e => {
        const r = e.getBoundingClientRect(), label = e.parentElement.getBoundingClientRect();
        return [e.textContent, e.scrollWidth <= e.clientWidth && r.right <= label.right + 0.5,
                r.height < 1.6 * parseFloat(getComputedStyle(e).fontSize) * 1.15];
    })""")
    assert [n for n in names if not (n[1] and n[2])] == [], "a band's name is cut or broken over two lines"
    open_neuron(phone, "output", 2, ".ox-view")
    problems = phone.evaluate("""() => {
        const bad = [], panel = document.querySelector('#explain').getBoundingClientRect();
        const within = (r, o) => r.left >= o.left - 0.5 && r.right <= o.right + 0.5 && r.top >= o.top - 0.5 && r.bottom <= o.bottom + 0.5;
        for (const e of document.querySelectorAll('#explain-body .ox-scale, #explain-body .ox-neuron'))
            if (!within(e.getBoundingClientRect(), panel)) bad.push(e.className + ' leaves the panel');
        for (const e of document.querySelectorAll('#explain-body .ox-scale > span, #explain-body .ox-neuron > *'))
            if (!within(e.getBoundingClientRect(), e.parentElement.getBoundingClientRect())) bad.push(`"${e.textContent}" spills out of its box`);
        const captions = [...document.querySelectorAll('#explain-body .ox-map figcaption')];
        for (const e of captions) if (e.scrollWidth > e.clientWidth) bad.push(`"${e.textContent}" is cut`);
        if (new Set(captions.map(e => Math.round(e.getBoundingClientRect().height))).size > 1) bad.push('a channel label wraps');
        const maps = [...document.querySelectorAll('#explain-body .ox-map canvas')].slice(0, 10).map(c => c.getBoundingClientRect());
        for (const row of [maps.slice(0, 5), maps.slice(5)])
            if (new Set(row.map(r => Math.round(r.top))).size > 1) bad.push('the maps of a row are out of line');
        return bad;
    }""")
    assert problems == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    close_all(phone)


@pytest.mark.parametrize("size", [(1280, 720), (1440, 900), (390, 844)], ids=["1280x720", "1440x900", "390x844"])
def test_the_colour_key_and_the_whole_tagline_are_on_the_first_screen_in_both_languages(browser, dist, size):
    from cnn_explainer.page import colormap
    width, height = size
    with harness.booted_page(browser, dist, viewport={"width": width, "height": height}, is_mobile=width < 640) as page:
        stops = colormap.legend_gradient().replace(" ", "").split("),")
        ramp = page.evaluate("getComputedStyle(document.querySelector('.colour-key .key-ramp')).backgroundImage")
        assert all(stop.rstrip(")") in ramp.replace(" ", "") for stop in stops), ramp  # the overview's own colours
        for code, words in (("en", {".colour-key": ("negative", "positive"), ".tagline": ("leaves the page.",)}),
                            ("zh", {".colour-key": ("负", "正"), ".tagline": ("不会离开",)})):
            page.select_option("#lang-select", code)
            page.wait_for_function(f"document.documentElement.lang.startsWith({code!r})")
            for selector in (".colour-key", ".tagline"):
                box = page.evaluate("""(selector) => { const e = document.querySelector(selector);
                    return {...e.getBoundingClientRect().toJSON(), scroll: e.scrollWidth, client: e.clientWidth,
                            text: e.innerText}; }""", selector)
                assert inside(box, width, height), f"{code} {selector} is off the first screen: {box}"
                assert box["scroll"] <= box["client"], f"{code} {selector} is cut: {box}"
                assert all(word in box["text"] for word in words[selector]), (code, selector, box["text"])
            assert page.evaluate("scrollY") == 0
