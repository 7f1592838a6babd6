"""Max pooling explained: each 2×2 window of the input map → its largest value."""
from cnn_explainer import colormap, ops, steps
from cnn_explainer.markup import cell_text, number_grid_html
from cnn_explainer.numbers import fixed, number

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
        self.title = f"Max pooling · {layer}, neuron {index + 1}"
        self.lede = (f"Max pooling slides a {self.window[0]}×{self.window[1]} window over the map "
                     f"(stride {self.stride[0]}) and keeps only the largest value: the map shrinks, "
                     "and the strongest response in each patch survives.")
        limit = colormap.limit_of(source)
        super().__init__(source, acts[layer][..., index], limit, limit)

    def formula_html(self, position, phase):
        """max(a, b, c, d) = y with this window's numbers."""
        window, result, where = steps.pool_cell(self.input_map, *position, self.window, self.stride)
        values = ", ".join(fixed(v) for v in window.ravel())
        shown = fixed(result) if phase == 1 else "?"
        forward = float(self.output_map[position])
        return (f'<p class="where">{cell_text(position)}</p>'
                + number_grid_html(window, self.limits[0], "pooling window", where if phase == 1 else None)
                + f'<p class="eq">max({values}) = <span class="result" data-value="{float(result)!r}">{shown}</span></p>'
                f'<p class="check">forward pass at this cell: <span class="forward-value" data-value="{forward!r}">{number(forward)}</span></p>')
