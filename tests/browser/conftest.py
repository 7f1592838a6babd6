"""Pytest fixtures of the browser tests; the helpers they use are in harness.py."""
import os

import pytest

from harness import (DEFAULT_DIST, DIST, Site, boot_state, chromium_log_tail, launch, open_page, snapshot,
                     stale_sources, wait_ready)
from run_tests import CRASH_MARKS


@pytest.fixture(scope="session")
def dist(tmp_path_factory):
    """A snapshot of the built site; fails (never skips) when it is missing or older than the sources."""
    if not os.path.exists(os.path.join(DIST, "sw.js")):
        pytest.fail("dist/ is missing: run `make dist` first")
    stale = stale_sources() if DIST == DEFAULT_DIST else []
    if stale:
        pytest.fail(f"dist/ is older than the sources ({', '.join(stale[:5])}): run `make dist` first")
    return snapshot(DIST, str(tmp_path_factory.mktemp("site")))


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session; each test gets its own fresh context (profile)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session", params=["/", "/REPO/"], ids=["root", "subpath"])
def site(request, dist):
    """dist served at / and, as a second parameter, under /REPO/ like a GitHub Pages project site."""
    running = Site(dist, request.param)
    yield running
    running.stop()


@pytest.fixture
def new_site(request):
    """A factory of servers (of dist, or of another root) that this test may stop; each has its own port and origin."""
    started = []

    def make(prefix="/", root=None):
        started.append(Site(root or request.getfixturevalue("dist"), prefix))
        return started[-1]

    yield make
    for running in started:
        running.stop()


@pytest.fixture(name="wait_ready")
def wait_ready_fixture():
    """wait_ready(page, timeout=60000) as a fixture (test modules cannot import this conftest by name)."""
    return wait_ready


@pytest.fixture(name="boot_state")
def boot_state_fixture():
    """boot_state(page, timeout) as a fixture: "ready", "error" or "timeout"."""
    return boot_state


@pytest.fixture
def context(browser):
    """A fresh browser context (own cache, storage and service workers), closed after the test."""
    context = browser.new_context()
    yield context
    context.close()


@pytest.fixture
def page(context):
    """A recording page (page.requests, page.console_errors) in a fresh context."""
    return open_page(context)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A test whose page crashed reports the end of Chromium's log beside its traceback."""
    report = yield
    if report.failed and any(mark in str(report.longrepr) for mark in CRASH_MARKS):
        report.sections.append(("Chromium's log, last lines", chromium_log_tail()))
    return report
