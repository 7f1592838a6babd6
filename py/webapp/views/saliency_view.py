"""Which pixels mattered: the gradient of one class's logit with respect to every input value, as a heat map over
the picture, its strongest value checked against the forward pass nudged, and the code that computes it."""
import time

from cnn_explainer.i18n import N_, _
from cnn_explainer.net import saliency
from cnn_explainer.net.model import pixels_of
from cnn_explainer.page import heatmap, steps
from cnn_explainer.page import saliency_markup as sm
from cnn_explainer.page.markup import code_panels_html, escape

from ..dom import Listeners, later, one, paint

CODE = (saliency.saliency, saliency.saliency_batch, heatmap.strength, heatmap.smoothgrad_steps, steps.nudge_slope)
SMOOTH_NOTE = N_("SmoothGrad averages the gradients of several copies of the picture with a little random noise added: "
                 "the map gets less speckled, and each copy is one more backward pass.")


class SaliencyView:
    """The input's saliency for a chosen class (the top one unless chosen), plain or SmoothGrad; it follows the
    picture, the model and the class."""

    section = "saliency"  # its article section (explain.SECTIONS)

    def __init__(self, model, acts, nav, settings):
        self.model, self.acts, self.settings = model, acts, settings
        self.title = _("Input · which pixels mattered")
        self.listeners, self.body, self.asked = Listeners(), None, 0.0

    def mount(self, body):
        """Draw the controls and empty pictures, then ask for the gradient (drawn when it is ready)."""
        self.body = body
        model, settings = self.model, self.settings
        k = settings.class_for(model, self.acts)
        probabilities = self.acts[model.layers[-1].name]
        lede = escape(_("Which pixels mattered for a class? Run the network backwards from that class's score (its "
                        "logit, before softmax) down to the input: the gradient says, for every input value, how far "
                        "the score moves when that value alone moves a little. The map shows its size at each pixel "
                        "(the largest over the pixel's channels), darker where it is larger. It shows what the score "
                        "is sensitive to in this picture, not what the picture is."))
        note = escape(_(SMOOTH_NOTE))
        controls = sm.controls_html(model.classes, probabilities, k, settings.smooth, settings.samples)
        body.innerHTML = (f'<div class="saliency-view" data-state="computing">'
                          f'{sm.view_html(lede, model.input_shape[:2], controls)}'
                          f'<p class="sal-note help">{note}</p>'
                          f'{code_panels_html(CODE)}</div>')
        self.root = one(".saliency-view", body)
        pixels = pixels_of(self.acts["input"], model.pixel_range)
        self.pixels = pixels
        paint([one(".sal-picture canvas", body)], heatmap.picture_rgba(pixels)[None])
        for selector in ("#saliency-class", "#saliency-smooth", "#saliency-samples"):
            self.listeners.add(one(selector, body), "change", self.on_setting)
        self.ask()

    def ask(self):
        """Mark the view busy and request the gradient for the current settings."""
        self.asked = time.perf_counter()
        self.root.dataset.state = "computing"
        try:
            self.settings.request(self.model, self.acts, self.draw)
        except Exception as error:  # a model whose layers the backward pass cannot take: say so, keep the page
            self.root.dataset.state = "error"
            one(".sal-check", self.root).textContent = _("The gradient could not be computed: {error}").format(
                error=error)

    def draw(self, gradient, k):
        """Paint the heat map and the overlay; the strongest value's check follows in a task of its own."""
        if self.body is None:  # closed while SmoothGrad was running
            return
        t, top = heatmap.normalise(heatmap.strength(gradient))
        canvases = [one(".sal-heat canvas", self.root), one(".sal-over canvas", self.root)]
        paint(canvases[:1], heatmap.heat_rgba(t)[None])
        paint(canvases[1:], heatmap.overlay_rgba(heatmap.luminance(self.pixels), t)[None])
        asked = self.asked
        # the check runs two more forward passes: after this task, so that neither task holds the page for long
        later(lambda: self.body is not None and self.asked == asked and self.write_check(gradient, k, top))

    def write_check(self, gradient, k, top):
        """Write the strongest value's gradient beside the forward pass nudged, and mark the view ready."""
        model, root, smooth = self.model, self.root, self.settings.smooth
        position = heatmap.strongest(gradient)
        slope = None if smooth else steps.nudge_slope(model, self.acts["input"], k, position)
        one(".sal-check", root).innerHTML = sm.check_html(position, model.input_shape[-1], gradient[position], slope,
                                                          top, model.classes[k], self.settings.samples if smooth else 0)
        data = root.dataset
        data.classIndex, data.top, data.samples = str(k), repr(top), str(self.settings.samples)
        data.smooth = "true" if smooth else "false"
        data.ms = f"{(time.perf_counter() - self.asked) * 1000:.1f}"
        data.state = "ready"

    def on_setting(self, event):
        """A control changed: the class, SmoothGrad on or off, its count of noisy copies."""
        body = self.body
        smooth = bool(one("#saliency-smooth", body).checked)
        one("#saliency-samples", body).disabled = not smooth
        self.settings.choose(class_index=int(one("#saliency-class", body).value), smooth=smooth,
                             samples=int(one("#saliency-samples", body).value))
        self.ask()

    def destroy(self):
        """Drop the listeners; a gradient that arrives later is not drawn."""
        self.listeners.clear()
        self.body = None
