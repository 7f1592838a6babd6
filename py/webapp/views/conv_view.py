"""Convolution neuron explained, the "elastic" view: each input channel × its kernel slice, summed, plus the bias."""
import functools

import numpy as np
from cnn_explainer.page import colormap, elastic, markup, steps
from cnn_explainer.i18n import N_, _
from cnn_explainer.net.model import Model
from cnn_explainer.page.numbers import fixed

from .conv_formula_view import ConvFormulaView
from ..dom import Listeners, after_paint, closest, every, mark_code_line, paint
from .grids import Grid
from .player import Player, controls_html

CODE = (Model.conv_intermediates, steps.conv_total)
# Which code line each part of the picture comes from: (panel, start of the line).
CODE_LINES = {"input": (0, "x, (kh, kw), (sh, sw) ="), "kernel": (0, "kernel ="), "intermediate": (0, "maps +="),
              "sum": (1, "return"), "bias": (1, "return"), "output": (1, "return")}
LEGENDS = {"input": N_("input channels"), "kernel": N_("kernel weights"), "intermediate": N_("intermediate maps"),
           "output": N_("output and bias")}  # shown translated: _(LEGENDS[kind])
INFO = N_("Hover over or focus a map, a kernel or the bias to read its values; click a map to see it computed.")
NARROW_PANEL = 560  # px: below this the diagram takes its narrow shape (output map under the rows)


@functools.cache
def code_line(kind):
    """(panel, line index) of the code that computes this kind of element."""
    panel, start = CODE_LINES[kind]
    return panel, steps.line_of(CODE[panel], start)


