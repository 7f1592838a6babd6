"""PyCNN Explainer in the browser: load a model, pick an image, run the forward pass, draw the overview."""
import js

SCRIPT_START = js.performance.now()  # noqa: E402 (first, so the import time of NumPy and Pillow is measured too)

import asyncio
import inspect
import io
import json
import os
import time

import numpy as np
from pyodide.http import pyfetch
from pyscript import document, when

from cnn_explainer import weights
from cnn_explainer.layout import neighbour
from cnn_explainer.markup import escape
from cnn_explainer.model import scale_pixels
from webapp.dom import every, one, set_text
from webapp.explain import Explainer, warm_up
from webapp.overview import Overview



def show_message(text, kind="error"):
    """Show (or with empty text, clear) the message line under the input controls."""
    box = one("#message")
    box.textContent = text
    box.className = f"message {kind}" if text else "message"


def report(handler, error):
    """Log an unexpected handler error and tell the user in the message line."""
    js.console.error(f"{handler.__name__}: {error!r}")
    show_message(f"Something went wrong: {error}")


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


MAX_UPLOAD_BYTES = 40 * 1024 * 1024  # image.MAX_BYTES, known before Pillow is loaded
_image_module = None


async def image_module():
    """cnn_explainer.image, once Pillow is installed (it is not needed for the first paint, so it loads after it)."""
    global _image_module
    if _image_module is None:
        _image_module = asyncio.ensure_future(install_pillow())
    return await _image_module


async def install_pillow():
    """Install the vendored Pillow wheel (listed in our trimmed lock) and import our image module."""
    import pyodide_js
    await pyodide_js.loadPackage("pillow")
    from cnn_explainer import image
    return image


class App:
    """The page's state: model, current image and activations, colour level; and the redraw after each change."""

    def __init__(self):
        self.models, self.examples, self.model, self.overview = {}, {}, None, None
        self.array, self.level, self.renders = None, "module", 0
        self.explainer = Explainer(self)

    def use_model(self, model):
        """Switch to a model: rebuild the overview for its layers."""
        self.model = model
        self.explainer.close_all()
        self.overview = Overview(model)
        self.overview.mount()
        describe = model.meta.get("description", "")
        accuracy = model.meta.get("training", {}).get("val_accuracy")
        if accuracy is not None:
            describe += f" Top-1 accuracy on held-out images: {100 * accuracy:.1f}%."
        set_text("#model-info", describe)
        self.fill_gallery()

    def show_image(self, array, preview_url, caption):
        """Run the forward pass on a prepared input and redraw everything."""
        start = time.perf_counter()
        acts = self.model.forward(array)
        forward_ms = (time.perf_counter() - start) * 1000
        self.overview.update(acts, self.level)
        self.array, self.acts = array, acts
        self.explainer.refresh()
        one("#input-preview").src = preview_url
        set_text("#input-caption", caption)
        self.renders += 1
        data = document.body.dataset
        data.forwardMs = f"{forward_ms:.2f}"
        data.renderMs = f"{(time.perf_counter() - start) * 1000:.2f}"
        data.renderCount = str(self.renders)

    def fill_gallery(self):
        """One button per example image of the current model (or a note when the build has none)."""
        items = self.examples.get("models", {}).get(self.model.name, [])
        one("#gallery").innerHTML = "".join(
            f'<button type="button" class="example" data-example="{escape(item["file"])}" '
            f'aria-label="example image: {escape(item["label"])}" title="{escape(item["label"])}">'
            f'<img src="./{escape(item["file"])}" alt="" width="56" height="56" loading="lazy"></button>'
            for item in items)
        note = "" if items else (self.examples.get("note") or "No example images for this model: upload your own.")
        set_text("#gallery-note", note)

    async def show_example(self, path, pixels_path=None):
        """Fetch an example image (or its pre-decoded pixels) from our own origin and show it."""
        response = await pyfetch(f"./{pixels_path or path}")
        if not response.ok:
            raise OSError(f"could not load {pixels_path or path} (HTTP {response.status})")
        if pixels_path:
            array = scale_pixels(np.load(io.BytesIO(await response.bytes())), self.model.pixel_range)
        else:
            array, _ = (await image_module()).prepare_for(self.model, await response.bytes())
        label = next((i["label"] for i in self.examples["models"][self.model.name] if i["file"] == path), "")
        self.show_image(array, f"./{path}", f"Example: {label}")
        for button in every("#gallery .example"):
            button.setAttribute("aria-pressed", "true" if button.dataset.example == path else "false")

    def show_placeholder(self):
        """A smooth colour ramp as the input when the build has no example images."""
        h, w, c = self.model.input_shape
        across, down = np.meshgrid(np.linspace(0, 1, w, dtype=np.float32), np.linspace(0, 1, h, dtype=np.float32))
        array = np.stack([across, down, np.full((h, w), 0.5, np.float32)], -1)[..., :c]
        low, high = self.model.pixel_range
        self.show_image(array * (high - low) + low, "", "A colour ramp (no example images in this build)")

    async def show_default(self):
        """Show the model's default example, or the placeholder."""
        items = self.examples.get("models", {}).get(self.model.name, [])
        chosen = self.examples.get("default", {}).get(self.model.name)
        if chosen:  # the build stores the default's pixels beside it, so the first paint needs no Pillow
            await self.show_example(chosen, os.path.splitext(chosen)[0] + ".npy")
        elif items:
            await self.show_example(items[0]["file"])
        else:
            self.show_placeholder()


