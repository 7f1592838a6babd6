"""The address bar follows the page (cnn_explainer.share): every opened view is a history entry, and a link, a reload
or back/forward reopens what it records."""
import asyncio

import js

from cnn_explainer import i18n
from cnn_explainer.page import share
from cnn_explainer.net import weights

from .choices import show_example, use_model
from .views.conv_formula_view import ConvFormulaView
from .dom import one
from .views.playground_view import Playground
from .views.saliency_view import SaliencyView
from .views.softmax_view import SoftmaxView

DEFAULT = object()  # "the model's default example", in the fields an empty address stands for
SUBVIEWS = {ConvFormulaView: "channel", SoftmaxView: "softmax", Playground: "playground", SaliencyView: "saliency"}


def view_steps(explainer):
    """The open views as share steps: [(layer, index), ("channel", 2), …] ([] when none is open)."""
    if not explainer.stack:
        return []
    steps = [tuple(explainer.stack[0].args[:2])]
    for entry in explainer.stack[1:]:
        name = SUBVIEWS.get(entry.view_class)
        if name is None:
            break
        if name == "channel":
            steps.append((name, entry.args[2]))
        elif name == "saliency" and entry.args[0].class_index is not None:  # a class chosen, not the predicted one
            steps.append((name, entry.args[0].class_index))
        else:
            steps.append((name,))
    return steps


class Address:
    """Writes the page's state into location.hash, and reads it back."""

    def __init__(self, app):
        self.app, self.restoring, self.last = app, False, None
        self.lock, self.generation = asyncio.Lock(), 0  # restores run one at a time; the latest one counts

    def fields(self):
        """What the page shows now, as share fields (nothing a visitor brought: their image or model)."""
        app, state = self.app, self.app.state
        fields = {"lang": i18n.language if i18n.language != "en" else None,
                  "level": state.level if state.level != "module" else None}
        if state.model is None or state.model.name not in state.shipped:
            return fields
        fields["model"], fields["example"] = state.model.name, state.example
        steps = view_steps(app.explainer)
        if steps:
            fields["view"] = share.view_text(steps)
            player = getattr(app.explainer.view, "player", None)
            if player is not None:
                fields["at"] = ",".join(str(p) for p in player.position)
        return fields

    def record(self, push=False):
        """Put the current state into the address: a new history entry (push) or the current one replaced."""
        if self.restoring:
            return
        text = share.encode(self.fields())
        if text == self.last:
            return
        query = js.URLSearchParams.new(js.location.search)
        query.delete("lang")  # the language is recorded in the fragment now (a stale ?lang= would win on reload)
        search = f"?{query.toString()}" if query.toString() else ""
        url = js.location.pathname + search + text
        (js.history.pushState if push and self.last is not None else js.history.replaceState)(None, "", url)
        self.last = text

    async def restore(self):
        """Reopen what the address records (an empty address: the defaults). Restores run one at a time and the
        latest wins: one that a newer back/forward made stale stops between its steps and records nothing. No error
        while restoring (a link is untrusted input) escapes: it is logged and the page goes on as it is."""
        self.generation += 1
        generation = self.generation
        async with self.lock:
            if generation != self.generation:
                return
            empty = js.location.hash in ("", "#")
            self.restoring = True
            try:
                done = await self.apply(self.defaults() if empty else share.decode(js.location.hash), generation)
            except Exception as error:  # noqa: BLE001 (whatever a hostile link or a failing fetch raises)
                js.console.warn(f"could not restore the address {js.location.hash!r}: {error!r}")
                done = generation == self.generation
            finally:
                self.restoring = False
            if not done:
                return
            if empty:  # the first entry stays empty: it stands for the defaults, not for what they look like now
                self.last = ""
                return
            self.last = None
            self.record()

    def defaults(self):
        """The fields an empty address means: the default model and its default example, module colours, no view."""
        state = self.app.state
        name = weights.DEFAULT_MODEL if weights.DEFAULT_MODEL in state.shipped else next(iter(state.models), None)
        return {"model": name, "level": "module", "example": DEFAULT}

    async def apply(self, fields, generation):
        """Show the fields step by step: language, model, example, colour level, views; False if it became stale."""
        app, state = self.app, self.app.state
        if fields.get("lang") in i18n.LANGUAGES and fields["lang"] != i18n.language:  # (absent: as it is)
            app.set_language(fields["lang"])
        name = fields.get("model")
        if name in state.shipped and name != state.model.name:
            one("#model-select").value = name
            await use_model(app, state.models[name])
            if generation != self.generation:
                return False
        example = fields.get("example")
        if example is DEFAULT:
            example = state.default_example() or next((item["file"] for item in state.gallery()), None)
        if example and example != state.example and any(item["file"] == example for item in state.gallery()):
            await show_example(app, example)
            if generation != self.generation:
                return False
        level = fields.get("level")
        if level in share.LEVELS and level != state.level:
            one("#scale-level").value = level
            app.set_level(level)
        self.open_views(fields)
        return True

    def open_views(self, fields):
        """Open the recorded stack of views (closing any other) and move its animation to the recorded cell."""
        app = self.app
        explainer, overview = app.explainer, app.overview
        columns = {col.name: (col.kind, col.shape[-1]) for col in overview.columns}
        steps = share.parse_view(fields["view"], columns) if "view" in fields else None
        if not steps:
            explainer.close(refocus=False)
            return
        layer, index = steps[0]
        explainer.open_neuron(layer, index, overview.node(layer, index))
        kind = columns[layer][0]
        for step in steps[1:]:
            if step[0] == "channel" and kind == "conv2d" and step[1] < app.state.acts[overview.source_of(layer)].shape[-1]:
                explainer.push_now(ConvFormulaView, layer, index, step[1])
            elif step[0] == "softmax" and kind == "output":
                explainer.push_now(SoftmaxView, index)
            elif step[0] == "playground" and kind == "conv2d":
                explainer.push_now(Playground, "image", layer, index)
            elif step[0] == "saliency" and kind == "input":
                chosen = step[1] if len(step) > 1 and step[1] < len(app.state.model.classes) else None
                if app.saliency.class_index != chosen:
                    app.saliency.class_index = chosen
                    app.saliency.choose()  # forget the gradient of the other class; the overview's heat map follows
                explainer.push_now(SaliencyView, app.saliency)
            else:
                break
        at = share.parse_at(fields.get("at", ""))
        player = getattr(explainer.view, "player", None)
        if at is not None and player is not None:
            player.pause()
            player.go((min(at[0], player.shape[0] - 1), min(at[1], player.shape[1] - 1)))
