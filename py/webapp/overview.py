"""The overview in the page: mount the markup once, then repaint maps and probabilities on every input."""
import numpy as np

from cnn_explainer import colormap, layout, markup

from .dom import every, one, paint

INPUT_GRADIENTS = {"red": "rgb(0,0,0), rgb(220,38,38)", "green": "rgb(0,0,0), rgb(22,163,74)",
                   "blue": "rgb(0,0,0), rgb(37,99,235)"}


class Overview:
    """All columns of the network drawn into #network, with hover highlighting and colour legends."""

    def __init__(self, model):
        self.model = model
        self.columns, self.nodes, self.edges, self.size = layout.overview(model)
        self.kind_of = {col.name: col.kind for col in self.columns}
        self.hidden = [col.name for col in self.columns if col.kind not in ("input", "output")]
        self.acts, self.level, self.highlighted = None, "module", []

    def mount(self):
        """Write the overview's markup and keep handles on every canvas, column by column."""
        root = one("#network")
        root.innerHTML = markup.overview_html(self.model, self.columns, self.nodes, self.edges, self.size)
        root.style.aspectRatio = f"{layout.WIDTH} / {layout.HEIGHT}"
        self.canvases = {col.name: [b.firstElementChild for b in every(f'.node.map[data-layer="{col.name}"]', root)]
                         for col in self.columns if col.kind != "output"}
        self.outputs = every(".node.out", root)
        first = one(".node", root)
        if first is not None:
            first.tabIndex = 0  # roving tab stop: one Tab reaches the network, arrows move inside it

    def update(self, acts, level=None):
        """Repaint every map, the probabilities and the legends for new activations or a new colour level."""
        self.acts, self.level = acts, level or self.level
        paint(self.canvases["input"], colormap.input_rgba(acts["input"], self.model.pixel_range))
        limits = colormap.limits(acts, self.hidden, self.level)
        for name in self.hidden:
            paint(self.canvases[name], colormap.layer_rgba(acts[name], limits[name]))
        self.show_probabilities(acts[self.model.layers[-1].name])
        self.show_legends(limits)

    def show_probabilities(self, probabilities):
        """Fill the class rows: bar width, percentage, and the top class emphasised."""
        top = int(np.argmax(probabilities))
        for i, row in enumerate(self.outputs):
            p = float(probabilities[i])
            row.dataset.probability = f"{p:.6f}"
            row.querySelector(".fill").style.width = f"{100 * p:.2f}%"
            row.querySelector(".pct").textContent = markup.percent(p)
            row.classList.toggle("top", i == top)
        prediction = one("#prediction")
        prediction.dataset.label = self.model.classes[top]
        prediction.dataset.probability = f"{float(probabilities[top]):.6f}"
        prediction.innerHTML = (f'Prediction: <strong>{markup.escape(self.model.classes[top])}</strong> '
                                f'<span class="muted">({markup.percent(float(probabilities[top]))})</span>')

    def show_legends(self, limits):
        """Colour legends: input channels, the activation range(s) of the current level, and the output."""
        gradient = colormap.legend_gradient()
        parts = []
        if self.model.input_shape[-1] == 3:
            parts += [markup.legend_html(f"input {c}", g, *self.model.pixel_range, f"input-{c}") for c, g in INPUT_GRADIENTS.items()]
        if self.level == "unit":
            top = max(float(limits[name].max()) for name in self.hidden)
            parts.append(markup.legend_html("each neuron: its own ±max (largest shown)", gradient, -top, top, "unit"))
        else:
            groups = colormap.modules(self.hidden) if self.level == "module" else [self.hidden]
            for i, group in enumerate(groups):
                top = float(limits[group[0]].max())
                title = f"module {i + 1} ({group[0]} … {group[-1]})" if self.level == "module" else "all hidden layers"
                parts.append(markup.legend_html(title, gradient, -top, top, f"{self.level}-{i + 1}"))
        parts.append(markup.legend_html("output probability", "rgb(241,245,249), rgb(30,64,175)", 0.0, 1.0, "output"))
        one("#legends").innerHTML = "".join(parts)

    def highlight(self, layer, index):
        """Emphasise a neuron, its incoming edges and its source neurons; return the info line's text."""
        self.clear_highlight()
        names = [col.name for col in self.columns]
        position = names.index(layer)
        marked = [one(f'.node[data-layer="{layer}"][data-index="{index}"]')]
        group = one(f'#edges g[data-target="{layer}:{index}"]')
        if group is not None:
            marked.append(group)
        if position > 0:
            previous = self.columns[position - 1]
            for j in layout.sources(self.kind_of[layer], index, previous.shape[-1]):
                marked.append(one(f'.node[data-layer="{previous.name}"][data-index="{j}"]'))
        for element in marked:
            element.classList.add("lit")
        one("#network").classList.add("focusing")
        self.highlighted = marked
        return markup.hover_text(layer, self.kind_of[layer], index, self.acts, self.model.classes)

    def clear_highlight(self):
        """Remove any highlight."""
        for element in self.highlighted:
            element.classList.remove("lit")
        self.highlighted = []
        one("#network").classList.remove("focusing")
