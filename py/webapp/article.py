"""The article under the network: its live figures follow the current image, and its playground runs beside them."""
import numpy as np

from cnn_explainer.page import colormap, figures, markup
from cnn_explainer.i18n import _
from cnn_explainer.net.model import pixels_of

from .dom import Listeners, every, one, paint
from .views.playground_view import Playground


def note_html(text):
    """A figure's note in place of a figure the model has nothing for."""
    return f'<p class="fig-note">{text}</p>'


def conv_figure_html(channels, kernels, output, layer):
    """The first conv neuron: each input channel with its kernel slice, then the map they make."""
    def channel_label(c):
        return markup.escape(_("{channel} input channel").format(channel=markup.channel_name(c, len(channels))))
    slice_label = _("kernel slice")
    rows = "".join(
        f'<div class="fig-pair"><div class="grid fig-map" style="aspect-ratio:1"><canvas width="{channels.shape[2]}" '
        f'height="{channels.shape[1]}" role="img" aria-label="{channel_label(c)}">'
        f'</canvas></div><span class="op">×</span>{markup.number_grid_html(kernels[c], colormap.limit_of(kernels), slice_label)}</div>'
        for c in range(len(channels)))
    h, w = output.shape
    neuron = _("{layer}, neuron {number}").format(layer=markup.escape(layer), number=1)
    return (f'<div class="fig-conv">{rows}<span class="op sum">Σ + b =</span>'
            f'<div class="fig-out"><div class="grid fig-map" style="aspect-ratio:{w} / {h}"><canvas width="{w}" height="{h}" '
            f'role="img" aria-label="{neuron}"></canvas></div></div></div>')


