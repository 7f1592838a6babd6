"""An input channel explained: the image is just numbers, each 8-bit pixel scaled into the model's input range."""
from cnn_explainer.page import colormap, steps
from cnn_explainer.net import model as models
from cnn_explainer.i18n import N_, _
from cnn_explainer.page.markup import cell_text, channel_name
from cnn_explainer.page.saliency_markup import saliency_button
from cnn_explainer.page.numbers import fixed, number

from .stepview import StepView


class InputView(StepView):
    """One input channel: its pixel values (0 to 255) and the numbers the network actually reads."""

    section = "input"  # its article section (explain.SECTIONS)

    phases = 2
    names = (N_("pixel values"), N_("network input"))
    code = ((steps.scale_cell, ["pixel =", "return"]), (models.scale_pixels, None))

    def __init__(self, model, acts, nav, layer, index):
        self.range = model.pixel_range
        name = channel_name(index, model.input_shape[-1])
        self.title = _("Input · the {channel} channel").format(channel=name)
        low, high = (number(v) for v in self.range)
        self.lede = _("To the network an image is three grids of numbers, one per colour. Each pixel's {channel} value "
                      "(0 to 255) is scaled into the range {low} to {high} before the first convolution sees it.").format(
                          channel=name, low=low, high=high)
        pixels = models.pixels_of(acts[layer], self.range)[..., index]
        hue = colormap.CHANNEL_HUES[index] if model.input_shape[-1] == 3 else colormap.GREY_HUE
        self.colours = (colormap.channel_rgba(pixels, hue, 0, 255), colormap.channel_rgba(acts[layer][..., index], hue, *self.range))
        super().__init__(pixels, acts[layer][..., index], 255.0, colormap.limit_of(self.range))

    def mount(self, body):
        """The step view, with a button under its lede to the saliency view (which pixels mattered)."""
        super().mount(body)
        body.querySelector(".lede").insertAdjacentHTML("afterend", f'<p class="sal-open">{saliency_button()}</p>')

    def formula_html(self, position, phase):
        """x = p / 255 × (high − low) + low with this pixel's numbers."""
        pixel, value = steps.scale_cell(self.input_map, *position, self.range)
        low, high = self.range
        forward = float(self.output_map[position])
        check = _("forward pass input at this cell:")
        shown = fixed(value, 4) if phase == 1 else "?"
        shift = f"+ {number(low)}" if low >= 0 else f"− {number(-low)}"
        below = f"({number(low)})" if low < 0 else number(low)
        return (f'<p class="where">{cell_text(position)}</p>'
                f'<p class="eq">{pixel} / 255 × ({number(high)} − {below}) {shift} = '
                f'<span class="result" data-value="{value!r}">{shown}</span></p>'
                f'<p class="check">{check} <span class="forward-value" data-value="{forward!r}">'
                f'{number(forward, 4)}</span></p>')
