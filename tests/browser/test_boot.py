"""The built site boots in Chromium from its own origin only, shows boot progress, and draws the default example."""
import json
import os
import re
import urllib.parse

import pytest

pytestmark = pytest.mark.browser


def default_example(dist, gallery_file):
    """(file, label) of the default example of the model whose gallery holds gallery_file (from examples.json)."""
    with open(os.path.join(dist, "examples", "examples.json")) as f:
        manifest = json.load(f)
    for model, entries in manifest["models"].items():
        if gallery_file in [e["file"] for e in entries]:
            default = manifest["default"][model]
            return default, next(e["label"] for e in entries if e["file"] == default)
    raise AssertionError(f"{gallery_file} is not in examples.json")


def foreign(urls, origin):
    """The URLs that would touch another origin (data: and blob: URLs never touch the network)."""
    return [u for u in urls if urllib.parse.urlsplit(u).scheme not in ("data", "blob") and not u.startswith(origin + "/")]


def test_boots_to_the_overview_from_its_own_origin(site, page, dist, wait_ready):
    page.goto(site.url)
    wait_ready(page)
    data = page.evaluate("({...document.body.dataset})")
    assert int(data["renderCount"]) >= 1 and float(data["forwardMs"]) >= 0 and float(data["renderMs"]) >= 0
    label = page.get_attribute("#prediction", "data-label")
    assert label, "the overview shows no prediction"
    shown = page.get_attribute("#gallery button[data-example]", "data-example") if page.locator(
        "#gallery button[data-example]").count() else None
    if shown:  # the gallery shows the current model's examples, all of which it classifies correctly
        example = default_example(dist, shown)
        assert label == example[1], f"default example {example[0]} should be classified as {example[1]}, got {label}"
    assert not foreign(page.requests, site.origin), f"requests to other origins: {foreign(page.requests, site.origin)}"
    assert not [p for p in ("/vendor/", "/py/") if not any(p in url for url in page.requests)], "recording missed requests"
    assert page.console_errors == []


def test_shows_boot_progress(site, page, wait_ready):
    page.goto(site.url)
    wait_ready(page)
    texts = page.evaluate("window.__bootTexts")
    assert any(re.match(r"Loading .*Python runtime.* \d+\.\d( / \d+\.\d)? MB", t) for t in texts), texts
    assert any(t.startswith("Starting Python") for t in texts), texts
    assert page.evaluate("document.body.dataset.state") == "ready"


def test_switching_examples_redraws(site, page, wait_ready):
    page.goto(site.url)
    wait_ready(page)
    buttons = page.locator("#gallery-strip button[data-example]")
    if buttons.count() < 2:
        pytest.fail("dist has no example gallery: build it with the data folder (make dist DATA=...)")
    before = int(page.evaluate("document.body.dataset.renderCount"))
    buttons.nth(1).click()
    page.wait_for_function(f"Number(document.body.dataset.renderCount) > {before}")
    assert page.get_attribute("#prediction", "data-label")
    assert page.console_errors == []


def test_a_missing_runtime_file_shows_a_readable_error(site, page):
    page.route("**/pyodide.asm.wasm", lambda route: route.fulfill(status=404, body="gone"))
    page.goto(site.url)
    page.wait_for_function("document.body.dataset.state === 'error'", timeout=60000)
    message = page.evaluate("document.getElementById('boot-status').textContent")
    assert "pyodide.asm.wasm" in message and "404" in message, message


def test_start_up_modules_come_as_bytecode(site, page, wait_ready):
    """Every standard-library and NumPy module imported before ready is in the build's bytecode lists (else
    tools/boot_modules.py renews them); the standard library ones arrive without source."""
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tools"))
    import bytecode
    page.goto(site.url)
    wait_ready(page)
    files = json.loads(page.evaluate("window.pycnnBootFiles"))
    stdlib, numpy = bytecode.boot_lists(files)
    assert set(stdlib) <= set(bytecode.boot_list("boot_stdlib.txt")), "run tools/boot_modules.py"
    assert set(numpy) <= set(bytecode.boot_list("boot_numpy.txt")), "run tools/boot_modules.py"
    assert sum(f.startswith(bytecode.STDLIB) and f.endswith(".pyc") for f in files) == len(stdlib)
    assert "/home/pyodide/cnn_explainer/steps.py" in files  # our modules keep their source (the code panels show it)
