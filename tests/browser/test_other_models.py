"""Generated models of other shapes, opened in the page: deeper, wider, grey, small, big, strided, same-padded and
compact ones draw without overlaps, predict what NumPy predicts natively, and explain their neurons."""
import numpy as np
import pytest
from PIL import Image

import harness
from cnn_explainer import image
from cnn_explainer.model import Layer
from helpers import random_model

pytestmark = pytest.mark.browser


def conv(name, filters, **config):
    """A 3×3 convolution layer (valid padding, stride 1 unless config says otherwise)."""
    return Layer(name, "conv2d", {"filters": filters, "kernel_size": 3, **config})


def stack(blocks, filters, classes, **conv_config):
    """blocks × [conv-relu-conv-relu-pool], flatten, dense, softmax."""
    layers = []
    for b in range(1, blocks + 1):
        for u in (1, 2):
            layers += [conv(f"conv_{b}_{u}", filters, **conv_config), Layer(f"relu_{b}_{u}", "relu")]
        layers.append(Layer(f"max_pool_{b}", "max_pool2d", {"pool_size": 2}))
    return layers + [Layer("flatten", "flatten"), Layer("dense", "dense", {"units": classes}), Layer("output", "softmax")]


MODELS = {  # name: (layers, input shape, classes)
    "three-blocks-16": (stack(3, 16, 5), (64, 64, 3), 5),
    "grey-32": (stack(2, 8, 20), (32, 32, 1), 20),
    "big-96-same-stride2": ([conv("conv_1", 32, strides=2, padding="same"), Layer("relu_1", "relu"),
                             conv("conv_2", 32, padding="same"), Layer("relu_2", "relu"),
                             Layer("pool", "max_pool2d", {"pool_size": 2}), Layer("flatten", "flatten"),
                             Layer("dense", "dense", {"units": 10}), Layer("output", "softmax")], (96, 96, 3), 10),
    "wide-128": (stack(1, 128, 10), (64, 64, 3), 10),
}
OVERLAPS = """(() => {
  const boxes = [...document.querySelectorAll('#network .node, #network .col-label span, #network .col-more')]
    .map(e => [e.className, e.getBoundingClientRect()]).filter(([, r]) => r.width > 0);  // a label: its words
  const net = document.querySelector('#network').getBoundingClientRect();
  const bad = [];
  for (const [name, r] of boxes) if (r.left < net.left - 1 || r.right > net.right + 1) bad.push('outside ' + name);
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, p] = boxes[i], [b, q] = boxes[j];
    if (p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1 && q.top < p.bottom - 1) bad.push(a + ' × ' + b);
  }
  return bad.concat(document.scrollingElement.scrollWidth > innerWidth ? ['the page scrolls sideways'] : []);
})()"""


@pytest.fixture(scope="module")
def app(browser, dist, tmp_path_factory):
    """A booted page at 1280×720, and a PNG with structure at every scale."""
    with harness.booted_page(browser, dist, viewport={"width": 1280, "height": 720}) as page:
        y, x = np.mgrid[0:120, 0:120]
        png = str(tmp_path_factory.mktemp("img") / "pattern.png")
        Image.fromarray(np.stack([(x * 3) % 256, (y * 5 + x) % 256, (x * y) % 256], -1).astype(np.uint8)).save(png)
        page.png = png
        yield page


@pytest.mark.parametrize("name", sorted(MODELS))
def test_another_conv_stack_draws_cleanly_predicts_like_numpy_and_explains(app, name, tmp_path):
    layers, shape, classes = MODELS[name]
    model = random_model(layers, [f"kind {i + 1}" for i in range(classes)], shape, seed=3, name=name)
    before = int(app.evaluate("document.body.dataset.renderCount"))
    app.set_input_files("#model-upload", files=harness.model_files(model))
    app.wait_for_function(f"Number(document.body.dataset.renderCount) > {before}")
    assert app.eval_on_selector("#model-select", "s => s.value") == name
    before = int(app.evaluate("document.body.dataset.renderCount"))
    app.set_input_files("#upload", app.png)
    app.wait_for_function(f"Number(document.body.dataset.renderCount) > {before}")
    # the same probabilities as NumPy natively, on the same file
    expected = model.forward(image.prepare_for(model, app.png)[0])[model.layers[-1].name]
    shown = app.eval_on_selector_all("#network .node.out", "els => els.map(e => Number(e.dataset.probability))")
    np.testing.assert_allclose(shown, expected, atol=1e-4)
    assert app.evaluate(OVERLAPS) == []
    app.screenshot(path=str(tmp_path / f"{name}.png"))
    # one neuron of each drawn kind opens its view, whose worked value is the forward pass's
    kinds = app.eval_on_selector_all("#network .col", "cols => cols.map(c => [c.dataset.layer, "
                                     "c.querySelector('.node')?.dataset.kind]).filter(([, k]) => k)")
    for layer, _kind in {kind: (layer, kind) for layer, kind in kinds}.values():
        app.evaluate("(layer) => [...document.querySelectorAll('#network .node')].find(n => n.dataset.layer === layer)"
                     ".click()", layer)
        app.wait_for_function("!document.querySelector('#explain').hidden && "
                              "document.querySelector('#explain-body').children.length > 0")
        grid = app.locator("#explain-body .grid.out canvas, #explain-body .el-output canvas")
        if grid.count():  # pause on the last cell, complete: its worked value is then final
            grid.first.focus()
            app.keyboard.press("End")
        if app.locator("#explain-body .result").count():
            result = float(app.get_attribute("#explain-body .result", "data-value"))
            assert result == pytest.approx(float(app.get_attribute("#explain-body .forward-value", "data-value")), abs=1e-5)
        app.keyboard.press("Escape")
        app.wait_for_function("document.querySelector('#explain').hidden")
    assert app.console_errors == []