app = App()


@when("click", "#gallery")
@guarded
async def on_example(event):
    """A gallery button was pressed (one listener for all of them)."""
    button = event.target.closest(".example") if hasattr(event.target, "closest") else None
    if button is not None:
        show_message("")
        await app.show_example(button.dataset.example)


async def read_file(file, error=ValueError):
    """The bytes of a File from an <input type=file> or a drop, refusing huge files before reading them."""
    if file.size > MAX_UPLOAD_BYTES:
        raise error(f"the file is {file.size / 2**20:.0f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB")
    return (await file.arrayBuffer()).to_bytes()


async def show_upload(file):
    """Prepare an uploaded or dropped image; on bad input say why and keep the current view."""
    name = file.name or "your image"
    image = await image_module()
    try:
        array, square = image.prepare_for(app.model, await read_file(file, image.ImageError))
    except image.ImageError as error:
        show_message(f"Could not use “{name}”: {error}. The previous image is still shown.")
        return
    show_message("")
    app.show_image(array, js.URL.createObjectURL(file), f"Your image: {name}")
    for button in every("#gallery .example"):
        button.setAttribute("aria-pressed", "false")


@when("change", "#upload")
@guarded
async def on_upload(event):
    """A file was chosen in the picker."""
    files = event.target.files
    if files.length:
        await show_upload(files.item(0))
    event.target.value = ""


@when("dragover", "#dropzone")
@guarded
def on_dragover(event):
    """Allow dropping files on the drop zone."""
    event.preventDefault()
    event.currentTarget.classList.add("dragging")


@when("dragleave", "#dropzone")
@guarded
def on_dragleave(event):
    """The dragged file left the drop zone."""
    event.currentTarget.classList.remove("dragging")


@when("drop", "#dropzone")
@guarded
def on_drop(event):
    """A file was dropped on the drop zone (synchronous: the browser must not open the file itself)."""
    event.preventDefault()
    one("#dropzone").classList.remove("dragging")
    files = event.dataTransfer.files
    if files.length:
        asyncio.ensure_future(guarded(show_upload)(files.item(0)))
    else:
        show_message("Drop an image file (JPEG, PNG, WebP, GIF or BMP).")


@when("change", "#scale-level")
@guarded
def on_level(event):
    """A colour-scale level was chosen."""
    app.level = event.target.value
    app.overview.update(app.acts, app.level)


@when("change", "#show-details")
@guarded
def on_details(event):
    """Show or hide shapes and legends."""
    document.body.classList.toggle("details", bool(event.target.checked))


@when("change", "#model-select")
@guarded
async def on_model(event):
    """Another shipped (or uploaded) model was chosen."""
    app.use_model(app.models[event.target.value])
    await app.show_default()


@when("change", "#model-upload")
@guarded
async def on_model_upload(event):
    """The user brought their own model: a .json and its .npz, chosen together."""
    files = [event.target.files.item(i) for i in range(event.target.files.length)]
    event.target.value = ""
    json_file = next((f for f in files if f.name.endswith(".json")), None)
    npz_file = next((f for f in files if f.name.endswith(".npz")), None)
    if json_file is None or npz_file is None:
        show_message("Choose both files of a model together: its .json and its .npz.")
        return
    try:
        model = weights.load_model_bytes(await read_file(json_file, weights.WeightsError),
                                         await read_file(npz_file, weights.WeightsError), json_file.name)
    except weights.WeightsError as error:
        show_message(f"Could not load that model: {error}. The current model is still in use.")
        return
    name = model.name if model.name not in app.models else f"{model.name} (uploaded)"
    model.name = name
    app.models[name] = model
    option = document.createElement("option")
    option.value = option.textContent = name
    one("#model-select").appendChild(option)
    one("#model-select").value = name
    previous = app.array
    app.use_model(model)
    if previous is not None and previous.shape == model.input_shape:
        app.show_image(previous, one("#input-preview").src, one("#input-caption").textContent)
    else:
        await app.show_default()
    show_message(f"Loaded your model “{name}”.", "info")


