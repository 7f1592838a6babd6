"""A heat-map grid in the page: paint once, then move the window box and reveal output cells as steps go."""
import numpy as np

from cnn_explainer.page import colormap

from ..dom import paint

UNREVEALED = np.array([241, 245, 249, 255], np.uint8)  # cells the animation has not computed yet


class Grid:
    """One 2-D map drawn in a `.grid` element made by markup.grid_html."""

    def __init__(self, element, values, limit, rgba=None):
        self.element, self.values = element, np.asarray(values)
        self.canvas = element.querySelector("canvas")
        self.box = element.querySelector(".window-box")
        self.rgba = colormap.diverging_rgba(self.values, limit) if rgba is None else rgba
        self.revealed = None
        self.reveal(self.values.size)

    def reveal(self, count):
        """Show the first `count` cells in reading order; the rest stay blank."""
        if count == self.revealed:
            return
        rgba = self.rgba.copy()
        rgba.reshape(-1, 4)[count:] = UNREVEALED
        paint([self.canvas], rgba[None])
        self.revealed = count

    def show_window(self, row, col, height, width):
        """Place the window box over rows row..row+height and columns col..col+width."""
        h, w = self.values.shape
        style = self.box.style
        style.left, style.top = f"{100 * col / w}%", f"{100 * row / h}%"
        style.width, style.height = f"{100 * width / w}%", f"{100 * height / h}%"
        style.display = "block"

    def cell_at(self, event):
        """The (row, col) under a pointer event on the canvas."""
        h, w = self.values.shape
        col = int(event.offsetX / max(self.canvas.clientWidth, 1) * w)
        row = int(event.offsetY / max(self.canvas.clientHeight, 1) * h)
        return min(max(row, 0), h - 1), min(max(col, 0), w - 1)
