"""The command line: python -m cnn_explainer {predict, activations, evaluate, convert} (bad input → one-line error,
exit 2)."""
import argparse
import json
import os
import sys
import tarfile
from collections import Counter

# One BLAS thread unless the user says otherwise: our matmuls are tiny, and a thread pool makes a forward
# pass ~15× slower on a busy machine. It only takes effect when set before NumPy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

from .net import data, image, weights  # noqa: E402
from .net.data import DataError
from .net.image import ImageError
from .net.weights import DEFAULT_MODEL, WeightsError


def load_input(model, path):
    """The model input for an image file, or an ImageError that names the file."""
    try:
        return image.prepare_for(model, path)[0]
    except ImageError as error:
        raise ImageError(f"{path}: {error}") from None


def read_classes(model, path):
    """The class names in a text file, one per line, checked as the page's "Class names…" dialog checks them."""
    limit = weights.class_text_limit(len(model.classes))
    try:
        with open(path, "rb") as f:
            raw = f.read(4 * limit + 1)  # at most 4 bytes a character: the rest of a longer file is never read
        # cut short, it is more characters than the limit whatever it holds: parse_class_names refuses it as too long
        text = raw.decode("utf-8-sig", "replace" if len(raw) > 4 * limit else "strict")
    except UnicodeDecodeError:
        raise WeightsError(f"{path}: not a UTF-8 text file") from None
    except OSError as error:
        raise WeightsError(f"{path}: cannot read ({error.strerror or error})") from None
    try:
        return weights.parse_class_names(text, len(model.classes))
    except WeightsError as error:
        raise WeightsError(f"{path}: {error}") from None


def predict(args):
    """Print the top class and every class probability (or the JSON of them with --json)."""
    model = weights.resolve_model(args.model)
    if args.classes:
        model.classes = read_classes(model, args.classes)
    acts = model.forward(load_input(model, args.image))
    probs = [float(p) for p in acts[model.layers[-1].name]]
    top = int(np.argmax(probs))
    if args.json:
        print(json.dumps({
            "model": model.name, "classes": model.classes, "probabilities": probs,
            "top": {"label": model.classes[top], "probability": probs[top]},
            "layers": [{"name": name, "shape": list(a.shape)} for name, a in acts.items()],
        }))
        return 0
    print(f"{model.classes[top]} ({probs[top]:.1%})   model {model.name}, image {args.image}")
    width = max(len(c) for c in model.classes)
    for i in sorted(range(len(probs)), key=lambda i: -probs[i]):
        print(f"  {model.classes[i]:<{width}}  {probs[i]:7.2%}  {'#' * round(probs[i] * 40)}")
    return 0


def activations(args):
    """Save every layer's activation (and the input) to an .npz under the layer names."""
    model = weights.resolve_model(args.model)
    acts = model.forward(load_input(model, args.image))
    np.savez(args.out, **acts)
    out = args.out if args.out.endswith(".npz") else args.out + ".npz"
    print(f"wrote {len(acts)} arrays ({', '.join(acts)}) to {out}")
    return 0


def class_ids(root):
    """The class ids of a data set's val split (wnids.txt, or the class folders of val/)."""
    if data.is_tiny_imagenet(root):
        with open(os.path.join(root, "wnids.txt")) as f:
            return [line.strip() for line in f if line.strip()]
    val = os.path.join(root, "val")
    return sorted(d for d in os.listdir(val) if os.path.isdir(os.path.join(val, d))) if os.path.isdir(val) else []


def find_root(model, data_dir):
    """The data set folder to evaluate on: data_dir itself, or the unpacked data set that matches the model."""
    data.find_data_dir(data_dir)
    if data.is_tiny_imagenet(data_dir) or os.path.isdir(os.path.join(data_dir, "val")):
        return data_dir
    roots = data.unpack(data_dir, data.DEFAULT_CACHE_DIR)
    known = {root: sum(data.label_mapper(model, root)(c) is not None for c in class_ids(root)) for root in roots.values()}
    best = max(known, key=known.get, default=None)
    if best is None or known[best] == 0:
        raise DataError(f"{data_dir!r} holds no data set (val/ folder or .tar) with the classes of model {model.name!r}")
    return best


