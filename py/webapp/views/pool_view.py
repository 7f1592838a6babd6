"""Max pooling explained: each 2×2 window of the input map → its largest value."""
from cnn_explainer.page import colormap, steps
from cnn_explainer.net import ops
from cnn_explainer.i18n import _
from cnn_explainer.page.markup import cell_text, number_grid_html
from cnn_explainer.page.numbers import fixed, number

from .stepview import StepView


class PoolView(StepView):
    """One max-pool neuron: the input map shrinks by keeping each window's maximum."""

    section = "max_pool2d"  # its article section (explain.SECTIONS)

    phases = 2
    code = ((steps.pool_cell, ["window =", "return"]), (ops.max_pool2d, None))

    def __init__(self, model, acts, nav, layer, index):
        self.layer, self.index = layer, index
        padded, self.window, self.stride = model.padded_input(layer, acts)
        source = padded[..., index]
        self.title = _("Max pooling · {layer}, neuron {number}").format(layer=layer, number=index + 1)
        self.lede = _("Max pooling slides a {height}×{width} window over the map (stride {stride}) and keeps only the "
                      "largest value: the map shrinks, and the strongest response in each patch survives.").format(
                          height=self.window[0], width=self.window[1], stride=self.stride[0])
        limit = colormap.limit_of(source)
        super().__init__(source, acts[layer][..., index], limit, limit)

    def formula_html(self, position, phase):
        """max(a, b, c, d) = y with this window's numbers."""
        window, result, where = steps.pool_cell(self.input_map, *position, self.window, self.stride)
        values = ", ".join(fixed(v) for v in window.ravel())
        shown = fixed(result) if phase == 1 else "?"
        forward = float(self.output_map[position])
        check = _("forward pass at this cell:")
        return (f'<p class="where">{cell_text(position)}</p>'
                + number_grid_html(window, self.limits[0], _("pooling window"), where if phase == 1 else None)
                + f'<p class="eq">max({values}) = <span class="result" data-value="{float(result)!r}">{shown}</span></p>'
                f'<p class="check">{check} <span class="forward-value" data-value="{forward!r}">{number(forward)}</span></p>')
