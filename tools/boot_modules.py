"""Renew tools/boot_stdlib.txt and tools/boot_numpy.txt: the modules the page imports before it is ready.

Usage: python tools/boot_modules.py [--dist dist]
Boots the built site in headless Chromium (in English, then in Chinese), reads the module files Python had imported
when the page became ready (window.pycnnBootFiles, written by py/webapp/main.py) and rewrites both lists (their
comments kept).
Rebuild afterwards (make dist) so the new modules ship as bytecode.
"""
import argparse
import importlib.util
import json
import os
import sys

TOOLS = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)

import bytecode  # noqa: E402


def rewrite(name, paths):
    """Replace a list's entries, keeping its leading comment lines."""
    path = os.path.join(TOOLS, name)
    with open(path) as f:
        comments = [line for line in f if line.startswith("#")]
    with open(path, "w") as f:
        f.writelines(comments + [p + "\n" for p in paths])


def main(argv=None):
    """Boot the site, read what it imported, write the lists."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=os.path.join(REPO_ROOT, "dist"))
    args = parser.parse_args(argv)
    spec = importlib.util.spec_from_file_location("harness", os.path.join(REPO_ROOT, "tests", "browser", "harness.py"))
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = harness.launch(playwright)
        with harness.booted_page(browser, args.dist) as page:
            files = set(json.loads(page.evaluate("window.pycnnBootFiles")))
            page.goto(page.url.split("?")[0] + "?lang=zh")  # a Chinese start loads the catalogue (gettext, locale)
            harness.wait_ready(page)
            files |= set(json.loads(page.evaluate("window.pycnnBootFiles")))
            stdlib, numpy = bytecode.boot_lists(sorted(files))
        browser.close()
    rewrite("boot_stdlib.txt", stdlib)
    rewrite("boot_numpy.txt", numpy)
    print(f"boot_modules: {len(stdlib)} standard-library and {len(numpy)} NumPy modules; now run make dist")
    return 0


if __name__ == "__main__":
    sys.exit(main())
