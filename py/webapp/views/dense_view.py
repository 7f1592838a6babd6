"""Flatten and dense explained: the pooled maps laid out as one vector, each value × its weight, summed into a logit."""
import numpy as np

from cnn_explainer.page import colormap, steps
from cnn_explainer.net import ops
from cnn_explainer.page import output_explain as ox
from cnn_explainer.i18n import _
from cnn_explainer.page.markup import class_name, code_index, code_panels_html, escape
from cnn_explainer.page.numbers import count, number, signed

from ..dom import Listeners, mark_code_line, paint
from .softmax_view import SoftmaxView

FAN = 46  # band units to the right of a band: the legend, or the edges and the neuron
NEURON = 17  # width of the neuron box, in band units
TOP = 8  # contributions listed one by one
WRAP = 130  # band width when the vector does not come from maps
POSITIVE, NEGATIVE = "rgb(5,80,150)", "rgb(179,88,6)"
CODE = (steps.dense_cell, ops.flatten, ops.dense)  # the one-neuron step, then the vectorised flatten and dense
# (panel, function, line start) of the code line each kind of selection highlights
CODE_LINES = {"maps": (1, ops.flatten, "return"), "vector": (0, steps.dense_cell, "products ="),
              "sum": (0, steps.dense_cell, "return")}


def mark_style(element, left, top, width, height):
    """Place a marker box, all in percent of its canvas."""
    style = element.style
    style.left, style.top, style.width, style.height = f"{left:.4f}%", f"{top:.4f}%", f"{width:.4f}%", f"{height:.4f}%"
    element.hidden = False


def canvas_box(kind, width, height, label, style="", data="", overlay=""):
    """A pixel canvas scaled by CSS, with a light group marker and a strong marker over it."""
    return (f'<div class="ox-box" style="aspect-ratio:{width} / {height}{style}">'
            f'<canvas width="{width}" height="{height}" tabindex="0" role="img" data-ox="{kind}"{data} '
            f'aria-label="{escape(label)}"></canvas>{overlay}'
            '<div class="ox-group" hidden></div><div class="ox-mark" hidden></div></div>')


