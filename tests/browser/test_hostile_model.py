"""A model file whose names are markup: every name shows as text in the overview and in every view, never as markup."""
import json
import os
import time

import pytest

import harness
from cnn_explainer.net import weights

pytestmark = pytest.mark.browser
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOSTILE = "<evil>\"&'"  # no slash: a layer name may not hold one
NO_EVIL = "document.querySelectorAll('evil').length === 0"


def hostile_model():
    """The shipped model's weights under hostile layer, class and model names."""
    model = weights.load_model(os.path.join(REPO_ROOT, "weights", "tinyvgg-tin10.json"))
    for layer in model.layers:
        layer.name = f"{layer.name}{HOSTILE}"
    model.classes = [f"{HOSTILE}{c}" for c in model.classes]
    model.name = f"m{HOSTILE}"
    model.meta["description"] = f"A description with {HOSTILE} in it."
    return model


def test_every_name_from_a_model_file_is_text(browser, dist):
    model = hostile_model()
    with harness.booted_page(browser, dist, viewport={"width": 1440, "height": 900}) as page:
        before = int(page.evaluate("document.body.dataset.renderCount"))
        page.set_input_files("#model-upload", files=harness.model_files(model))
        page.wait_for_function(f"Number(document.body.dataset.renderCount) > {before}")
        assert page.evaluate(NO_EVIL)
        assert page.inner_text("#message") == f"Loaded your model “{model.name}”."
        assert page.eval_on_selector("#model-select", "s => s.value") == model.name
        assert model.layers[0].name in page.inner_text("#network .col[data-col=\"1\"] .col-label")
        assert page.get_attribute("#prediction", "data-label") in model.classes
        page.hover('#network .node[data-col="3"][data-index="1"]')
        assert page.inner_text("#hover-info").startswith(f"{model.layers[2].name} · convolution neuron 2")
        layers = {layer.type: layer.name for layer in reversed(model.layers)}  # the first layer of each kind
        views = [("input", ".stepview", "Input · the red channel"),
                 (model.layers[2].name, ".elastic", f"Convolution · {model.layers[2].name}, neuron 1"),
                 (layers["relu"], ".stepview", f"ReLU · {layers['relu']}, neuron 1"),
                 (layers["max_pool2d"], ".stepview", f"Max pooling · {layers['max_pool2d']}, neuron 1"),
                 (model.layers[-1].name, ".ox-view", f"Flatten and dense · output “{model.classes[0]}”")]
        for layer, view, title in views:
            page.evaluate("(layer) => [...document.querySelectorAll('#network .node')].find(n => n.dataset.layer === layer"
                          " && n.dataset.index === '0').click()", layer)
            page.wait_for_selector(f"#explain-body {view}")
            assert page.inner_text("#explain-title") == title
            assert page.evaluate(NO_EVIL), f"{title}: a name became markup"
            if view == ".elastic":  # its lede names the layer it reads; its formula view opens too
                assert f"channels of {model.layers[1].name} at once" in page.inner_text("#explain-body .lede")
                page.click('#explain-body .el-input[data-channel="0"]')
                page.wait_for_selector("#explain-body .stepview")
                assert page.evaluate(NO_EVIL)
            if view == ".ox-view":  # on to the softmax, which lists every class
                assert f"weights into {model.classes[0]}" in page.inner_text("#explain-body .ox-bands")
                page.click("#explain-body .ox-next")
                page.wait_for_selector("#explain-body .sm-row")
                assert page.inner_text('#explain-body .sm-row[data-class="3"] .sm-name') == model.classes[3]
                assert page.evaluate(NO_EVIL)
            while page.evaluate("!document.querySelector('#explain').hidden"):
                page.keyboard.press("Escape")
        page.check("#show-details")
        assert page.inner_text("#model-info").startswith(f"A description with {HOSTILE} in it.")
        assert page.evaluate(NO_EVIL) and page.console_errors == []


FAIL_RUN = """
import webapp.state
_run = webapp.state.State.run
def failing_run(self, array):
    if self.model.name in DOOMED:
        raise MemoryError("Unable to allocate 1.53 GiB")
    return _run(self, array)
webapp.state.State.run = failing_run
"""


def shown_state(page):
    """What says which model and picture the page shows: the menu, the drawn network, the prediction, the caption."""
    return page.evaluate("""[document.querySelector('#model-select').value, [...document.querySelector('#model-select')
        .options].map(o => o.value), document.querySelector('#network .net').dataset.model,
        document.querySelector('#prediction').dataset.label, document.querySelector('#input-caption').textContent]""")


def test_a_model_switch_that_fails_leaves_the_previous_model_and_picture(browser, dist):
    model = hostile_model()
    model.name = "doomed"
    with harness.booted_page(browser, dist) as page:
        before = shown_state(page)
        # the forward pass runs out of memory for these models (what a too-big model did before the budget existed)
        page.evaluate("(code) => pycnnBoot.pyodide.runPython(code, {globals: pycnnBoot.pyodide.toPy({DOOMED: "
                      "['doomed', 'tinyvgg-imagenette']})})", FAIL_RUN)
        page.set_input_files("#model-upload", files=harness.model_files(model))
        page.wait_for_function("document.querySelector('#message').textContent.includes('Could not switch')")
        assert "“doomed”: Unable to allocate 1.53 GiB. The previous model is still in use." in page.inner_text("#message")
        assert shown_state(page) == before, "the page was left half-switched"
        page.select_option("#model-select", "tinyvgg-imagenette")  # a shipped model, the same way
        page.wait_for_function("document.querySelector('#message').textContent.includes('“tinyvgg-imagenette”')")
        assert shown_state(page) == before
        page.click('.node[data-layer="conv_1_1"][data-index="0"]')  # and the page still works
        page.wait_for_selector("#explain-body .elastic")
        assert page.console_errors == []


