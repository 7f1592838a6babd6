"""The example gallery committed in examples/: chosen from the held-out split of the data by this script, copied
into every build by tools/build_site.py (so a fresh clone and the public site show the same photos).

Usage: python tools/gallery.py [--data DIR] [--folder examples]   (rewrites examples/ from the data and weights/)
"""
import argparse
import json
import os
import re
import shutil
import sys
import tarfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(REPO_ROOT, "py")]

import numpy as np  # noqa: E402
from cnn_explainer.net import data, weights  # noqa: E402
from cnn_explainer.page import markup
from cnn_explainer.net.image import ImageError, prepare_for  # noqa: E402

FOLDER = os.path.join(REPO_ROOT, "examples")
MANIFEST = "examples.json"
EXAMPLES_PER_CLASS = 3
TEACHING = (0.6, 0.95)  # the default example's top probability: confident, yet with runners-up worth a look
# What the README says of each data set's origin (by tar name); another data folder is named by its file name only.
ORIGINS = {
    "tiny-imagenet-10-32px.tar": "Tiny ImageNet-200 (Stanford CS231n), its 10 CNN Explainer classes in a 32×32 copy; "
                                 "`val/` is Tiny ImageNet's official validation split",
    "imagenette-64px.tar": "Imagenette v2 (fast.ai), resized to 64×64; `val/` is Imagenette's validation split",
}
TERMS = ("All of these images come from ImageNet (through Tiny ImageNet and Imagenette), whose terms of access allow "
         "non-commercial research and education only. PyCNN Explainer is an educational tool and shows them as "
         "examples under those terms; for any other use, check the terms yourself.")


