"""A Python console on the live model: runs what the visitor types, shows results and tracebacks as text, stops
runaway code at a deadline and keeps only the last lines of output. Nothing here knows the browser."""
import ast
import collections
import linecache
import sys
import time
import traceback

import numpy as np

DEADLINE_S = 8.0  # a command still running after this long is stopped (the promise is "within 10 s")
MAX_LINES = 1000  # lines of output kept (of one command, and of the whole console)
FILENAME = "<console>"


class TimedOut(BaseException):
    """Raised inside the visitor's code when it runs past its deadline (a BaseException: `except Exception` in their
    code does not swallow it)."""


class Lines:
    """A text stream that keeps its last max_lines lines and counts the ones it dropped."""

    def __init__(self, max_lines=MAX_LINES):
        self.lines, self.partial, self.dropped = collections.deque(maxlen=max_lines), "", 0

    def write(self, text):
        """Add text (print() writes through this)."""
        *done, self.partial = (self.partial + str(text)).split("\n")
        self.dropped += max(0, len(self.lines) + len(done) - self.lines.maxlen)
        self.lines.extend(done)
        return len(text)

    def flush(self):
        """Nothing to flush: the lines are read when the command ends."""

    def text(self):
        """What was written, with a first line saying how many earlier lines were dropped."""
        lines = list(self.lines) + ([self.partial] if self.partial else [])
        head = [f"… {self.dropped} earlier lines not kept"] if self.dropped else []
        return "\n".join(head + lines)


def snapshot(arrays):
    """Copies of some arrays, to tell afterwards whether a command changed any of them."""
    return [np.array(a, copy=True) for a in arrays]


def changed(before, arrays):
    """Whether any array differs from its snapshot (values, shape or the number of arrays)."""
    return len(before) != len(arrays) or any(not np.array_equal(a, b) for a, b in zip(before, arrays))


def model_arrays(model):
    """Every kernel and bias of a model, in layer order."""
    return [a for layer in model.layers for a in (layer.kernel, layer.bias) if a is not None]


def split_last_expression(source):
    """(statements, last expression or None) of the source, compiled: a REPL shows the value of a last expression."""
    tree = ast.parse(source, FILENAME, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    body = compile(tree, FILENAME, "exec")
    return body, (compile(last, FILENAME, "eval") if last is not None else None)


class Console:
    """Runs commands in one namespace; run() returns (output text, whether it raised)."""

    def __init__(self, namespace, deadline_s=DEADLINE_S, max_lines=MAX_LINES, clock=time.monotonic):
        self.namespace, self.deadline_s, self.max_lines, self.clock = namespace, deadline_s, max_lines, clock

    def tracer(self, deadline):
        """A trace function that raises TimedOut in the running code once the clock passes deadline."""
        def trace(frame, event, arg):
            if event == "call" and frame.f_code.co_filename == FILENAME:
                # `while True: pass` makes no line events, only opcodes: traced for the console's own code only
                frame.f_trace_opcodes = True
            if self.clock() > deadline:
                raise TimedOut
            return trace
        return trace

    def run(self, source):
        """Run one command (statements, then the value of a last expression); (output, failed)."""
        out = Lines(self.max_lines)
        failed = False
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = out
        linecache.cache[FILENAME] = (len(source), None, source.splitlines(True), FILENAME)  # tracebacks quote it
        try:
            body, last = split_last_expression(source)
            sys.settrace(self.tracer(self.clock() + self.deadline_s))
            try:
                exec(body, self.namespace)
                value = eval(last, self.namespace) if last is not None else None
            finally:
                sys.settrace(None)
            if value is not None:
                self.namespace["_"] = value
                out.write(repr(value) + "\n")
        except TimedOut:
            failed = True
            out.write(f"Stopped: the command ran longer than {self.deadline_s:g} s (a loop that never ends?).\n")
        except SyntaxError as error:
            failed = True
            out.write("".join(traceback.format_exception_only(type(error), error)))
        except BaseException as error:  # noqa: B036 (the console outlives anything a command raises, SystemExit too)
            failed = True
            out.write(self.traceback_of(error))
        finally:
            sys.stdout, sys.stderr = saved
        return out.text(), failed

    @staticmethod
    def traceback_of(error):
        """The traceback of an error from the console's code, without the console's own frames."""
        frames = traceback.extract_tb(error.__traceback__)
        ours = [i for i, frame in enumerate(frames) if frame.filename == FILENAME]
        shown = frames[ours[0]:] if ours else frames[-1:]
        lines = ["Traceback (most recent call last):\n", *traceback.format_list(shown)]
        return "".join(lines + traceback.format_exception_only(type(error), error))


class History:
    """The commands typed so far, walked with ↑ and ↓ like a shell (the line being typed is kept as a draft)."""

    def __init__(self, limit=200):
        self.items, self.limit, self.position, self.draft = [], limit, 0, ""

    def add(self, command):
        """Remember a command that ran (not a repeat of the last one, nor blank) and go back to the end."""
        if command.strip() and (not self.items or self.items[-1] != command):
            self.items = (self.items + [command])[-self.limit:]
        self.position, self.draft = len(self.items), ""

    def older(self, current):
        """The command before the one shown (current is kept as the draft when leaving the end)."""
        if self.position == len(self.items):
            self.draft = current
        self.position = max(0, self.position - 1)
        return self.items[self.position] if self.items else current

    def newer(self, current):
        """The command after the one shown, or the draft past the last one."""
        self.position = min(len(self.items), self.position + 1)
        return self.items[self.position] if self.position < len(self.items) else self.draft
