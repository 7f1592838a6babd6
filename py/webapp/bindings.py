"""The page's event bindings: toolbar, gallery, drop, network pointing and keys, and the explanation's back and close."""
import asyncio
import inspect

import js
from pyodide.ffi import create_proxy
from pyscript import document, when

from cnn_explainer.net import weights
from cnn_explainer.i18n import _

from .app import show_message
from .camera import Camera
from .choices import open_model, show_example, show_upload, use_model
from .console_panel import ConsolePanel
from .dom import closest, one, set_text
from .teach_panel import TeachPanel
from .views.saliency_view import SaliencyView
from .views.softmax_view import SoftmaxView

PHONE = "(max-width: 640px)"  # the media query of the tall overview in app.css


def report(handler, error):
    """Log an unexpected handler error and tell the visitor in the message line."""
    js.console.error(f"{handler.__name__}: {error!r}")
    show_message(_("Something went wrong: {error}").format(error=error))


def guarded(handler):
    """Wrap an event handler so an unexpected error becomes a message instead of a dead page."""
    if inspect.iscoroutinefunction(handler):
        async def run(event):
            try:
                await handler(event)
            except Exception as error:  # the app must keep working whatever one handler did
                report(handler, error)
    else:
        def run(event):
            try:
                handler(event)
            except Exception as error:
                report(handler, error)
    run.__name__ = handler.__name__
    return run


def on(event, selector):
    """Bind a handler, guarded, with PyScript's `when` to every element that matches selector now, for the page's
    lifetime (a coroutine handler runs as a task of its own). guarded() makes a fresh function per binding, which
    `when` needs: it marks the function it wraps, so one function bound twice would break."""
    def bind(handler):
        when(event, selector)(guarded(handler))
        return handler
    return bind


def toggle_gallery(open_it=None):
    """Open or close the full gallery below the toolbar."""
    panel, button = one("#gallery-panel"), one("#more-examples")
    open_it = panel.hidden if open_it is None else open_it
    panel.hidden = not open_it
    button.setAttribute("aria-expanded", "true" if open_it else "false")
    button.textContent = _("Hide") if open_it else _("More…")


