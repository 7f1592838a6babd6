"""Firefox ESR and WebKitGTK (Safari's engine): the site boots, predicts what the CLI does, and a ReLU view steps."""
import contextlib
import json
import os
import subprocess
import time

import pytest

import harness
from test_explain_steps import native_acts
from test_overview import cli_predict

pytestmark = pytest.mark.browser
ENGINES = os.path.join(harness.REPO_ROOT, "tests", "engines")
MISSING = os.path.join(harness.REPO_ROOT, ".cache", "engines-missing")  # written by tools/install_engines.sh
FIREFOX = os.environ.get("FIREFOX", "/usr/bin/firefox-esr")
MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
NEURON = ("relu_1_1", 6)  # positive over most of the default example's top rows: the steps compare non-zero numbers
STEPS = 3
STEP = ("({...document.querySelector('#explain-body').dataset, "
        "result: document.querySelector('#explain-body .result')?.dataset.value, "
        "forward: document.querySelector('#explain-body .forward-value')?.dataset.value})")
# Selenium cannot run a script before the page's own: errors are collected from the load event on.
COLLECT_ERRORS = """
window.__errors = [];
addEventListener("error", (event) => __errors.push(String(event.message)));
addEventListener("unhandledrejection", (event) => __errors.push(`unhandledrejection: ${event.reason}`));
const consoleError = console.error;
console.error = (...args) => { __errors.push(args.join(" ")); consoleError(...args); };
"""


def require(path, package):
    """Skip when tools/install_engines.sh recorded that apt could not install package; fail when it is just missing."""
    if os.path.exists(path):
        return
    reasons = dict(line.strip().split(": ", 1) for line in open(MISSING)) if os.path.exists(MISSING) else {}
    if package in reasons:
        pytest.skip(f"{package} could not be installed here: {reasons[package]}")
    pytest.fail(f"{path} is missing: run `make engines` (tools/install_engines.sh)")


def check(seen, dist):
    """What an engine saw agrees with the CLI and the CPython forward pass, step by step, without console errors."""
    assert seen["state"] == "ready", f"the page did not become ready: {seen.get('message')!r}; errors: {seen['errors']}"
    reference = cli_predict(os.path.join(dist, seen["example"]))
    assert seen["label"] == reference["top"]["label"]
    assert seen["probabilities"] == pytest.approx(reference["probabilities"], abs=1e-5)
    acts = native_acts(os.path.join(dist, seen["example"]))[1][NEURON[0]]
    cells = [(int(step["row"]), int(step["col"])) for step in seen["steps"]]
    assert len(set(cells)) == STEPS, f"Step ▶ did not move: {cells}"
    for (row, col), step in zip(cells, seen["steps"]):
        assert float(step["result"]) == pytest.approx(float(step["forward"]), abs=1e-6), (row, col)
        assert float(step["forward"]) == pytest.approx(float(acts[row, col, NEURON[1]]), abs=1e-5), (row, col)
    assert seen["errors"] == []


@pytest.fixture(scope="module")
def served(dist):
    """dist served at /."""
    running = harness.Site(dist, "/")
    yield running
    running.stop()


def test_firefox(served, dist):
    require(FIREFOX, "firefox-esr")
    if not os.path.exists(os.path.join(ENGINES, "node_modules", "puppeteer-core")):
        pytest.fail("puppeteer-core is missing: run `make engines` (tools/install_engines.sh)")
    start = time.perf_counter()
    run = subprocess.run(["node", "firefox.mjs", served.url, FIREFOX, *map(str, NEURON), str(STEPS)], cwd=ENGINES,
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.splitlines()[-1])
    check(seen, dist)
    print(f"firefox: ready in {seen['boot_s']:.1f} s, test {time.perf_counter() - start:.1f} s")


@pytest.fixture
def display():
    """A private Xvfb display (WebKitGTK needs one: headless without a display hung); its name, e.g. ":1"."""
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", "1600x1200x24"],
                            pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as lines:
        number = lines.readline().strip()
    assert number, "Xvfb did not start"
    yield f":{number}"
    xvfb.terminate()
    xvfb.wait()


@pytest.mark.filterwarnings("ignore:setting remote_server_addr:DeprecationWarning")  # inside selenium's WebKitGTK
def test_webkit(served, dist, request):
    require(MINIBROWSER, "webkit2gtk-driver")
    require("/usr/bin/WebKitWebDriver", "webkit2gtk-driver")
    require("/usr/bin/Xvfb", "xvfb")
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait
    from selenium.webdriver.webkitgtk.service import Service

    start = time.perf_counter()
    options = webdriver.WebKitGTKOptions()
    options.binary_location = MINIBROWSER
    options.add_argument("--automation")
    env = dict(os.environ, DISPLAY=request.getfixturevalue("display"))
    driver = webdriver.WebKitGTK(options=options, service=Service("/usr/bin/WebKitWebDriver", env=env))
    try:
        driver.set_window_size(1300, 1000)
        loading = time.perf_counter()
        driver.get(served.url)
        driver.execute_script(COLLECT_ERRORS)
        state = "['ready', 'error'].includes(document.body?.dataset.state)"
        with contextlib.suppress(TimeoutException):  # then check() fails with the boot message
            WebDriverWait(driver, 90, poll_frequency=0.1).until(lambda d: d.execute_script(f"return {state}"))
        boot = time.perf_counter() - loading
        seen = driver.execute_script("""return {
            state: document.body.dataset.state, message: document.getElementById('boot-status')?.textContent,
            example: document.querySelector('#gallery .example[aria-pressed=true]')?.dataset.example,
            label: document.querySelector('#prediction').dataset.label,
            probabilities: [...document.querySelectorAll('.node.out')].map((row) => Number(row.dataset.probability))}""")
        if seen["state"] == "ready":
            layer, index = NEURON
            driver.find_element(By.CSS_SELECTOR, f'#network .node[data-layer="{layer}"][data-index="{index}"]').click()
            WebDriverWait(driver, 20, poll_frequency=0.1).until(
                lambda d: d.find_elements(By.CSS_SELECTOR, "#explain-body .stepview"))
            seen["steps"] = []
            for _ in range(STEPS):
                driver.find_element(By.CSS_SELECTOR, "#explain-body .step-forward").click()
                seen["steps"].append(driver.execute_script(f"return {STEP}"))
        seen["errors"] = driver.execute_script("return window.__errors")
    finally:
        driver.quit()
    check(seen, dist)
    print(f"webkit: ready in {boot:.1f} s, test {time.perf_counter() - start:.1f} s")
