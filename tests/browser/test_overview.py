"""The overview in Chromium: numbers agree with the CLI, examples/uploads redraw, hover, colour levels, bad files."""
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.browser
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HIDDEN = ["conv_1_1", "relu_1_1", "conv_1_2", "relu_1_2", "max_pool_1",
          "conv_2_1", "relu_2_1", "conv_2_2", "relu_2_2", "max_pool_2"]


def cli_predict(path, model="tinyvgg-tin10"):
    """What `python -m cnn_explainer predict --json` says about an image file (the independent path)."""
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO_ROOT, "py"))
    out = subprocess.run([sys.executable, "-m", "cnn_explainer", "predict", path, "--json", "--model", model],
                         capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(out)


def shown_probabilities(page):
    """The probabilities the output column shows, in class order."""
    return [float(v) for v in page.eval_on_selector_all(".node.out", "rows => rows.map(r => r.dataset.probability)")]


def canvas_fingerprints(page):
    """{layer: [data URL of each neuron's canvas]} — changes whenever a map is repainted differently."""
    return page.evaluate("""() => {
        const result = {};
        for (const node of document.querySelectorAll('.node.map')) {
            (result[node.dataset.layer] ||= []).push(node.querySelector('canvas').toDataURL());
        }
        return result;
    }""")


def wait_render(page, before):
    """Wait until the page has rendered more times than `before`."""
    page.wait_for_function(f"Number(document.body.dataset.renderCount) > {before}")


def render_count(page):
    return int(page.evaluate("document.body.dataset.renderCount"))


@pytest.fixture(scope="module")
def app(browser, dist):
    """One booted page for the whole module (boots take seconds); its server runs at /."""
    import harness
    with harness.booted_page(browser, dist) as page:
        yield page


def current_example(page):
    """The file (inside dist) of the example that is shown now."""
    return page.get_attribute("#gallery .example[aria-pressed=true]", "data-example")


def test_prediction_and_probabilities_match_the_cli(app):
    example = current_example(app)
    assert example, "no example is marked as shown"
    reference = cli_predict(os.path.join(app.dist, example))
    assert app.get_attribute("#prediction", "data-label") == reference["top"]["label"]
    np.testing.assert_allclose(shown_probabilities(app), reference["probabilities"], atol=1e-5)
    top = app.locator(".node.out.top")
    assert top.count() == 1 and reference["top"]["label"] in top.inner_text()


def test_another_example_redraws_every_column_and_the_output(app):
    before_maps, before = canvas_fingerprints(app), render_count(app)
    app.click("#more-examples")  # the whole gallery opens on demand
    buttons = app.locator("#gallery button[data-example]")
    current = current_example(app)
    choice = next(i for i in range(buttons.count()) if buttons.nth(i).get_attribute("data-example") != current
                  and "lifeboat" not in buttons.nth(i).get_attribute("data-example"))
    buttons.nth(choice).click()
    wait_render(app, before)
    after_maps = canvas_fingerprints(app)
    for layer in ["input"] + HIDDEN:
        changed = sum(a != b for a, b in zip(before_maps[layer], after_maps[layer]))
        assert changed >= 1, f"{layer} was not redrawn"
    assert sum(a != b for a, b in zip(before_maps["input"], after_maps["input"])) == 3
    reference = cli_predict(os.path.join(app.dist, current_example(app)))
    np.testing.assert_allclose(shown_probabilities(app), reference["probabilities"], atol=1e-5)
    assert app.console_errors == []


def test_hover_highlights_incoming_edges_and_sources_and_tells_the_range(app):
    app.hover('.node[data-layer="conv_1_2"][data-index="3"]')
    assert app.locator("#edges g.lit").count() == 1
    assert app.get_attribute("#edges g.lit", "data-target") == "3:3"  # column 3 (conv_1_2), neuron index 3
    lit_sources = app.locator('.node.lit[data-layer="relu_1_1"]').count()
    assert lit_sources == 10  # a conv neuron reads every map of the previous layer
    assert "conv_1_2" in app.inner_text("#hover-info") and "values from" in app.inner_text("#hover-info")
    app.hover('.node[data-layer="max_pool_1"][data-index="5"]')
    assert app.locator('.node.lit[data-layer="relu_1_2"]').count() == 1  # pooling reads one map
    app.hover('.node.out[data-index="2"]')
    assert "probability" in app.inner_text("#hover-info")


def test_keyboard_focus_moves_with_arrows_and_highlights(app):
    app.focus('.node[tabindex="0"]')
    start = app.evaluate("document.activeElement.dataset.layer + ':' + document.activeElement.dataset.index")
    app.keyboard.press("ArrowRight")
    app.keyboard.press("ArrowDown")
    now = app.evaluate("document.activeElement.dataset.layer + ':' + document.activeElement.dataset.index")
    assert now != start and now.startswith("conv_1_1:")
    assert app.locator("#edges g.lit").count() == 1
    assert app.locator('.node[tabindex="0"]').count() == 1  # one tab stop for the whole network


def legends(page):
    """{legend key: (low, high)} of the colour legends."""
    return {k: (float(lo), float(hi)) for k, lo, hi in page.eval_on_selector_all(
        "#legends .legend", "ls => ls.map(l => [l.dataset.legend, l.dataset.low, l.dataset.high])")}


def test_each_colour_level_changes_the_legend_ranges(app):
    app.check("#show-details")
    assert app.is_visible("#legends") and app.is_visible(".col-shape") and app.is_visible("#model-info")
    seen = {}
    for level in ("unit", "module", "global"):
        before_maps = canvas_fingerprints(app)
        app.select_option("#scale-level", level)
        app.wait_for_function(f"document.querySelector('#legends .legend[data-legend^=\"{level}\"]') !== null")
        seen[level] = legends(app)
        if level != "unit":
            assert canvas_fingerprints(app) != before_maps, f"switching to {level} repainted nothing"
    module = [v for k, v in seen["module"].items() if k.startswith("module")]
    overall = [v for k, v in seen["global"].items() if k.startswith("global")]
    assert len(module) == 2 and len(overall) == 1
    assert module[0] != module[1], "the two modules should have their own ranges"
    assert overall[0][1] == pytest.approx(max(m[1] for m in module), rel=1e-5)
    assert "unit" in seen["unit"]
    assert seen["module"]["output"] == (0.0, 1.0)
    app.uncheck("#show-details")
    assert not app.is_visible("#legends")


def png_bytes(colour, size=(80, 50)):
    """A real PNG made here."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_uploading_a_png_runs_the_network_on_it(app, tmp_path):
    image = Image.new("RGB", (90, 60), (250, 120, 0))
    for x in range(90):
        for y in range(0, 60, 7):
            image.putpixel((x, y), (20, 20, 200))
    path = tmp_path / "stripes.png"
    image.save(path)
    before = render_count(app)
    app.set_input_files("#upload", str(path))
    wait_render(app, before)
    assert "stripes.png" in app.inner_text("#input-caption")
    assert app.inner_text("#message") == ""
    reference = cli_predict(str(path))
    np.testing.assert_allclose(shown_probabilities(app), reference["probabilities"], atol=1e-5)


@pytest.mark.parametrize("name,payload,mime", [
    ("broken.png", png_bytes("red")[:40], "image/png"),
    ("notes.txt", b"this is not an image at all", "text/plain"),
    ("empty.jpg", b"", "image/jpeg"),
])
def test_a_bad_file_shows_a_message_and_keeps_the_previous_prediction(app, name, payload, mime):
    label, probabilities, before = app.get_attribute("#prediction", "data-label"), shown_probabilities(app), render_count(app)
    app.set_input_files("#upload", files=[{"name": name, "mimeType": mime, "buffer": payload}])
    app.wait_for_function("document.querySelector('#message').textContent.length > 0")
    message = app.inner_text("#message")
    assert name in message and "previous image" in message
    assert render_count(app) == before
    assert app.get_attribute("#prediction", "data-label") == label and shown_probabilities(app) == probabilities
    assert app.console_errors == []


def test_a_malformed_model_upload_is_refused_and_a_good_one_is_used(app, tmp_path):
    weights = os.path.join(REPO_ROOT, "weights")
    label = app.get_attribute("#prediction", "data-label")
    app.set_input_files("#model-upload", files=[
        {"name": "broken.json", "mimeType": "application/json", "buffer": b"{not json"},
        {"name": "broken.npz", "mimeType": "application/octet-stream", "buffer": b"PK"}])
    app.wait_for_function("document.querySelector('#message').textContent.includes('Could not load')")
    assert "not valid JSON" in app.inner_text("#message")
    assert app.get_attribute("#prediction", "data-label") == label
    before = render_count(app)
    app.set_input_files("#model-upload", [os.path.join(weights, "tinyvgg-tin10.json"), os.path.join(weights, "tinyvgg-tin10.npz")])
    wait_render(app, before)
    assert app.eval_on_selector("#model-select", "s => s.value") == "tinyvgg-tin10 (2)"
    assert app.get_attribute("#prediction", "data-label") == label  # same weights, same image, same answer


def test_dropping_an_image_on_the_drop_zone_runs_the_network_on_it(app, tmp_path):
    path = tmp_path / "dropped.png"
    Image.new("RGB", (64, 64), (30, 160, 60)).save(path)
    data = list(path.read_bytes())
    before = render_count(app)
    transfer = app.evaluate_handle("""(bytes) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], "dropped.png", {type: "image/png"}));
        return dt;
    }""", data)
    app.dispatch_event("#dropzone", "dragover", {"dataTransfer": transfer})
    app.dispatch_event("#dropzone", "drop", {"dataTransfer": transfer})
    wait_render(app, before)
    assert "dropped.png" in app.inner_text("#input-caption")
    np.testing.assert_allclose(shown_probabilities(app), cli_predict(str(path))["probabilities"], atol=1e-5)


def test_a_build_without_example_images_still_boots_and_says_so(browser, tmp_path):
    import harness
    out = str(tmp_path / "site")
    subprocess.run([sys.executable, os.path.join(REPO_ROOT, "tools", "build_site.py"), "--out", out, "--no-examples"],
                   check=True, capture_output=True)
    with harness.booted_page(browser, out) as page:
        assert page.locator("#gallery .example").count() == 0
        assert "No example images" in page.inner_text("#gallery-note")
        assert "colour ramp" in page.inner_text("#input-caption")
        assert page.get_attribute("#prediction", "data-label")
        assert page.console_errors == []


def paste(page, files):
    """Dispatch a paste event whose clipboard holds these (name, type, bytes) files."""
    page.evaluate("""(files) => {
        const data = new DataTransfer();
        for (const [name, type, bytes] of files) data.items.add(new File([new Uint8Array(bytes)], name, {type}));
        document.body.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true}));
    }""", files)


def test_pasting_an_image_runs_the_network_on_it_and_text_is_refused(app, tmp_path):
    path = tmp_path / "pasted.png"
    Image.new("RGB", (80, 50), (200, 40, 90)).save(path)
    paste(app, [])
    app.wait_for_function("document.querySelector('#message').textContent.includes('no image')")
    before = render_count(app)
    paste(app, [["pasted.png", "image/png", list(path.read_bytes())]])
    wait_render(app, before)
    assert "pasted.png" in app.inner_text("#input-caption")
    reference = cli_predict(str(path))
    np.testing.assert_allclose(shown_probabilities(app), reference["probabilities"], atol=1e-5)
    assert app.console_errors == []
