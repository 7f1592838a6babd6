"""Convolution neuron explained, the "elastic" view: each input channel × its kernel slice, summed, plus the bias."""
import functools

import numpy as np

from cnn_explainer import colormap, elastic, markup, steps
from cnn_explainer.model import Model

from .conv_formula_view import ConvFormulaView
from .dom import Listeners, every, paint
from .grids import Grid
from .player import Player, controls_html

CODE = (Model.conv_intermediates, steps.conv_total)
# Which code line each part of the picture comes from: (panel, start of the line).
CODE_LINES = {"input": (0, "x, window, stride ="), "kernel": (0, "kernel ="), "intermediate": (0, "return np.einsum"),
              "sum": (1, "return"), "bias": (1, "return"), "output": (1, "return")}
LEGENDS = {"input": "input channels", "kernel": "kernel weights", "intermediate": "intermediate maps",
           "output": "output and bias"}
INFO = "Hover over or focus a map, a kernel or the bias to read its values; click a map to see it computed."


@functools.cache
def code_panels():
    """The two code panels' HTML (read from the sources once)."""
    return "".join(markup.code_html(*steps.source(f), f"py/{f.__module__.replace('.', '/')}.py · {f.__qualname__}")
                   for f in CODE)


@functools.cache
def code_line(kind):
    """(panel, line index) of the code that computes this kind of element."""
    panel, start = CODE_LINES[kind]
    return panel, steps.line_of(CODE[panel], start)


def limit_of(*arrays):
    """One colour limit for several arrays: their largest |value| (1 when all are zero)."""
    return max(float(np.abs(a).max()) for a in arrays) or 1.0


