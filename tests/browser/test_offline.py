"""After one visit the service worker lets the site boot and predict with the server gone and the browser offline."""
import collections
import os
import shutil
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO_ROOT, "tools"))

import build_site  # noqa: E402

pytestmark = pytest.mark.browser


def visit(browser, url, wait_ready, **context_options):
    """A first visit in a new context: (context, page) once the app is ready and, unless service workers are blocked,
    the worker controls the page (installed: every file precached; activated; the page claimed)."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.goto(url)
    wait_ready(page)
    if context_options.get("service_workers") != "block":
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60000)
    return context, page


def first_visit_then_offline_reload(browser, new_site, prefix, boot_state, wait_ready, **context_options):
    """Visit once, wait for the service worker when allowed, stop the server, go offline, reload.

    The first visit must not download any big file twice (page and precache). Returns (context, page, state, label).
    """
    site = new_site(prefix)
    context, page = visit(browser, site.url, wait_ready, **context_options)
    first_label = page.get_attribute("#prediction", "data-label")
    if context_options.get("service_workers") != "block":
        twice = collections.Counter(path for path, status, sent in site.log if status == 200 and sent > 100_000)
        assert not [path for path, n in twice.items() if n > 1], f"big files downloaded twice on the first visit: {twice}"
    site.stop()
    context.set_offline(True)
    try:
        page.reload(wait_until="commit")
    except Exception as error:  # playwright Error: net::ERR_INTERNET_DISCONNECTED and the like
        return context, page, f"reload failed: {error}".splitlines()[0], first_label
    return context, page, boot_state(page, 60000), first_label


@pytest.mark.parametrize("prefix", ["/", "/REPO/"], ids=["root", "subpath"])
def test_boots_and_predicts_offline_after_one_visit(browser, new_site, prefix, boot_state, wait_ready):
    context, page, state, first_label = first_visit_then_offline_reload(browser, new_site, prefix, boot_state, wait_ready)
    try:
        assert state == "ready", f"offline reload: {state}: {page.evaluate('document.body.dataset.state')}"
        assert page.evaluate("navigator.onLine") is False
        assert page.get_attribute("#prediction", "data-label") == first_label
        buttons = page.locator("#gallery-strip button[data-example]")
        if buttons.count() > 1:  # predicts again on another example, offline
            before = int(page.evaluate("document.body.dataset.renderCount"))
            buttons.nth(1).click()
            page.wait_for_function(f"Number(document.body.dataset.renderCount) > {before}")
            assert page.get_attribute("#prediction", "data-label")
    finally:
        context.close()


def test_without_the_service_worker_the_offline_reload_fails(browser, new_site, boot_state, wait_ready):
    """The control: the same steps with service workers blocked must not boot, or the test above proves nothing."""
    context, page, state, _ = first_visit_then_offline_reload(browser, new_site, "/", boot_state, wait_ready,
                                                              service_workers="block")
    try:
        assert state != "ready", "booted offline without a service worker: the offline test cannot fail"
    finally:
        context.close()


def test_a_new_release_gets_a_new_cache_and_downloads_only_what_changed(browser, new_site, tmp_path, wait_ready):
    """Rebuild with one file changed: the next visit installs a new cache, drops the old one, fetches only that file."""
    source, out = tmp_path / "source", str(tmp_path / "dist")
    source.mkdir()
    for name in ("index.html", "static", "py", "weights", "examples"):
        (shutil.copytree if os.path.isdir(os.path.join(REPO_ROOT, name)) else shutil.copy)(
            os.path.join(REPO_ROOT, name), source / name)
    first = build_site.build(out, source=str(source))
    site = new_site("/", root=out)
    context, page = visit(browser, site.url, wait_ready)
    try:
        assert [name.split()[-1] for name in page.evaluate("caches.keys()")] == [first]

        with open(source / "py" / "cnn_explainer" / "net" / "ops.py", "a") as f:
            f.write("# release 2\n")
        second = build_site.build(out, source=str(source))
        site.log.clear()
        page.reload()  # the browser checks sw.js on navigation and installs the new release in the background
        wait_ready(page)
        for _ in range(120):  # the new worker precaches, activates and deletes the old cache
            if [name.split()[-1] for name in page.evaluate("caches.keys()")] == [second]:
                break
            page.wait_for_timeout(500)
        assert [name.split()[-1] for name in page.evaluate("caches.keys()")] == [second]
        downloaded = {path for path, status, sent in site.log if status == 200}
        assert downloaded == {"/sw.js", "/app.zip"}, downloaded  # the worker, and the archive holding the changed source
        page.reload()
        wait_ready(page)
        assert "# release 2" in page.evaluate("pycnnBoot.pyodide.runPython(\"open('cnn_explainer/net/ops.py').read()\")")
    finally:
        context.close()


def test_a_returning_visitor_is_offered_the_new_release(browser, new_site, wait_ready, tmp_path):
    import harness
    root = harness.snapshot(harness.DIST, str(tmp_path))
    site = new_site("/", root)
    context, page = visit(browser, site.url, wait_ready)
    try:
        assert page.is_hidden("#update-notice")
        with open(os.path.join(root, "sw.js")) as f:  # a new release: another worker (same files, another version)
            worker = f.read()
        with open(os.path.join(root, "sw.js"), "w") as f:
            f.write(worker.replace('"version": "', '"version": "next-', 1))
        page.reload()
        wait_ready(page)
        page.wait_for_selector("#update-notice:not([hidden])", timeout=60000)
        assert "new version" in page.inner_text("#update-notice")
        page.click("#update-notice button")
        page.wait_for_load_state()
        wait_ready(page)
        page.wait_for_timeout(500)
        assert page.is_hidden("#update-notice")  # the new release runs now: nothing more to offer
    finally:
        context.close()


def test_a_new_tab_the_worker_serves_has_its_runtime_on_the_way_before_pyodide_asks(browser, new_site, wait_ready):
    site = new_site("/")
    context, page = visit(browser, site.url, wait_ready)
    try:
        tab = context.new_page()
        tab.add_init_script("addEventListener('py:progress', (event) => {"
                            " if (event.detail === 'Loading Pyodide') window.__pyodideAsked ??= performance.now(); })")
        tab.goto(site.url)
        wait_ready(tab)
        starts = tab.evaluate("performance.getEntriesByType('resource')"
                              ".filter((e) => e.name.endsWith('/pyodide.asm.wasm')).map((e) => e.startTime)")
        assert len(starts) == 1, starts  # one download, handed to Pyodide
        assert starts[0] < tab.evaluate("window.__pyodideAsked"), "the runtime was asked for only when Pyodide started"
        assert tab.get_attribute("#prediction", "data-label")
    finally:
        context.close()
