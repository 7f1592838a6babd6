"""What the browser benchmarks share: the tests' harness, a private copy of the site served to a headless Chromium,
and booted pages of it."""
import contextlib
import importlib.util
import os
import statistics
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location("browser_harness", os.path.join(REPO_ROOT, "tests", "browser", "harness.py"))
harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness)


@contextlib.contextmanager
def served(dist):
    """(a headless Chromium, the URL of a private copy of dist), both stopped afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as tmp:
        site = harness.Site(harness.snapshot(dist, tmp))
        browser = harness.launch(playwright)
        try:
            yield browser, site.url
        finally:
            browser.close()
            site.stop()


def booted(browser, url, **options):
    """A new page of the site (Playwright page options), once the app is ready."""
    page = browser.new_page(**options)
    page.goto(url)
    harness.wait_ready(page, 90000)
    return page


def print_medians(results, targets, width=38, digits=3):
    """One line per measure: its median, range and, where it has one, whether it meets its target."""
    for name, values in results.items():
        median, target = statistics.median(values), targets.get(name)
        verdict = "" if target is None else ("  ok" if median <= target else "  MISSES") + f" (target ≤ {target:g})"
        print(f"  {name:{width}s} {median:9.{digits}f}   [{min(values):.{digits}f} – {max(values):.{digits}f}]{verdict}")