def node_of(event):
    """The neuron element an event happened on, if any."""
    target = event.target
    return target.closest(".node") if target is not None and hasattr(target, "closest") else None


@guarded
def on_point(event):
    """Hover or focus on a neuron: highlight its inputs and tell its values."""
    node = node_of(event)
    if node is not None and app.acts is not None:
        set_text("#hover-info", app.overview.highlight(node.dataset.layer, int(node.dataset.index)))


@guarded
def on_leave(event):
    """Pointer or focus left the network: back to the explained neuron's highlight, or none."""
    if app.explainer.pinned:
        set_text("#hover-info", app.overview.highlight(*app.explainer.pinned))
        return
    app.overview.clear_highlight()
    set_text("#hover-info", "Hover over or focus a neuron to see where its input comes from.")


for _event, _handler in (("pointerover", on_point), ("focusin", on_point), ("pointerleave", on_leave), ("focusout", on_leave)):
    # a fresh wrapper per event: PyScript's `when` marks a sync handler as wrapping itself, so reusing one breaks
    when(_event, "#network")(lambda event, handler=_handler: handler(event))


@when("click", "#network")
@guarded
def on_network_click(event):
    """Clicking a neuron opens its explanation."""
    node = node_of(event)
    if node is not None:
        app.explainer.open_neuron(node.dataset.layer, int(node.dataset.index), node)


@when("keydown", "#network")
@guarded
def on_key(event):
    """Arrow keys move the focus between neurons (one tab stop for the whole network)."""
    node = node_of(event)
    if node is None:
        return
    target = neighbour(app.overview.columns, node.dataset.layer, int(node.dataset.index), event.key)
    if target is None:
        return
    event.preventDefault()
    element = one(f'.node[data-layer="{target[0]}"][data-index="{target[1]}"]')
    node.tabIndex = -1
    element.tabIndex = 0
    element.focus()


@when("keydown", "body")
@guarded
def on_escape(event):
    """Escape steps back out of an explanation."""
    if event.key == "Escape" and app.explainer.is_open:
        event.preventDefault()
        app.explainer.back()


@when("click", "#explain-back")
@guarded
def on_back(event):
    """The back button steps back out of an explanation."""
    app.explainer.back()


@when("click", "#explain")
@guarded
def on_explain_background(event):
    """A click on empty space in the explanation area steps back."""
    if event.target.matches("#explain, #explain-body, .stepview, .explain-head"):
        app.explainer.back()


BOOT_TIMES = {}


def mark(step):
    """Record when a boot step finished (ms since main.py started), for the benchmark."""
    BOOT_TIMES[step] = round(js.performance.now() - SCRIPT_START, 1)


async def boot():
    """Load the shipped models and the gallery, draw the default image, and tell the page we are ready."""
    mark("imports")
    set_text("#boot-status", "Loading the model…")
    for file in sorted(os.listdir("weights")):
        if file.endswith(".json"):
            model = weights.load_model(os.path.join("weights", file))
            app.models[model.name] = model
    mark("models")
    select = one("#model-select")
    select.innerHTML = "".join(f'<option value="{escape(n)}">{escape(n)}</option>' for n in app.models)
    select.value = weights.DEFAULT_MODEL if weights.DEFAULT_MODEL in app.models else next(iter(app.models))
    try:
        response = await pyfetch("./examples/examples.json")
        app.examples = json.loads(await response.string()) if response.ok else {}
    except Exception as error:  # a missing gallery must not stop the app
        app.examples = {"note": f"The example images could not be loaded ({error})."}
    mark("gallery")
    app.use_model(app.models[select.value])
    mark("overview")
    await app.show_default()
    mark("first image")
    one("#app").hidden = False
    set_text("#boot-status", "")
    document.body.dataset.bootMs = json.dumps(BOOT_TIMES)
    document.body.dataset.state = "ready"
    asyncio.ensure_future(image_module())  # Pillow, for other examples and uploads
    asyncio.get_event_loop().call_later(0.3, warm_up)  # after the first paint


try:
    await boot()  # noqa: F704 (PyScript runs this file with top-level await)
except Exception as error:
    js.console.error(f"boot failed: {error!r}")
    set_text("#boot-status", f"The app could not start: {error}")
    document.body.dataset.state = "error"
