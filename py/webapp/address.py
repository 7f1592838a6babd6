"""The address bar follows the page (cnn_explainer.share): every opened view is a history entry, and a link, a reload
or back/forward reopens what it records."""
import js

from cnn_explainer import i18n, share

from .choices import show_example, use_model
from .conv_formula_view import ConvFormulaView
from .dom import one
from .playground_view import Playground
from .softmax_view import SoftmaxView

SUBVIEWS = {ConvFormulaView: "channel", SoftmaxView: "softmax", Playground: "playground"}


def view_steps(explainer):
    """The open views as share steps: [(layer, index), ("channel", 2), …] ([] when none is open)."""
    if not explainer.stack:
        return []
    steps = [tuple(explainer.stack[0].args[:2])]
    for entry in explainer.stack[1:]:
        name = SUBVIEWS.get(entry.view_class)
        if name is None:
            break
        steps.append((name, entry.args[2]) if name == "channel" else (name,))
    return steps


class Address:
    """Writes the page's state into location.hash, and reads it back."""

    def __init__(self, app):
        self.app, self.restoring, self.last = app, False, None

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
        """Reopen what the address records: language, model, example, colour level, views and position."""
        fields = share.decode(js.location.hash)
        app, state = self.app, self.app.state
        self.restoring = True
        try:
            if fields.get("lang") in i18n.LANGUAGES and fields["lang"] != i18n.language:  # (absent: as it is)
                app.set_language(fields["lang"])
            name = fields.get("model")
            if name in state.shipped and name != state.model.name:
                one("#model-select").value = name
                await use_model(app, state.models[name])
            example = fields.get("example")
            if example and example != state.example and any(item["file"] == example for item in state.gallery()):
                await show_example(app, example)
            level = fields.get("level")
            if level in share.LEVELS and level != state.level:
                one("#scale-level").value = level
                app.set_level(level)
            self.open_views(fields)
        finally:
            self.restoring = False
        self.last = None
        self.record()

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
            else:
                break
        at = share.parse_at(fields.get("at", ""))
        player = getattr(explainer.view, "player", None)
        if at is not None and player is not None:
            player.pause()
            player.go((min(at[0], player.shape[0] - 1), min(at[1], player.shape[1] - 1)))
