"""A model file whose names are markup: every name shows as text in the overview and in every view, never as markup."""
import os

import pytest

import harness
from cnn_explainer import weights

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
