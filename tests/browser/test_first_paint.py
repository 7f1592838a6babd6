"""The first paint comes from the build: the network shows before Python starts, Python takes over the same elements
without moving them, and paints exactly the pixels the build drew; a click made meanwhile is not lost."""
import pytest

pytestmark = pytest.mark.browser

# Every map canvas and its pre-rendered background: (layer, index, the url of its strip).
BACKGROUNDS = """() => [...document.querySelectorAll('#network .node.map canvas')].map(c =>
    [c.parentElement.dataset.layer, Number(c.parentElement.dataset.index), getComputedStyle(c).backgroundImage])"""
# Where everything is: the boxes of the neurons, labels, toolbar and stage.
# (The article's top edge counts, not its height: its live figures fill in below the fold and move nothing above.)
PLACES = """() => [...document.querySelectorAll('#network .node, #network .col-label, .toolbar, #stage, #article')]
    .map(e => { const r = e.getBoundingClientRect();
                return [r.x, r.y, r.width, e.id === 'article' ? 0 : r.height].map(v => Math.round(v * 10) / 10); })"""
# For each map canvas: how many of its pixels differ from its map in the build's strip image.
COMPARE = """async () => {
    const strips = {}, result = [];
    for (const canvas of document.querySelectorAll('#network .node.map canvas')) {
        const url = getComputedStyle(canvas).backgroundImage.match(/url\\("?(.*?)"?\\)/)[1];
        if (!strips[url]) {
            const bitmap = await createImageBitmap(await (await fetch(url)).blob());
            const board = new OffscreenCanvas(bitmap.width, bitmap.height);
            const context = board.getContext('2d');
            context.drawImage(bitmap, 0, 0);
            strips[url] = context;
        }
        const node = canvas.parentElement, i = Number(node.dataset.index), w = canvas.width, h = canvas.height;
        const built = strips[url].getImageData(i * (w + 2) + 1, 1, w, h).data;
        const painted = canvas.getContext('2d').getImageData(0, 0, w, h).data;
        let differ = 0;
        for (let k = 0; k < painted.length; k++) if (painted[k] !== built[k]) differ++;
        result.push([node.dataset.layer, i, differ]);
    }
    return result;
}"""


def held_boot(page, url):
    """Open the page with PyScript held back (Python cannot start until release() is called)."""
    held = []
    page.route("**/static/hooks.mjs", lambda route: held.append(route))
    page.goto(url, wait_until="commit")
    page.wait_for_function("document.querySelectorAll('#network .node').length === 113")
    page.wait_for_function("() => [...document.querySelectorAll('link[rel=preload][as=image]')].length > 0")

    def release():
        page.wait_for_function("true")  # let the route handler run
        for route in held:
            route.continue_()
    return release


def test_the_network_shows_before_python_and_python_takes_it_over_in_place(new_site, page, wait_ready):
    site = new_site()
    release = held_boot(page, site.url)
    backgrounds = page.evaluate(BACKGROUNDS)
    assert len(backgrounds) == 103 and all("/prerender/" in url for _, _, url in backgrounds)
    urls = sorted({url.split('"')[1] for _, _, url in backgrounds})
    decoded = page.evaluate("async (urls) => { for (const u of urls) { const i = new Image(); i.src = u; await i.decode(); } "
                            "return urls.length; }", urls)
    assert decoded == 11  # the input and ten hidden layers, one strip each
    assert page.evaluate("document.body.dataset.state") == "loading"
    assert page.get_attribute("#network .node.out.top", "data-probability")  # probabilities are drawn too
    assert "Prediction:" in page.inner_text("#prediction") and page.locator("#gallery-strip .example").count() >= 1
    status = page.inner_text("#boot-status")
    assert status and page.is_visible("#boot-status")
    before = page.evaluate(PLACES)
    release()
    wait_ready(page)
    assert page.evaluate(PLACES) == before, "taking over moved something (a layout shift)"
    assert page.console_errors == []


def test_python_paints_exactly_the_pixels_the_build_drew(new_site, page, wait_ready):
    site = new_site()
    page.goto(site.url)
    wait_ready(page)
    differences = page.evaluate(COMPARE)
    assert len(differences) == 103
    assert [d for d in differences if d[2]] == [], "maps whose pixels differ from the first paint"


def test_a_neuron_clicked_before_python_is_ready_opens_when_it_is(new_site, page, wait_ready):
    site = new_site()
    release = held_boot(page, site.url)
    page.click('#network .node[data-layer="relu_1_2"][data-index="6"]')
    page.wait_for_function("document.body.dataset.pending !== undefined")
    release()
    wait_ready(page)
    page.wait_for_selector("#explain-body .stepview")
    assert page.inner_text("#explain-title") == "ReLU · relu_1_2, neuron 7"
    assert page.console_errors == []
