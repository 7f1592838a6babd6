"""The explanation panel: a stack of views opened in place beside the clicked neuron's layer.

It is the one place that opens views (views open others through push), steps back (Escape, the back
button, a click on empty space) and moves the focus and says so to screen readers.
"""
import gc
import time
from collections import namedtuple

import js
from pyodide.ffi import to_js

from cnn_explainer.page import markup, snippets
from cnn_explainer.i18n import _

from .views import conv_view, dense_view, saliency_view, softmax_view
from .views.conv_formula_view import ConvFormulaView
from .views.conv_view import ConvView
from .views.dense_view import DenseView
from .dom import Listeners, closest, later, one
from .views.input_view import InputView
from .views.playground_view import Playground
from .views.pool_view import PoolView
from .views.relu_view import ReluView
from .views.saliency_view import SaliencyView

VIEWS = {"input": InputView, "conv2d": ConvView, "relu": ReluView, "max_pool2d": PoolView, "output": DenseView}
# the article section of each view's subject (its "i" button links there; the section's button opens the view)
SECTIONS = {"input": "about-input", "conv2d": "about-convolution", "relu": "about-relu", "max_pool2d": "about-pooling",
            "output": "about-dense", "softmax": "about-softmax", "playground": "about-playground",
            "saliency": "about-learning"}
BACKDROP = "#explain, #explain-body, .explain-head, .backdrop"  # clicks here land on empty space: step back
Entry = namedtuple("Entry", "view_class args return_focus")  # return_focus: a selector to focus when we come back


def focus(element):
    """Move the keyboard focus to an element without scrolling the page."""
    if element is not None:
        element.focus(to_js({"preventScroll": True}, dict_converter=js.Object.fromEntries))


def warm_up():
    """Build the code panels the views show, so the first click opens as fast as later ones."""
    step_views = [function for view in (InputView, ReluView, PoolView, ConvFormulaView) for function, _lines in view.code]
    for function in step_views + list(conv_view.CODE + dense_view.CODE + softmax_view.CODE + saliency_view.CODE):
        markup.code_panel(function)


