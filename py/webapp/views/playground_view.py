"""The convolution playground: choose input size, padding, kernel, stride and dilation, and watch the kernel slide."""
import time

import js
import numpy as np

from cnn_explainer.page import colormap, markup, steps
from cnn_explainer.net import ops
from cnn_explainer.page import playground as pg
from cnn_explainer.page import playground_markup as pm
from cnn_explainer.i18n import _
from cnn_explainer.page.markup import cell_text, number_grid_html
from cnn_explainer.page.numbers import fixed

from ..dom import Listeners, closest, mark_code_line
from .grids import Grid
from .player import Player, controls_html

CODE = (steps.conv_cell, pg.convolve, ops.conv2d)
CODE_LINES = [steps.line_of(steps.conv_cell, start) for start in ("window =", "products =", "return")]
PADDING_RGBA = np.array([226, 232, 240, 255], np.uint8)  # the border of zeros, set apart from the input
UNUSED_RGBA = np.array([148, 163, 184, 255], np.uint8)  # cells no window reads


def learned_layer(model):
    """The first layer when it is a conv on the RGB image with square kernels of at most 5: its kernels can play."""
    first = model.layers[0] if model.layers else None
    ok = first is not None and first.type == "conv2d" and first.kernel.shape[0] == first.kernel.shape[1] <= 5
    return first if ok and first.kernel.shape[2] == 3 else None