def slug(text):
    """A file-name-safe lower-case form of a class name."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "class"


def matching_root(model, roots):
    """The unpacked data folder whose val/ classes all belong to this model, or None."""
    for root in roots.values():
        try:
            ids = {class_id for _, class_id in data.list_split(root, "val")}
        except data.DataError:
            continue
        to_index = data.label_mapper(model, root)
        if ids and all(to_index(i) is not None for i in ids):
            return root
    return None


def choose_examples(model, root, per_class=EXAMPLES_PER_CLASS):
    """{class index: [(path, probability)]}: the first val images per class, in sorted order, that the model gets right."""
    to_index = data.label_mapper(model, root)
    chosen = {i: [] for i in range(len(model.classes))}
    for path, class_id in data.list_split(root, "val"):
        index = to_index(class_id)
        if index is None or len(chosen[index]) >= per_class:
            continue
        try:
            probabilities = model.predict(prepare_for(model, path)[0])
        except ImageError:
            continue
        if int(probabilities.argmax()) == index:
            chosen[index].append((path, float(probabilities[index])))
    return chosen


def teaching_default(candidates):
    """The default example among (top probability, file) of correctly classified ones: inside TEACHING (nearest
    the middle of it), so the softmax has something to show; the nearest to that range when none is inside."""
    low, high = TEACHING
    middle = (low + high) / 2
    inside = [c for c in candidates if low <= c[0] <= high]
    return min(inside or candidates, key=lambda c: (abs(c[0] - middle), c[1]))


def shipped_models(weights_dir):
    """The models of weights_dir (*.json + *.npz), by name, in file-name order."""
    names = sorted(f for f in os.listdir(weights_dir) if f.endswith(".json")) if os.path.isdir(weights_dir) else []
    models = [weights.load_model(os.path.join(weights_dir, name)) for name in names]
    return {model.name: model for model in models}


def tar_names(data_dir):
    """{top folder inside a tar of data_dir: the tar's file name}."""
    names = {}
    for name in sorted(os.listdir(data_dir)):
        if name.endswith(".tar"):
            with tarfile.open(os.path.join(data_dir, name)) as tar:
                names[tar.next().name.split("/")[0]] = name
    return names


def source_of(path, root, tars):
    """Where an image of an unpacked data folder comes from: data set (tar), split, and its name inside the tar."""
    top = os.path.basename(root)
    return {"dataset": tars.get(top, top), "split": "val",
            "file": os.path.relpath(path, os.path.dirname(root)).replace(os.sep, "/")}


def refresh(data_dir, weights_dir, folder=FOLDER):
    """Rewrite folder from the data: per shipped model and class the chosen val images at the model's input size as
    PNG, examples.json (entries, defaults, sources) and README.md. Returns the manifest."""
    roots, tars = data.unpack(data_dir), tar_names(data_dir)
    models, defaults = {}, {}
    for name, model in shipped_models(weights_dir).items():
        root = matching_root(model, roots)
        if root is None:
            print(f"examples: no data set for {name} in {data_dir}; it gets no examples")
            continue
        if os.path.isdir(os.path.join(folder, name)):
            shutil.rmtree(os.path.join(folder, name))
        os.makedirs(os.path.join(folder, name))
        entries, candidates = [], []
        for index, picks in sorted(choose_examples(model, root).items()):
            for number, (path, probability) in enumerate(picks, 1):
                rel = f"examples/{name}/{slug(model.classes[index])}-{number}.png"
                # Stored as the model's very input (decoded, cropped, resized by the app's own pipeline) and
                # losslessly: JPEG decoders differ (Pyodide's libjpeg and the native one change chroma by up to ~20
                # levels), and no resampling is left to do, so the page and the CLI see the very same pixels.
                prepare_for(model, path)[1].save(os.path.join(folder, in_folder(rel)), "PNG", optimize=True)
                entries.append({"file": rel, "label": model.classes[index], "class_index": index,
                                "source": source_of(path, root, tars)})
                candidates.append((probability, rel))
        if entries:
            models[name], defaults[name] = entries, teaching_default(candidates)[1]
    manifest = {"models": models, "default": defaults, "per_class": EXAMPLES_PER_CLASS,
                "datasets": sorted({e["source"]["dataset"] for entries in models.values() for e in entries})}
    with open(os.path.join(folder, MANIFEST), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    with open(os.path.join(folder, "README.md"), "w") as f:
        f.write(readme(manifest))
    return manifest


def readme(manifest):
    """examples/README.md: what the images are, where each comes from, and their terms."""
    lines = [
        "# Example images",
        "",
        "The photos the page opens on and offers in its strip and under \"More…\", committed so that every build",
        "(a fresh clone, GitHub Pages) shows them. Written by `python tools/gallery.py` (`make examples`) from the",
        "data in `../shared/data`; do not edit by hand.",
        "",
        f"For each shipped model and class: the first {manifest['per_class']} images of the **held-out validation "
        "split** (`val/`), in",
        "sorted order, that the model classifies correctly; the default (`examples.json` \"default\") is the one",
        "whose top probability is nearest the middle of 60–95 %. They were never used for training or for choosing",
        "a model (training holds out part of `train/` for that). Each is stored as the model's input: decoded,",
        "centre-cropped and resized to 64×64 by the app's own pipeline (`cnn_explainer.image.prepare_for`), as PNG,",
        "so the page and the command line see the same pixels. A model that shares a model's classes but has no set",
        "of its own (the original CNN Explainer's, `cnn-explainer-original`) uses that model's set.",
        "",
        "## Terms",
        "",
        TERMS,
        "",
        "## Sources",
        "",
    ]
    for dataset in manifest["datasets"]:
        lines.append(f"- `{dataset}`: {ORIGINS.get(dataset, 'a data folder of this name')}.")
    for name, entries in manifest["models"].items():
        lines += ["", f"### {name}", "", "| file | class | data set | split | file in the data set |", "|---|---|---|---|---|"]
        for entry in entries:
            source = entry["source"]
            lines.append(f"| `{in_folder(entry['file'])}` | {entry['label']} | `{source['dataset']}` | "
                         f"{source['split']} | `{source['file']}` |")
    return "\n".join(lines) + "\n"


def in_folder(file):
    """A manifest's file name ("examples/<model>/<name>.png", its path in the site) relative to the examples folder."""
    return file.split("/", 1)[1]


def borrowed_set(model, owners):
    """The name of a shipped model with a committed set and the same classes (and class ids) as model, or None."""
    return next((name for name, owner in owners.items() if owner.classes == model.classes
                 and owner.meta.get("class_ids") == model.meta.get("class_ids")), None)


def default_pixels_path(example):
    """Where the pre-decoded pixels of a default example go: beside it, as .npy."""
    return os.path.splitext(example)[0] + ".npy"


def ship(out, folder, weights_dir):
    """Copy the committed examples (folder; None: no gallery) of the models in weights_dir into out/examples and
    write the page's examples.json; a model without a set of its own uses the set of a model with its classes."""
    if folder is None or not os.path.exists(os.path.join(folder, MANIFEST)):
        return write_manifest(out, {"models": {}, "note": markup.note_of(markup.GALLERY_NOTES[1])})
    with open(os.path.join(folder, MANIFEST)) as f:
        committed = json.load(f)
    models = shipped_models(weights_dir)
    owners = {name: models[name] for name in committed.get("models", {}) if name in models}
    entries, defaults = {}, {}
    for name, model in models.items():
        own = name if name in owners else borrowed_set(model, owners)
        if own is None:
            continue
        entries[name] = committed["models"][own]
        defaults[name] = committed["default"][own] if own == name else borrowed_default(model, entries[name], folder,
                                                                                        committed["default"][own])
    for entry in {e["file"]: e for items in entries.values() for e in items}.values():
        target = os.path.join(out, entry["file"])
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(folder, in_folder(entry["file"])), target)
    for name, default in defaults.items():  # the default's pixels too, so the first paint needs no Pillow in the page
        square = prepare_for(models[name], os.path.join(out, default))[1]
        np.save(os.path.join(out, default_pixels_path(default)), np.asarray(square, dtype=np.uint8))
    # the notes' wording lives in markup.GALLERY_NOTES; the page translates the message and fills in the values
    note = (markup.note_of(markup.GALLERY_NOTES[0], datasets=", ".join(committed.get("datasets", [])),
                           count=committed.get("per_class", EXAMPLES_PER_CLASS))
            if entries else markup.note_of(markup.GALLERY_NOTES[2]))
    return write_manifest(out, {"models": entries, "default": defaults, "note": note})


def write_manifest(out, manifest):
    """Write the page's out/examples/examples.json; return the manifest."""
    os.makedirs(os.path.join(out, "examples"), exist_ok=True)
    with open(os.path.join(out, "examples", MANIFEST), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    return manifest


def borrowed_default(model, entries, folder, fallback):
    """The teaching default of a model on another model's set: among those it gets right, else that model's default."""
    candidates = []
    for entry in entries:
        probabilities = model.predict(prepare_for(model, os.path.join(folder, in_folder(entry["file"])))[0])
        if int(probabilities.argmax()) == entry["class_index"]:
            candidates.append((float(probabilities.max()), entry["file"]))
    return teaching_default(candidates)[1] if candidates else fallback


def main(argv=None):
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="data folder with the tars (default: ../shared/data when it exists)")
    parser.add_argument("--folder", default=FOLDER, help="where the examples go (default examples/)")
    parser.add_argument("--weights", default=os.path.join(REPO_ROOT, "weights"), help="the models (default weights/)")
    args = parser.parse_args(argv)
    try:
        data_dir = data.find_data_dir(args.data)
    except data.DataError as error:
        raise SystemExit(f"examples: {error}")
    if data_dir is None:
        raise SystemExit("examples: no data folder: pass --data DIR or put the data in ../shared/data")
    os.makedirs(args.folder, exist_ok=True)
    manifest = refresh(data_dir, args.weights, args.folder)
    files = [os.path.join(d, f) for d, _, fs in os.walk(args.folder) for f in fs]
    print(f"examples: {sum(len(e) for e in manifest['models'].values())} images for {', '.join(manifest['models'])}; "
          f"{len(files)} files, {sum(os.path.getsize(f) for f in files) / 1e3:.0f} kB in {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
