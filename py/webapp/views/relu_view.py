"""ReLU explained: input map → max(0, x) = y → output map, one value at a time."""
from cnn_explainer.page import colormap, steps
from cnn_explainer.net import ops
from cnn_explainer.i18n import _
from cnn_explainer.page.markup import cell_text
from cnn_explainer.page.numbers import fixed, number

from .stepview import StepView


class ReluView(StepView):
    """One ReLU neuron: every value of its input map, clipped at zero."""

    section = "relu"  # its article section (explain.SECTIONS)

    phases = 2
    code = ((steps.relu_cell, ["value =", "return"]), (ops.relu, None))

    def __init__(self, model, acts, nav, layer, index):
        self.layer, self.index = layer, index
        self.title = _("ReLU · {layer}, neuron {number}").format(layer=layer, number=index + 1)
        self.lede = _("ReLU (rectified linear unit) keeps positive values and replaces negative ones with zero. "
                      "It is what lets the network bend: without it, stacked convolutions would be one big linear map.")
        source = model.input_of(layer, acts)[..., index]
        limit = colormap.limit_of(source)
        super().__init__(source, acts[layer][..., index], limit, limit)

    def formula_html(self, position, phase):
        """max(0, x) = y with this cell's numbers."""
        value, result = steps.relu_cell(self.input_map, *position)
        forward = float(self.output_map[position])
        check = _("forward pass at this cell:")
        shown = fixed(result) if phase == 1 else "?"
        return (f'<p class="where">{cell_text(position)}</p>'
                f'<p class="eq">max(0, <span class="x">{fixed(value)}</span>) = '
                f'<span class="result" data-value="{float(result)!r}">{shown}</span></p>'
                f'<p class="check">{check} <span class="forward-value" data-value="{forward!r}">{number(forward)}</span></p>')