class Playground:
    """A convolution of one grid by one kernel under any settings the controls allow, animated like the other views."""

    section = "playground"  # its article section (explain.SECTIONS)

    @property
    def title(self):
        """The view's title, in the active language."""
        return _("Convolution playground")

    def __init__(self, model, acts, nav, mode="grid", layer=None, index=None):
        self.model, self.acts, self.mode = model, acts, mode
        self.learned = learned_layer(model)
        self.settings = pg.Settings(64 if mode == "image" else 6, (0, 0), 3, 1, 1)
        self.seed, self.channel = 1, 0
        self.grid = pg.random_grid(6, self.seed)
        opened_from_first = self.learned is not None and layer == self.learned.name and index is not None
        self.kernel_name = f"learned:{index}:0" if opened_from_first else "Sobel x"
        self.kernel = self.kernel_of(self.kernel_name, 3)
        self.listeners, self.player, self.taps = Listeners(), None, []
        self.cursor = (0, 0)  # the input cell the keyboard edits (grid mode), unpadded
        self.heading = "h3" if nav is not None else "h4"  # under the panel's h2, or the article section's h3

    # ---- the numbers ----------------------------------------------------------------------------------------------

    def kernel_of(self, name, size):
        """The weights of a kernel menu entry (random integers take the given size)."""
        if name in pg.PRESETS:
            return np.asarray(pg.PRESETS[name], dtype=float)
        if name.startswith("learned:") and self.learned is not None:
            neuron, channel = (int(part) for part in name.split(":")[1:])
            return np.asarray(self.learned.kernel[:, :, channel, neuron], dtype=float)
        return pg.random_kernel(size, self.seed)

    def inputs(self):
        """The unpadded input: the editable grid, or a centred crop of one channel of the current image."""
        if self.mode == "image":
            return pg.crop(self.acts["input"][..., self.channel], self.settings.size)
        return self.grid

    def compute(self):
        """Everything the picture needs for the current settings, the output from ops.conv2d."""
        s = self.settings
        self.values = self.inputs()
        self.padded = pg.pad(self.values, s.padding)
        self.spread = pg.dilate(self.kernel, s.dilation)
        self.output = pg.convolve(self.values, self.kernel, s)
        self.used, self.pad_mask = pg.used_cells(s), pg.padding_mask(s)
        self.limits = (colormap.limit_of(self.padded), colormap.limit_of(self.output))

    # ---- drawing ----------------------------------------------------------------------------------------------------

    def mount(self, body):
        """Draw the controls once, then the grids, and start the animation."""
        self.body = body
        options = pm.kernel_options_html(self.learned.name if self.learned else "", self.learned.kernel.shape[3]
                                         if self.learned else 0, self.kernel_name)
        body.innerHTML = (
            '<div class="playground" data-mode="">'
            '<p class="lede">' + _("Change the settings and watch how the kernel slides, what the border of zeros does, "
                                   "and how big the output gets. Point at an output cell (or use the arrow keys on it) to "
                                   "move the window; in the grid of numbers, click a cell to raise it by one (Shift+click "
                                   "lowers it), or focus the grid and type digits.") + '</p>'
            f'{pm.controls_html(self.settings, self.mode, self.size_limit(), options, self.channel)}'
            '<div class="pg-size" aria-live="polite"></div><p class="pg-note" aria-live="polite"></p>'
            '<div class="pg-grids"></div><div class="formula pg-formula" aria-live="polite"></div>'
            f'{controls_html(self.title)}{markup.code_panels_html(CODE)}</div>')
        self.root = body.querySelector(".playground")
        add = self.listeners.add
        add(self.root, "input", self.on_input)
        add(self.root, "change", self.on_change)
        add(self.root, "click", self.on_click)
        add(self.root, "keydown", self.on_key)
        self.redraw(first=True)

    def size_limit(self):
        """The input sizes this mode allows."""
        return pg.IMAGE_SIZE if self.mode == "image" else pg.LIMITS["size"]

    def redraw(self, first=False):
        """Recompute and redraw the grids, equation and note; a player keeps playing (or paused) as it was."""
        start = time.perf_counter()
        playing = self.player is not None and self.player.timer is not None
        if self.player is not None:
            self.player.destroy()
        self.compute()
        self.sync_controls()
        s, root = self.settings, self.root
        root.dataset.mode = self.mode
        root.querySelector(".pg-size").innerHTML = pm.size_math(s)
        note = pg.uneven_text(s)
        if s.padding[0] != s.padding[1]:
            odd = _("Keras's “same” puts the odd zero after: {before} before, {after} after.").format(
                before=s.padding[0], after=s.padding[1])
            note = (odd + " " + note).strip()
        root.querySelector(".pg-note").textContent = note
        focused = next((name for name in ("pg-in", "pg-out") if js.document.activeElement is not None
                        and js.document.activeElement.closest(f".{name}") is not None), None)
        self.draw_grids()
        if focused:  # the grid under the keyboard was redrawn: keep the focus on its new canvas
            self.root.querySelector(f".{focused} canvas").focus()
        self.player = Player(root, self.output.shape, 3, self.show)
        self.player.follow(self.output_grid)
        if first and self.mode == "grid":
            self.player.start()
        else:
            self.player.render()
            if playing:
                self.player.play()
        root.dataset.redrawMs = f"{(time.perf_counter() - start) * 1000:.2f}"  # for bench/bench_teaching.py

    def draw_grids(self):
        """The padded input (border and unread cells set apart), the kernel and the output grid."""
        s = self.settings
        out_h, out_w = self.output.shape
        rgba = colormap.diverging_rgba(self.padded, self.limits[0])
        rgba[self.pad_mask] = PADDING_RGBA
        rgba[~self.used] = (rgba[~self.used] // 2 + UNUSED_RGBA // 2).astype(np.uint8)
        out_rgba = colormap.diverging_rgba(self.output, self.limits[1])
        overlay_in = pm.overlay_html(self.padded, self.pad_mask, self.used, rgba)
        overlay_out = pm.overlay_html(self.output, np.zeros(self.output.shape, bool), np.ones(self.output.shape, bool), out_rgba)
        size = len(self.padded)
        kernel_title = (_("Kernel") if s.dilation == 1
                        else _("Kernel (its weights {count} cells apart)").format(count=s.dilation))
        in_label = _("padded input, {height} by {width}").format(height=size, width=size)
        out_label = _("output: point or use the arrow keys to choose a cell")
        in_title, out_title, weights = _("Input with padding"), _("Output"), _("kernel weights")
        h = self.heading
        self.root.querySelector(".pg-grids").innerHTML = (
            f'<div class="pg-side"><{h}>{in_title} · {size}×{size}</{h}>'
            f'{pm.grid_html("pg-in", self.padded.shape, in_label, overlay_in)}</div>'
            f'<div class="pg-side pg-kernel"><{h}>{kernel_title} · {s.kernel}×{s.kernel}</{h}>'
            f'{number_grid_html(self.kernel, colormap.limit_of(self.kernel), weights)}</div>'
            f'<div class="pg-side"><{h}>{out_title} · {out_h}×{out_w}</{h}>'
            f'{pm.grid_html("pg-out", self.output.shape, out_label, overlay_out)}</div>')
        self.input_grid = Grid(self.root.querySelector(".pg-in"), self.padded, self.limits[0], rgba)
        self.output_grid = Grid(self.root.querySelector(".pg-out"), self.output, self.limits[1], out_rgba)
        self.taps = []
        self.show_cursor()

    def show(self, position, phase):
        """One animation frame: the window on the input, the cell on the output, the formula with its numbers."""
        s, (row, col) = self.settings, position
        reach = pg.span(s.kernel, s.dilation)
        self.input_grid.show_window(row * s.stride, col * s.stride, reach, reach)
        self.output_grid.show_window(row, col, 1, 1)
        done = phase == 2
        if self.mode == "grid":  # a photo's output is shown whole: thousands of cells are too many to reveal one by one
            revealed = row * self.output.shape[1] + col + (1 if done else 0)
            self.output_grid.reveal(revealed)
            for i, cell in enumerate(self.root.querySelectorAll(".pg-out .pg-cell")):  # numbers not computed yet stay hidden
                cell.classList.toggle("pending", i >= revealed)
        self.mark_taps(row * s.stride, col * s.stride)
        formula = self.root.querySelector(".pg-formula")
        formula.innerHTML = self.formula_html(position, phase)
        formula.classList.toggle("done", done)
        mark_code_line(self.root, 0, CODE_LINES[phase])
        data = self.root.dataset
        data.row, data.col, data.phase = str(row), str(col), str(phase)

    def mark_taps(self, top, left):
        """In a grid of numbers, outline the cells the kernel's weights lie on (with dilation, not every cell)."""
        cells = self.root.querySelectorAll(".pg-in .pg-cell")
        if not cells.length:
            return
        for cell in self.taps:
            cell.classList.remove("tap")
        s, width = self.settings, len(self.padded)
        self.taps = [cells.item((top + i * s.dilation) * width + left + j * s.dilation)
                     for i in range(s.kernel) for j in range(s.kernel)]
        for cell in self.taps:
            cell.classList.add("tap")

    def formula_html(self, position, phase):
        """The cells under the weights × the weights = products, summed: this output cell's value."""
        s = self.settings
        window, products, total = steps.conv_cell(self.padded, self.spread, *position, (s.stride, s.stride))
        taps, weighed = window[::s.dilation, ::s.dilation], products[::s.dilation, ::s.dilation]
        where = _("output {cell}").format(cell=cell_text(position, self.output.shape))
        return markup.products_sum_html(where, taps, self.limits[0], _("input cells under the weights"), self.kernel,
                                        weighed, total, phase, _("ops.conv2d at this cell:"), self.output[position])

    # ---- the controls -----------------------------------------------------------------------------------------------

    def sync_controls(self):
        """Show the settings in every slider and number field (a constraint may have moved one the visitor did not)."""
        values = {**self.settings._asdict(), "padding": self.settings.padding[0]}
        low, high = self.size_limit()
        for element in self.root.querySelectorAll("input[data-name]"):
            name = element.dataset.name
            if name == "size":
                element.min, element.max = str(low), str(high)
            if str(element.value) != str(values[name]):
                element.value = str(values[name])
        self.root.querySelector(".pg-kernel").value = self.kernel_name

    def set(self, changed, settings):
        """Apply new settings (constrained), growing or shrinking the editable grid and a random kernel with them."""
        new = pg.constrain(settings, changed, self.size_limit())
        if new.size != len(self.grid) and self.mode == "grid":
            self.grid = pg.random_grid(new.size, self.seed)
        if new.kernel != len(self.kernel):
            if self.kernel_name != "random":
                self.kernel_name = "random"
            self.kernel = self.kernel_of("random", new.kernel)
        self.settings = new
        self.redraw()

    def on_input(self, event):
        """A slider moved (number fields wait for their change event)."""
        target = event.target
        if target.type == "range":
            self.setting_changed(target.dataset.name, target.value)

    def on_change(self, event):
        """A number field, the mode, channel or kernel menu changed."""
        target = event.target
        if target.type == "number":
            self.setting_changed(target.dataset.name, target.value)
        elif target.classList.contains("pg-mode"):
            self.mode = "image" if target.value == "image" else "grid"
            size = 64 if self.mode == "image" else min(self.settings.size, pg.LIMITS["size"][1])
            self.grid = pg.random_grid(size, self.seed)
            self.set("size", self.settings._replace(size=size))
        elif target.classList.contains("pg-channel"):
            self.channel = int(target.value) % 3
            self.redraw()
        elif target.classList.contains("pg-kernel"):
            self.kernel_name = str(target.value)
            self.kernel = self.kernel_of(self.kernel_name, self.settings.kernel)
            self.set("kernel", self.settings._replace(kernel=len(self.kernel)))

    def setting_changed(self, name, text):
        """One slider or number field: its value (ignored when it is not a number) into the settings."""
        try:
            value = int(float(text))
        except (TypeError, ValueError):
            return self.sync_controls()
        settings = self.settings._replace(padding=(value, value)) if name == "padding" else self.settings._replace(**{name: value})
        self.set(name, settings)

    def on_click(self, event):
        """valid / same, new random numbers, or a click on the grid of numbers to change a cell."""
        button = closest(event, "button[data-pad], .pg-random")
        s = self.settings
        if button is not None and button.dataset.pad:
            self.set("padding", s._replace(padding=pg.keras_padding(button.dataset.pad, s.size, s.kernel, s.stride, s.dilation)))
        elif button is not None:
            self.seed += 1
            self.grid = pg.random_grid(s.size, self.seed)
            if self.kernel_name == "random":
                self.kernel = self.kernel_of("random", s.kernel)
            self.redraw()
        elif self.mode == "grid" and closest(event, ".pg-in canvas") is not None:
            self.edit(self.input_grid.cell_at(event), -1 if event.shiftKey else 1)

    def edit(self, cell, step=None, value=None):
        """Raise or lower one input number (0 to 9 round), or set it; the padding stays zero."""
        before = self.settings.padding[0]
        row, col = cell[0] - before, cell[1] - before
        if 0 <= row < len(self.grid) and 0 <= col < len(self.grid):
            self.cursor = (row, col)
            self.grid[row, col] = value if value is not None else (self.grid[row, col] + step) % 10
            self.redraw()

    def on_key(self, event):
        """On the grid of numbers: arrow keys move the edit cursor, a digit sets the number there, + and − step it."""
        if self.mode != "grid" or closest(event, ".pg-in canvas") is None:
            return
        key, (row, col), size = event.key, self.cursor, len(self.grid)
        moves = {"ArrowUp": (-1, 0), "ArrowDown": (1, 0), "ArrowLeft": (0, -1), "ArrowRight": (0, 1)}
        before = self.settings.padding[0]
        if key in moves:
            self.cursor = (min(max(row + moves[key][0], 0), size - 1), min(max(col + moves[key][1], 0), size - 1))
            self.show_cursor()
        elif key.isdigit() and len(key) == 1:
            self.edit((row + before, col + before), value=float(key))
        elif key in ("+", "=", "-", "−"):
            self.edit((row + before, col + before), 1 if key in ("+", "=") else -1)
        else:
            return
        event.preventDefault()

    def show_cursor(self):
        """Outline the cell the keyboard edits, and say where it is and what it holds in the grid's name."""
        if self.mode != "grid":
            return
        size = len(self.grid)
        self.cursor = (min(self.cursor[0], size - 1), min(self.cursor[1], size - 1))
        row, col = self.cursor
        before, width = self.settings.padding[0], len(self.padded)
        for cell in self.root.querySelectorAll(".pg-in .pg-cell.cursor"):
            cell.classList.remove("cursor")
        cell = self.root.querySelector(f".pg-in .pg-cell:nth-child({(row + before) * width + col + before + 1})")
        if cell is not None:
            cell.classList.add("cursor")
        self.root.querySelector(".pg-in canvas").setAttribute("aria-label", _(
            "input row {row}, column {column}: {value}. Arrow keys move, a digit sets the number, + and − change it"
        ).format(row=row + 1, column=col + 1, value=fixed(self.grid[row, col], 0)))

    def refresh(self, model, acts):
        """A new image (same model): the image mode follows it."""
        self.acts = acts
        if self.mode == "image":
            self.redraw()

    def destroy(self):
        """Stop the animation and drop every listener."""
        if self.player is not None:
            self.player.destroy()
        self.listeners.clear()
