"""A training in the page: a Trainer's work() run in slices of about 30 ms on the main thread (the page answers
between them), paused, resumed or stopped; its curves and the network redrawn as it learns; the result a model like
any other (body[data-training]: running, then done, stopped or error)."""
import asyncio
import json
import time

import js
import numpy as np
from pyscript import document

from cnn_explainer.i18n import _
from cnn_explainer.net import weights
from cnn_explainer.net.model import scale_pixels
from cnn_explainer.page import markup, teach_figures
from cnn_explainer.page.numbers import percent

from .choices import add_to_menu, use_model
from .dom import media, one, set_text

PHONE = "(max-width: 640px)"  # the media query of the phone layout in app.css and teach.css
SLICE_S = 0.03  # work between two yields to the browser: with the page's own redraws, no task reaches 50 ms
PAUSED_POLL_S = 0.05
PROGRESS_S = 0.1  # the progress line and bar change at most this often (each change costs the browser a repaint)


def default_epochs(mode):
    """How many epochs a mode runs when the visitor does not say."""
    from cnn_explainer.net.training import DEFAULT_EPOCHS
    return DEFAULT_EPOCHS[mode] if isinstance(DEFAULT_EPOCHS, dict) else DEFAULT_EPOCHS


def yield_to_browser():
    """Let the browser handle input and paint before the next slice (a macrotask, not a microtask)."""
    return asyncio.sleep(0)