class ConvView:
    """One conv neuron: every input channel, its kernel slice, the intermediate maps, their sum, the bias, the output."""

    section = "conv2d"  # its article section (explain.SECTIONS)

    def __init__(self, model, acts, nav, layer, index):
        self.model, self.acts, self.nav, self.layer, self.index = model, acts, nav, layer, index
        self.title = _("Convolution · {layer}, neuron {number}").format(layer=layer, number=index + 1)
        self.listeners, self.player = Listeners(), None
        self.mounted, self.pointing = False, None

    def mount(self, body):
        """Compute the pieces, draw the diagram and sentence, start stepping through output cells; legends and code follow."""
        self.narrow = body.clientWidth < NARROW_PANEL
        self.compute()
        body.innerHTML = self.html()
        self.body, self.diagram = body, body.querySelector(".elastic")
        self.tip, self.info = body.querySelector(".el-tip"), body.querySelector(".el-info")
        self.formula = body.querySelector(".el-sum-formula")
        self.paint(body)
        self.listeners.add(self.diagram, "pointerover", lambda event: self.point_at(closest(event, ".el")))
        self.listeners.add(self.diagram, "focusin", lambda event: self.point_at(closest(event, ".el")))
        self.listeners.add(self.diagram, "pointerleave", lambda event: self.point_at(None))
        self.listeners.add(self.diagram, "focusout", lambda event: self.point_at(None))
        self.listeners.add(self.diagram, "click", self.on_click)
        self.player = Player(body, self.output.shape, 1, self.show)
        self.player.follow(self.output_grid)
        self.mounted = True
        self.point_at(None)
        self.player.start()
        after_paint(self.add_details)

    def add_details(self):
        """Under the diagram, a frame after it: the colour scales and the code (they need not hold up the first paint)."""
        if not self.mounted:  # closed or replaced before the frame was drawn
            return
        gradient, scales = colormap.legend_gradient(), _("colour scales")
        legends = "".join(markup.legend_html(_(LEGENDS[kind]), gradient, -top, top, f"conv-{kind}")
                          for kind, top in self.limits.items())
        self.body.insertAdjacentHTML("beforeend", f'<div class="el-legends" aria-label="{scales}">{legends}</div>'
                                                  f'{markup.code_panels_html(CODE)}')
        mark_code_line(self.body, *code_line(self.pointing or "sum"))

    def compute(self):
        """The numbers behind the picture: inputs, kernel slices, bias, intermediates, output, colour limits, layout."""
        model, acts = self.model, self.acts
        padded, self.window, self.stride = model.padded_input(self.layer, acts)
        conv = model.layer(self.layer)
        self.inputs = np.ascontiguousarray(np.moveaxis(padded, -1, 0))  # (C, H, W); contiguous colours faster
        self.kernels = np.moveaxis(conv.kernel[:, :, :, self.index], -1, 0)  # (C, kh, kw)
        self.bias = conv.bias[self.index]
        self.intermediates = model.conv_intermediates(self.layer, acts, self.index)
        self.output = acts[self.layer][..., self.index]
        names = ["input"] + [layer.name for layer in model.layers]
        self.source = names[names.index(self.layer) - 1]
        self.limits = {"input": colormap.limit_of(self.inputs), "kernel": colormap.limit_of(self.kernels),
                       "intermediate": colormap.limit_of(self.intermediates),
                       "output": colormap.limit_of(self.output, self.bias)}
        self.boxes, self.links, self.height = elastic.elastic(len(self.inputs), self.narrow)
        self.labels = elastic.labels_of(self.layer, self.source, self.inputs, self.kernels, self.intermediates,
                                        self.bias, self.output)

    def html(self):
        """The view's markup: lede, diagram and side panel (player, sum, pointing-at line)."""
        shapes = {"input": self.inputs.shape[1:], "kernel": self.kernels.shape[1:],
                  "intermediate": self.intermediates.shape[1:], "output": self.output.shape}
        lede = _("This neuron looks at all {count} channels of <b>{layer}</b> at once. "
                 "Each channel gets its own small slice of the neuron's kernel; sliding that slice over the channel gives "
                 "one <i>intermediate map</i>. Adding the intermediate maps cell by cell, plus a single number, the "
                 "<i>bias</i>, gives the neuron's output map. Click an input or intermediate map to watch it computed.").format(
                     count=len(self.inputs), layer=markup.escape(self.source))
        one_cell, pointing = _("One output cell"), _("Pointing at")
        diagram = elastic.elastic_html(self.boxes, self.links, self.height, self.labels, shapes, self.narrow)
        return (f'<p class="lede">{lede}</p><div class="el-layout{" narrow" if self.narrow else ""}">'
                f'<div class="el-diagram">{diagram}</div>'
                f'<div class="el-side"><h3>{one_cell}</h3>{controls_html(self.title)}'
                '<div class="el-sum-formula" aria-live="polite"></div>'
                f'<h3>{pointing}</h3><p class="el-info">{_(INFO)}</p>{markup.playground_button(self.layer, self.index)}'
                '</div></div>')  # then add_details(): legends and code

    def paint(self, body):
        """Paint every map and kernel (one colour limit per column, shared by its maps) and tint the bias."""
        paint(every(".el-input canvas", body), colormap.diverging_rgba(self.inputs, self.limits["input"]))
        paint(every(".el-kernel canvas", body), colormap.diverging_rgba(self.kernels, self.limits["kernel"]))
        paint(every(".el-intermediate canvas", body), colormap.diverging_rgba(self.intermediates, self.limits["intermediate"]))
        self.output_grid = Grid(body.querySelector(".el-output .grid"), self.output, self.limits["output"])
        red, green, blue = (int(v) for v in colormap.diverging_rgba(np.array([self.bias]), self.limits["output"])[0, :3])
        bias = body.querySelector(".el-bias")
        bias.style.background = f"rgb({red},{green},{blue})"
        bias.style.color = colormap.ink(red, green, blue)

    def point_at(self, element):
        """Highlight one element (or, with None, go back to the resting state)."""
        for lit in every(".lit", self.diagram):
            lit.classList.remove("lit")
        kind = element.dataset.el if element is not None else None
        channel = int(element.dataset.channel) if element is not None else 0
        self.info.textContent = self.labels[(kind, channel)] if element is not None else _(INFO)
        if kind in ("input", "kernel", "intermediate"):
            self.diagram.classList.add("focusing")
            for lit in every(f'.el-map[data-channel="{channel}"], path[data-channel="{channel}"]', self.diagram):
                lit.classList.add("lit")
        else:
            self.diagram.classList.remove("focusing")
        self.show_tip(kind, channel)
        self.pointing = kind
        mark_code_line(self.body, *code_line(kind or "sum"))

    def show_tip(self, kind, channel):
        """The tooltip beside a kernel (its nine weights) or the bias (its value); hidden otherwise."""
        if kind == "kernel":
            name = _("kernel slice {number}").format(number=channel + 1)
            table = markup.number_grid_html(self.kernels[channel], self.limits["kernel"],
                                            _("weights of {kernel}").format(kernel=name))
            html = f"<strong>{name}</strong> · " + _("weights") + table
        elif kind == "bias":
            bias, added = _("bias"), _("added once to every cell of the sum")
            html = (f'<strong>{bias}</strong> = <span class="bias-value" data-value="{float(self.bias)!r}">'
                    f'{fixed(float(self.bias), 4)}</span><br>{added}')
        else:
            self.tip.hidden = True
            return
        box = next(b for b in self.boxes if b.kind == kind and b.index == channel)
        self.tip.innerHTML = html
        style = self.tip.style
        style.left, style.top, style.bottom, style.transform = elastic.tip_position(box, self.height, self.narrow)
        self.tip.hidden = False

    def on_click(self, event):
        """A click on an input map, kernel or intermediate opens that channel's formula view."""
        element = closest(event, ".el")
        if element is not None and element.dataset.el in ("input", "kernel", "intermediate"):
            kind, channel = element.dataset.el, int(element.dataset.channel)
            self.nav.push(ConvFormulaView, self.layer, self.index, channel,
                          return_focus=f'.el-{kind}[data-channel="{channel}"]')

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
        self.mounted = False
        if self.player is not None:
            self.player.destroy()
        self.listeners.clear()
