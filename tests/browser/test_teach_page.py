"""The Teach panel in the page (#teach-open): classes and pictures, bad input, a quick training to done with the model in
the menu and every view on it, pause/resume/stop keeping the last finished epoch, export and project files round
trips. One page for them all; tiny trainings on the committed example gallery."""
import glob
import io
import json
import os
import zipfile

import numpy as np
import pytest

import harness

pytestmark = pytest.mark.browser
EXAMPLES = os.path.join(harness.REPO_ROOT, "examples", "tinyvgg-tin10")
MUGS = sorted(glob.glob(os.path.join(EXAMPLES, "espresso-*.png")) + glob.glob(os.path.join(EXAMPLES, "pizza-*.png")))
BEARS = sorted(glob.glob(os.path.join(EXAMPLES, "red-panda-*.png")) + glob.glob(os.path.join(EXAMPLES, "koala-*.png")))
ENDED = "['done', 'stopped', 'error'].includes(document.body.dataset.training)"
# The latest Trainer's held-out loss and accuracy recomputed from the model's weights as they are now, one picture
# at a time through the plain forward pass, beside what its last finished epoch recorded.
HELD_OUT_CHECK = """
import numpy as np
from webapp.teach_run import TeachRun
from cnn_explainer.net.model import scale_pixels
t = TeachRun.last
m = t.model
p = np.array([m.predict(scale_pixels(t.pixels[i], m.pixel_range)) for i in t.held_index])
y = t.labels[t.held_index]
import json
json.dumps([float(-np.log(p[np.arange(len(y)), y]).mean()), float((p.argmax(1) == y).mean()), t.history[-1], len(t.history),
            t.epochs, t.state])
"""


@pytest.fixture(scope="module")
def page(browser, dist):
    """One booted page with the Teach panel open."""
    with harness.booted_page(browser, dist, viewport={"width": 1280, "height": 720}, accept_downloads=True) as page:
        page.click("#teach-open")
        yield page


def card(n):
    return f"#teach-classes .teach-class:nth-child({n})"


def pictures(page):
    return int(page.evaluate("document.body.dataset.teachPictures || '0'"))


def add_pictures(page, n, files):
    """Choose files for class n and wait until they are in."""
    before = pictures(page)
    page.set_input_files(f"{card(n)} input.teach-files", files)
    page.wait_for_function(f"Number(document.body.dataset.teachPictures) >= {before + len(files)}", timeout=30000)


def clear_panel(page, names=("class 1", "class 2")):
    """Back to two empty classes with the given names, quick mode, the default epochs and model name."""
    while (count := page.locator(".teach-class").count()) > 1:
        page.locator(".teach-remove-class").last.click()
        page.wait_for_function(f"document.querySelectorAll('.teach-class').length < {count}")
    while (count := page.locator(".teach-class .teach-remove").count()):
        page.locator(".teach-class .teach-remove").first.click()
        page.wait_for_function(f"document.querySelectorAll('.teach-class .teach-remove').length < {count}")
    page.click("#teach-add")
    page.wait_for_function("document.querySelectorAll('.teach-class').length === 2")
    for n, name in enumerate(names, 1):
        page.fill(f"{card(n)} .teach-name", name)
    page.select_option("#teach-mode", "quick")
    page.fill("#teach-epochs", "")
    page.fill("#teach-seed", "0")
    page.fill("#teach-model-name", "my model")


def message(page):
    return page.inner_text("#teach-message")


def train(page, timeout=90000):
    page.evaluate("delete document.body.dataset.training")  # the previous training's end is not this one's
    page.click("#teach-train")
    page.wait_for_function(ENDED, timeout=timeout)
    return page.evaluate("document.body.dataset.training")


def python(page, code):
    return page.evaluate("(code) => window.pycnnBoot.pyodide.runPython(code)", code)


