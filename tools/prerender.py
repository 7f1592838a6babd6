"""The page's first paint, drawn at build time: the default model on its default example, rendered natively by the
app's own markup and colour code into index.html, its activation maps as strip images (prerender/<column>.png).

The network therefore shows as soon as the HTML and a few small images arrive; when Python is up it takes over
the same elements and paints the same pixels into the canvases.
"""
import hashlib
import os
import re

import numpy as np
from PIL import Image

from cnn_explainer.page import colormap, layout, markup
from cnn_explainer.net.model import ramp_pixels, scale_pixels

MARKER = re.compile(r"<!--@([a-z-]+)-->")
BODY = '<body data-state="loading">'
FOLDER = "prerender"


def strip(rgba):
    """Maps (C, H, W, 4) side by side in one image (H + 2, C·(W + 2), 4), each framed by a copy of its edge pixels."""
    framed = np.pad(rgba, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
    return np.concatenate(list(framed), axis=1)


def template_hash(text):
    """A short hash of the page template, written into the built page so tests can tell a stale build."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fill(template, fragments):
    """The template with every <!--@name--> marker replaced by its fragment (a marker without one is an error)."""
    missing = sorted(set(MARKER.findall(template)) - set(fragments))
    if missing:
        raise ValueError(f"no first-paint fragment for {', '.join(missing)}")
    return MARKER.sub(lambda match: fragments[match.group(1)], template)


def write_strips(model, acts, hidden, limits, out):
    """Write each column's maps as one strip PNG; return {layer: (url, count, height, width)} for the markup."""
    os.makedirs(os.path.join(out, FOLDER), exist_ok=True)
    sprites = {}
    positions = {col.name: i for i, col in enumerate(layout.columns_of(model))}
    for layer, rgba in colormap.overview_rgba(model, acts, hidden, limits).items():
        path = f"{FOLDER}/{positions[layer]}.png"
        Image.fromarray(strip(rgba)[..., :3]).save(os.path.join(out, path), "PNG", optimize=True)
        sprites[layer] = (f"./{path}", *rgba.shape[:3])
    return sprites


def first_paint(template, out, models, model, manifest, extra=None):
    """The built index.html: the template filled with the first paint of `model` (strip images written into out)
    and any extra fragments."""
    items = manifest.get("models", {}).get(model.name, [])
    shown = manifest.get("default", {}).get(model.name)
    if shown:
        pixels = np.load(os.path.join(out, os.path.splitext(shown)[0] + ".npy"))
        label = next(item["label"] for item in items if item["file"] == shown)
        caption, preview = f"Example: {label}", f"./{shown}"
    else:
        pixels, caption, preview = ramp_pixels(model.input_shape), markup.RAMP_CAPTION, ""
    acts = model.forward(scale_pixels(pixels, model.pixel_range))
    columns, nodes, edges, size = layout.overview(model)
    hidden = [col.name for col in columns if col.kind not in ("input", "output")]
    limits = colormap.limits(acts, hidden, "module")  # the level the page starts with
    sprites = write_strips(model, acts, hidden, limits, out)
    probabilities = acts[model.layers[-1].name]
    source = f' src="{markup.escape(preview)}"' if preview else ""  # the colour ramp has no picture of its own
    preloads = "".join(f'<link rel="preload" as="image" href="{markup.escape(url)}">' for url, *_ in sprites.values())
    fragments = {
        "head": f'<meta name="pycnn-template" content="{template_hash(template)}">{preloads}',
        "input-preview": (f'<img id="input-preview"{source} alt="{markup.escape(markup.PREVIEW_ALT)}" '
                          'width="40" height="40">'),
        "strip": markup.gallery_html(markup.strip_items(items, shown), shown),
        "gallery": markup.gallery_html(items, shown, 44, lazy=True),
        "gallery-note": markup.escape(markup.gallery_note(manifest, items)),
        "model-options": markup.model_options_html(models, model.name),
        "input-caption": markup.escape(caption),
        "prediction": markup.prediction_html(model.classes, probabilities),
        "network": markup.overview_html(model, columns, nodes, edges, size, probabilities, sprites),
        "model-info": markup.escape(markup.model_info(model)),
        "legends": markup.overview_legends_html(model, hidden, limits, "module"),
        **(extra or {}),
    }
    if template.count(BODY) != 1:
        raise ValueError(f"the page template must contain {BODY!r} exactly once")
    page = fill(template, fragments)
    return page.replace(BODY, f'<body data-state="loading" data-first-paint="{markup.escape(model.name)}">')
