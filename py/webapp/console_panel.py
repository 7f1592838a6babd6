"""The Python console panel: the visitor's code runs in the page's own interpreter on the live model, and the network
redraws after a command that changed a weight or the picture (cnn_explainer.console runs the code)."""
import builtins
import platform
import time

import numpy as np
from pyscript import document

from cnn_explainer.page import console
from cnn_explainer.i18n import _

from .dom import later, one

KEEP_LINES = console.MAX_LINES  # lines the output panel keeps, all commands together


def guide(model):
    """What help() prints: the ready-made names and three things to try, for this model."""
    conv = next((layer for layer in model.layers if layer.type == "conv2d"), model.layers[0])
    shape = tuple(conv.kernel.shape) if conv.kernel is not None else ()
    return _("""Ready-made names (they follow the page's model and picture):
  model  the current model: model.layers, model.layer("{conv}")
         .kernel {shape} and .bias
  acts   each layer's output for the picture: acts["{conv}"]
  image  the input {size}, in the model's pixel range
  np     NumPy
Try:
  acts["{conv}"].shape
  model.layer("{conv}").kernel[..., 0] = 0
      (the first neuron of {conv} then sees nothing)
  image[:, :, 0] = image.min()      (no red at all)
A change to a weight or to the picture redraws the network;
"Reset the model" undoes every edit. A command that runs
longer than {seconds} s is stopped.""").format(
        conv=conv.name, shape=shape, size=tuple(model.input_shape), seconds=f"{console.DEADLINE_S:g}")