class DenseView:
    """The output neuron of one class: flatten, then a weighted sum of the 1690 values plus a bias."""

    section = "output"  # its article section (explain.SECTIONS)

    def __init__(self, model, acts, nav, layer, index):
        self.nav, self.index = nav, index
        self.name = model.classes[index]
        self.shown = class_name(self.name)  # the class name as shown (translated when the catalogue knows it)
        self.title = _("Flatten and dense · output “{name}”").format(name=self.shown)
        chain = ox.output_chain(model)
        self.maps_layer, dense = chain if chain else (None, None)
        self.maps = acts[self.maps_layer] if self.maps_layer else None
        self.flat = model.input_of(dense.name, acts) if dense else None
        if dense is not None:
            self.weights, self.bias = dense.kernel[:, index], dense.bias[index]
            self.summary = ox.dense_summary(self.flat, self.weights, self.bias, TOP)
            self.per_row = self.maps.shape[1] * self.maps.shape[2] if self.maps is not None else WRAP
            self.rows = ox.band_shape(self.flat.size, self.per_row)[0]
        self.forward = float(model.logits(acts)[index])
        self.listeners, self.selected = Listeners(), None

    def mount(self, body):
        """Draw the view, paint its canvases and listen for pointing, focus and keys."""
        self.body = body
        if self.flat is None:
            body.innerHTML = ('<p class="lede">' + _("In this model the scores are not made by a dense layer, so there is "
                                                     "no weighted sum to show.")
                              + f'</p><p>logit = {self.result_html()}</p>{self.check_html()}{self.next_html()}')
        else:
            body.innerHTML = (f'<div class="ox-view backdrop">{self.lede_html()}{self.maps_html()}{self.bands_html()}'
                              f'{self.sum_html()}{self.next_html()}{self.code_html()}</div>')
            self.map_canvases = list(body.querySelectorAll('canvas[data-ox="map"]'))
            self.band_boxes = [c.parentElement for c in body.querySelectorAll('canvas[data-ox]') if c.getAttribute("data-ox") != "map"]
            self.paint()
            self.select(self.summary["top"][0].index, "vector")
        for event, handler in (("pointermove", self.on_point), ("focusin", self.on_point),
                               ("keydown", self.on_key), ("click", self.on_click)):
            self.listeners.add(body, event, handler)


    # ---- markup -------------------------------------------------------------------------------------------------

    def lede_html(self):
        """What the view is about, in two sentences."""
        return ('<p class="lede">' + _(
            "The last pooled maps are unrolled into one long list of {size} numbers (<em>flatten</em>). The output "
            "neuron for “{name}” multiplies every number by its own weight, adds all the products and a bias: that "
            "sum is the class's score, its <em>logit</em>. Point at any cell (or focus one and use the arrow keys) "
            "to follow a single number.").format(size=self.flat.size, name=escape(self.shown)) + '</p>')

    def maps_html(self):
        """Step 1: the pooled maps and the index formula (only when the vector comes from maps)."""
        if self.maps is None:
            return ""
        h, w, c = self.maps.shape
        figures = "".join(
            '<figure class="ox-map"><figcaption>' + _("channel {number}").format(number=ch + 1) + '</figcaption>'
            + canvas_box("map", w, h, _("{layer}, channel {number}: arrow keys pick a value").format(
                layer=self.maps_layer, number=ch + 1), data=f' data-channel="{ch}"')
            + '</figure>' for ch in range(c))
        heading = _("1 · Flatten: {channels} maps of {height}×{width} → one vector of {size}").format(
            channels=c, height=h, width=w, size=count(self.flat.size))
        source = _("The output of <code>{layer}</code>, one map per channel: {colours}.").format(
            layer=escape(self.maps_layer), colours=self.colour_words())
        order = _("Channel varies fastest: the {channels} channels of the top-left position come first, then those of "
                  "the position to its right… so each row of the band below holds one row of all {channels} maps "
                  "({width} positions × {channels} channels).").format(channels=c, width=w)
        return (f'<section class="ox-step backdrop"><h3>{heading}</h3>'
                f'<p class="ox-caption">{source}</p>'
                f'<div class="ox-maps" style="--maps:{c}">{figures}</div>'
                f'<p class="ox-index" aria-live="polite"></p>'
                f'<p class="ox-caption">{order}</p>'
                '</section>')

    def band_html(self, kind, label, note, right="", overlay=""):
        """One band row: its label, the wrapped vector canvas and what sits to its right."""
        share = 100 * self.per_row / (self.per_row + FAN)
        box = canvas_box(kind, self.per_row, self.rows, _("{band}: arrow keys move along the vector").format(band=note),
                         f";width:{share:.4f}%", overlay=overlay)
        return (f'<div class="ox-band-row"><div class="ox-band-label">{escape(label)}<span>{escape(note)}</span></div>'
                f'<div class="ox-stage" style="aspect-ratio:{self.per_row + FAN} / {self.rows}">{box}{right}</div></div>')

    def scale_html(self, limit, text):
        """The diverging colour scale of one band, with its end values."""
        left = 100 * (self.per_row + 2) / (self.per_row + FAN)
        return (f'<div class="ox-scale" style="left:{left:.3f}%"><span class="ox-ramp" '
                f'style="background:linear-gradient(to right, {colormap.legend_gradient()})"></span>'
                f'<span>{number(-limit)}</span><span>{escape(text)}</span><span>{number(limit)}</span></div>')

    def bands_html(self):
        """Step 2: the vector, the weights into this class and their products, with edges into the neuron."""
        limits = [colormap.limit_of(a) for a in (self.flat, self.weights, self.summary["products"])]
        total = self.per_row + FAN
        target = (total - NEURON, self.rows / 2)
        top = self.summary["top"]
        widest = colormap.limit_of([c.product for c in top])
        edges = "".join(
            f'<path d="{ox.edge_path(c.index, self.per_row, target)}" stroke="{POSITIVE if c.product > 0 else NEGATIVE}" '
            f'stroke-width="{1 + 2.5 * abs(c.product) / widest:.2f}"/>' for c in top)
        rings = "".join(f'<rect x="{col}" y="{row}" width="1" height="1"/>'
                        for row, col in (ox.band_cell(c.index, self.per_row) for c in top))
        rings = (f'<svg class="ox-rings" viewBox="0 0 {self.per_row} {self.rows}" preserveAspectRatio="none" '
                 f'aria-hidden="true">{rings}</svg>')
        fan = (f'<svg class="ox-fan" viewBox="0 0 {total} {self.rows}" preserveAspectRatio="none" aria-hidden="true">'
               f'<g class="ox-top-edges">{edges}</g><path class="ox-edge" d=""/></svg>'
               f'<div class="ox-neuron" style="left:{100 * (total - NEURON) / total:.3f}%;width:{100 * NEURON / total:.3f}%">'
               f'<span class="ox-neuron-name">{escape(self.shown)}</span><span>' + _("Σ + bias") + '</span>'
               f'<strong>{number(self.summary["logit"])}</strong></div>')
        where = (_("{rows} rows × {columns}") if self.maps is None else _("{rows} rows of {columns}: one map row each")
                 ).format(rows=self.rows, columns=self.per_row)
        heading = _("2 · Multiply each value by its weight into “{name}”").format(name=escape(self.shown))
        caption = _("The vector, wrapped into {layout}. Its {size} weights and products line up cell by cell. The "
                    "outlined cells hold the biggest products; their edges carry them into the neuron.").format(
            layout=where, size=self.flat.size)
        return (f'<section class="ox-step backdrop"><h3>{heading}</h3>'
                f'<p class="ox-caption">{caption}</p>'
                '<div class="ox-bands">'
                + self.band_html("vector", "x", _("the vector"), self.scale_html(limits[0], _("value")))
                + self.band_html("weights", "× w", _("weights into {name}").format(name=self.shown),
                                 self.scale_html(limits[1], _("weight")))
                + self.band_html("products", "= x·w", _("products"), fan, rings)
                + '</div><p class="ox-readout" aria-live="polite"></p></section>')

    def sum_html(self):
        """Step 3: the sum written out like column arithmetic, largest products first, with the bias and the logit."""
        s = self.summary
        rows = []
        for c in s["top"]:
            where = self.where(c.index)
            term_label = _("value {position}{where}: {value} times {weight} is {product}").format(
                position=c.index + 1, where=where, value=number(c.value), weight=number(c.weight),
                product=number(c.product))
            rows.append(f'<tr data-index="{c.index}"><th scope="row"><button type="button" class="ox-term" data-index="{c.index}" '
                        f'aria-label="x[{c.index}] · w[{c.index}]: {term_label}">'
                        f'<code>x[{c.index}] · w[{c.index}]</code></button><span class="ox-where">{where}</span></th>'
                        f'<td>{number(c.value)} × {number(c.weight)}</td><td class="num">{signed(c.product)}</td></tr>')
        if s["zeros"]:
            split = _("positive ones {positive}, negative ones {negative}; {zeros} values are exactly 0 (ReLU zeroed "
                      "them) and add nothing")
        else:
            split = _("positive ones {positive}, negative ones {negative}")
        split = split.format(positive=signed(s["positive"]), negative=signed(s["negative"]), zeros=s["zeros"])
        rest = _("… {count} more products").format(count=s["rest_count"])
        rows.append(f'<tr data-code="sum"><th scope="row">{rest}</th>'
                    '<td class="ox-note">' + _("all the others, added up") + '</td>'
                    f'<td class="num">{signed(s["rest_sum"])}</td></tr>')
        total = _("sum of all {size} products").format(size=count(self.flat.size))
        rows.append(f'<tr class="ox-total" data-code="sum"><th scope="row">{total}</th>'
                    f'<td class="ox-note">{split}</td>'
                    f'<td class="num">{signed(s["total"])}</td></tr>')
        rows.append('<tr data-code="sum"><th scope="row">' + _("+ bias b")
                    + f'</th><td></td><td class="num">{signed(s["bias"])}</td></tr>')
        terms = " ".join(signed(c.product) for c in s["top"])
        equation = _("logit = {terms} + … ({rest}) + bias ({bias}) = {result}").format(
            terms=terms, rest=signed(s["rest_sum"]), bias=signed(s["bias"]), result=self.result_html())
        return ('<section class="ox-step backdrop"><h3>' + _("3 · Add up the products and the bias") + '</h3>'
                '<table class="ox-sum"><caption class="visually-hidden">' + _("The logit as a sum") + '</caption>'
                f'<tbody>{"".join(rows)}</tbody></table>'
                f'<p class="ox-eq" data-code="sum">{equation}</p>{self.check_html()}</section>')

    def result_html(self):
        """The logit computed here, with its full-precision data value."""
        logit = float(self.summary["logit"]) if self.flat is not None else self.forward
        return f'<span class="result" data-value="{logit!r}">{number(logit, 4)}</span>'

    def check_html(self):
        """The forward pass's logit, to compare with."""
        value = f'<span class="forward-value" data-value="{self.forward!r}">{number(self.forward, 4)}</span>'
        return ('<p class="check">' + _("The forward pass ({code}) gives {value}.").format(
            code=code_index("model.logits(acts)", self.index), value=value) + '</p>')

    def next_html(self):
        """The way on to the softmax view."""
        return ('<p class="ox-next-row"><button type="button" class="ox-next">'
                + _("How do logits become probabilities? → softmax") + '</button></p>')

    def code_html(self):
        """The Python that computes this: the one-neuron step, then the vectorised flatten and dense."""
        return code_panels_html(CODE)

    # ---- drawing and interaction --------------------------------------------------------------------------------

    def colour_words(self):
        """How to read the maps' colours (after a ReLU nothing is negative, so say so)."""
        if float(self.maps.min()) >= 0:
            return _("white is 0, deeper blue is larger (after the ReLU nothing is negative)")
        return _("blue positive, orange negative, white 0")

    def where(self, index):
        """' (channel c, row r, column k)', counted from 1, for a vector element that came from the maps, else ''."""
        if self.maps is None:
            return ""
        row, col, channel = ox.map_position(index, self.maps.shape)
        return _(" (channel {channel}, row {row}, column {column})").format(channel=channel + 1, row=row + 1, column=col + 1)

    def paint(self):
        """Paint the maps and the three bands."""
        if self.maps is not None:
            maps = np.ascontiguousarray(colormap.diverging_rgba(np.moveaxis(self.maps, -1, 0), colormap.limit_of(self.flat)))
            paint(self.map_canvases, maps)
        for kind, values in (("vector", self.flat), ("weights", self.weights), ("products", self.summary["products"])):
            rgba = colormap.diverging_rgba(ox.band_values(values, self.per_row), colormap.limit_of(values))
            paint([self.body.querySelector(f'canvas[data-ox="{kind}"]')], np.ascontiguousarray(rgba[None]))

    def select(self, index, source):
        """Show one vector element everywhere: map cell, band cells, edge, index formula, readout and code line."""
        self.selected = index
        row, col = ox.band_cell(index, self.per_row)
        for box in self.band_boxes:
            mark_style(box.querySelector(".ox-mark"), 100 * col / self.per_row, 100 * row / self.rows,
                       100 / self.per_row, 100 / self.rows)
            if self.maps is not None:
                c = self.maps.shape[2]
                mark_style(box.querySelector(".ox-group"), 100 * (col - col % c) / self.per_row, 100 * row / self.rows,
                           100 * c / self.per_row, 100 / self.rows)
        self.body.querySelector(".ox-edge").setAttribute(
            "d", ox.edge_path(index, self.per_row, (self.per_row + FAN - NEURON, self.rows / 2)))
        value, weight = float(self.flat[index]), float(self.weights[index])
        product = float(self.summary["products"][index])
        readout = self.body.querySelector(".ox-readout")
        for key, amount in (("index", index), ("value", value), ("weight", weight), ("product", product)):
            readout.setAttribute(f"data-{key}", repr(amount))
        place = _("value <b>{position}</b> of {size}{where}:").format(
            position=index + 1, size=count(self.flat.size), where=self.where(index))
        note = _("(value × weight = product; in the code {code})").format(code=code_index("x", index))
        readout.innerHTML = (f'{place} <span class="ox-x">{number(value)}</span> × <span class="ox-w">{number(weight)}</span> = '
                             f'<b class="ox-p">{number(product)}</b> <span class="ox-muted">{note}</span>')
        if self.maps is not None:
            self.show_map_cell(index)
        for row_element in self.body.querySelectorAll(".ox-sum tr.lit"):
            row_element.classList.remove("lit")
        hit = self.body.querySelector(f'.ox-sum tr[data-index="{index}"]')
        if hit is not None:
            hit.classList.add("lit")
        self.mark_code(source)

    def show_map_cell(self, index):
        """Mark the element's map cell, its position on every map, and write the index formula with its numbers."""
        h, w, c = self.maps.shape
        row, col, channel = ox.map_position(index, self.maps.shape)
        for ch, canvas in enumerate(self.map_canvases):
            box = canvas.parentElement
            mark_style(box.querySelector(".ox-group"), 100 * col / w, 100 * row / h, 100 / w, 100 / h)
            mark = box.querySelector(".ox-mark")
            if ch == channel:
                mark_style(mark, 100 * col / w, 100 * row / h, 100 / w, 100 / h)
            else:
                mark.hidden = True
        formula = _("index = (row × {width} + column) × {channels} + channel").format(width=w, channels=c)
        self.body.querySelector(".ox-index").innerHTML = (
            f'<code>{formula} = ({row} × {w} + {col}) × {c} + {channel} = '
            f'<b>{ox.flat_index(row, col, channel, self.maps.shape)}</b></code>'
            '<span class="ox-muted"> ' + _("(in the code, where rows, columns and channels count from 0)") + '</span>')

    def mark_code(self, source):
        """Highlight the code line that computes what is selected."""
        panel, function, start = CODE_LINES[source]
        mark_code_line(self.body, panel, steps.line_of(function, start))

    def element_at(self, canvas, event):
        """(vector index, source) under a pointer event on one of the view's canvases, or None."""
        kind = canvas.getAttribute("data-ox")
        width, height = int(canvas.width), int(canvas.height)
        col = min(max(int(event.offsetX / max(canvas.clientWidth, 1) * width), 0), width - 1)
        row = min(max(int(event.offsetY / max(canvas.clientHeight, 1) * height), 0), height - 1)
        if kind == "map":
            channel = self.map_channel(canvas)
            return ox.flat_index(row, col, channel, self.maps.shape), "maps"
        index = ox.band_index(row, col, self.per_row, self.flat.size)
        return (index, "vector") if index is not None else None

    def map_channel(self, canvas):
        """Which channel a map canvas shows."""
        return int(canvas.getAttribute("data-channel"))

    def on_point(self, event):
        """Pointing at or focusing a cell, a sum row or a term selects what it shows."""
        if self.flat is None or not hasattr(event.target, "closest"):
            return
        target = event.target
        kind = target.getAttribute("data-ox")
        row_or_term, code = target.closest("[data-index]"), target.closest("[data-code]")
        if kind and event.type == "pointermove":
            found = self.element_at(target, event)
            if found is not None and found[0] != self.selected:
                self.select(*found)
        elif kind == "map":  # focus on a map: the same position, in this map's channel
            row, col, _channel = ox.map_position(self.selected, self.maps.shape)  # not `_`: that is gettext
            self.select(ox.flat_index(row, col, self.map_channel(target), self.maps.shape), "maps")
        elif kind:
            self.select(self.selected, "vector")
        elif row_or_term is not None:
            index = int(row_or_term.getAttribute("data-index"))
            if index != self.selected or event.type == "focusin":
                self.select(index, "vector")
        elif code is not None:
            self.mark_code(code.getAttribute("data-code"))

    def on_key(self, event):
        """Arrow keys, Home and End move along a map or along the vector."""
        target = event.target
        if self.flat is None or not target.getAttribute("data-ox"):
            return
        if target.getAttribute("data-ox") == "map":
            row, col, channel = ox.map_position(self.selected, self.maps.shape)
            moved = steps.move((row, col), event.key, self.maps.shape[:2])
            index = None if moved is None else ox.flat_index(*moved, channel, self.maps.shape)
            source = "maps"
        else:
            index, source = ox.band_move(self.selected, event.key, self.per_row, self.flat.size), "vector"
        if index is not None:
            event.preventDefault()
            self.select(index, source)

    def on_click(self, event):
        """The softmax button opens the softmax view."""
        if hasattr(event.target, "closest") and event.target.closest(".ox-next") is not None:
            self.nav.push(SoftmaxView, self.index)

    def destroy(self):
        """Drop every listener and its proxy."""
        self.listeners.clear()
