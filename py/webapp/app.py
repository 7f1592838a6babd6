"""The page's drawing side: the overview, the toolbar's input and gallery, the message line, the explanation panel."""
import time

import js
from cnn_explainer.page import markup
from cnn_explainer.page.saliency_markup import overview_note_html
from cnn_explainer.i18n import _
from cnn_explainer.net.model import rescale

from . import language
from .article import Article
from .dom import every, later, one, set_text
from .explain import Explainer
from .overview import Overview
from .saliency_state import Saliency
from .state import State


INFO_SECONDS = 8  # a piece of news (not an error) floats over the network's head line this long


def show_message(text, kind="error"):
    """Show (or with empty text, clear) the message line under the toolbar (text, never markup); news goes by itself."""
    box = one("#message")
    box.textContent = text
    box.className = f"message {kind}" if text else "message"
    if text and kind == "info":
        later(lambda: box.textContent == text and show_message(""), INFO_SECONDS * 1000)


class App:
    """Draws the state after every change: a model, an image, a colour level."""

    def __init__(self):
        self.state = State()
        self.overview = None
        self.explainer = Explainer(self.state)
        self.article = Article()
        self.saliency = Saliency()  # which pixels mattered: shared by the overview's heat map and the saliency view
        self.saliency.on_change = self.saliency_changed
        self.explainer.saliency = self.saliency
        self.table = language.template_table()
        self.on_change = lambda: None  # called after the image, colour level or language changed (the address follows)
        self.on_language = lambda: None  # called after a language switch (panels write their own words again)

    def use_model(self, model):
        """Switch to a model: its overview (kept when the build drew it already), description and gallery."""
        self.state.model = model
        self.saliency.class_index = None  # the new model's top class, until one is chosen
        self.saliency.reset()
        self.overview = Overview(model)
        self.overview.mount()
        self.explainer.attach(self.overview)
        set_text("#model-info", markup.model_info(model))
        set_text("#hover-info", "")  # it spoke of a neuron of the previous model
        one("#model-select").title = markup.model_info(model)
        self.fill_gallery()
        # a visitor's own model: its pixel range can be chosen (a file need not say what its training used)
        one("#range-tool").hidden = model.name in self.state.shipped
        one("#pixel-range").value = ",".join(f"{v:g}" for v in model.pixel_range)

    def set_pixel_range(self, pixel_range):
        """Read the current image in another pixel range (the visitor's own model only) and redraw."""
        state = self.state
        old, state.model.pixel_range = state.model.pixel_range, tuple(pixel_range)
        if state.array is not None:
            self.show_image(rescale(state.array, old, state.model.pixel_range), state.preview_url, state.caption,
                            state.example)

    def show_image(self, array, preview_url, caption, example=None):
        """Run the forward pass on a prepared input and redraw everything that depends on it."""
        start = time.perf_counter()
        state = self.state
        state.run(array)
        self.overview.update(state.acts, state.level)
        previous_url = state.preview_url
        state.example, state.preview_url, state.caption = example, preview_url, caption
        self.saliency.reset()  # before the views are rebuilt: they ask for the new picture's gradient
        self.explainer.refresh()
        self.refresh_saliency()
        preview = one("#input-preview")
        preview.alt = _(markup.PREVIEW_ALT)
        if not preview_url:  # the colour ramp has no picture of its own: the input column shows it
            preview.removeAttribute("src")
        elif preview.getAttribute("src") != preview_url:
            preview.src = preview_url
        if previous_url.startswith("blob:") and previous_url != preview_url:
            js.URL.revokeObjectURL(previous_url)  # the previous upload's file: released, not kept for the session
        set_text("#input-caption", caption)
        self.mark_example()
        state.renders += 1
        data = js.document.body.dataset
        data.forwardMs = f"{state.forward_ms:.2f}"
        data.renderMs = f"{(time.perf_counter() - start) * 1000:.2f}"
        data.renderCount = str(state.renders)
        later(self.draw_article)
        self.on_change()

    def draw_article(self):
        """The article's live figures and playground, after the network is drawn (they are below the fold)."""
        start = time.perf_counter()
        self.article.update(self.state.model, self.state.acts, self.state.preview_url)
        data = js.document.body.dataset
        data.articleMs = f"{(time.perf_counter() - start) * 1000:.2f}"
        data.articleCount = str(self.state.renders)

    def caption(self):
        """The line under the picture, in the page's language: which example, your image, or the colour ramp."""
        state = self.state
        if state.example:
            return _("Example: {label}").format(label=_(state.label_of(state.example)))
        if state.upload_name is not None:
            return _("Your image: {name}").format(name=state.upload_name)
        return _(markup.RAMP_CAPTION)

    def set_language(self, code):
        """Switch the page's language and redraw everything Python drew (an open explanation closes first)."""
        start = time.perf_counter()
        language.switch(code, self.table)
        state = self.state
        if state.model is None:
            return
        self.redraw_all()
        one("#more-examples").textContent = _("More…") if one("#gallery-panel").hidden else _("Hide")
        self.on_language()
        js.document.body.dataset.languageMs = f"{(time.perf_counter() - start) * 1000:.2f}"
        self.on_change()

    def redraw_all(self):
        """Write everything Python drew again (after the language or the class names changed); a view closes first."""
        state = self.state
        self.explainer.close(refocus=False)
        one("#network").innerHTML = ""  # the overview's markup is written again
        self.article.model = None  # so are the article's playground and figures
        one("#model-select").innerHTML = markup.model_options_html(state.models, state.model.name)
        self.use_model(state.model)
        if state.array is not None:
            self.show_image(state.array, state.preview_url, self.caption(), state.example)

    def set_level(self, level):
        """Repaint with another colour scale."""
        self.state.level = level
        self.overview.update(self.state.acts, level)
        self.refresh_saliency()
        self.on_change()

    def show_saliency(self, shown):
        """Turn the overview's heat map (which pixels mattered) on or off."""
        self.saliency.shown = shown
        self.refresh_saliency()

    def saliency_changed(self):
        """The saliency settings changed: the overview's heat map asks again, and the address follows (its class)."""
        self.refresh_saliency()
        self.on_change()

    def refresh_saliency(self):
        """The overview's input column: the heat map for the current settings when shown, else the plain input."""
        note, state, overview = one("#saliency-note"), self.state, self.overview
        if state.acts is None or overview is None:
            return
        if not self.saliency.shown:
            if not note.hidden:  # the heat map was drawn: the plain input again
                overview.show_saliency(None)
            note.hidden = True
            return

        def done(gradient, k):
            if overview is self.overview and self.saliency.shown:
                overview.show_saliency(gradient, k)
                settings = self.saliency
                note.innerHTML = overview_note_html(state.model.classes[k], settings.smooth, settings.samples)
                note.hidden = False
        try:
            self.saliency.request(state.model, state.acts, done)
        except Exception as error:  # the picture and the network stay as they are; the heat map is not drawn
            note.hidden = True
            show_message(_("The gradient could not be computed: {error}").format(error=error))

    def fill_gallery(self):
        """The strip (one example per class) and the full gallery of the current model (unless the build drew them)."""
        strip, name, body = one("#gallery-strip"), self.state.model.name, js.document.body
        items = self.state.gallery()
        if body.getAttribute("data-first-paint") == name:  # the build drew this model's gallery: keep it (no flash)
            body.removeAttribute("data-first-paint")
        else:
            strip.innerHTML = markup.gallery_html(markup.strip_items(items, self.state.example), self.state.example)
            one("#gallery").innerHTML = markup.gallery_html(items, self.state.example, 44, lazy=True)
        set_text("#gallery-note", markup.gallery_note(self.state.examples, items))
        one("#more-examples").hidden = not items

    def mark_example(self):
        """Mark the shown example in the strip and the gallery (none for the visitor's own image); put it in the strip."""
        shown = self.state.example
        if shown and not any(b.dataset.example == shown for b in every("#gallery-strip .example")):
            one("#gallery-strip").innerHTML = markup.gallery_html(markup.strip_items(self.state.gallery(), shown), shown)
        for button in every(".example"):
            button.setAttribute("aria-pressed", "true" if button.dataset.example == shown else "false")
