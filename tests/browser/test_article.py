"""The teaching half in Chromium: live figures follow the image, the playground's numbers equal torch and scipy,
and the explanation views and the article link to each other both ways."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from scipy import signal
from scipy.special import softmax
from test_explain_steps import make_png, native_acts

pytestmark = pytest.mark.browser


def upload(page, png):
    """Show an image file and wait until the article has been redrawn for it."""
    before = int(page.evaluate("document.body.dataset.renderCount"))
    page.set_input_files("#upload", png)
    page.wait_for_function(f"Number(document.body.dataset.articleCount) > {before}")


@pytest.fixture(scope="module")
def app(browser, dist):
    import harness
    with harness.booted_page(browser, dist) as page:
        page.wait_for_function("Number(document.body.dataset.articleCount) >= 1")
        yield page


def floats(page, selector, name="value"):
    return [float(v) for v in page.eval_on_selector_all(selector, f"els => els.map(e => e.dataset.{name})")]


def figures_match(page, acts, model):
    """Every number the live figures show equals the native forward pass of the same image."""
    shares = dict(zip((int(v) for v in floats(page, "#fig-softmax tr[data-class-index]", "classIndex")),
                      floats(page, "#fig-softmax .share")))
    reference = softmax(model.logits(acts).astype(np.float64))
    for k, share in shares.items():
        assert abs(share - reference[k]) < 1e-5
    maps = acts["max_pool_2"]
    expected = [maps[i // 130, (i // 10) % 13, i % 10] for i in range(12)]
    np.testing.assert_allclose(floats(page, "#fig-flatten li"), expected, atol=1e-5)
    pool_input = acts["relu_1_2"][..., 0]
    pooled = F.max_pool2d(torch.from_numpy(np.ascontiguousarray(pool_input))[None, None], 2)[0, 0].numpy()
    assert abs(floats(page, "#fig-pool .fig-result")[0] - pooled.max()) < 1e-5
    assert page.locator("#fig-relu circle").count() == 240
    assert page.locator("#fig-conv canvas").count() == 4


def test_the_live_figures_follow_the_image(app, tmp_path):
    first = str(tmp_path / "pattern.png")
    make_png(first)
    upload(app, first)
    model, acts = native_acts(first)
    figures_match(app, acts, model)
    before = app.inner_html("#fig-flatten")
    second = str(tmp_path / "other.png")
    y, x = np.mgrid[0:80, 0:80]
    Image.fromarray(np.stack([(x * 7) % 256, (y * 2) % 256, (x * y) % 256], -1).astype(np.uint8)).save(second)
    upload(app, second)
    model, acts = native_acts(second)
    figures_match(app, acts, model)
    assert app.inner_html("#fig-flatten") != before
    assert "history" in app.inner_text("#fig-training") or app.locator("#fig-training svg").count() == 1
    assert app.console_errors == []


def set_control(page, name, value, root="#playground-root"):
    """Type a value into a playground number field (as a visitor would) and wait for the redraw."""
    field = page.locator(f'{root} input[type=number][data-name="{name}"]')
    field.fill(str(value))
    field.press("Tab")  # the value is committed (a change event) as the focus moves on


def shown_grid(page, selector):
    """The numbers over a small playground grid, as a 2-D array."""
    cells = page.eval_on_selector_all(f"{selector} .pg-cell", "els => els.map(e => e.textContent.replace('−', '-'))")
    side = int(round(len(cells) ** 0.5))
    return np.array([float(c) for c in cells]).reshape(side, side)


def kernel_shown(page, root="#playground-root"):
    rows = page.eval_on_selector_all(f"{root} .pg-kernel tr", "trs => trs.map(tr => [...tr.cells].map(td => td.textContent.replace('−', '-')))")
    return np.array(rows, dtype=float)


def test_the_playground_grid_equals_torch_and_reports_an_uneven_stride(app):
    import harness
    app.locator("#about-playground").scroll_into_view_if_needed()
    root = "#playground-root"
    app.select_option(f"{root} .pg-kernel", "Sobel y")
    for name, value in (("size", 8), ("padding", 1), ("kernel", 3), ("stride", 3), ("dilation", 1)):
        set_control(app, name, value)
    assert app.input_value(f'{root} input[type=range][data-name="stride"]') == "3"
    padded, kernel = shown_grid(app, f"{root} .pg-in"), kernel_shown(app)
    assert padded.shape == (10, 10) and not padded[0].any() and not padded[:, -1].any()
    np.testing.assert_array_equal(kernel, [[-1, -2, -1], [0, 0, 0], [1, 2, 1]])
    reference = F.conv2d(torch.from_numpy(padded)[None, None], torch.from_numpy(kernel)[None, None], stride=3)[0, 0].numpy()
    np.testing.assert_array_equal(shown_grid(app, f"{root} .pg-out"), reference)
    assert app.text_content(f"{root} .pg-out-size") == "3" and reference.shape == (3, 3)
    assert "does not fit evenly" in app.inner_text(f"{root} .pg-note")
    assert app.locator(f"{root} .pg-in .pg-cell.unused").count() == 19  # the last row and column of 10×10
    # a click raises one input number; the output follows (and equals torch again)
    harness.point_at_cell(app, f"{root} .pg-in canvas", 3, 2, 10, 10, click=True)
    edited = shown_grid(app, f"{root} .pg-in")
    assert edited[3, 2] == (padded[3, 2] + 1) % 10 and (edited != padded).sum() == 1
    reference = F.conv2d(torch.from_numpy(edited)[None, None], torch.from_numpy(kernel)[None, None], stride=3)[0, 0].numpy()
    np.testing.assert_array_equal(shown_grid(app, f"{root} .pg-out"), reference)
    # the keyboard edits too: arrows move the cursor from the clicked cell, a digit sets the number there
    app.focus(f"{root} .pg-in canvas")
    app.keyboard.press("ArrowDown")
    app.keyboard.press("ArrowRight")
    app.keyboard.press("7")
    typed = shown_grid(app, f"{root} .pg-in")
    assert typed[4, 3] == 7 and (typed != edited).sum() <= 1
    assert app.evaluate("document.activeElement.closest('.pg-in') !== null")  # the focus stays on the grid
    reference = F.conv2d(torch.from_numpy(typed)[None, None], torch.from_numpy(kernel)[None, None], stride=3)[0, 0].numpy()
    np.testing.assert_array_equal(shown_grid(app, f"{root} .pg-out"), reference)
    # stepping: the step code's result is ops.conv2d's value at every position
    app.click(f"{root} .play") if app.get_attribute(f"{root} .play", "aria-pressed") == "true" else None
    for _ in range(4):
        app.click(f"{root} .step-forward")
        result, forward = floats(app, f"{root} .pg-formula .result")[0], floats(app, f"{root} .pg-formula .forward-value")[0]
        assert result == forward
    app.click(f'{root} button[data-pad="same"]')
    assert app.text_content(f"{root} .pg-out-size") == "3"  # ⌈8 / 3⌉
    assert "after" in app.inner_text(f"{root} .pg-note")  # Keras's odd zero goes after
    assert app.console_errors == []


def test_the_playground_on_the_image_equals_a_scipy_correlation(app, tmp_path):
    png = str(tmp_path / "pattern.png")
    make_png(png)
    upload(app, png)
    model, acts = native_acts(png)
    root = "#playground-root"
    app.select_option(f"{root} .pg-mode", "image")
    app.select_option(f"{root} .pg-channel", "1")
    app.select_option(f"{root} .pg-kernel", "Laplacian")
    app.click(f'{root} button[data-pad="valid"]')
    for name, value in (("size", 30), ("stride", 1), ("dilation", 2)):
        set_control(app, name, value)
    top = (64 - 30) // 2
    crop = acts["input"][top:top + 30, top:top + 30, 1].astype(np.float64)
    spread = np.zeros((5, 5))
    spread[::2, ::2] = [[0, 1, 0], [1, -4, 1], [0, 1, 0]]
    reference = signal.correlate2d(crop, spread, mode="valid")
    assert app.text_content(f"{root} .pg-out-size") == str(reference.shape[0])
    app.focus(f"{root} .pg-out canvas")
    for key, cell in (("End", (25, 25)), ("ArrowUp", (24, 25)), ("Home", (0, 0)), ("ArrowRight", (0, 1))):
        app.keyboard.press(key)
        assert abs(floats(app, f"{root} .pg-formula .result")[0] - reference[cell]) < 1e-5, key
    # the network's own first-layer kernel, on the same crop
    app.select_option(f"{root} .pg-kernel", "learned:3:1")
    set_control(app, "dilation", 1)
    learned = model.layer("conv_1_1").kernel[:, :, 1, 3].astype(np.float64)
    app.focus(f"{root} .pg-out canvas")
    app.keyboard.press("End")
    assert abs(floats(app, f"{root} .pg-formula .result")[0] - signal.correlate2d(crop, learned, "valid")[-1, -1]) < 1e-5
    assert app.console_errors == []


def test_views_and_article_link_both_ways(app):
    import harness
    app.evaluate("scrollTo(0, 0)")
    app.click('#network .node[data-layer="conv_1_1"][data-index="1"]')
    app.wait_for_selector("#explain-body .elastic")
    assert app.get_attribute("#explain-info", "href") == "#about-convolution"
    # the conv view opens the playground on its own kernel; Back returns
    app.click("#explain-body .to-playground")
    app.wait_for_selector("#explain-body .playground")
    assert app.input_value("#explain-body .pg-kernel") == "learned:1:0"
    assert app.get_attribute("#explain-info", "href") == "#about-playground"
    app.click("#explain-back")
    app.wait_for_selector("#explain-body .elastic")
    app.click("#explain-info")
    app.wait_for_function("Math.abs(document.querySelector('#about-convolution').getBoundingClientRect().top) < 40")
    # and back: a section's button opens its view on the network, in view
    app.click("#about-relu .show-on-network")
    app.wait_for_function("document.querySelector('#explain-title').textContent.startsWith('ReLU')")
    harness.settle(app)
    assert app.evaluate("document.querySelector('#explain').getBoundingClientRect().top") < 200
    app.locator("#about-softmax .show-on-network").click()
    app.wait_for_selector("#explain-body .sm-row")
    assert app.console_errors == []
    while app.evaluate("!document.querySelector('#explain').hidden"):
        app.keyboard.press("Escape")


def test_the_crop_preview_shows_the_square_the_network_keeps(app, tmp_path):
    from cnn_explainer.net import image
    wide = str(tmp_path / "wide.png")
    y, x = np.mgrid[0:60, 0:120]
    Image.fromarray(np.stack([x * 2, y * 4, (x + y) % 256], -1).astype(np.uint8)).save(wide)
    upload(app, wide)
    app.wait_for_function("!document.querySelector('#fig-input .crop-box').hidden")
    box = app.evaluate("""() => { const b = document.querySelector('#fig-input .crop-box').getBoundingClientRect(),
                                       i = document.querySelector('#fig-input img').getBoundingClientRect();
                                 return [(b.left - i.left) / i.width, b.width / i.width, b.height / i.height]; }""")
    assert box == pytest.approx([0.25, 0.5, 1.0], abs=0.01)  # the middle 60 of 120 columns, every row
    shown = app.evaluate("""() => { const c = document.querySelector('#fig-input canvas');
                                    return [...c.getContext('2d').getImageData(0, 0, c.width, c.height).data]; }""")
    _, square = image.prepare(wide, (64, 64, 3))
    np.testing.assert_array_equal(np.array(shown, np.uint8).reshape(64, 64, 4)[..., :3], np.asarray(square))


WHY = ["about-using", "why-padding", "why-kernel-stride", "why-stride-fits", "why-dilation"]
# the prose: headings, paragraphs and captions, not the figures' numbers and class names nor the playground (every
# section drawn first: innerText, the words as shown, has none for a section that is still off screen and skipped)
WORDS = """(() => { document.querySelectorAll('#article > section').forEach(s => s.style.contentVisibility = 'visible');
    const t = [...document.querySelectorAll('#article :is(h2, h3, h4, p, figcaption)')]
        .filter(e => !e.closest('.fig-body, .playground-root')).map(e => e.innerText).join(' ');
    document.querySelectorAll('#article > section').forEach(s => s.style.contentVisibility = '');
    return [(t.match(/[A-Za-z][A-Za-z'’-]*/g) || []).length, (t.match(/[\\u4e00-\\u9fff]/g) || []).length]; })()"""


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_article_explains_the_settings_and_how_to_use_the_page(app, language):
    """The why of padding, kernel size and stride, a stride that fits and dilation beside the playground, and how to
    use the page, in both languages; the numbers they quote are this model's (its first block's sizes, its input
    and the patch one value reaching the dense layer depends on)."""
    app.select_option("#lang-select", language)
    app.wait_for_function(f"document.documentElement.lang.startsWith({language!r})")
    app.wait_for_function("Number(document.body.dataset.articleCount) >= 1")
    for section in WHY:
        text = app.inner_text(f"#{section}" if section.startswith("about") else f"#{section} + p")
        assert len(text) > 150, (section, text)
    assert app.inner_text("#about-playground .live-sizes") == "64 → 62 → 60"
    assert app.inner_text("#about-playground .live-field") == "16 × 16"
    assert app.inner_text("#about-playground .live-input") == "64 × 64"
    english, chinese = app.evaluate(WORDS)
    if language == "en":
        assert english >= 1800, f"the article has {english} words"  # 967 before the why and how-to sections
    else:  # names and code stay in Latin letters; the prose is Chinese (about 1.7 characters per English word)
        assert chinese >= 3000, f"the article has {chinese} Chinese characters"  # 1,741 before
    if language == "zh":
        app.select_option("#lang-select", "en")
        app.wait_for_function("document.documentElement.lang.startsWith('en')")


def test_how_a_network_learns_leads_to_the_teach_panel_and_the_saliency_view(app):
    """The section on learning is there with its words (loss, gradient, step, epochs, held-out), its button presses the
    toolbar's Teach button when the page has one (and does nothing, without an error, when it has none), and its
    other button opens the saliency view on the network."""
    section = "#about-learning"
    assert app.text_content(f"{section} h3") == "How a network learns"
    assert app.get_attribute(section, "aria-labelledby") == "about-learning-title"
    app.locator(section).scroll_into_view_if_needed()  # drawn once near the screen (content-visibility)
    app.wait_for_function(f"document.querySelector({section!r}).innerText.length > 0")
    text = app.inner_text(section)
    for words in ("loss", "cross-entropy", "gradient", "backward pass", "learning rate", "Adam", "epoch", "held-out",
                  "saliency", "Teach panel", "live curve"):
        assert words in text, words
    headings = app.eval_on_selector_all("#article > section > h3", "hs => hs.map(h => h.id)")
    assert headings.index("about-learning-title") == headings.index("about-training-title") - 1
    if app.locator("#teach-open").count() == 0:  # no Teach panel in this build: the button must not break
        app.click("#learn-teach")
        app.evaluate("""() => { const b = document.createElement('button'); b.id = 'teach-open'; b.type = 'button';
            b.dataset.stub = ''; document.body.append(b); }""")
    app.evaluate("""() => document.querySelector('#teach-open').addEventListener('click',
        e => { e.currentTarget.dataset.pressed = 'yes'; }, {once: true})""")
    app.click("#learn-teach")
    app.wait_for_function("document.querySelector('#teach-open').dataset.pressed === 'yes'")
    app.evaluate("document.querySelector('#teach-open[data-stub]')?.remove()")
    app.keyboard.press("Escape")  # a real Teach panel closes again
    app.click(f"{section} .show-on-network")
    app.wait_for_selector("#explain-body .saliency-view[data-state=ready]")
    assert app.get_attribute("#explain-info", "href") == "#about-learning"
    assert app.console_errors == []
    while app.evaluate("!document.querySelector('#explain').hidden"):
        app.keyboard.press("Escape")
