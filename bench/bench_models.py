"""Opening and switching models in the page (headless Chromium), as the page measures them itself: the original
CNN Explainer's TF.js model opened from its files (read, check, convert, first draw), a generated 32-filter model
opened from files, and switches between the shipped models from the menu. Target: opening the original ≤ 150 ms.
With --classes: a model of 10,000 classes, each action timed from the click to the second frame after it is drawn
(so layout and paint count too). Target: every action within tens of ms.

    python bench/bench_models.py [--dist dist] [--runs 7]
"""
import argparse
import os
import statistics
import sys

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.dirname(os.path.abspath(__file__)), os.path.join(REPO_ROOT, "py")]
from browser_page import booted, harness, served  # noqa: E402
from cnn_explainer.net import weights  # noqa: E402
from cnn_explainer.net.model import Model  # noqa: E402

FIXTURE = os.path.join(REPO_ROOT, "..", "shared", "fixtures", "cnn-explainer-tfjs")


def payload(name, data, mime="application/octet-stream"):
    """One file for Playwright's set_input_files."""
    return {"name": name, "mimeType": mime, "buffer": data}


def original_files():
    """The original CNN Explainer's model.json and its shard."""
    with open(os.path.join(FIXTURE, "model.json"), "rb") as f, open(os.path.join(FIXTURE, "group1-shard1of1.bin"), "rb") as g:
        return [payload("model.json", f.read(), "application/json"), payload("group1-shard1of1.bin", g.read())]


def wide_files(filters=32, seed=0):
    """Our .json + .npz of Tiny VGG with `filters` filters per layer and random weights."""
    layers = weights.tiny_vgg_layers(filters=filters)
    rng, shape = np.random.default_rng(seed), (64, 64, 3)
    for layer in layers:
        for param, param_shape in (layer.param_shapes(shape) or {}).items():
            setattr(layer, param, (rng.standard_normal(param_shape) * 0.1).astype(np.float32))
        shape = layer.output_shape(shape)
    return harness.model_files(Model(layers, [f"class {i + 1}" for i in range(10)], name=f"wide-{filters}"))


def many_classes_files(classes=10000):
    """Our .json + .npz of a small convolution (8 filters, pooled to 7×7) feeding a dense layer of `classes` classes."""
    from cnn_explainer.net.model import Layer
    layers = [Layer("conv_1", "conv2d", {"filters": 8, "kernel_size": 3}), Layer("relu_1", "relu"),
              Layer("max_pool_1", "max_pool2d", {"pool_size": 8}), Layer("flatten", "flatten"),
              Layer("dense", "dense", {"units": classes}), Layer("output", "softmax")]
    rng, shape = np.random.default_rng(1), (64, 64, 3)
    for layer in layers:
        for param, param_shape in (layer.param_shapes(shape) or {}).items():
            setattr(layer, param, (rng.standard_normal(param_shape) * 0.3).astype(np.float32))
        shape = layer.output_shape(shape)
    return harness.model_files(Model(layers, [f"class {i + 1}" for i in range(classes)], name=f"classes-{classes}"))


def many_classes(page, runs):
    """Rows of timings with a 10,000-class model open: another example, the output view, the softmax view."""
    rows = {"10,000 classes: open the files": [open_files(page, many_classes_files())]}
    examples = page.eval_on_selector_all("#gallery-strip .example", "els => els.map((e) => e.dataset.example)")
    for run in range(runs):
        if len(examples) > 1:
            selector = f'#gallery-strip .example[data-example="{examples[run % 2]}"]'
            rows.setdefault("10,000 classes: another example", []).append(harness.timed_click(page, selector, "renderCount"))
        rows.setdefault("10,000 classes: open the output view", []).append(
            harness.timed_click(page, "#network .node.out", "viewOpenMs"))
        rows.setdefault("10,000 classes: open the softmax view", []).append(
            harness.timed_click(page, "#explain-body .ox-next", "viewOpenMs"))
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")
        page.wait_for_function("document.querySelector('#explain').hidden")
    return rows


def open_files(page, files):
    """Open a model's files in the page; the page's own measure of it (ms)."""
    page.evaluate("delete document.body.dataset.modelOpenMs")
    page.set_input_files("#model-upload", files=files)
    page.wait_for_function("document.body.dataset.modelOpenMs !== undefined", timeout=60000)
    return float(page.evaluate("document.body.dataset.modelOpenMs"))


def switch(page, name):
    """Choose a model from the menu; the page's own measure of the switch (ms)."""
    page.evaluate("delete document.body.dataset.modelSwitchMs")
    page.select_option("#model-select", name)
    page.wait_for_function("document.body.dataset.modelSwitchMs !== undefined", timeout=60000)
    return float(page.evaluate("document.body.dataset.modelSwitchMs"))


def main(argv=None):
    """Print the medians (and the first run) of each measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=harness.DIST)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--classes", action="store_true", help="only the 10,000-class model's actions")
    args = parser.parse_args(argv)
    with served(args.dist) as (browser, url):
        page = booted(browser, url, viewport={"width": 1280, "height": 720})
        page.wait_for_timeout(1500)  # Pillow and the warm-up after ready
        rows = {"open the original's TF.js files": [], "open a 32-filter model's files": [],
                "switch between shipped models (menu)": []}
        original, wide = original_files(), wide_files()
        if args.classes:
            rows = many_classes(page, args.runs)
        for _ in range(0 if args.classes else args.runs):
            rows["open the original's TF.js files"].append(open_files(page, original))
            rows["open a 32-filter model's files"].append(open_files(page, wide))
            for name in ("tinyvgg-imagenette", "tinyvgg-tin10"):
                rows["switch between shipped models (menu)"].append(switch(page, name))
        print(f"{'':40} {'median ms':>10} {'first':>8}")
        for name, values in rows.items():
            print(f"{name:40} {statistics.median(values):10.1f} {values[0]:8.1f}")
        print("target: opening the original ≤ 150 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
