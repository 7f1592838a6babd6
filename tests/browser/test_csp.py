"""The page's Content-Security-Policy: strict, enforced in every browser test (harness.open_page turns each violation
into a console error, which the tests check), and a violation really is caught; Python's death is announced."""
import re

import pytest

import harness

pytestmark = pytest.mark.browser


def policy(dist):
    """{directive: [sources]} of the policy in the built page's meta tag."""
    with open(f"{dist}/index.html") as f:
        html = f.read()
    [content] = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html)
    html_before = html[:html.index("Content-Security-Policy")]
    assert "<script" not in html_before and "<link" not in html_before, "the policy must come before anything it governs"
    return {name: sources for name, *sources in (part.split() for part in content.split(";") if part.strip())}


def test_the_policy_is_as_strict_as_the_issue_asks(dist):
    rules = policy(dist)
    # 'unsafe-eval' only because PyScript's loader builds functions from strings (the design names PyScript); no inline
    # script, no other origin
    assert rules["script-src"] == ["'self'", "'wasm-unsafe-eval'", "'unsafe-eval'"]
    assert rules["object-src"] == ["'none'"] and rules["base-uri"] == ["'self'"] and rules["default-src"] == ["'self'"]
    for name, sources in rules.items():
        assert not [s for s in sources if re.match(r"https?:|\*", s)], f"{name} allows another origin: {sources}"
        assert "'unsafe-inline'" not in sources or name == "style-src", name


def test_a_violation_is_caught_so_the_other_tests_would_see_one(browser, dist):
    with harness.booted_page(browser, dist) as page:
        assert page.console_errors == [], "the app itself breaks no rule of its policy"
        page.evaluate("(() => { const d = document.createElement('div'); d.setAttribute('onclick', 'window.__ran = 1'); "
                      "document.body.append(d); d.click(); })()")  # an inline event handler
        page.evaluate("(() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 2'; "
                      "document.body.append(s); })()")  # an inline script
        page.wait_for_function("true")
        page.wait_for_timeout(200)
        assert page.evaluate("window.__ran") is None
        violations = [e for e in page.console_errors if e.startswith("CSP violation")]
        assert len(violations) == 2 and all("script-src" in v for v in violations), page.console_errors


def test_when_python_dies_the_page_says_so_and_offers_a_reload(browser, dist):
    with harness.booted_page(browser, dist) as page:
        assert page.is_hidden("#python-stopped")
        # what Pyodide does on a fatal error (out of memory, a stack overflow in C): its own handler, triggered here
        page.evaluate("(() => { try { pycnnBoot.pyodide._api.fatal_error(new Error('simulated')); } catch {} })()")
        page.wait_for_function("document.body.dataset.python === 'stopped'")
        assert page.is_visible("#python-stopped") and page.get_attribute("#python-stopped", "role") == "alert"
        assert "stopped working" in page.inner_text("#python-stopped")
        page.click("#python-stopped button")
        page.wait_for_function("document.body?.dataset.state === 'ready' && !document.body.dataset.python", timeout=60000)
        assert page.is_hidden("#python-stopped")
