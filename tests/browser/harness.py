"""Browser-test harness: the built dist/ served on 127.0.0.1 (at / and under /REPO/) and driven in headless Chromium.

Plain helpers live here (tests and benchmarks import `harness`); the pytest fixtures are in conftest.py.
"""
import contextlib
import filecmp
import os
import shutil
import sys
import time
import zipfile

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO_ROOT, "tools"))

import serve  # noqa: E402

DEFAULT_DIST = os.path.join(REPO_ROOT, "dist")
DIST = os.environ.get("PYCNN_DIST", DEFAULT_DIST)  # another build to test, e.g. one made with tools/build_site.py --out
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying hosts that are blocked here.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Chromium's own log, one file per launch: a test whose page crashed shows its last lines (conftest.py).
CHROMIUM_LOGS = os.path.join(REPO_ROOT, ".cache", "chromium-logs")
LOG_NOISE = ("dbus", "ScreenSaver")  # this machine has no session bus
LOG_FILES = []  # the logs of this process's launches, oldest first
# Records every text #boot-status shows, for the progress test.
WATCH_BOOT_STATUS = """
document.addEventListener("securitypolicyviolation", (e) =>
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline code"} (${e.sourceFile}:${e.lineNumber})`));
window.__bootTexts = [];
new MutationObserver(() => {
  const box = document.getElementById("boot-status");
  const text = box && box.textContent;
  if (text && window.__bootTexts.at(-1) !== text) window.__bootTexts.push(text);
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def wait_for_function(self, expression, *, arg=None, timeout=None, polling=None):
    """Page/Frame.wait_for_function without eval: Playwright's own runs the expression through eval() inside the
    page, which the page's Content-Security-Policy forbids (as it should); this polls it from outside instead."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    limit = 30000 if timeout is None else timeout
    deadline = time.monotonic() + limit / 1000 if limit else float("inf")
    while True:
        try:
            value = self.evaluate(expression, arg)
        except Exception as error:  # a navigation destroyed the context between two polls: poll the new one
            if "context was destroyed" not in str(error) and "navigation" not in str(error):
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise PlaywrightTimeout(f"wait_for_function: Timeout {limit}ms exceeded waiting for {expression}")
        time.sleep(polling / 1000 if isinstance(polling, (int, float)) else 0.03)


def patch_wait_for_function():
    """Make every page and frame wait with the CSP-safe wait_for_function above."""
    from playwright.sync_api import Frame, Page
    Page.wait_for_function = Frame.wait_for_function = wait_for_function


patch_wait_for_function()


def stale_sources(dist=DIST):
    """Source files whose copy in dist differs from the checkout (dist built from older sources)."""
    import prerender
    pairs, stale = [], []
    with open(os.path.join(REPO_ROOT, "index.html")) as f:
        template = prerender.template_hash(f.read())
    built = os.path.join(dist, "index.html")
    if not os.path.exists(built) or f'name="pycnn-template" content="{template}"' not in open(built).read():
        stale.append("index.html")  # the built page records the hash of the template it was drawn from
    for folder in ("py", "static", "weights"):
        for parent, dirs, files in os.walk(os.path.join(REPO_ROOT, folder)):
            dirs[:] = [d for d in dirs if d != "__pycache__" and not d.endswith(".egg-info")]
            for name in files:
                rel = os.path.relpath(os.path.join(parent, name), REPO_ROOT)
                if not name.endswith((".pyc", ".template.js")) and (folder != "weights" or name.endswith((".json", ".npz"))) \
                        and (folder != "py" or name.endswith(".py")):
                    pairs.append((rel, rel))
    return stale + [src for src, dst in pairs if not same_in_dist(dist, src, dst)]


def same_in_dist(dist, src, dst):
    """Whether the built site holds src unchanged: as a file, (Python sources but the main script) in app.zip, or
    (stylesheets) as a part of static/site.css."""
    if src.startswith("static/") and src.endswith(".css"):
        import build_site
        bundle = os.path.join(dist, build_site.BUNDLE)
        with open(os.path.join(REPO_ROOT, src), encoding="utf-8") as f:
            part = build_site.stylesheet_part(os.path.basename(src), f.read())
        if not os.path.exists(bundle):
            return False
        with open(bundle, encoding="utf-8") as f:
            return part in f.read()
    if dst.startswith("py/") and dst != "py/webapp/main.py" and src.endswith(".py"):
        with zipfile.ZipFile(os.path.join(dist, "app.zip")) as archive, open(os.path.join(REPO_ROOT, src), "rb") as f:
            try:
                return archive.read(dst[len("py/"):]) == f.read()
            except KeyError:
                return False
    return os.path.exists(os.path.join(dist, dst)) and filecmp.cmp(os.path.join(REPO_ROOT, src), os.path.join(dist, dst),
                                                                    shallow=False)


class Site:
    """A running static server for dist: its base url, a log of (path, status, body bytes), and stop()."""

    def __init__(self, root=DIST, prefix="/"):
        self.log = []
        self.server = serve.make_server(root, 0, prefix, quiet=True, on_response=lambda *entry: self.log.append(entry))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{prefix}"
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        serve.start_in_thread(self.server)

    def stop(self):
        """Stop serving and close the port."""
        self.server.shutdown()
        self.server.server_close()