class Explainer:
    """Opens views in the panel (each rebuilt from its class and arguments when the image changes) and steps back."""

    def __init__(self, state):
        self.state, self.overview = state, None
        self.stack, self.view, self.origin = [], None, None
        self.stage, self.section, self.body = one("#stage"), one("#explain"), one("#explain-body")
        self.listeners = Listeners()
        self.listeners.add(self.section, "click", self.on_click)
        self.listeners.add(one("#back-to-view"), "click", self.from_article)
        self.on_change = lambda: None  # called when the stack of views changed (the address makes a history entry)
        self.on_console = None  # called with a view's code for the console ("Run in console"), once there is one
        self.saliency = None  # the saliency settings and gradient (saliency_state.Saliency), shared with the overview

    @property
    def is_open(self):
        return bool(self.stack)

    def attach(self, overview):
        """Work with a new overview (a new model): every view closes."""
        self.close(refocus=False)
        self.overview = overview

    def open_neuron(self, layer, index, origin=None):
        """Open the explanation of an overview neuron in place; returns the info line's text (None: it has none)."""
        view_class = VIEWS.get(self.overview.kind_of.get(layer))
        if view_class is None:
            return None
        self.stack, self.origin = [Entry(view_class, (layer, index), None)], origin
        text = self.overview.pin(layer, index)
        self.overview.rail(self.stage, layer)
        self.show_top(announce=True)
        return text

    def push(self, view_class, *args, return_focus=None):
        """Open another view on top of the current one (after this event: the caller's own listener goes with it)."""
        later(lambda: self.push_now(view_class, *args, return_focus=return_focus))

    def push_now(self, view_class, *args, return_focus=None):
        """Open another view on top of the current one, now."""
        self.stack.append(Entry(view_class, args, return_focus))
        self.show_top(announce=True)

    def show_top(self, announce=False, return_to=None):
        """Destroy the visible view and mount the top of the stack (with the current activations)."""
        if self.view is not None:
            self.view.destroy()
            self.view = None
            # a view and its player refer to each other: only the cycle collector frees them, and with them the
            # page elements they hold; collect after this event rather than whenever Python next gets round to it
            later(gc.collect)
        if not self.stack:
            self.section.hidden = True
            self.body.innerHTML = ""
            return
        start = time.perf_counter()  # the open time counts building the view's numbers and drawing it
        entry = self.stack[-1]
        self.view = entry.view_class(self.state.model, self.state.acts, self, *entry.args)
        self.section.hidden = False
        one("#explain-title").textContent = self.view.title
        one("#explain-back").textContent = _("← Back") if len(self.stack) > 1 else _("← Overview")
        one("#explain-info").href = f"#{SECTIONS.get(self.view.section, 'article')}"
        one("#explain-console").hidden = self.on_console is None or entry.view_class is Playground
        self.view.mount(self.body)
        js.document.body.dataset.viewOpenMs = f"{(time.perf_counter() - start) * 1000:.1f}"
        self.reveal(first=len(self.stack) == 1 and announce)
        if announce:
            one("#explain-status").textContent = _("Explanation opened: {title}").format(title=self.view.title)
            first = getattr(self.view, "focus_first", None)
            focus((one(first, self.body) if first else None) or one("#explain-title"))
        elif return_to:
            focus(one(return_to, self.body) or one("#explain-title"))
        self.on_change()

    def reveal(self, first):
        """Keep the panel's head in sight: a view that replaces another starts at its top; a panel that opened below
        the fold (phones: under the clicked band) scrolls up until the clicked neuron is at the top of the screen."""
        top = self.section.getBoundingClientRect().top
        if first and self.origin is not None and top > js.window.innerHeight - 160:
            js.window.scrollBy(0, self.origin.getBoundingClientRect().top - 12)
        elif not first and top < 0:
            js.window.scrollBy(0, top - 8)

    def back(self):
        """Step back one view; from the first one, close the panel and refocus the neuron."""
        if len(self.stack) == 1:
            self.close()  # with the stack as it is: close() refocuses the neuron only when something was open
        elif self.stack:
            left = self.stack.pop()
            self.show_top(return_to=left.return_focus)

    def close(self, refocus=True):
        """Close every view and give the stage back to the overview (focus back on the neuron that was explained)."""
        was_open = bool(self.stack)
        self.stack = []
        self.show_top()
        if self.overview is not None:
            self.overview.unpin()
            self.overview.clear_highlight()
            self.overview.unrail(self.stage)
        if was_open and refocus:
            one("#explain-status").textContent = _("Explanation closed")
            focus(self.origin)
        if was_open:
            self.on_change()

    def refresh(self):
        """Rebuild the visible view, e.g. after the input image changed or the screen turned."""
        if self.stack:
            self.show_top()

    def console_code(self):
        """The open view's code with its neuron and cell filled in, ready to run in the console."""
        (layer, index), top = self.stack[0].args[:2], self.stack[-1]
        if top.view_class is SaliencyView:
            settings, model = self.saliency, self.state.model
            return snippets.saliency_code(model, settings.class_for(model, self.state.acts), settings.smooth,
                                          settings.samples)
        player = getattr(self.view, "player", None)
        position = tuple(player.position) if player is not None else (0, 0)
        channel = top.args[2] if top.view_class is ConvFormulaView else None
        return snippets.console_code(self.state.model, self.overview.kind_of[layer], layer, index, position, channel,
                                     softmax=top.view_class is softmax_view.SoftmaxView)

    def to_article(self):
        """The "i" button: the view's article section comes into sight with the focus on its heading, and a button
        right under the heading leads back (the address keeps the view: the link's own jump would replace it)."""
        section = one(f"#{SECTIONS.get(self.view.section, 'article')}") or one("#article")
        heading = section.querySelector("h2, h3")
        back = one("#back-to-view")
        heading.tabIndex = -1
        heading.insertAdjacentElement("afterend", back)
        back.hidden = False
        section.scrollIntoView()
        focus(heading)

    def from_article(self, event):
        """The article's "Back to the view" button: the panel (or, once closed, the network) and its focus again."""
        one("#back-to-view").hidden = True
        if self.is_open:
            js.window.scrollBy(0, self.section.getBoundingClientRect().top - 8)
            focus(one("#explain-info"))
        else:
            one("#stage").scrollIntoView()
            focus(self.origin if self.origin is not None and self.origin.isConnected else one("#network [tabindex='0']"))

    def on_click(self, event):
        """A click on empty space in the panel steps back; a view's playground (or saliency) button opens that view on
        top; the "i" button leads to the view's article section."""
        if closest(event, "#explain-info") is not None:
            event.preventDefault()
            self.to_article()
            return
        if closest(event, "#explain-console") is not None:
            self.on_console(self.console_code())
            return
        if closest(event, ".to-saliency") is not None:
            self.push(SaliencyView, self.saliency, return_focus=".to-saliency")
            return
        button = closest(event, ".to-playground")
        if button is not None:
            self.push(Playground, "image", button.dataset.layer, int(button.dataset.index), return_focus=".to-playground")
        elif hasattr(event.target, "matches") and event.target.matches(BACKDROP):
            self.back()
