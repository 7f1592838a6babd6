"""What the visitor chooses to look at: an example, their own image, another model, their own model."""
import time

import js
from pyscript import document

from cnn_explainer.page import markup, model_files
from cnn_explainer.net import weights
from cnn_explainer.i18n import _
from cnn_explainer.net.model import ramp_pixels, rescale, scale_pixels

from .app import show_message
from .dom import one
from .loading import example_array, image_module, read_file


async def show_example(app, path):
    """Show a gallery example."""
    model = app.state.model
    array = await example_array(model, path, predecoded=path == app.state.default_example())
    app.state.example, app.state.upload_name, app.state.upload_bytes = path, None, None
    show_message("")
    app.show_image(array, f"./{path}", app.caption(), example=path)


async def show_default(app):
    """Show the current model's default example, its first example, or the colour ramp."""
    items, chosen = app.state.gallery(), app.state.default_example()
    if chosen or items:
        await show_example(app, chosen or items[0]["file"])
    else:
        model = app.state.model
        app.state.example = app.state.upload_name = app.state.upload_bytes = None
        app.show_image(scale_pixels(ramp_pixels(model.input_shape), model.pixel_range), "", app.caption())


async def show_upload(app, file):
    """Prepare the visitor's image file; on bad input say why and keep the current view."""
    name = markup.isolate(file.name) if file.name else _("your image")  # (a file name is someone's text: isolated)
    image = await image_module()
    try:
        data = await read_file(file, image.ImageError)
        array, _square = image.prepare_for(app.state.model, data)
    except image.ImageError as error:
        show_message(_("Could not use “{name}”: {error}. The previous image is still shown.").format(name=name, error=error))
        return
    show_message("")
    app.state.example, app.state.upload_name, app.state.upload_bytes = None, name, data
    app.show_image(array, js.URL.createObjectURL(file), app.caption())


async def read_model(files):
    """The model in the chosen files: our .json + .npz, a TF.js model.json + its .bin shards, or one .zip of either
    (WeightsError if not)."""
    chosen = [f for f in files if model_files.is_zip(f.name) or f.name.endswith(model_files.MODEL_EXTENSIONS)]
    return model_files.model_from_files({f.name: await read_file(f, weights.WeightsError) for f in chosen})


async def open_model(app, files):
    """The visitor brought their own model (ours or TF.js): on a bad file say why and keep the current model."""
    start = time.perf_counter()
    try:
        model = await read_model(files)
    except weights.WeightsError as error:
        show_message(_("Could not load that model: {error}. The current model is still in use.").format(error=error))
        return
    state = app.state
    name = model.name = weights.unique_name(model.name, state.models)  # each upload its own entry, never a replacement
    if not await use_model(app, model, keep_image=True):
        return
    add_to_menu(app, model)
    show_message(_("Loaded your model “{name}”.").format(name=markup.isolate(name)), "info")
    document.body.dataset.modelOpenMs = f"{(time.perf_counter() - start) * 1000:.1f}"  # read, check, build, first draw


def add_to_menu(app, model):
    """A model the visitor opened or taught: its own entry in the model menu (under its unique name), selected."""
    app.state.models[model.name] = model
    option = document.createElement("option")
    option.value, option.textContent = model.name, markup.isolate(model.name)
    one("#model-select").appendChild(option)
    one("#model-select").value = model.name


async def use_model(app, model, keep_image=False):
    """Switch models, all or nothing, keeping the picture: the visitor's image (prepared again for the new model's
    input), or the same example where the new model has it; else, with keep_image, the current input when the new
    model takes its shape; else its default. If anything fails (out of memory, say), the previous model and picture
    come back. True if done."""
    state = app.state
    previous = (state.model, state.array, state.preview_url, state.caption, state.example)
    upload = (state.upload_name, state.upload_bytes)
    start = time.perf_counter()
    try:
        old_range = state.model.pixel_range if state.model is not None else None
        app.use_model(model)
        if upload[1] is not None:
            image = await image_module()
            app.show_image(image.prepare_for(model, upload[1])[0], previous[2], app.caption())
        elif previous[4] and any(item["file"] == previous[4] for item in state.gallery()):
            await show_example(app, previous[4])
        elif keep_image and previous[1] is not None and previous[1].shape == model.input_shape:
            app.show_image(rescale(previous[1], old_range, model.pixel_range), *previous[2:])
        else:
            await show_default(app)
        show_message("")  # a message spoke of the previous model or picture
        document.body.dataset.modelSwitchMs = f"{(time.perf_counter() - start) * 1000:.1f}"
        return True
    except Exception as error:  # whatever broke, the page must not be left half-switched
        old_model, array, url, caption, example = previous
        if old_model is None:
            raise
        app.use_model(old_model)
        state.upload_name, state.upload_bytes = upload
        if array is not None:
            app.show_image(array, url, caption, example)
        one("#model-select").value = old_model.name
        show_message(_("Could not switch to the model “{name}”: {error}. The previous model is still in use.").format(
            name=markup.isolate(model.name), error=error or type(error).__name__))
        return False
