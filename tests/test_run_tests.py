"""tools/run_tests.py: a suite whose only failures are crashed pages runs those tests once more; nothing else does."""
import os
import subprocess
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNNER = os.path.join(REPO_ROOT, "tools", "run_tests.py")
# Each test fails with its error the first `times` runs (counted in a file beside it), then passes.
TEMPLATE = """
import pathlib

def failing(name, error, times):
    runs = pathlib.Path(name + ".runs")
    count = int(runs.read_text()) if runs.exists() else 0
    runs.write_text(str(count + 1))
    if count < times:
        raise error

{tests}
"""
CRASH = 'RuntimeError("Page.evaluate: Target crashed")'


def run_suite(tmp_path, tests):
    """Run tools/run_tests.py on a suite of (name, error, times); its exit status, output and each test's runs."""
    body = "\n".join(f"def test_{name}():\n    failing({name!r}, {error}, {times})\n" for name, error, times in tests)
    (tmp_path / "test_suite.py").write_text(TEMPLATE.format(tests=body))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    done = subprocess.run([sys.executable, RUNNER, "-q"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    runs = {name: int((tmp_path / f"{name}.runs").read_text()) for name, _, _ in tests}
    return done.returncode, done.stdout, runs


def test_crashed_pages_run_once_more_and_pass(tmp_path):
    status, out, runs = run_suite(tmp_path, [("crashes", CRASH, 1), ("after", CRASH, 1), ("fine", "None", 0)])
    assert status == 0, out
    assert "every failure (2) was a page that crashed" in out
    assert runs == {"crashes": 2, "after": 2, "fine": 1}  # only the failed ones ran again


def test_a_crash_that_comes_back_fails(tmp_path):
    status, out, runs = run_suite(tmp_path, [("crashes", CRASH, 2)])
    assert status == 1 and runs == {"crashes": 2}


@pytest.mark.parametrize("error", ['AssertionError("wrong number")', 'RuntimeError("Target closed")'])
def test_any_other_failure_fails_at_once(tmp_path, error):
    status, out, runs = run_suite(tmp_path, [("crashes", CRASH, 1), ("wrong", error, 1)])
    assert status == 1 and "once more" not in out
    assert runs == {"crashes": 1, "wrong": 1}  # nothing ran again


def test_a_passing_suite_runs_once(tmp_path):
    status, out, runs = run_suite(tmp_path, [("fine", "None", 0)])
    assert status == 0 and runs == {"fine": 1} and "once more" not in out
