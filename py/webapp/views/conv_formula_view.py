"""Convolution explained for one input channel: the 3×3 window × the kernel, summed, slides over the map."""
from cnn_explainer.page import colormap, steps
from cnn_explainer.net import ops
from cnn_explainer.i18n import N_, _
from cnn_explainer.page.markup import cell_text, playground_button, products_sum_html

from .stepview import StepView


class ConvFormulaView(StepView):
    """One input channel of one conv neuron: window ⊙ kernel summed gives one value of the intermediate map."""

    section = "conv2d"  # its article section (explain.SECTIONS)

    phases = 3
    names = (N_("input channel"), N_("intermediate map"))
    code = ((steps.conv_cell, ["window =", "products =", "return"]), (ops.conv2d, None))

    def __init__(self, model, acts, nav, layer, index, channel):
        self.layer, self.index, self.channel = layer, index, channel
        padded, self.window, self.stride = model.padded_input(layer, acts)
        self.kernel = model.layer(layer).kernel[:, :, channel, index]
        source = padded[..., channel]
        intermediate = model.conv_intermediates(layer, acts, index)[channel]
        self.title = _("Convolution · {layer}, neuron {number}, input channel {channel}").format(
            layer=layer, number=index + 1, channel=channel + 1)
        self.lede = (_("A convolution slides a small kernel over its input. At each position it multiplies the "
                       "window of input values by the kernel's weights, one by one, and adds the products up.")
                     + " " + playground_button(layer, index))
        super().__init__(source, intermediate, colormap.limit_of(source), colormap.limit_of(intermediate))

    def formula_html(self, position, phase):
        """window ⊙ kernel = products, Σ = value, with this position's numbers."""
        window, products, total = steps.conv_cell(self.input_map, self.kernel, *position, self.stride)
        return products_sum_html(cell_text(position), window, self.limits[0], _("input window"), self.kernel, products,
                                 total, phase, _("forward pass (intermediate map) at this cell:"),
                                 self.output_map[position])