class Article:
    """The article's live parts, redrawn whenever the image or the model changes."""

    def __init__(self):
        self.playground, self.model = None, None
        self.listeners = Listeners()  # the picture's load listener (one at a time)

    def update(self, model, acts, preview_url=""):
        """Draw every live figure for this model and image; the playground follows (a new model makes a new one)."""
        self.draw_input(model, acts, preview_url)
        if model is not self.model:
            if self.playground is not None:
                self.playground.destroy()
            self.model = model
            self.playground = Playground(model, acts, None)
            self.playground.mount(one("#playground-root"))
        else:
            self.playground.refresh(model, acts)
        self.draw_conv(model, acts)
        self.draw_relu(model, acts)
        self.draw_pool(model, acts)
        self.draw_flatten(model, acts)
        one("#fig-softmax .fig-body").innerHTML = figures.softmax_html(model.logits(acts), model.classes)
        self.fill_numbers(model)
        one("#fig-training .fig-body").innerHTML = figures.training_html(model)

    @staticmethod
    def fill_numbers(model):
        """The numbers the text quotes from this model: its first block's map sizes, its input and receptive field."""
        h, w = model.input_shape[:2]
        field = figures.receptive_field(model)
        for selector, text in ((".live-sizes", " → ".join(map(str, figures.first_block_sizes(model)))),
                               (".live-input", f"{h} × {w}"), (".live-field", f"{field} × {field}")):
            for element in every(selector):
                element.textContent = text

    def draw_input(self, model, acts, preview_url):
        """The picture with the square the network keeps outlined, and the network's input made of that square."""
        body = one("#fig-input .fig-body")
        h, w, channels = model.input_shape
        picture = ""
        if preview_url:
            alt = markup.escape(_("the picture you gave"))
            picture = (f'<div class="fig-crop"><img src="{markup.escape(preview_url)}" alt="{alt}">'
                       '<div class="crop-box" hidden></div></div><span class="op">→</span>')
        label = markup.escape(_("the network's input, {width} by {height} pixels").format(width=w, height=h))
        body.innerHTML = (f'<div class="fig-input">{picture}<div class="grid fig-map" style="aspect-ratio:{w} / {h}">'
                          f'<canvas width="{w}" height="{h}" role="img" aria-label="{label}"></canvas></div></div>')
        pixels = pixels_of(acts["input"], model.pixel_range)
        rgba = np.concatenate([np.repeat(pixels, 3 // channels, -1), np.full((h, w, 1), 255, np.uint8)], -1)
        paint(list(body.querySelectorAll("canvas")), rgba[None])
        self.listeners.clear()
        image = body.querySelector("img")
        if image is not None:
            self.listeners.add(image, "load", lambda event: self.place_crop(image, body.querySelector(".crop-box")))

    @staticmethod
    def place_crop(image, box):
        """Outline the centred square of the loaded picture (the part the network keeps)."""
        width, height = image.naturalWidth, image.naturalHeight
        if not width or not height:
            return
        left, top, side = figures.crop_box(width, height)
        style = box.style
        style.left, style.top = f"{100 * left / width}%", f"{100 * top / height}%"
        style.width, style.height = f"{100 * side / width}%", f"{100 * side / height}%"
        box.hidden = False

    def draw_conv(self, model, acts):
        """The first conv neuron's channels, kernel slices and map."""
        body, name = one("#fig-conv .fig-body"), figures.first_of_kind(model, "conv2d")
        if name is None:
            body.innerHTML = note_html(_("This model has no convolution."))
            return
        channels = np.moveaxis(model.padded_input(name, acts)[0], -1, 0)
        kernels = np.moveaxis(model.layer(name).kernel[:, :, :, 0], -1, 0)
        output = acts[name][..., 0]
        body.innerHTML = conv_figure_html(channels, kernels, output, name)
        canvases = list(body.querySelectorAll("canvas"))
        paint(canvases[:-1], colormap.diverging_rgba(channels, colormap.limit_of(channels)))
        paint(canvases[-1:], colormap.diverging_rgba(output[None], colormap.limit_of(output)))

    def draw_relu(self, model, acts):
        """The first ReLU's input values on the graph of max(0, x)."""
        name = figures.first_of_kind(model, "relu")
        body = one("#fig-relu .fig-body")
        body.innerHTML = (figures.relu_svg(model.input_of(name, acts)[..., 0]) if name
                          else note_html(_("This model has no ReLU layer.")))

    def draw_pool(self, model, acts):
        """The first pooled map with its strongest window."""
        name = figures.first_of_kind(model, "max_pool2d")
        body = one("#fig-pool .fig-body")
        if name is None:
            body.innerHTML = note_html(_("This model has no max pooling."))
            return
        source = model.input_of(name, acts)[..., 0]
        window = model.layer(name).window_and_stride()[0]
        position = figures.strongest_window(source, window)
        h, w = source.shape
        label = _("{layer} input map, neuron {number}").format(layer=markup.escape(name), number=1)
        body.innerHTML = (f'<div class="fig-pool"><div class="grid fig-map" style="aspect-ratio:{w} / {h}">'
                          f'<canvas width="{w}" height="{h}" role="img" aria-label="{label}">'
                          f'</canvas><div class="window-box" style="display:block;left:{100 * position[1] * window[1] / w}%;'
                          f'top:{100 * position[0] * window[0] / h}%;width:{100 * window[1] / w}%;height:{100 * window[0] / h}%">'
                          f'</div></div><div class="fig-pool-nums">{figures.pool_html(source, position, window)}</div></div>')
        paint(list(body.querySelectorAll("canvas")), colormap.diverging_rgba(source[None], colormap.limit_of(source)))

    def draw_flatten(self, model, acts):
        """The first values of the flattened list."""
        names = [layer.name for layer in model.layers]
        flat = next((n for n in names if model.layer(n).type == "flatten"), None)
        body = one("#fig-flatten .fig-body")
        if flat is None:
            body.innerHTML = note_html(_("This model has no flatten layer."))
            return
        body.innerHTML = figures.flatten_html(model.input_of(flat, acts))