def evaluate(args):
    """Print top-1 accuracy and a per-class table on a data set's val split."""
    model = weights.resolve_model(args.model)
    root = find_root(model, args.data_dir)
    to_index = data.label_mapper(model, root)
    correct, total, unknown, unreadable = Counter(), Counter(), Counter(), 0
    for path, class_id in data.list_split(root, "val"):
        index = to_index(class_id)
        if index is None:
            unknown[class_id] += 1
            continue
        try:
            pixels = image.prepare_for(model, path)[0]
        except ImageError:
            unreadable += 1
            continue
        total[index] += 1
        correct[index] += int(np.argmax(model.predict(pixels)) == index)
    if not total:
        raise DataError(f"no readable image in {root!r} belongs to a class of model {model.name!r} "
                        f"({sum(unknown.values())} of unknown classes, {unreadable} unreadable)")
    n, right = sum(total.values()), sum(correct.values())
    print(f"top-1 accuracy {right / n:.2%} ({right} / {n})   model {model.name}, data {root}")
    width = max(len(c) for c in model.classes)
    print(f"  {'class':<{width}}  correct  total  accuracy")
    for i, name in enumerate(model.classes):
        accuracy = f"{correct[i] / total[i]:8.2%}" if total[i] else "       -"
        print(f"  {name:<{width}}  {correct[i]:7d}  {total[i]:5d}  {accuracy}")
    if unknown:
        print(f"skipped {sum(unknown.values())} images of {len(unknown)} classes the model does not know: "
              f"{', '.join(sorted(unknown))}")
    if unreadable:
        print(f"skipped {unreadable} unreadable images")
    return 0


def convert(args):
    """Write a model (a TF.js model.json, or one of ours) in our format as --out DIR/NAME (.json + .npz)."""
    model = weights.resolve_model(args.model_json)
    out = os.path.splitext(args.out)[0] if args.out.endswith((".json", ".npz")) else args.out
    directory, name = os.path.split(out)
    if not name:
        raise WeightsError(f"--out {args.out!r} must end in a model name (DIR/NAME)")
    model.name = name
    path = weights.save_model(model, directory or ".")
    print(f"wrote {path} and {os.path.splitext(path)[0]}.npz: {len(model.layers)} layers "
          f"({', '.join(l.name for l in model.layers)}), {len(model.classes)} classes")
    return 0


def build_parser():
    """The argument parser with its four subcommands."""
    parser = argparse.ArgumentParser(prog="python -m cnn_explainer", description="Run Tiny VGG in NumPy from the command line.")
    commands = parser.add_subparsers(dest="command", required=True)
    model_help = f"a shipped model name, or a path to a weights .json or a TF.js model.json (default {DEFAULT_MODEL})"
    p = commands.add_parser("predict", help="classify one image")
    p.add_argument("image")
    p.add_argument("--json", action="store_true", help="print JSON: model, classes, probabilities, top, layers")
    p.add_argument("--classes", metavar="FILE", help="name the classes: a text file, one name per line, in the model's "
                                                     "order (for a model file that has none, such as a TF.js one)")
    p.set_defaults(run=predict)
    a = commands.add_parser("activations", help="save every layer's activation to an .npz")
    a.add_argument("image")
    a.add_argument("--out", required=True, help="the .npz file to write")
    a.set_defaults(run=activations)
    e = commands.add_parser("evaluate", help="top-1 accuracy on a data set's val split")
    e.add_argument("data_dir", help="a Tiny-ImageNet or ImageFolder data set, or a folder of data set .tar files")
    e.set_defaults(run=evaluate)
    for sub in (p, a, e):
        sub.add_argument("--model", default=DEFAULT_MODEL, help=model_help)
    c = commands.add_parser("convert", help="write a TF.js model.json (and its .bin shards) in this app's format")
    c.add_argument("model_json", help="a TF.js Layers model.json with its .bin shards beside it (or one of our .json)")
    c.add_argument("--out", required=True, help="DIR/NAME: writes DIR/NAME.json and DIR/NAME.npz")
    c.set_defaults(run=convert)
    return parser


def main(argv=None):
    """Run one subcommand; return the exit status (2 with a one-line message on bad input)."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ImageError, WeightsError, DataError, OSError, tarfile.TarError) as error:
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"error: {message}", file=sys.stderr)
        return 2
