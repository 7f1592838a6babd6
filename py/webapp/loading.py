"""Loading things into the page: the shipped models, the gallery list, example images, the visitor's files, Pillow."""
import asyncio
import io
import json
import os

import numpy as np
from pyodide.http import pyfetch

from cnn_explainer.page import markup
from cnn_explainer.net import weights
from cnn_explainer.i18n import _
from cnn_explainer.net.model import scale_pixels

MAX_UPLOAD_BYTES = 40 * 1024 * 1024  # image.MAX_BYTES, known before Pillow is loaded
_image_module = None


async def image_module():
    """cnn_explainer.image, once Pillow is installed (the first paint does not need it, so it loads after)."""
    global _image_module
    if _image_module is None:
        _image_module = asyncio.ensure_future(install_pillow())
    return await _image_module


async def install_pillow():
    """Install the vendored Pillow wheel (listed in our trimmed lock) and import our image module."""
    import pyodide_js
    await pyodide_js.loadPackage("pillow")
    from cnn_explainer.net import image
    return image


def shipped_models(folder="weights"):
    """Every model in the weights folder of the Pyodide file system, by name."""
    models = {}
    for file in sorted(os.listdir(folder)):
        if file.endswith(".json"):
            model = weights.load_model(os.path.join(folder, file))
            models[model.name] = model
    return models


async def fetch_bytes(path):
    """The bytes of a file of our own site (raises OSError when it cannot be had)."""
    response = await pyfetch(f"./{path}")
    if not response.ok:
        raise OSError(f"could not load {path} (HTTP {response.status})")
    return await response.bytes()


async def examples_manifest():
    """examples/examples.json, or a note saying why there is no gallery."""
    try:
        return json.loads((await fetch_bytes("examples/examples.json")).decode())
    except Exception as error:  # a missing gallery must not stop the app
        return {"note": markup.note_of(markup.GALLERY_NOTES[3], error=error)}


async def example_array(model, path, predecoded=False):
    """An example image as the model's input: from its pre-decoded pixels (.npy, written by the build for the
    default examples, so the first paint needs no Pillow), else decoded by Pillow."""
    if predecoded:
        pixels = np.load(io.BytesIO(await fetch_bytes(os.path.splitext(path)[0] + ".npy")))
        if pixels.shape == tuple(model.input_shape):  # drawn for a shipped model's input; another size decodes anew
            return scale_pixels(pixels, model.pixel_range)
    image = await image_module()
    return image.prepare_for(model, await fetch_bytes(path))[0]


async def read_file(file, error=ValueError):
    """The bytes of a File from an <input type=file>, a drop or a paste, refusing huge files before reading them."""
    if file.size > MAX_UPLOAD_BYTES:
        raise error(_("the file is {size} MB; the limit is {limit} MB").format(size=f"{file.size / 2**20:.0f}", limit=MAX_UPLOAD_BYTES // 2**20))
    return (await file.arrayBuffer()).to_bytes()