def launch(playwright):
    """Headless Debian Chromium with the flags this machine needs (plain launch: a fresh temporary profile)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (tools/install_chromium.sh)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + log_args(), headless=True)


def log_args():
    """The flags that write Chromium's log to a new file in CHROMIUM_LOGS (the first launch removes older runs')."""
    if not LOG_FILES:
        shutil.rmtree(CHROMIUM_LOGS, ignore_errors=True)
        os.makedirs(CHROMIUM_LOGS)
    LOG_FILES.append(os.path.join(CHROMIUM_LOGS, f"{len(LOG_FILES) + 1}.log"))
    return ["--enable-logging", f"--log-file={LOG_FILES[-1]}"]


def chromium_log_tail(lines=40):
    """The last lines of the newest Chromium log this process started, without this machine's noise."""
    if not LOG_FILES or not os.path.exists(LOG_FILES[-1]):
        return "(no log)"
    with open(LOG_FILES[-1], encoding="utf-8", errors="replace") as f:
        kept = [line.rstrip() for line in f if not any(noise in line for noise in LOG_NOISE)]
    return "\n".join(kept[-lines:])


def launch_profile(playwright, user_data_dir):
    """Headless Chromium with a real on-disk profile (disk HTTP cache, as a visitor has) in user_data_dir."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (tools/install_chromium.sh)")
    return playwright.chromium.launch_persistent_context(user_data_dir, executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                         headless=True)


def boot_state(page, timeout=60000):
    """Wait until the page reports "ready" or "error" and return which (or "timeout")."""
    try:
        page.wait_for_function("['ready', 'error'].includes(document.body?.dataset.state)", timeout=timeout)
    except Exception as error:  # playwright's TimeoutError, or the page went away
        if "Timeout" not in type(error).__name__ and "Timeout" not in str(error):
            raise
        return "timeout"
    return page.evaluate("document.body.dataset.state")


def boot_message(page):
    """The text of #boot-status (the boot glue's or the app's message)."""
    return page.evaluate("document.getElementById('boot-status')?.textContent ?? '(no #boot-status element)'")


def wait_ready(page, timeout=60000):
    """Wait for data-state="ready" (overview drawn); fail at once with the boot message when it becomes "error"."""
    state = boot_state(page, timeout)
    if state != "ready":
        pytest.fail(f"the page did not become ready ({state}): {boot_message(page)!r}; "
                    f"console errors: {getattr(page, 'console_errors', [])}")


def settle(page):
    """Wait until the page's layout transitions have finished (the panel slides in, the overview shrinks into its
    rail): only then do an element's boxes stay where a test measures them. What moves inside a view (a playing
    animation's window box) never stops, and moves no box a test measures."""
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running' || "
                           "a.effect.getComputedTiming().endTime === Infinity || a.effect.target?.closest?.('#explain-body'))")


def point_at_cell(page, selector, row, col, rows, cols, click=False):
    """Hover (or click) the centre of cell (row, col) of an element drawn as rows × cols cells. Playwright scrolls it
    into view and measures it in the same step, so a page that scrolled meanwhile cannot make the pointer miss."""
    settle(page)
    target = page.locator(selector)
    box = target.bounding_box()
    position = {"x": (col + 0.5) * box["width"] / cols, "y": (row + 0.5) * box["height"] / rows}
    (target.click if click else target.hover)(position=position)


# Click an element, wait until body[data-KEY] changes, then two frames (layout and paint done): the wall time (ms).
TIMED_CLICK = """async ([selector, key]) => {
  const before = document.body.dataset[key], start = performance.now();
  document.querySelector(selector).click();
  while (document.body.dataset[key] === before) await new Promise((r) => setTimeout(r, 0));
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - start;
}"""


def upload(page, path):
    """Give the page an image file through "Your image…" and wait until it is drawn."""
    before = int(page.evaluate("document.body.dataset.renderCount"))
    page.set_input_files("#upload", path)
    page.wait_for_function(f"Number(document.body.dataset.renderCount) > {before}")


def timed_click(page, selector, key):
    """The wall time (ms) from clicking selector until what it changes (body[data-KEY]) is drawn; keys other than
    renderCount are cleared first, so that an equal new value counts too."""
    if key != "renderCount":
        page.evaluate("(key) => { delete document.body.dataset[key]; }", key)
    return page.evaluate(TIMED_CLICK, [selector, key])


def model_files(model):
    """A model's .json and .npz as Playwright file payloads for #model-upload."""
    import io
    import json

    import numpy as np
    from cnn_explainer.net import weights
    arrays = io.BytesIO()
    np.savez(arrays, **weights.model_arrays(model))
    return [{"name": f"{model.name}.json", "mimeType": "application/json",
             "buffer": json.dumps(weights.model_spec(model)).encode()},
            {"name": f"{model.name}.npz", "mimeType": "application/octet-stream", "buffer": arrays.getvalue()}]


def snapshot(dist, parent):
    """A private copy of dist, so that someone running `make dist` meanwhile cannot change files under a test."""
    copy = os.path.join(parent, "dist")
    shutil.copytree(dist, copy)
    return copy


def open_page(context):
    """A new page of context that records every request URL (service-worker ones included) and console error."""
    page = context.new_page()
    page.requests, page.console_errors = [], []
    context.on("request", lambda request: page.requests.append(request.url))
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(f"pageerror: {error}"))
    page.add_init_script(WATCH_BOOT_STATUS)
    return page


@contextlib.contextmanager
def booted_page(browser, dist, **context_options):
    """A recording page of dist served at /, already "ready"; its server and context close afterwards."""
    site = Site(dist, "/")
    context = browser.new_context(**{"viewport": {"width": 1300, "height": 1000}, **context_options})
    try:
        page = open_page(context)
        page.goto(site.url)
        wait_ready(page)
        page.dist = dist
        yield page
    finally:
        context.close()
        site.stop()