def bind(app):
    """Bind every event handler of the page to this app."""
    state, explainer = app.state, app.explainer

    @on("click", ".toolbar, #gallery-panel")
    async def on_example(event):
        """An example button was pressed (one listener for the strip and the gallery)."""
        button = closest(event, ".example")
        if button is not None:
            show_message("")
            toggle_gallery(False)
            await show_example(app, button.dataset.example)

    @on("click", "#more-examples")
    def on_more(event):
        """Open or close the full gallery."""
        toggle_gallery()

    @on("click", "body")
    def on_elsewhere(event):
        """A click outside the open gallery (and its button) closes it."""
        if not one("#gallery-panel").hidden and closest(event, "#gallery-panel, #more-examples") is None:
            toggle_gallery(False)

    @on("change", "#upload")
    async def on_upload(event):
        """A file was chosen in the picker."""
        files = event.target.files
        if files.length:
            await show_upload(app, files.item(0))
        event.target.value = ""

    @on("dragover", "body")
    def on_dragover(event):
        """Allow dropping a file anywhere on the page."""
        event.preventDefault()
        document.body.classList.add("dragging")

    @on("dragleave", "body")
    def on_dragleave(event):
        """The dragged file left the window."""
        if event.relatedTarget is None:
            document.body.classList.remove("dragging")

    @on("drop", "body")
    def on_drop(event):
        """A file was dropped (synchronous: the browser must not open the file itself)."""
        event.preventDefault()
        document.body.classList.remove("dragging")
        files = event.dataTransfer.files
        if files.length:
            asyncio.ensure_future(guarded(upload_dropped)(files.item(0)))
        else:
            show_message(_("Drop an image file (JPEG, PNG, WebP, GIF, BMP or TIFF)."))

    async def upload_dropped(file):
        """Show a dropped (or pasted) file."""
        await show_upload(app, file)

    camera = Camera(lambda file: show_upload(app, file))

    @on("click", "#classes-open")
    def on_classes_open(event):
        """The visitor's own model: name its classes (a TF.js file rarely carries them)."""
        text = one("#classes-text")
        text.value = "\n".join(state.model.classes)
        text.maxLength = weights.class_text_limit(len(state.model.classes))  # a paste of megabytes is cut at once
        set_text("#classes-status", "")
        one("#classes").showModal()

    @on("click", "#classes-cancel")
    def on_classes_cancel(event):
        """Leave the class names as they were."""
        one("#classes").close()

    @on("click", "#classes-save")
    def on_classes_save(event):
        """Use the typed class names everywhere on the page."""
        try:
            names = weights.parse_class_names(one("#classes-text").value, len(state.model.classes))
        except weights.WeightsError as error:
            set_text("#classes-status", str(error))
            return
        state.model.classes = names
        one("#classes").close()
        app.redraw_all()

    @on("click", "#camera-open")
    async def on_camera(event):
        """The camera button: the photo dialog."""
        show_message("")
        await camera.open()

    @on("paste", "body")
    def on_paste(event):
        """Ctrl/⌘+V anywhere (but in a text field): an image or image file from the clipboard is shown."""
        target = event.target
        if hasattr(target, "closest") and target.closest("input, textarea, select, [contenteditable]") is not None:
            return
        files = event.clipboardData.files if event.clipboardData is not None else None
        image = next((files.item(i) for i in range(files.length) if files.item(i).type.startswith("image/")), None) if files else None
        if image is None:
            show_message(_("The clipboard holds no image. Copy an image (in another tab: right-click it, Copy image), "
                           "then paste it here."))
            return
        event.preventDefault()
        asyncio.ensure_future(guarded(upload_dropped)(image))

    @on("change", "#scale-level")
    def on_level(event):
        """A colour-scale level was chosen."""
        app.set_level(event.target.value)

    @on("change", "#show-details")
    def on_details(event):
        """Show or hide the legends and the model's description."""
        document.body.classList.toggle("details", bool(event.target.checked))

    @on("change", "#saliency-toggle")
    def on_saliency(event):
        """Show or hide the heat map of which pixels mattered over the input column."""
        app.show_saliency(bool(event.target.checked))

    @on("click", "#saliency-note")
    def on_saliency_explain(event):
        """The heat map's "How is this computed?" opens the input's view and the saliency view on top of it."""
        if closest(event, "#saliency-explain") is None or app.overview is None:
            return
        target = app.overview.first_neuron("input", state.acts)
        document.body.classList.add("clicked")
        explainer.open_neuron(*target, app.overview.node(*target))
        explainer.push(SaliencyView, app.saliency)

    @on("click", "#learn-teach")
    def on_learn_teach(event):
        """The article's button to the Teach panel: it presses the toolbar's Teach button (when the page has one)."""
        teach = one("#teach-open")
        if teach is not None:
            teach.scrollIntoView()
            teach.click()

    @on("change", "#model-select")
    async def on_model(event):
        """Another shipped (or opened) model was chosen."""
        await use_model(app, state.models[event.target.value])

    @on("change", "#model-upload")
    async def on_model_upload(event):
        """The visitor picked a model's files."""
        files = [event.target.files.item(i) for i in range(event.target.files.length)]
        event.target.value = ""
        await open_model(app, files)

    def on_point(event):
        """Hover or focus on a neuron: highlight its inputs and tell its values."""
        node = closest(event, ".node")
        if node is not None and state.acts is not None:
            set_text("#hover-info", app.overview.highlight(node.dataset.layer, int(node.dataset.index)))

    def on_leave(event):
        """Pointer or focus left the network: back to the explained neuron's highlight, or none."""
        if app.overview.pinned:
            set_text("#hover-info", app.overview.highlight(*app.overview.pinned))
        else:
            app.overview.clear_highlight()
            set_text("#hover-info", "")

    for name, handler in (("pointerover", on_point), ("focusin", on_point), ("pointerleave", on_leave), ("focusout", on_leave)):
        on(name, "#network")(handler)

    @on("click", "#network")
    def on_network_click(event):
        """Clicking a neuron opens its explanation in place."""
        node = closest(event, ".node")
        if node is not None:
            document.body.classList.add("clicked")
            text = explainer.open_neuron(node.dataset.layer, int(node.dataset.index), node)
            if text:
                set_text("#hover-info", text)

    @on("change", "#pixel-range")
    def on_pixel_range(event):
        """The pixel range of the visitor's own model."""
        ranges = {"0,1": (0.0, 1.0), "-1,1": (-1.0, 1.0), "0,255": (0.0, 255.0)}
        if event.target.value in ranges:
            app.set_pixel_range(ranges[event.target.value])

    @on("change", "#lang-select")
    def on_language(event):
        """The language menu: the whole page in the chosen language."""
        app.set_language(event.target.value)

    @on("click", "#article")
    def on_show_on_network(event):
        """An article section's button opens the matching view on the network (and scrolls up to it)."""
        button = closest(event, ".show-on-network")
        if button is None or app.overview is None:
            return
        kind = button.dataset.kind
        column = {"dense": "output", "softmax": "output", "saliency": "input"}.get(kind, kind)
        target = app.overview.first_neuron(column, state.acts)
        if target is None:
            return
        one("#stage").scrollIntoView()
        node = app.overview.node(*target)
        document.body.classList.add("clicked")
        explainer.open_neuron(*target, node)
        if kind == "softmax":
            explainer.push(SoftmaxView, target[1])
        elif kind == "saliency":
            explainer.push(SaliencyView, app.saliency)

    @on("keydown", "#network")
    def on_key(event):
        """Arrow keys move the focus between neurons (one tab stop for the whole network)."""
        node = closest(event, ".node")
        if node is None:
            return
        target = app.overview.neighbour(node.dataset.layer, int(node.dataset.index), event.key)
        if target is None:
            return
        event.preventDefault()
        element = app.overview.node(*target)
        node.tabIndex = -1
        element.tabIndex = 0
        element.focus()

    @on("keydown", "body")
    def on_escape(event):
        """Escape closes the gallery, or steps back out of an explanation."""
        if event.key != "Escape" or one("#camera").open or one("#classes").open:  # a dialog closes itself
            return
        if not one("#gallery-panel").hidden:
            toggle_gallery(False)
            one("#more-examples").focus()
        elif explainer.is_open:
            event.preventDefault()
            explainer.back()

    @on("click", "#explain-back")
    def on_back(event):
        """The back button steps back one view."""
        explainer.back()

    @on("click", "#explain-close")
    def on_close(event):
        """The close button closes every view."""
        explainer.close()

    def on_turn(event):
        """The window crossed the phone width: the open view lays itself out again."""
        explainer.refresh()

    panel = ConsolePanel(app)
    for event, selector, handler in (("click", "#console-open", panel.toggle), ("click", "#console-close", panel.toggle),
                                     ("click", "#console-reset", panel.reset), ("keydown", "#console-input", panel.on_key)):
        on(event, selector)(handler)
    one("#console-open").disabled = False  # Python is here now
    teach = TeachPanel(app)
    on("click", "#teach-open")(teach.toggle)
    app.on_language = teach.relabel
    on("click", "#console-open")(teach.close)  # both dock at the right: one at a time
    one("#teach-open").disabled = False
    explainer.on_console = panel.paste

    # bound for the page's whole life, so its proxy is never released
    js.window.matchMedia(PHONE).addEventListener("change", create_proxy(guarded(on_turn)))