def test_the_panel_opens_beside_the_network_with_two_classes_and_the_modes(page):
    assert page.is_visible("#teach") and page.get_attribute("#teach-open", "aria-expanded") == "true"
    net, panel = page.locator("#network").bounding_box(), page.locator("#teach").bounding_box()
    assert net["x"] + net["width"] <= panel["x"] + 1, "the network stays in view beside the panel"
    assert page.locator(".teach-class").count() == 2
    assert [page.input_value(f"{card(n)} input.teach-name") for n in (1, 2)] == ["class 1", "class 2"]
    assert page.evaluate("document.querySelector(`.teach-class input.teach-files`).multiple")
    modes = page.evaluate("[...document.querySelectorAll('#teach-mode option')].map(o => [o.value, o.textContent])")
    assert [value for value, _text in modes] == ["quick", "deeper", "scratch"] and "slow" in modes[2][1]
    assert page.input_value("#teach-mode") == "quick" and page.input_value("#teach-seed") == "0"
    assert page.evaluate("document.querySelector('#teach-seed').labels[0].textContent") == "Seed"
    from cnn_explainer.net.training import DEFAULT_EPOCHS
    page.wait_for_function("document.querySelector('#teach-epochs').placeholder === %r" % str(DEFAULT_EPOCHS["quick"]))
    page.select_option("#teach-mode", "scratch")
    page.wait_for_function("document.querySelector('#teach-epochs').placeholder === %r" % str(DEFAULT_EPOCHS["scratch"]))
    page.select_option("#teach-mode", "quick")
    for ident in ("#teach-add", "#teach-train", "#teach-export", "#teach-save", "#teach-project"):
        assert page.locator(ident).count() == 1
    assert page.evaluate("document.body.dataset.training") is None


def test_classes_are_added_up_to_ten_and_removed(page):
    clear_panel(page)
    for n in range(3, 11):
        page.click("#teach-add")
        page.wait_for_function(f"document.querySelectorAll('.teach-class').length === {n}")
    assert page.is_disabled("#teach-add")
    assert page.input_value(f"{card(10)} .teach-name") == "class 10"
    page.locator(".teach-remove-class").nth(4).click()
    page.wait_for_function("document.querySelectorAll('.teach-class').length === 9")
    assert not page.is_disabled("#teach-add")
    clear_panel(page)
    assert page.locator(".teach-class").count() == 2


def test_pictures_come_in_with_thumbnails_and_a_count_and_a_bad_file_is_skipped_and_said(page, tmp_path):
    clear_panel(page)
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    page.set_input_files(f"{card(1)} input.teach-files", MUGS[:3] + [str(bad)])
    page.wait_for_function("document.querySelector('#teach-message').textContent.includes('notes.png')", timeout=30000)
    assert pictures(page) == 3 and page.locator(f"{card(1)} .teach-thumb img").count() == 3
    assert page.inner_text(f"{card(1)} .teach-count") == "3 pictures" and "Skipped" in message(page)
    assert page.evaluate(f"document.querySelector('{card(1)} .teach-thumb img').src").startswith("blob:")
    page.locator(f"{card(1)} .teach-remove").first.click()
    page.wait_for_function("document.body.dataset.teachPictures === '2'")
    assert pictures(page) == 2 and page.inner_text(f"{card(1)} .teach-count") == "2 pictures"
    assert page.console_errors == []


def test_a_dropped_or_pasted_picture_joins_its_class_not_the_network(page):
    clear_panel(page)
    renders = page.evaluate("document.body.dataset.renderCount")
    data = list(open(MUGS[0], "rb").read())
    page.evaluate("""([selector, bytes]) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], 'mug.png', {type: 'image/png'}));
        document.querySelector(selector).dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }""", [f"{card(2)} .teach-thumbs", data])
    page.wait_for_function("document.body.dataset.teachPictures === '1'", timeout=30000)
    assert page.locator(f"{card(2)} .teach-thumb").count() == 1
    assert page.evaluate("document.body.dataset.renderCount") == renders  # the page's own drop did not take it
    # a paste while class 1 has the focus goes to class 1
    page.focus(card(1))
    page.evaluate("""(bytes) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], 'pasted.png', {type: 'image/png'}));
        document.activeElement.dispatchEvent(new ClipboardEvent('paste', {clipboardData: transfer, bubbles: true, cancelable: true}));
    }""", data)
    page.wait_for_function("document.body.dataset.teachPictures === '2'", timeout=30000)
    assert page.locator(f"{card(1)} .teach-thumb").count() == 1 and page.inner_text("#message") == ""
    assert page.evaluate("document.body.dataset.renderCount") == renders


@pytest.mark.parametrize("case, words", [("same", "same name"), ("empty", "has no pictures"), ("one", "at least two")])
def test_bad_classes_get_one_message_and_nothing_starts(page, case, words):
    clear_panel(page)
    add_pictures(page, 1, MUGS[:3])
    if case == "same":
        add_pictures(page, 2, BEARS[:3])
        page.fill(f"{card(2)} .teach-name", " Class  1")  # the same name, but for case and spaces
    elif case == "one":
        page.locator(".teach-remove-class").last.click()
        page.wait_for_function("document.querySelectorAll('.teach-class').length === 1")
    before = (page.evaluate("document.body.dataset.training"), page.input_value("#model-select"))
    page.click("#teach-train")
    page.wait_for_function("document.querySelector('#teach-message').classList.contains('error')")
    assert words in message(page)
    assert (page.evaluate("document.body.dataset.training"), page.input_value("#model-select")) == before
    assert page.is_visible("#teach-train") and page.is_hidden("#teach-stop")


