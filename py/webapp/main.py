"""PyCNN Explainer in the browser: take over the page the build drew, load the models, run the forward pass, bind events."""
import js

SCRIPT_START = js.performance.now()  # noqa: E402 (first, so the imports below are measured too)

import asyncio
import json

from pyodide.ffi import create_proxy

from cnn_explainer.page import markup
from cnn_explainer.net import weights
from cnn_explainer.i18n import _
from webapp import language
from webapp.address import Address
from webapp.app import App
from webapp.bindings import bind
from webapp.choices import show_default
from webapp.dom import one, set_text
from webapp.explain import warm_up
from webapp.loading import examples_manifest, image_module, shipped_models
from webapp.views.player import Player

BOOT_TIMES = {}


def mark(step):
    """Record when a boot step finished (ms since main.py started), for the benchmark."""
    BOOT_TIMES[step] = round(js.performance.now() - SCRIPT_START, 1)


def imported_files():
    """The file of every module imported so far, as JSON (which modules the start-up needs as bytecode: read by
    tools/boot_modules.py and a test)."""
    import sys
    return json.dumps(sorted({m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None)}))


def open_pending(app):
    """Open the neuron a visitor clicked before Python was ready (boot.js remembers it)."""
    pending = js.document.body.getAttribute("data-pending")
    if pending:
        js.document.body.removeAttribute("data-pending")
        layer, index = json.loads(pending)
        node = app.overview.node(layer, index) if layer in app.overview.position_of else None
        if node is not None:
            js.document.body.classList.add("clicked")
            set_text("#hover-info", app.explainer.open_neuron(layer, index, node) or "")


async def boot(app):
    """Load the shipped models and the gallery list, draw the default image over the build's picture, get ready."""
    mark("imports")
    state = app.state
    state.models = shipped_models()
    state.shipped = set(state.models)
    mark("models")
    name = weights.DEFAULT_MODEL if weights.DEFAULT_MODEL in state.models else next(iter(state.models))
    select = one("#model-select")
    select.innerHTML = markup.model_options_html(state.models, name)
    state.examples = await examples_manifest()
    mark("gallery")
    app.use_model(state.models[name])
    bind(app)
    mark("overview")
    await show_default(app)
    mark("first image")
    code = language.starting_language()
    if code != "en":  # the build drew the first paint in English
        app.set_language(code)
        mark("language")
    address = Address(app)
    if js.location.hash:  # a shared link: reopen what it records
        await address.restore()
        mark("address")
    else:  # the address as loaded stands for the state shown now: the first view opened is a new history entry
        address.last = ""
    app.on_change = address.record
    app.explainer.on_change = lambda: address.record(push=True)
    Player.on_move = address.record
    js.window.addEventListener("popstate", create_proxy(lambda event: asyncio.ensure_future(address.restore())))
    js.window.pycnnBootFiles = imported_files()
    document = js.document
    document.body.dataset.bootMs = json.dumps(BOOT_TIMES)
    document.body.dataset.state = "ready"
    open_pending(app)
    asyncio.ensure_future(image_module())  # Pillow, for other examples and uploads
    asyncio.get_event_loop().call_later(0.3, warm_up)  # after the first paint


app = App()
try:
    await boot(app)  # noqa: F704 (PyScript runs this file with top-level await)
except Exception as error:
    js.console.error(f"boot failed: {error!r}")
    set_text("#boot-status", _("The app could not start: {error}").format(error=error))
    js.document.body.dataset.state = "error"