class ConvView:
    """One conv neuron: every input channel, its kernel slice, the intermediate maps, their sum, the bias, the output."""

    return_to = None  # (layer, index, kind, channel) of the element whose formula view is open above this view

    def __init__(self, app, layer, index):
        self.app, self.layer, self.index = app, layer, index
        self.title = f"Convolution · {layer}, neuron {index + 1}"
        self.listeners, self.player = Listeners(), None

    def mount(self, body):
        """Compute the pieces, draw the diagram, sentence and code, and start stepping through output cells."""
        self.compute()
        body.innerHTML = self.html()
        self.body, self.diagram = body, body.querySelector(".elastic")
        self.tip, self.info = body.querySelector(".el-tip"), body.querySelector(".el-info")
        self.formula, self.code_panels = body.querySelector(".el-sum-formula"), every(".code-panel", body)
        self.paint(body)
        self.listeners.add(self.diagram, "pointerover", self.on_point)
        self.listeners.add(self.diagram, "focusin", self.on_point)
        self.listeners.add(self.diagram, "pointerleave", lambda event: self.point_at(None))
        self.listeners.add(self.diagram, "focusout", lambda event: self.point_at(None))
        self.listeners.add(self.diagram, "click", self.on_click)
        self.player = Player(body, self.output.shape, 1, self.show)
        self.player.follow(self.output_grid)
        self.point_at(None)
        self.player.start()
        self.restore_focus()

    def restore_focus(self):
        """Coming back from a channel's formula view, focus the map or kernel that opened it (keyboard users stay put)."""
        if ConvView.return_to is not None and ConvView.return_to[:2] == (self.layer, self.index):
            _, _, kind, channel = ConvView.return_to
            self.diagram.querySelector(f'.el-{kind}[data-channel="{channel}"]').focus()
        ConvView.return_to = None

    def compute(self):
        """The numbers behind the picture: inputs, kernel slices, bias, intermediates, output, colour limits, layout."""
        model, acts = self.app.model, self.app.acts
        padded, self.window, self.stride = model.padded_input(self.layer, acts)
        conv = model.layer(self.layer)
        self.inputs = np.ascontiguousarray(np.moveaxis(padded, -1, 0))  # (C, H, W); contiguous colours faster
        self.kernels = np.moveaxis(conv.kernel[:, :, :, self.index], -1, 0)  # (C, kh, kw)
        self.bias = conv.bias[self.index]
        self.intermediates = model.conv_intermediates(self.layer, acts, self.index)
        self.output = acts[self.layer][..., self.index]
        names = ["input"] + [layer.name for layer in model.layers]
        self.source = names[names.index(self.layer) - 1]
        self.limits = {"input": limit_of(self.inputs[np.isfinite(self.inputs)]), "kernel": limit_of(self.kernels),
                       "intermediate": limit_of(self.intermediates), "output": limit_of(self.output, self.bias)}
        self.boxes, self.links, self.height = elastic.elastic(len(self.inputs))
        self.labels = elastic.labels_of(self.layer, self.source, self.inputs, self.kernels, self.intermediates,
                                        self.bias, self.output)

    def html(self):
        """The view's markup: lede, diagram, side panel (player, sum, pointing-at line), legends and code."""
        shapes = {"input": self.inputs.shape[1:], "kernel": self.kernels.shape[1:],
                  "intermediate": self.intermediates.shape[1:], "output": self.output.shape}
        gradient = colormap.legend_gradient()
        legends = "".join(markup.legend_html(LEGENDS[kind], gradient, -top, top, f"conv-{kind}")
                          for kind, top in self.limits.items())
        lede = (f"This neuron looks at all {len(self.inputs)} channels of <b>{markup.escape(self.source)}</b> at once. "
                "Each channel gets its own small slice of the neuron's kernel; sliding that slice over the channel gives "
                "one <i>intermediate map</i>. Adding the intermediate maps cell by cell, plus a single number, the "
                "<i>bias</i>, gives the neuron's output map. Click an input or intermediate map to watch it computed.")
        return (f'<p class="lede">{lede}</p><div class="el-layout"><div class="elastic-scroll">'
                f'{elastic.elastic_html(self.boxes, self.links, self.height, self.labels, shapes)}</div>'
                f'<div class="el-side"><h4>One output cell</h4>{controls_html(self.title)}'
                '<div class="el-sum-formula" aria-live="polite"></div>'
                f'<h4>Pointing at</h4><p class="el-info">{INFO}</p></div></div>'
                f'<div class="el-legends" aria-label="colour scales">{legends}</div>'
                f'<div class="code-row">{code_panels()}</div>')

    def paint(self, body):
        """Paint every map and kernel (one colour limit per column, shared by its maps) and tint the bias."""
        paint(every(".el-input canvas", body), colormap.diverging_rgba(self.inputs, self.limits["input"]))
        paint(every(".el-kernel canvas", body), colormap.diverging_rgba(self.kernels, self.limits["kernel"]))
        intermediates = colormap.diverging_rgba(self.intermediates, self.limits["intermediate"])
        paint(every(".el-intermediate canvas", body), intermediates)
        self.output_grid = Grid(body.querySelector(".el-output .grid"), self.output, self.limits["output"])
        red, green, blue = (int(v) for v in colormap.diverging_rgba(np.array([self.bias]), self.limits["output"])[0, :3])
        bias = body.querySelector(".el-bias")
        bias.style.background = f"rgb({red},{green},{blue})"
        bias.style.color = "#fff" if 0.299 * red + 0.587 * green + 0.114 * blue < 140 else "#0f172a"


    def element_of(self, event):
        """The diagram element (.el) an event happened on, or None."""
        target = event.target
        return target.closest(".el") if target is not None and hasattr(target, "closest") else None

    def on_point(self, event):
        """Hover or focus: tell the element's values, show a kernel's weights or the bias, light its row and code line."""
        self.point_at(self.element_of(event))

    def point_at(self, element):
        """Highlight one element (or, with None, go back to the resting state)."""
        for lit in every(".lit", self.diagram):
            lit.classList.remove("lit")
        kind = element.dataset.el if element is not None else None
        channel = int(element.dataset.channel) if element is not None else 0
        self.info.textContent = self.labels[(kind, channel)] if element is not None else INFO
        if kind in ("input", "kernel", "intermediate"):
            self.diagram.classList.add("focusing")
            for lit in every(f'.el-map[data-channel="{channel}"], path[data-channel="{channel}"]', self.diagram):
                lit.classList.add("lit")
        else:
            self.diagram.classList.remove("focusing")
        self.show_tip(kind, channel)
        self.mark_code(kind or "sum")

    def show_tip(self, kind, channel):
        """The tooltip beside a kernel (its nine weights) or the bias (its value); hidden otherwise."""
        if kind == "kernel":
            name = f"kernel slice {channel + 1}"
            table = markup.number_grid_html(self.kernels[channel], self.limits["kernel"], f"weights of {name}")
            html = f"<strong>{name}</strong> · weights{table}"
        elif kind == "bias":
            html = (f'<strong>bias</strong> = <span class="bias-value" data-value="{float(self.bias)!r}">'
                    f'{markup.number_fixed(float(self.bias), 4)}</span><br>added once to every cell of the sum')
        else:
            self.tip.hidden = True
            return
        box = next(b for b in self.boxes if b.kind == kind and b.index == channel)
        self.tip.innerHTML = html
        style = self.tip.style
        style.left, style.top, style.bottom, style.transform = elastic.tip_position(box, self.height)
        self.tip.hidden = False

    def mark_code(self, kind):
        """Highlight the code line that computes what is pointed at."""
        for line in every(".line.current", self.body):
            line.classList.remove("current")
        panel, index = code_line(kind)
        self.code_panels[panel].querySelector(f'.line[data-line="{index}"]').classList.add("current")

    def on_click(self, event):
        """A click on an input map, kernel or intermediate opens that channel's formula view; on empty space, steps back."""
        element = self.element_of(event)
        if element is None:
            if event.target.classList.contains("elastic"):
                self.app.explainer.back()
            return
        if element.dataset.el in ("input", "kernel", "intermediate"):
            app, layer, index, channel = self.app, self.layer, self.index, int(element.dataset.channel)
            ConvView.return_to = (layer, index, element.dataset.el, channel)
            app.explainer.open(lambda: ConvFormulaView(app, layer, index, channel))

    def show(self, position, phase):
        """Show one output cell: the windows on every map and the written-out sum with its numbers."""
        row, col = position
        (kh, kw), (sh, sw) = self.window, self.stride
        frame = self.diagram.style
        for prefix, (r, c, h, w), shape in (("in", (row * sh, col * sw, kh, kw), self.inputs.shape[1:]),
                                            ("mid", (row, col, 1, 1), self.output.shape)):
            frame.setProperty(f"--{prefix}-left", f"{100 * c / shape[1]:.3f}%")
            frame.setProperty(f"--{prefix}-top", f"{100 * r / shape[0]:.3f}%")
            frame.setProperty(f"--{prefix}-width", f"{100 * w / shape[1]:.3f}%")
            frame.setProperty(f"--{prefix}-height", f"{100 * h / shape[0]:.3f}%")
        self.output_grid.show_window(row, col, 1, 1)
        contributions = self.intermediates[:, row, col]
        total = steps.conv_total(contributions, self.bias)
        self.formula.innerHTML = elastic.sum_html(position, contributions, self.bias, total,
                                                  self.output[row, col], self.layer, self.index)
        data = self.body.dataset
        data.row, data.col, data.phase = str(row), str(col), str(phase)

    def destroy(self):
        """Stop the player and release every listener."""
        if self.player is not None:
            self.player.destroy()
        self.listeners.clear()