class TeachRun:
    """One training at a time: start(), pause(), resume(), stop(); `result` is the last model it taught."""

    last = None  # the latest Trainer (the browser tests and the benchmark read its history and pictures)

    def __init__(self, app, say, on_state=lambda: None):
        self.app, self.say, self.on_state = app, say, on_state
        self.trainer, self.previous, self.result = None, None, None
        self.paused, self.taught = False, set()
        self.redraws = 0

    @property
    def busy(self):
        return self.trainer is not None and self.trainer.state == "running"

    def input_shape(self):
        """The input the pictures are prepared for (the current model's)."""
        return tuple(self.app.state.model.input_shape)

    def default_epochs(self, mode):
        return default_epochs(mode)

    async def show_model(self, model):
        """Show a model that takes the same input as the current one with the current picture: its overview in one
        task, its maps in the next (each well under 50 ms); any other case, or a failure, goes through
        choices.use_model's all-or-nothing switch. True if done."""
        app, state = self.app, self.app.state
        if state.array is None or tuple(model.input_shape) != tuple(state.model.input_shape) \
                or tuple(model.pixel_range) != tuple(state.model.pixel_range):
            return await use_model(app, model, keep_image=True)
        previous = state.model
        try:
            app.use_model(model)
            await yield_to_browser()
            app.show_image(state.array, state.preview_url, app.caption(), state.example)
            return True
        except Exception as error:  # whatever broke, the page must not be left half-switched
            js.console.error(f"teach: {error!r}")
            await use_model(app, previous, keep_image=True)
            one("#model-select").value = previous.name
            return False

    def show_state(self, state):
        """body[data-training] and which of Train / Pause / Resume / Stop are offered."""
        document.body.dataset.training = state
        running = state == "running"
        one("#teach-train").hidden = running
        one("#teach-pause").hidden = not running or self.paused
        one("#teach-resume").hidden = not running or not self.paused
        one("#teach-stop").hidden = not running
        for selector in ("#teach-mode", "#teach-epochs", "#teach-seed", "#teach-model-name", "#teach-save"):
            one(selector).disabled = running
        one("#teach-project").disabled = running
        self.on_state()

    async def start(self, classes, settings):
        """Check the classes and start training on the current model (on bad input: one message, nothing changes)."""
        if self.busy:
            return
        from cnn_explainer.net.training import TeachError, Trainer
        state = self.app.state
        names = [entry.name for entry in classes]
        pictures = [pixels for entry in classes for pixels in entry.pictures]
        labels = [i for i, entry in enumerate(classes) for _pixels in entry.pictures]
        pixels = np.stack(pictures) if pictures else np.zeros((0, *self.input_shape()), np.uint8)
        name = weights.unique_name(settings["name"], state.models)
        try:
            trainer = Trainer(state.model, names, pixels, labels, mode=settings["mode"], epochs=settings["epochs"],
                              seed=settings["seed"], name=name)
        except TeachError as error:
            self.say(str(error), "error")
            return
        self.trainer, self.previous, self.paused = trainer, state.model, False
        TeachRun.last = trainer
        self.say("")
        one("#teach-result").hidden = True
        one("#teach-curves").innerHTML = teach_figures.curves_html([], trainer.epochs)
        self.show_state("running")
        one("#teach-pause").focus()
        learning = document.createElement("option")  # the menu names the model the overview shows while it learns
        learning.value, learning.disabled, learning.id = "", True, "teach-learning"
        learning.textContent = _("{name} (learning…)").format(name=markup.isolate(name))
        one("#model-select").appendChild(learning)
        one("#model-select").value = ""
        one("#teach").scrollTop = one(".teach-settings").offsetTop  # the buttons, progress and curves in view
        if media(PHONE):  # the panel covers the lower half: the network comes into view above it
            one("#network").scrollIntoView()
        await yield_to_browser()
        if not await self.show_model(trainer.model):  # the overview now shows the model learning
            trainer.stop()
        await yield_to_browser()
        await self.drive(trainer)

    async def drive(self, trainer):
        """Run work() in slices of about SLICE_S, yielding to the browser between them; after every epoch, its curves
        and the network (in the same slice when that redraw is cheap, as in quick where only the output changes)."""
        work, info = trainer.work(), {"phase": "features", "done": 0, "total": 1, "epochs": trainer.epochs}
        drawn, began, longest, busy = 0, time.perf_counter(), 0.0, 0.0
        self.walls, self.epoch_began, shown, slowest = [], began, 0.0, {}
        maps_change = any(layer.type == "conv2d" for layer in trainer.model.layers[trainer.start:])
        progress = one("#teach-progress")
        progress.hidden = False
        ended = False
        while not ended:
            paused = time.perf_counter()
            while self.paused and trainer.state == "running":
                await asyncio.sleep(PAUSED_POLL_S)
            start = time.perf_counter()
            self.epoch_began += start - paused  # a pause is no part of an epoch's time
            try:
                while True:  # at least one step; another only if it should end within the slice
                    before = time.perf_counter()
                    info = next(work)
                    step = time.perf_counter() - before
                    slowest[info["phase"]] = max(slowest.get(info["phase"], 0.0), step)
                    self.time_epochs(trainer)
                    if len(trainer.history) > drawn:  # an epoch ended
                        if maps_change and time.perf_counter() - start > SLICE_S / 3:
                            break  # a full redraw gets a slice of its own, below
                        drawn = len(trainer.history)
                        self.draw_epoch(trainer, maps_change)
                    if time.perf_counter() - start + step > SLICE_S:
                        break
            except StopIteration:
                ended = True
            except Exception as error:  # the trainer's own failures set its state; anything else ends it the same way
                js.console.error(f"training: {error!r}")
                trainer.state, trainer.error, ended = "error", str(error), True
            if ended or time.perf_counter() - shown >= PROGRESS_S:  # the page repaints only when something changed
                shown = time.perf_counter()
                self.show_progress(trainer, info, progress)
            longest, busy = max(longest, time.perf_counter() - start), busy + time.perf_counter() - start
            await yield_to_browser()
            if len(trainer.history) > drawn:
                start = time.perf_counter()
                drawn = len(trainer.history)
                self.draw_epoch(trainer, maps_change)
                longest, busy = max(longest, time.perf_counter() - start), busy + time.perf_counter() - start
                await yield_to_browser()
        data = document.body.dataset
        data.teachMs = f"{(time.perf_counter() - began) * 1000:.1f}"
        data.teachSliceMs = f"{longest * 1000:.1f}"  # the longest task of Python's own
        data.teachBusyMs = f"{busy * 1000:.1f}"  # Python's time in all (the rest is the browser's, between slices)
        data.teachStepMs = json.dumps({phase: round(t * 1000, 1) for phase, t in slowest.items()})  # slowest next()
        one("#teach-progress-text").textContent = teach_figures.progress_text(
            self.seen_history(trainer), {"phase": "end", "epoch": len(trainer.history), "epochs": trainer.epochs})
        await self.finish(trainer)

    def draw_epoch(self, trainer, maps_change):
        """An epoch ended: the curves, and the network with the weights as they are now."""
        one("#teach-curves").innerHTML = teach_figures.curves_html(trainer.history, trainer.epochs)
        document.body.dataset.teachEpoch = str(len(trainer.history))
        self.redraw_network(trainer, maps_change)

    def time_epochs(self, trainer):
        """Note the wall-clock time of each newly finished epoch (the page's own work between slices included)."""
        while len(self.walls) < len(trainer.history):
            now = time.perf_counter()
            self.walls.append(now - self.epoch_began)
            self.epoch_began = now

    def seen_history(self, trainer):
        """The history as the visitor lives it: each epoch's wall-clock seconds and images per second."""
        return teach_figures.wall_clock(trainer.history, self.walls, len(trainer.train_index))

    def show_progress(self, trainer, info, progress):
        """The progress bar and line: phase or epoch, images/s, time left."""
        epochs = max(trainer.epochs, 1)
        if info.get("phase") == "features":
            value = 0.0
        else:
            value = (len(trainer.history) + (info.get("done", 0) / max(info.get("total", 1), 1)
                                             if info.get("epoch", 0) > len(trainer.history) else 0.0)) / epochs
        progress.value = min(value, 1.0)
        one("#teach-progress-text").textContent = teach_figures.progress_text(self.seen_history(trainer), info)
        document.body.dataset.teachEpoch = str(len(trainer.history))

    def redraw_network(self, trainer, maps_change=True):
        """The current picture's maps with the weights as they are now (when the overview shows that model)."""
        state = self.app.state
        if state.model is not trainer.model or state.array is None:
            return
        start = time.perf_counter()
        state.acts = teach_figures.forward_from(trainer.model, state.acts, trainer.start)  # the frozen layers kept
        if maps_change:
            self.app.overview.update(state.acts, state.level)
        else:  # only the dense layer learns (quick): the maps stay as they are, the probabilities change
            self.app.overview.acts = state.acts
            self.app.overview.show_probabilities(state.acts[trainer.model.layers[-1].name])
        self.app.saliency.reset()  # the weights moved: the gradient is stale (shown again below when its toggle is on)
        self.app.refresh_saliency()
        self.app.explainer.refresh()
        self.redraws += 1
        document.body.dataset.teachRedraws = str(self.redraws)
        document.body.dataset.teachRedrawMs = f"{(time.perf_counter() - start) * 1000:.1f}"

    def pause(self):
        if self.busy and not self.paused:
            self.paused = True
            self.show_state("running")
            document.body.dataset.trainingPaused = "true"
            one("#teach-resume").focus()

    def resume(self):
        if self.busy and self.paused:
            self.paused = False
            self.show_state("running")
            document.body.dataset.trainingPaused = "false"
            one("#teach-pause").focus()

    def stop(self):
        """Stop after the current step: the model keeps the last finished epoch's weights."""
        if self.busy:
            self.trainer.stop()
            self.paused = False

    async def finish(self, trainer):
        """Done or stopped with an epoch finished: the model joins the menu, selected, with its held-out results.
        Otherwise (an error, or stopped before any epoch) the previous model comes back and the message says why."""
        outcome = trainer.state if trainer.state in ("done", "stopped", "error") else "done"
        state, model = self.app.state, trainer.model
        document.body.dataset.trainingPaused = "false"
        learning = one("#teach-learning")
        if learning is not None:
            learning.remove()
        if outcome != "error" and trainer.history:
            model.name = weights.unique_name(model.name, state.models)
            add_to_menu(self.app, model)
            self.taught.add(model.name)
            self.result = model
            if state.model is model:  # shown since the start: its name in the head, every view redrawn
                set_text("#model-info", markup.model_info(model))
                one("#model-select").title = markup.model_info(model)
                await yield_to_browser()
                self.app.show_image(state.array, state.preview_url, self.app.caption(), state.example)
            else:  # the visitor chose another model meanwhile
                await use_model(self.app, model, keep_image=True)
            await yield_to_browser()
            one("#teach-confusion").innerHTML = teach_figures.confusion_html(trainer.confusion(), model.classes)
            one("#teach-result").hidden = False
            last = trainer.history[-1]
            words = (_("Done: “{name}” is in the model menu, {share} right on the held-out pictures.") if outcome == "done"
                     else _("Stopped: “{name}” keeps epoch {epoch}'s weights and is in the model menu, {share} right on "
                            "the held-out pictures."))
            self.say(words.format(name=markup.isolate(model.name), epoch=last["epoch"], share=percent(last["held_accuracy"])))
        else:
            if state.model is model and self.previous is not None:
                await use_model(self.app, self.previous, keep_image=True)
                one("#model-select").value = self.previous.name
            self.say(trainer.error if outcome == "error" and trainer.error else
                     _("Stopped before the first epoch finished: no model was kept."), "error" if outcome == "error" else "note")
        self.show_state(outcome)
        one("#teach-train").focus()

    def relabel(self):
        """The curves, progress line and confusion matrix again in the page's language."""
        trainer = self.trainer
        if trainer is None or not trainer.history:
            return
        one("#teach-curves").innerHTML = teach_figures.curves_html(trainer.history, trainer.epochs)
        if not self.busy:
            one("#teach-progress-text").textContent = teach_figures.progress_text(
                self.seen_history(trainer), {"phase": "end", "epoch": len(trainer.history), "epochs": trainer.epochs})
        if self.result is trainer.model:
            one("#teach-confusion").innerHTML = teach_figures.confusion_html(trainer.confusion(), trainer.model.classes)

    def live_prediction(self, pixels):
        """What a taught model (the current one) says of a camera frame; empty for any other model."""
        model = self.app.state.model
        if model.name not in self.taught or self.busy:
            return ""
        probabilities = model.predict(scale_pixels(pixels, model.pixel_range))
        return teach_figures.live_text(probabilities, model.classes)
