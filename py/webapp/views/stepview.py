"""The shared shape of the formula views: input grid → the formula at one position → output grid, animated."""
from cnn_explainer.page import markup, steps
from cnn_explainer.i18n import N_, _

from ..dom import mark_code_line
from .grids import Grid
from .player import Player, controls_html


class StepView:
    """Base class: subclasses set the maps, window, phases, code and the formula text for a position."""

    title = ""
    lede = ""
    phases = 2
    window = (1, 1)
    stride = (1, 1)
    names = (N_("input"), N_("output"))  # what the two grids show (marked with N_, shown translated)
    code = ()  # ((function, [line start per phase] or None), ...): the first panel follows the animation
    colours = (None, None)  # RGBA of the two grids, when not the diverging scale of their values

    def __init__(self, input_map, output_map, input_limit, output_limit):
        self.input_map, self.output_map = input_map, output_map
        self.limits = (input_limit, output_limit)

    def formula_html(self, position, phase):
        """The formula for the output cell at position, written with the real numbers (subclasses)."""
        raise NotImplementedError

    def mount(self, body):
        """Draw the view into body and start the animation."""
        self.body = body
        into, out = (_(name) for name in self.names)
        in_label = _("{name} map").format(name=into)
        out_label = _("{name} map: point or use the arrow keys to choose a cell").format(name=out)
        body.innerHTML = (
            f'<p class="lede">{self.lede}</p><div class="stepview backdrop">'
            f'<div class="side"><h3>{markup.escape(into)}</h3>{markup.grid_html("in", self.input_map.shape, in_label)}</div>'
            '<div class="formula" aria-live="polite"></div>'
            f'<div class="side"><h3>{markup.escape(out)}</h3>'
            f'{markup.grid_html("out", self.output_map.shape, out_label)}</div>'
            f'</div>{controls_html(self.title)}{markup.code_panels_html([f for f, _lines in self.code])}')
        self.input_grid = Grid(body.querySelector(".grid.in"), self.input_map, self.limits[0], self.colours[0])
        self.output_grid = Grid(body.querySelector(".grid.out"), self.output_map, self.limits[1], self.colours[1])
        self.code_lines = [steps.line_of(self.code[0][0], start) for start in self.code[0][1]] if self.code else []
        self.player = Player(body, self.output_map.shape, self.phases, self.show)
        self.player.follow(self.output_grid)
        self.player.start()

    def show(self, position, phase):
        """Draw one animation frame: windows, revealed output, formula and highlighted code line."""
        row, col = position
        self.input_grid.show_window(row * self.stride[0], col * self.stride[1], *self.window)
        self.output_grid.show_window(row, col, 1, 1)
        done = phase == self.phases - 1
        self.output_grid.reveal(row * self.output_map.shape[1] + col + (1 if done else 0))
        formula = self.body.querySelector(".formula")
        formula.innerHTML = self.formula_html(position, phase)
        formula.classList.toggle("done", done)  # the forward pass's value is shown once the step has its result
        if self.code_lines:
            mark_code_line(self.body, 0, self.code_lines[phase])
        data = self.body.dataset
        data.row, data.col, data.phase = str(row), str(col), str(phase)

    def destroy(self):
        """Stop the animation and drop its listeners."""
        self.player.destroy()
