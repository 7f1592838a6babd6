"""The built site boots in Chromium from its own origin only, shows boot progress, and draws the default example."""
import json
import os
import re
import time
import urllib.parse

import pytest

pytestmark = pytest.mark.browser


def default_example(dist, model):
    """(file, label) of a model's default example (from examples.json; models with the same classes share files)."""
    with open(os.path.join(dist, "examples", "examples.json")) as f:
        manifest = json.load(f)
    default = manifest["default"][model]
    return default, next(e["label"] for e in manifest["models"][model] if e["file"] == default)


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
    if page.locator("#gallery button[data-example]").count():  # the default example, which the model gets right
        example = default_example(dist, page.input_value("#model-select"))
        assert page.get_attribute("#gallery button[aria-pressed=true]", "data-example") == example[0]
        assert label == example[1], f"default example {example[0]} should be classified as {example[1]}, got {label}"
    assert not foreign(page.requests, site.origin), f"requests to other origins: {foreign(page.requests, site.origin)}"
    assert not [p for p in ("/vendor/", "/py/") if not any(p in url for url in page.requests)], "recording missed requests"
    assert page.console_errors == []


def test_shows_boot_progress(site, page, wait_ready):
    def slow_runtime(route):  # as over a real connection: still arriving when Pyodide asks for it (a preload that
        response = route.fetch()  # has arrived whole has nothing left to count, and boot.js skips counting it)
        time.sleep(1.0)
        route.fulfill(response=response)

    page.route("**/pyodide.asm.wasm", slow_runtime)
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
    assert "/home/pyodide/cnn_explainer/page/steps.py" in files  # our modules keep their source (the code panels show it)
    # PyScript's package, which its core writes out and imports at start, has its bytecode beside it (from app.zip)
    pyscript = page.evaluate("""pycnnBoot.pyodide.runPython(`import os, sys
[(m.__file__, os.path.exists(m.__cached__)) for name, m in sys.modules.items()
 if name.split('.')[0] == 'pyscript' and getattr(m, '__file__', None)]`).toJs()""")
    assert len(pyscript) >= 8 and all(cached for _file, cached in pyscript), pyscript
