"""The console's core: results and tracebacks as text, one namespace, runaway code stopped, output capped, history."""
import os
import sys
import time

import numpy as np
import pytest

from cnn_explainer.page import console
from cnn_explainer.net import weights


@pytest.fixture
def shell():
    """A console with numpy in its namespace and a short deadline."""
    return console.Console({"np": np}, deadline_s=0.3)


def test_a_last_expression_shows_its_value_and_statements_print_nothing(shell):
    assert shell.run("x = 6 * 7") == ("", False)
    assert shell.run("x") == ("42", False)
    assert shell.run("print('a'); print('b')\nx + 1") == ("a\nb\n43", False)
    assert shell.namespace["_"] == 43  # the last value, as in Python's own console
    assert shell.run("np.arange(3)") == (repr(np.arange(3)), False)


def test_an_error_gives_a_traceback_of_the_console_s_code_only_and_the_console_goes_on(shell):
    text, failed = shell.run("def f(n):\n    return 1 / n\nf(0)")
    assert failed
    assert text.startswith("Traceback (most recent call last):")
    assert 'File "<console>", line 3' in text and "return 1 / n" in text  # the line itself is quoted
    assert text.rstrip().endswith("ZeroDivisionError: division by zero")
    assert "console.py" not in text and "exec(" not in text
    assert shell.run("1 + 1") == ("2", False)


def test_syntax_errors_and_exits_are_reported_not_raised(shell):
    text, failed = shell.run("for")
    assert failed and "SyntaxError" in text
    text, failed = shell.run("raise SystemExit(3)")
    assert failed and "SystemExit: 3" in text
    text, failed = shell.run("import sys; sys.exit()")
    assert failed and "SystemExit" in text


@pytest.mark.parametrize("loop", ["while True: pass",
                                  "while True:\n    try:\n        pass\n    except Exception:\n        pass",
                                  "def spin():\n    while True:\n        x = 1\nspin()"])
def test_a_loop_that_never_ends_is_stopped_at_the_deadline(shell, loop):
    start = time.monotonic()
    text, failed = shell.run(loop)
    assert failed and text.startswith("Stopped: the command ran longer than 0.3 s")
    assert time.monotonic() - start < 2
    assert shell.run("'alive'") == ("'alive'", False)


def test_the_trace_hook_and_streams_are_restored_after_every_command(shell):
    before = sys.stdout, sys.stderr, sys.gettrace()
    shell.run("1/0")
    shell.run("while True: pass")
    assert (sys.stdout, sys.stderr, sys.gettrace()) == before


def test_output_keeps_only_the_last_lines():
    shell = console.Console({}, max_lines=100)
    text, failed = shell.run("for i in range(5000): print(i)")
    lines = text.split("\n")
    assert not failed and lines[0] == "… 4900 earlier lines not kept"
    assert lines[1:] == [str(i) for i in range(4900, 5000)]


def test_a_snapshot_tells_when_a_kernel_or_the_picture_changed():
    model = weights.load_model(os.path.join(os.path.dirname(os.path.dirname(__file__)), "weights", "tinyvgg-tin10.json"))
    picture = np.zeros((64, 64, 3), np.float32)
    weights_before, picture_before = console.snapshot(console.model_arrays(model)), console.snapshot([picture])
    shell = console.Console({"model": model, "image": picture})
    shell.run("x = model.layer('conv_1_1').kernel.sum()")
    assert not console.changed(weights_before, console.model_arrays(model))
    shell.run("model.layer('conv_1_1').kernel[..., 0] = 0")
    assert console.changed(weights_before, console.model_arrays(model))
    assert not console.changed(picture_before, [picture])
    shell.run("image[0, 0] = 1")
    assert console.changed(picture_before, [picture])
    assert len(console.model_arrays(model)) == 10  # 5 kernels and 5 biases of Tiny VGG


def test_history_walks_back_and_forth_and_keeps_the_draft():
    history = console.History()
    for command in ["a", "b", "b", "  ", "c"]:
        history.add(command)
    assert history.items == ["a", "b", "c"]
    assert history.older("draft") == "c" and history.older("c") == "b" and history.older("b") == "a"
    assert history.older("a") == "a"  # the oldest stays
    assert history.newer("a") == "b" and history.newer("b") == "c" and history.newer("c") == "draft"
    assert history.newer("draft") == "draft"