class ConsolePanel:
    """Owns the console (#console): runs #console-input's commands, writes #console-output, redraws the app."""

    def __init__(self, app):
        self.app, self.history = app, console.History()
        self.namespace = {"np": np, "help": self.help, "__name__": "__console__"}
        self.console = console.Console(self.namespace)
        self.originals = {}  # model name → copies of its weights from before the console first changed them
        self.runs = 0  # commands run (body data-console-runs, for the tests)
        self.picture = None  # [the picture's array as the page chose it, a copy of it, the array the console set]

    def help(self, *args):
        """help() lists the console's names; help(something) is Python's own help."""
        if args:
            return builtins.help(*args)
        print(guide(self.app.state.model))

    def toggle(self, event=None):
        """Open the panel (focus in the input) or close it (focus back on the button)."""
        panel, button = one("#console"), one("#console-open")
        opening = bool(panel.hidden)
        panel.hidden = not opening
        button.setAttribute("aria-expanded", "true" if opening else "false")
        document.body.classList.toggle("console-open", opening)
        (one("#console-input") if opening else button).focus()
        if opening and not one("#console-output").firstChild:
            self.write("", _("Python {version} with NumPy {numpy}, in this page. Type help() to see what is here.").format(
                version=platform.python_version(), numpy=np.__version__), "note")

    def paste(self, code):
        """Put a view's code into the input (the panel opens), ready for Enter."""
        if one("#console").hidden:
            self.toggle()
        self.show_command(code)
        one("#console-input").focus()

    def on_key(self, event):
        """Enter runs, Shift+Enter adds a line, ↑/↓ walk the history (from the first/last line), Ctrl+L clears,
        Escape closes the panel."""
        box, key = event.target, event.key
        if key == "Enter" and not event.shiftKey:
            event.preventDefault()
            self.submit(box.value)
        elif key == "l" and event.ctrlKey:
            event.preventDefault()
            one("#console-output").innerHTML = ""
        elif key == "ArrowUp" and "\n" not in box.value[:box.selectionStart]:
            event.preventDefault()
            self.show_command(self.history.older(box.value))
        elif key == "ArrowDown" and "\n" not in box.value[box.selectionEnd:]:
            event.preventDefault()
            self.show_command(self.history.newer(box.value))
        elif key == "Escape":
            event.stopPropagation()  # the explanation's own Escape (step back) is not meant
            self.toggle()

    def show_command(self, text):
        """Put a command from the history into the input, caret at its end."""
        box = one("#console-input")
        box.value = text
        box.selectionStart = box.selectionEnd = len(text)

    def submit(self, source):
        """Run a command, show it and its output, and redraw the page if it changed the model or the picture."""
        if not source.strip():
            return
        self.history.add(source)
        one("#console-input").value = ""
        state = self.app.state
        self.namespace.update(model=state.model, acts=state.acts, image=state.array)
        weights_before = console.snapshot(console.model_arrays(state.model))
        picture_before = console.snapshot([state.array])
        if state.model.name not in self.originals:  # the shipped weights, copied once per model for the reset
            self.originals[state.model.name] = console.snapshot(console.model_arrays(state.model))
        if self.picture is None or state.array is not self.picture[0] and state.array is not self.picture[2]:
            self.picture = [state.array, state.array.copy(), state.array]  # a picture the page chose since
        start = time.perf_counter()
        text, failed = self.console.run(source)
        document.body.dataset.consoleMs = f"{(time.perf_counter() - start) * 1000:.2f}"
        self.write(source, text, "error" if failed else "result")
        self.runs += 1
        replaced = self.replaced_picture()
        if (replaced or console.changed(weights_before, console.model_arrays(state.model))
                or console.changed(picture_before, [state.array])):
            self.redraw()
        document.body.dataset.consoleRuns = str(self.runs)

    def replaced_picture(self):
        """Take `image = …` (a new array of the picture's shape) as the new picture; True if it was one."""
        state, image = self.app.state, self.namespace.get("image")
        if image is state.array or not isinstance(image, np.ndarray) or image.shape != state.array.shape:
            return False
        state.array = self.picture[2] = np.asarray(image, dtype=np.float32).copy()
        self.namespace["image"] = state.array
        return True

    def redraw(self):
        """Run the forward pass again and redraw the network and any open view (timed for the benchmark)."""
        start = time.perf_counter()
        app, state = self.app, self.app.state
        app.show_image(state.array, state.preview_url, state.caption, state.example)
        self.namespace["acts"] = state.acts
        self.mark_edited()
        document.body.dataset.consoleRedrawMs = f"{(time.perf_counter() - start) * 1000:.2f}"

    def mark_edited(self):
        """Say in the panel whether the current model's weights differ from what it shipped with."""
        model, originals = self.app.state.model, self.originals.get(self.app.state.model.name)
        edited = originals is not None and console.changed(originals, console.model_arrays(model))
        one("#console-edited").hidden = not edited
        document.body.dataset.consoleEdited = "true" if edited else "false"

    def reset(self, event=None):
        """Undo every edit of the current model's weights (and of the picture) and redraw."""
        state = self.app.state
        for array, original in zip(console.model_arrays(state.model), self.originals.pop(state.model.name, [])):
            array[...] = original
        if self.picture is not None and any(state.array is a for a in (self.picture[0], self.picture[2])):
            state.array = self.picture[0] = self.picture[2] = self.picture[1].copy()
        self.write("", _("The model's weights are as it shipped."), "note")
        self.redraw()

    def write(self, source, text, kind):
        """Append a command and its output to #console-output (as text), keeping the last KEEP_LINES lines."""
        output = one("#console-output")
        entry = document.createElement("div")
        entry.className = f"console-entry {kind}"
        if source:
            command = document.createElement("pre")
            command.className = "console-command"
            command.textContent = source
            entry.append(command)
        if text:
            result = document.createElement("pre")
            result.className = "console-text"
            result.textContent = text
            entry.append(result)
        lines = source.count("\n") + text.count("\n") + 2
        entry.dataset.lines = str(lines)
        output.append(entry)
        total = sum(int(child.dataset.lines) for child in output.children)
        while total > KEEP_LINES and output.children.length > 1:
            total -= int(output.firstElementChild.dataset.lines)
            output.firstElementChild.remove()
        later(lambda: setattr(output, "scrollTop", output.scrollHeight))
