"""The overview in the page: mounted once per model (or taken over from the build's first paint), repainted per input."""
import numpy as np

from cnn_explainer.net.model import pixels_of
from cnn_explainer.page import colormap, heatmap, layout, markup

from .dom import every, one, paint


class Overview:
    """All columns of the network in #network: maps, probabilities, legends, highlights and the rail beside a panel."""

    def __init__(self, model):
        self.model = model
        self.columns, self.nodes, self.edges, self.size = layout.overview(model)
        self.kind_of = {col.name: col.kind for col in self.columns}
        self.position_of = {col.name: i for i, col in enumerate(self.columns)}
        self.hidden = [col.name for col in self.columns if col.kind not in ("input", "output")]
        self.highlighted, self.pinned, self.rail_position = [], None, None
        self.root, self.canvases, self.outputs, self.groups = None, {}, [], []  # handles on the mounted elements
        self.acts = None
        output = self.columns[-1]
        self.compact_output = layout.drawn(output) < output.shape[-1]  # many classes: rows show the top ones
        self.output_order = list(range(layout.drawn(output)))  # the class index each class row shows now

    def mount(self):
        """Write the overview's markup (unless the build's first paint of this model is there) and keep handles."""
        root = self.root = one("#network")  # first: replacing a focused neuron sends focusout, which clears highlights
        net = one(".net", root)
        if net is None or net.getAttribute("data-model") != self.model.name:
            root.innerHTML = markup.overview_html(self.model, self.columns, self.nodes, self.edges, self.size)
        self.canvases = {col.name: [b.firstElementChild for b in every(f'.node.map[data-col="{i}"]', root)]
                         for i, col in enumerate(self.columns) if col.kind != "output"}
        self.outputs = every(".node.out", root)
        self.groups = every(".col", root) + every(".edge-col", root)
        first = one(".node", root)
        if first is not None:
            first.tabIndex = 0  # roving tab stop: one Tab reaches the network, arrows move inside it

    def node(self, layer, index):
        """The element of one neuron, None when it is not drawn (found by numbers: a layer's name never goes into a
        selector)."""
        return one(f'.node[data-col="{self.position_of[layer]}"][data-index="{int(index)}"]', self.root)

    def row_of(self, layer, index):
        """Where a neuron is drawn in its column: its index, or for a compact output the class row showing it (None)."""
        if self.compact_output and self.kind_of[layer] == "output":
            return self.output_order.index(index) if index in self.output_order else None
        return index

    def neighbour(self, layer, index, key):
        """The (layer, index) an arrow key moves to from a neuron, or None (compact outputs move by class row)."""
        row = self.row_of(layer, index)
        target = layout.neighbour(self.columns, layer, 0 if row is None else row, key, self.rail_position)
        if target is not None and self.compact_output and self.kind_of[target[0]] == "output":
            target = target[0], self.output_order[target[1]]
        return target

    def source_of(self, layer):
        """The column a layer reads from."""
        return self.columns[self.position_of[layer] - 1].name

    def first_neuron(self, kind, acts):
        """(layer, index) of the first neuron of a kind's first column; for the output, the predicted class."""
        column = next((col for col in self.columns if col.kind == kind), None)
        if column is None:
            return None
        return column.name, int(np.argmax(acts[column.name])) if kind == "output" else 0

    def update(self, acts, level):
        """Repaint every map, the probabilities and the legends for new activations or a new colour level."""
        self.acts = acts
        limits = colormap.limits(acts, self.hidden, level)
        for layer, rgba in colormap.overview_rgba(self.model, acts, self.hidden, limits).items():
            paint(self.canvases[layer], rgba[:len(self.canvases[layer])])  # a compact column draws its first few
        self.show_probabilities(acts[self.model.layers[-1].name])
        one("#legends").innerHTML = markup.overview_legends_html(self.model, self.hidden, limits, level)

    def show_saliency(self, gradient, class_index=None):
        """Paint the input column with each channel's |gradient| over its pixels (None: the plain input again)."""
        canvases, data = self.canvases[self.columns[0].name], self.root.dataset
        if gradient is None:
            paint(canvases, colormap.input_rgba(self.acts["input"], self.model.pixel_range))
            self.root.removeAttribute("data-saliency")
            return
        rgba, top = heatmap.channel_overlays(pixels_of(self.acts["input"], self.model.pixel_range), gradient)
        paint(canvases, rgba)
        data.saliency, data.saliencyClass, data.saliencyTop = "on", str(class_index), repr(top)

    def show_probabilities(self, probabilities):
        """Fill the class rows: bar width, percentage, and the top class emphasised; and the prediction line. A compact
        output's rows show this image's most probable classes, in order."""
        top = int(np.argmax(probabilities))
        if self.compact_output:
            count = len(self.outputs)
            best = np.argpartition(-probabilities, count)[:count]
            self.output_order = [int(i) for i in best[np.argsort(-probabilities[best], kind="stable")]]
            self.show_output_classes()
        for i, row in zip(self.output_order, self.outputs):
            p = float(probabilities[i])
            row.dataset.probability = f"{p:.6f}"
            row.querySelector(".fill").style.width = f"{100 * p:.2f}%"
            row.querySelector(".pct").textContent = markup.percent(p)
            row.classList.toggle("top", i == top)
        prediction = one("#prediction")
        prediction.dataset.label = self.model.classes[top]
        prediction.dataset.probability = f"{float(probabilities[top]):.6f}"
        prediction.innerHTML = markup.prediction_html(self.model.classes, probabilities)

    def show_output_classes(self):
        """Give each class row of a compact output the class it shows now (its index, name; pinned or not)."""
        pinned = self.pinned[1] if self.pinned and self.kind_of[self.pinned[0]] == "output" else None
        for i, row in zip(self.output_order, self.outputs):
            row.dataset.index = row.dataset.classIndex = str(i)
            row.querySelector(".cls").textContent = markup.class_name(self.model.classes[i])
            row.classList.toggle("pinned", i == pinned)
            row.classList.remove("lit")

    def highlight(self, layer, index):
        """Emphasise a neuron, its incoming edges and its source neurons; return the info line's text."""
        self.unlight()  # "focusing" stays on: taking it off and on again would restyle every neuron and edge
        position = self.position_of[layer]
        marked = [self.node(layer, index)]
        row = self.row_of(layer, index)
        group = one(f'#edges g[data-target="{position}:{int(row)}"]', self.root) if row is not None else None
        marked.append(group)
        if position > 0:
            previous = self.columns[position - 1]
            for j in layout.sources(self.kind_of[layer], index, layout.drawn(previous)):
                marked.append(self.node(previous.name, j))
        marked = [element for element in marked if element is not None]  # a class that has no row now
        for element in marked:
            element.classList.add("lit")
        self.root.classList.add("focusing")
        self.highlighted = marked
        if self.acts is None:  # a new model's overview before its first picture is drawn
            return ""
        return markup.hover_text(layer, self.kind_of[layer], index, self.acts, self.model.classes)

    def unlight(self):
        """Take the highlight off the lit elements."""
        for element in self.highlighted:
            element.classList.remove("lit")
        self.highlighted = []

    def clear_highlight(self):
        """Remove any highlight."""
        self.unlight()
        self.root.classList.remove("focusing")

    def pin(self, layer, index):
        """Keep one neuron lit (the one being explained) until unpin(); returns the info line's text."""
        self.unpin()
        self.pinned = (layer, index)
        element = self.node(layer, index)
        if element is not None:
            element.classList.add("pinned")
        return self.highlight(layer, index)

    def unpin(self):
        """Forget the pinned neuron."""
        if self.pinned is not None:
            element = self.node(*self.pinned)
            if element is not None:
                element.classList.remove("pinned")
        self.pinned = None

    def rail(self, stage, layer):
        """Shrink the overview into a rail left of an explanation of `layer`: later columns fade, the panel gets the rest."""
        position = self.position_of[layer]
        place = layout.rail(self.columns, self.size, position)
        # set on the elements that use them (not inherited, app.css): set on the stage they would restyle every neuron
        style = one(".net", self.root).style
        style.setProperty("--rail-scale", f"{place.scale:.4f}")
        style.setProperty("--rail-shift", f"{100 * place.shift / layout.WIDTH:.4f}")
        cut = layout.tall_cut(self.columns, position)
        style.setProperty("--tall-cut", f"{layout.TALL_WIDTH} / {cut:.1f}")
        one("#explain").style.setProperty("--panel-left", f"{100 * place.panel_left / layout.WIDTH:.4f}")
        for group in self.groups:
            group.classList.toggle("after", int(group.dataset.col) > position)
        self.rail_position = position
        stage.classList.toggle("shifted", place.shift < 0)  # earlier columns slid off to the left: fade that edge
        stage.classList.add("explaining")

    def unrail(self, stage):
        """Give the whole stage back to the overview."""
        stage.classList.remove("explaining", "shifted")
        for group in self.groups:
            group.classList.remove("after")
        self.rail_position = None