def test_a_quick_training_ends_done_with_the_model_in_the_menu_and_every_view_on_it(page):
    clear_panel(page, ("mugs", "bears"))
    add_pictures(page, 1, MUGS)
    add_pictures(page, 2, BEARS)
    page.fill("#teach-epochs", "4")
    assert train(page) == "done", message(page)
    assert page.input_value("#model-select") == "my model"
    assert page.evaluate("[...document.querySelectorAll('#model-select option')].some(o => o.value === 'my model')")
    assert page.locator("#network .node.out").count() == 2
    assert "mugs" in page.inner_text("#network") and "bears" in page.inner_text("#network")
    assert page.get_attribute("#prediction", "data-label") in ("mugs", "bears")
    assert page.locator("#teach-confusion table tbody tr").count() == 2 and page.locator("#teach-curves svg").count() == 2
    assert "Epoch 4 of 4" in page.inner_text("#teach-progress-text") and "my model" in message(page)
    assert int(page.evaluate("document.body.dataset.teachRedraws")) >= 4  # the network was redrawn every epoch
    check = json.loads(python(page, HELD_OUT_CHECK))
    assert check[0] == pytest.approx(check[2]["held_loss"], rel=1e-4, abs=1e-5) and check[1] == check[2]["held_accuracy"]
    # every view explains it: open the output neuron of the first class
    page.focus('#network .node.out[data-index="0"]')
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement?.id === 'explain-title'")
    assert page.locator("#explain-body .forward-value, #explain-body .result").count() > 0
    page.click("#explain-close")
    # and the visitor's own image
    renders = int(page.evaluate("document.body.dataset.renderCount"))
    page.set_input_files("#upload", BEARS[0])
    page.wait_for_function(f"Number(document.body.dataset.renderCount) > {renders}")
    assert page.get_attribute("#prediction", "data-label") in ("mugs", "bears") and page.console_errors == []


def test_pause_resume_and_stop_keep_the_weights_of_the_last_finished_epoch(page):
    clear_panel(page, ("mugs", "bears"))
    add_pictures(page, 1, MUGS)
    add_pictures(page, 2, BEARS)
    page.select_option("#teach-mode", "deeper")
    page.fill("#teach-epochs", "40")
    page.click("#teach-train")
    page.wait_for_function("document.body.dataset.training === 'running' && Number(document.body.dataset.teachEpoch) >= 1",
                           timeout=60000)
    page.click("#teach-pause")
    page.wait_for_function("document.body.dataset.trainingPaused === 'true'")
    assert page.is_visible("#teach-resume") and page.is_hidden("#teach-pause")
    epoch = page.evaluate("document.body.dataset.teachEpoch")
    page.wait_for_timeout(600)
    assert page.evaluate("document.body.dataset.teachEpoch") == epoch, "a paused training does not go on"
    page.click("#teach-resume")
    page.wait_for_function(f"Number(document.body.dataset.teachEpoch) > {epoch}", timeout=60000)
    page.click("#teach-stop")
    page.wait_for_function(ENDED, timeout=30000)
    assert page.evaluate("document.body.dataset.training") == "stopped"
    loss, accuracy, last, finished, epochs, state = json.loads(python(page, HELD_OUT_CHECK))
    assert state == "stopped" and finished < epochs
    assert loss == pytest.approx(last["held_loss"], rel=1e-4, abs=1e-5) and accuracy == last["held_accuracy"]
    assert page.input_value("#model-select") == "my model (2)" and "Stopped" in message(page)
    assert page.console_errors == []


def unzip(download, folder):
    """The files of a downloaded .zip, extracted into folder."""
    path = download.path()
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
        return [os.path.join(folder, name) for name in archive.namelist()]


def reopen(page, files):
    """Open model files through the page's own "Open…" and return the new menu entry's name."""
    count = page.locator("#model-select option").count()
    page.set_input_files("#model-upload", files)
    page.wait_for_function(f"document.querySelectorAll('#model-select option').length > {count}", timeout=30000)
    return page.input_value("#model-select")