def upload_model(page, model, spec=None):
    """Open a model in the page as the visitor does; its files as Playwright payloads (spec: another JSON text)."""
    files = harness.model_files(model)
    if spec is not None:
        files[0]["buffer"] = spec
    page.evaluate("document.querySelector('#message').textContent = ''")
    page.set_input_files("#model-upload", files=files)


@pytest.fixture(scope="module")
def own(browser, dist):
    with harness.booted_page(browser, dist, viewport={"width": 1280, "height": 720}) as page:
        yield page


def test_every_upload_of_one_file_name_is_its_own_entry(own):
    """A third model.json replaced the second: two menu entries then opened the same model."""
    model = weights.load_model(os.path.join(REPO_ROOT, "weights", "tinyvgg-tin10.json"))
    for n, name in enumerate(["model", "model (2)", "model (3)"], 1):
        model.name, model.classes = "model", [f"{c} {n}" for c in model.classes]
        upload_model(own, model)
        own.wait_for_function("(name) => document.querySelector('#model-select').value === name && document"
                              ".querySelector('#message').textContent.startsWith('Loaded')", arg=name)
    names = own.eval_on_selector_all("#model-select option", "os => os.map(o => o.value)")
    assert names[-3:] == ["model", "model (2)", "model (3)"]
    for n, name in enumerate(names[-3:], 1):
        own.select_option("#model-select", name)
        own.wait_for_function(f"document.querySelector('#network .net').dataset.model === {name!r}")
        assert own.inner_text("#network .node.out .cls") == "lifeboat" + "".join(f" {k}" for k in range(1, n + 1))
    assert own.console_errors == []


def test_a_right_to_left_override_in_a_class_name_reorders_nothing(own):
    """U+202E at the start of a class name made "Prediction: %6.77 exe.png"; an Arabic name pulled the percentage
    into its run. Both stay in the page's order: the name, then its percentage to the right."""
    model = weights.load_model(os.path.join(REPO_ROOT, "weights", "tinyvgg-tin10.json"))
    for classes in ([f"\u202e{c}.png" for c in model.classes], [f"قطة {i}" for i in range(10)]):
        model.name, model.classes = "\u202eevil", classes
        model.meta["description"] = "\u202edescription"
        upload_model(own, model)
        own.wait_for_function("(names) => names.includes(document.querySelector('#prediction').dataset.label)",
                              arg=classes)
        boxes = own.evaluate("""() => { const p = document.querySelector('#prediction');
            const box = (e) => { const r = document.createRange(); r.selectNodeContents(e); return r.getBoundingClientRect(); };
            return [box(p.querySelector('strong')).right, box(p.querySelector('.muted')).left, p.textContent]; }""")
        assert boxes[0] <= boxes[1] + 0.5, boxes
        assert "\u202e" not in boxes[2] and boxes[2].rstrip().endswith("%")
        shown = own.evaluate("[...document.querySelectorAll('#model-select option, #network .cls, #model-info, #message')]"
                             ".map(e => e.textContent).join('')")
        assert "\u202e" not in shown and "evil" in shown
    assert own.console_errors == []


def test_clear_refusals_in_the_page(own):
    model = weights.load_model(os.path.join(REPO_ROOT, "weights", "tinyvgg-tin10.json"))
    spec = weights.model_spec(model)
    spec["layers"] = [layer for layer in spec["layers"] if layer["type"] != "flatten"]
    upload_model(own, model, json.dumps(spec).encode())
    own.wait_for_function("document.querySelector('#message').textContent.includes('Could not load')")
    assert "a dense layer needs a flat input, but it gets 13×13×10 maps: a Flatten layer is missing before it" in \
        own.inner_text("#message")
    big = "n" * 2 * 2**20  # three names of 2 MB took 31 s to load
    spec = dict(weights.model_spec(model), name=big, classes=[big] + model.classes[1:])
    spec["layers"][0]["name"] = big
    own.evaluate("""() => { window.__chosen = window.__refused = 0;
        document.querySelector('#model-upload').addEventListener('change', () => window.__chosen = performance.now());
        const message = document.querySelector('#message');
        new MutationObserver(() => message.textContent.includes('Could not load') && (window.__refused ||= performance.now()))
            .observe(message, {childList: true, characterData: true, subtree: true}); }""")
    upload_model(own, model, json.dumps(spec).encode())  # (Playwright's own transfer of 6 MB is not timed)
    own.wait_for_function("window.__refused > 0 && document.querySelector('#message').textContent.includes('Could not load')")
    assert 0 < own.evaluate("window.__refused - window.__chosen") < 2000  # read, checked and refused in the page
    assert "the model's name has 2,097,152 characters; the most this page shows is 200" in own.inner_text("#message")


def test_the_class_names_dialog_takes_no_megabytes(own):
    """Pasting 10 MB into "Class names…" took 36 s: the text box stops at what the names can hold."""
    model = weights.load_model(os.path.join(REPO_ROOT, "weights", "tinyvgg-tin10.json"))
    model.name = "names"
    upload_model(own, model)
    own.wait_for_function("document.querySelector('#network .net').dataset.model === 'names'")
    own.click("#classes-open")
    start = time.monotonic()
    length = own.evaluate("""() => { const t = document.querySelector('#classes-text'); t.focus(); t.select();
        document.execCommand('insertText', false, 'x'.repeat(10 * 2 ** 20)); return t.value.length; }""")
    own.click("#classes-save")
    assert length == weights.class_text_limit(10) and time.monotonic() - start < 5
    assert own.inner_text("#classes-status") == "Give 10 names, one per line (there are 1)."
    own.click("#classes-cancel")
    assert own.console_errors == []
