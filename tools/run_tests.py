"""Run the whole suite; when every failure was Chromium's renderer crashing, run those tests once more in a new browser.

A renderer crash ("Target crashed") takes every later test on the same shared page with it. It is Chromium's
failure, not an assertion: the same tests run again in a fresh pytest process (a new browser, new pages) and the
suite passes only if they pass there. A crash that comes back, or any other failure, fails the suite as before.
Usage: python tools/run_tests.py [pytest arguments]
"""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

CRASH_MARKS = ("Target crashed", "Page crashed")


def crash_only_failures(junit_xml):
    """The number of failed tests if each failed because a page crashed; 0 if any failed otherwise (or none did)."""
    failed = 0
    for case in ET.fromstring(junit_xml).iter("testcase"):
        for problem in [*case.iter("failure"), *case.iter("error")]:
            text = f"{problem.get('message', '')}\n{problem.text or ''}"
            if not any(mark in text for mark in CRASH_MARKS):
                return 0
            failed += 1
    return failed


def main(args):
    """Run pytest with args; rerun its failures once when they were all renderer crashes; return the exit status."""
    results = os.path.join(".cache", "test-results.xml")
    os.makedirs(".cache", exist_ok=True)
    status = subprocess.call([sys.executable, "-m", "pytest", f"--junitxml={results}", *args])
    if status != 1:  # 1: some tests failed (not an interrupted or unusable run)
        return status
    with open(results, encoding="utf-8") as f:
        crashed = crash_only_failures(f.read())
    if not crashed:
        return status
    print(f"\nrun_tests: every failure ({crashed}) was a page that crashed (Chromium's renderer). Running those "
          "tests once more, in a new browser; the suite passes only if they pass.\n", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", "--last-failed", "--last-failed-no-failures", "none",
                            *args])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