@pytest.mark.parametrize("button", ["#teach-export", "#teach-export-tfjs"])
def test_the_exported_model_opens_again_as_its_files_and_as_the_zip_and_predicts_the_same(page, tmp_path, button):
    if page.evaluate("document.body.dataset.training") not in ("done", "stopped"):
        pytest.skip("needs the training of the tests above")
    taught = page.input_value("#model-select")
    probability = page.get_attribute("#prediction", "data-probability")
    with page.expect_download() as download:
        page.click(button)
    files = unzip(download.value, tmp_path)
    name = reopen(page, files)
    assert name != taught and page.get_attribute("#prediction", "data-probability")[:6] == probability[:6]
    page.select_option("#model-select", taught)
    page.wait_for_function(f"document.querySelector('#model-select').value === {json.dumps(taught)}")
    zipped = {"name": download.value.suggested_filename, "mimeType": "application/zip",
              "buffer": open(download.value.path(), "rb").read()}
    assert zipped["name"].endswith(".zip")
    name = reopen(page, [zipped])  # the download as it is, through "Open…"
    assert name not in (taught, "") and page.get_attribute("#prediction", "data-probability")[:6] == probability[:6]
    assert "Loaded your model" in page.inner_text("#message")
    page.select_option("#model-select", taught)


def zip_payload(name, members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return {"name": name, "mimeType": "application/zip", "buffer": out.getvalue()}


@pytest.mark.parametrize("case, words", [("unsafe", "unsafe name"), ("beside", "on its own"), ("empty", "no model")])
def test_a_hostile_or_misplaced_model_zip_gets_one_message_and_the_page_keeps_its_model(page, case, words):
    json_bytes = open(os.path.join(harness.REPO_ROOT, "weights", "tinyvgg-tin10.json"), "rb").read()
    npz_bytes = open(os.path.join(harness.REPO_ROOT, "weights", "tinyvgg-tin10.npz"), "rb").read()
    files = {"unsafe": [zip_payload("evil.zip", {"../m.json": json_bytes, "../m.npz": npz_bytes})],
             "beside": [zip_payload("m.zip", {"m.json": json_bytes, "m.npz": npz_bytes}),
                        {"name": "m.json", "mimeType": "application/json", "buffer": json_bytes}],
             "empty": [zip_payload("notes.zip", {"notes.txt": b"hello"})]}[case]
    before = (page.input_value("#model-select"), page.locator("#model-select option").count(),
              page.get_attribute("#prediction", "data-probability"))
    page.evaluate("document.querySelector('#message').textContent = ''")
    page.set_input_files("#model-upload", files)
    page.wait_for_function("document.querySelector('#message').textContent.includes('Could not load that model')",
                           timeout=30000)
    text = page.inner_text("#message")
    assert words in text and text.count("Could not") == 1 and text.endswith("The current model is still in use.")
    assert (page.input_value("#model-select"), page.locator("#model-select option").count(),
            page.get_attribute("#prediction", "data-probability")) == before


def test_a_loss_that_blows_up_ends_in_error_with_the_previous_model_back(page):
    clear_panel(page, ("mugs", "bears"))
    add_pictures(page, 1, MUGS)
    add_pictures(page, 2, BEARS)
    previous = page.input_value("#model-select")
    classes, options = page.locator("#network .node.out").count(), page.locator("#model-select option").count()
    rate = python(page, "from cnn_explainer.net import training; training.RECIPES['quick']['lr']")
    python(page, "training.RECIPES['quick']['lr'] = 1e9")  # steps that blow the weights up
    try:
        assert train(page) == "error"
    finally:
        python(page, f"training.RECIPES['quick']['lr'] = {rate!r}")
    assert "blew up" in message(page) and page.input_value("#model-select") == previous
    assert page.locator("#network .node.out").count() == classes
    assert page.locator("#model-select option").count() == options, "no model was added"
    assert page.locator("#teach-learning").count() == 0 and page.is_visible("#teach-train")


def test_a_project_is_saved_and_opened_again_and_a_hostile_one_changes_nothing(page, tmp_path):
    clear_panel(page, ("mugs", "bears 熊"))
    add_pictures(page, 1, MUGS[:3])
    add_pictures(page, 2, BEARS[:2])
    page.select_option("#teach-mode", "deeper")
    page.fill("#teach-epochs", "7")
    page.fill("#teach-seed", "2147483647")
    with page.expect_download() as download:
        page.click("#teach-save")
    saved = download.value.path()
    with zipfile.ZipFile(saved) as archive:
        project = json.loads(archive.read("project.json"))
    assert project["mode"] == "deeper" and project["epochs"] == 7 and len(project["classes"]) == 2
    assert project["seed"] == 2147483647
    clear_panel(page)
    page.set_input_files("#teach-project", saved)
    page.wait_for_function("document.body.dataset.teachPictures === '5'", timeout=30000)
    assert [page.input_value(f"{card(n)} .teach-name") for n in (1, 2)] == ["mugs", "bears 熊"]
    assert page.input_value("#teach-mode") == "deeper" and page.input_value("#teach-epochs") == "7"
    assert page.input_value("#teach-seed") == "2147483647"
    assert page.inner_text(f"{card(1)} .teach-count") == "3 pictures"
    hostile = tmp_path / "evil.zip"
    with zipfile.ZipFile(hostile, "w") as archive:
        archive.writestr("project.json", json.dumps({"format": "pycnn-teach-project/1", "classes": [
            {"name": "x", "pictures": ["../../etc/passwd"]}]}))
        archive.writestr("../../etc/passwd", "root")
    page.set_input_files("#teach-project", str(hostile))
    page.wait_for_function("document.querySelector('#teach-message').textContent.includes('Could not open')")
    assert pictures(page) == 5 and page.input_value(f"{card(1)} .teach-name") == "mugs"
    assert page.console_errors == []


HISTORY = "import json; from webapp.teach_run import TeachRun; json.dumps([TeachRun.last.seed, TeachRun.last.history])"


def test_the_seed_field_trains_the_same_run_again_and_a_bad_seed_gets_one_message(page):
    clear_panel(page, ("mugs", "bears"))
    add_pictures(page, 1, MUGS)
    add_pictures(page, 2, BEARS)
    page.fill("#teach-epochs", "3")
    runs = []
    for seed in ("5", "5", "6"):
        page.fill("#teach-seed", seed)
        assert train(page) == "done", message(page)
        runs.append(json.loads(python(page, HISTORY)))
    assert [seed for seed, _history in runs] == [5, 5, 6]
    held = [[epoch["held_loss"] for epoch in history] for _seed, history in runs]
    assert len(held[0]) == 3 and held[0] == held[1], "the same seed, the same held-out losses"
    assert held[2] != held[0], "another seed, another run"
    before = (page.evaluate("document.body.dataset.training"), page.input_value("#model-select"))
    for bad in ("1.5", "-3", "seven", "99999999999"):
        page.fill("#teach-seed", bad)
        page.click("#teach-train")
        page.wait_for_function("document.querySelector('#teach-message').classList.contains('error')")
        assert message(page) == "The seed must be a whole number from 0 to 2147483647."
        assert (page.evaluate("document.body.dataset.training"), page.input_value("#model-select")) == before
        assert page.evaluate("document.activeElement.id") == "teach-seed"
        page.evaluate("document.querySelector('#teach-message').className = 'teach-message'")
    page.fill("#teach-seed", "0")


# Each redraw of the network while a training runs: the first layer's kernel (read from Python) and the overview's
# conv_1_1 maps as pixels; and the kernel the trainer starts from, when body[data-training] turns to running.
WATCH_KERNELS = """() => {
    window.__kernels = [];
    const kernel = () => pycnnBoot.pyodide.runPython(
        "import json; from webapp.teach_run import TeachRun; " +
        "json.dumps(next(l for l in TeachRun.last.model.layers if l.name == 'conv_1_1').kernel.ravel().tolist())");
    const maps = () => [...document.querySelectorAll('#network .node.map[data-layer="conv_1_1"] canvas')]
        .map(c => c.toDataURL()).join(' ');
    window.__kernelWatch?.disconnect();
    window.__kernelWatch = new MutationObserver(records => {
        for (const r of records) {
            const data = document.body.dataset;
            if (r.attributeName === 'data-training' && data.training === 'running' && !window.__kernels.length)
                window.__kernels.push({at: 'start', kernel: kernel(), maps: null});
            if (r.attributeName === 'data-teach-redraws')
                window.__kernels.push({at: data.teachEpoch, kernel: kernel(), maps: maps()});
        }
    });
    window.__kernelWatch.observe(document.body, {attributes: true, attributeFilter: ['data-training', 'data-teach-redraws']});
}"""


def test_in_scratch_the_first_layer_kernels_and_maps_visibly_change_every_epoch(page):
    clear_panel(page, ("mugs", "bears"))
    add_pictures(page, 1, MUGS[:3])
    add_pictures(page, 2, BEARS[:3])
    page.select_option("#teach-mode", "scratch")
    page.fill("#teach-epochs", "2")
    page.evaluate(WATCH_KERNELS)
    try:
        assert train(page) == "done", message(page)
        seen = page.evaluate("window.__kernels")
    finally:
        page.evaluate("window.__kernelWatch.disconnect()")
    final = json.loads(python(page, "import json; from webapp.teach_run import TeachRun; json.dumps("
                                    "next(l for l in TeachRun.last.model.layers if l.name == 'conv_1_1').kernel.ravel().tolist())"))
    by_epoch = {entry["at"]: entry for entry in seen}
    assert {"start", "1", "2"} <= set(by_epoch), [entry["at"] for entry in seen]
    start, one_, two = (np.array(json.loads(by_epoch[at]["kernel"])) for at in ("start", "1", "2"))
    assert start.shape == (3 * 3 * 3 * 10,)
    for earlier, later in ((start, one_), (one_, two)):
        assert np.abs(later - earlier).max() > 5e-4, "the first layer's kernels changed in the epoch"
    assert np.array_equal(np.array(final), two), "the model kept is the one drawn after the last epoch"
    assert by_epoch["1"]["maps"] and by_epoch["1"]["maps"] != by_epoch["2"]["maps"], "the overview's conv_1_1 maps changed"
    assert page.input_value("#model-select") == "my model" or page.input_value("#model-select").startswith("my model (")
    assert page.console_errors == []


def test_escape_closes_the_panel_and_gives_the_focus_back(page):
    page.focus(f"{card(1)} .teach-name")
    page.keyboard.press("Escape")
    assert page.is_hidden("#teach") and page.evaluate("document.activeElement.id") == "teach-open"
    page.click("#teach-open")
    assert page.is_visible("#teach")
    page.click("#console-open")  # the console and the panel dock at the right: one at a time
    assert page.is_visible("#console") and page.is_hidden("#teach")
    page.click("#teach-open")
    assert page.is_visible("#teach") and page.is_hidden("#console")
    assert page.get_attribute("#console-open", "aria-expanded") == "false"


FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
KEEP_TRACKS = """{
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    window.__tracks = [];
    navigator.mediaDevices.getUserMedia = async (c) => { const s = await original(c); window.__tracks.push(...s.getTracks()); return s; };
}"""
LIVE_TRACKS = "window.__tracks.filter(t => t.readyState === 'live').length"


def test_holding_record_takes_camera_pictures_and_a_taught_model_predicts_each_frame(browser, dist):
    camera = browser.browser_type.launch(executable_path=harness.CHROMIUM, args=harness.CHROMIUM_ARGS + FAKE_CAMERA)
    site = harness.Site(dist, "/")
    try:
        context = camera.new_context(viewport={"width": 1280, "height": 720})
        context.add_init_script(KEEP_TRACKS)
        page = harness.open_page(context)
        page.goto(site.url)
        harness.wait_ready(page)
        page.click("#teach-open")
        page.fill(f"{card(1)} .teach-name", "fake camera")
        record = page.locator(f"{card(1)} .teach-record")
        record.hover()
        page.mouse.down()
        page.wait_for_function("Number(document.body.dataset.teachPictures) >= 4", timeout=30000)
        page.mouse.up()
        count = pictures(page)
        page.wait_for_timeout(600)
        assert pictures(page) == count, "recording stops when the button is let go"
        assert page.is_visible("#teach-video") and page.get_attribute("#teach-camera", "aria-pressed") == "true"
        page.focus(f"{card(1)} .teach-record")  # and from the keyboard: Space held down records too
        page.keyboard.down(" ")
        page.wait_for_function(f"Number(document.body.dataset.teachPictures) >= {count + 2}", timeout=30000)
        page.keyboard.up(" ")
        count = pictures(page)
        page.wait_for_timeout(600)
        assert pictures(page) == count
        add_pictures(page, 2, BEARS)
        page.fill("#teach-epochs", "3")
        assert train(page) == "done", message(page)
        page.wait_for_function("/(fake camera|bears) \\d/.test(document.querySelector('#teach-live').textContent)",
                               timeout=30000)
        page.keyboard.press("Escape") if page.evaluate("document.activeElement.closest('#teach') !== null") \
            else page.click("#teach-close")
        page.wait_for_function(f"{LIVE_TRACKS} === 0")
        assert page.console_errors == []
    finally:
        camera.close()
        site.stop()
