"""The explanation area under the overview: a stack of views; Escape or a click on empty space steps back."""
import importlib
import time

from cnn_explainer.markup import escape

from .dom import one


VIEWS_BY_KIND = {"conv2d": "conv_view.ConvView", "relu": "relu_view.ReluView",
                 "max_pool2d": "pool_view.PoolView", "output": "dense_view.DenseView"}


def view_for(app, layer, index):
    """The view that explains a neuron of the overview (None for the input channels)."""
    kind = app.overview.kind_of.get(layer)
    if kind not in VIEWS_BY_KIND:
        return None
    module, name = VIEWS_BY_KIND[kind].split(".")
    view_class = getattr(importlib.import_module(f".{module}", __package__), name)
    return view_class(app, index) if kind == "output" else view_class(app, layer, index)


def warm_up():
    """Import the view modules and read the code they show, so the first click opens as fast as later ones."""
    from cnn_explainer import model, ops, steps
    from . import conv_view, dense_view, pool_view, relu_view, softmax_view  # noqa: F401
    for function in (steps.conv_cell, steps.conv_total, steps.relu_cell, steps.pool_cell, steps.dense_cell,
                     steps.softmax_terms, ops.conv2d, model.Model.conv_intermediates):
        steps.source(function)


class Explainer:
    """Opens views (each made by a factory, so it can be rebuilt for a new image) and steps back through them."""

    def __init__(self, app):
        self.app, self.factories, self.view, self.origin = app, [], None, None
        self.pinned = None  # (layer, index) of the overview neuron being explained: it stays lit

    @property
    def is_open(self):
        return bool(self.factories)

    def open(self, factory, origin=None):
        """Push a view (made by factory()) on top of the current one."""
        if not self.factories:
            self.origin = origin
        self.factories.append(factory)
        self.show_top()
        one("#explain").scrollIntoView()

    def open_neuron(self, layer, index, origin=None):
        """Open the explanation of an overview neuron; False when it has none."""
        if self.app.overview.kind_of.get(layer) not in VIEWS_BY_KIND:
            return False
        self.factories, self.pinned = [], (layer, index)
        self.app.overview.highlight(layer, index)
        self.open(lambda: view_for(self.app, layer, index), origin)
        return True

    def show_top(self):
        """Destroy the visible view and mount the top of the stack (with the current activations)."""
        if self.view is not None:
            self.view.destroy()
            self.view = None
        section = one("#explain")
        if not self.factories:
            section.hidden = True
            one("#explain-body").innerHTML = ""
            document_body().classList.remove("explaining")
            return
        start = time.perf_counter()  # the open time counts building the view's numbers and drawing it
        self.view = self.factories[-1]()
        section.hidden = False
        document_body().classList.add("explaining")
        one("#explain-title").innerHTML = escape(self.view.title)
        one("#explain-back").textContent = "← Back" if len(self.factories) > 1 else "← Back to the overview"
        self.view.mount(one("#explain-body"))
        document_body().dataset.viewOpenMs = f"{(time.perf_counter() - start) * 1000:.1f}"

    def close_all(self):
        """Close every view without moving the focus (e.g. when the model changes)."""
        self.factories, self.pinned = [], None
        self.show_top()

    def back(self):
        """Step back one view; from the first one, return to the overview and refocus the neuron."""
        if not self.factories:
            return
        self.factories.pop()
        self.show_top()
        if not self.factories:
            self.pinned = None
            self.app.overview.clear_highlight()
            if self.origin is not None:
                self.origin.focus()

    def refresh(self):
        """Rebuild the visible view, e.g. after the input image changed."""
        if self.factories:
            self.show_top()


def document_body():
    """The page's <body>."""
    from pyscript import document
    return document.body
