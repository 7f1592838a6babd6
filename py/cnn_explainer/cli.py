"""The command line: python -m cnn_explainer {predict, activations, evaluate, convert, train, saliency} (bad input →
one-line error, exit 2)."""
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

from .net import data, image, saliency as saliency_map, tfjs, training, weights  # noqa: E402
from .net.data import DataError
from .net.image import ImageError
from .net.training import TeachError
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


def class_folders(directory):
    """[(class name, [file paths])] of a folder that holds one folder of pictures per class (hidden files left out)."""
    data.find_data_dir(directory)
    folders = []
    for name in sorted(os.listdir(directory)):
        folder = os.path.join(directory, name)
        if os.path.isdir(folder) and not name.startswith("."):
            files = sorted(os.path.join(dirpath, f) for dirpath, _dirs, names in os.walk(folder)
                           for f in names if not f.startswith("."))
            folders.append((name, files))
    return folders


def is_class_folders(model, directory):
    """Whether a folder (not a data set) holds a folder named after one of the model's classes."""
    if not os.path.isdir(directory) or data.is_tiny_imagenet(directory) or os.path.isdir(os.path.join(directory, "val")):
        return False
    known = {training.class_key(c) for c in model.classes}
    return any(os.path.isdir(os.path.join(directory, n)) and training.class_key(n) in known for n in os.listdir(directory))


def evaluate(args):
    """Print top-1 accuracy and a per-class table on a data set's val split, or on a folder of class folders."""
    model = weights.resolve_model(args.model)
    if is_class_folders(model, args.data_dir):
        root = args.data_dir
        samples = [(path, name) for name, files in class_folders(root) for path in files]
        lookup = {training.class_key(c): i for i, c in enumerate(model.classes)}
        to_index = lambda name: lookup.get(training.class_key(name))  # noqa: E731
    else:
        root = find_root(model, args.data_dir)
        samples, to_index = data.list_split(root, "val"), data.label_mapper(model, root)
    correct, total, unknown, unreadable = Counter(), Counter(), Counter(), 0
    for path, class_id in samples:
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
    directory, model.name = out_path(args.out)
    path = weights.save_model(model, directory)
    print(f"wrote {path} and {os.path.splitext(path)[0]}.npz: {len(model.layers)} layers "
          f"({', '.join(l.name for l in model.layers)}), {len(model.classes)} classes")
    return 0


def read_class_folders(directory, shape):
    """(class names, uint8 pictures, labels, unreadable paths) of a folder of class folders at a model's input size."""
    folders = class_folders(directory)
    count = sum(len(files) for _name, files in folders)
    if count > training.MAX_PICTURES:  # said before decoding thousands of files
        raise TeachError(f"{directory}: {count:,} files; at most {training.MAX_PICTURES:,} pictures can be taught")
    names, pictures, labels, unreadable = [], [], [], []
    for name, files in folders:
        names.append(name)
        for path in files:
            try:
                pictures.append(image.picture_pixels(path, shape))
                labels.append(len(names) - 1)
            except ImageError:
                unreadable.append(path)
    return names, pictures, labels, unreadable


def out_path(out):
    """(directory, name) of an --out DIR/NAME (an ending .json or .npz is dropped); WeightsError without a name."""
    stem = os.path.splitext(out)[0] if out.endswith((".json", ".npz")) else out
    directory, name = os.path.split(stem)
    if not name:
        raise WeightsError(f"--out {out!r} must end in a model name (DIR/NAME)")
    return directory or ".", name


def train(args):
    """Teach a shipped model the classes of a folder of class folders; print the epochs, held-out accuracy and the
    confusion matrix; write the model (.json + .npz, and a TF.js copy with --tfjs)."""
    directory, name = out_path(args.out)
    base = weights.resolve_model(args.base)
    classes, pictures, labels, unreadable = read_class_folders(args.data_dir, base.input_shape)
    if unreadable:
        print(f"skipped {len(unreadable)} unreadable pictures: {', '.join(os.path.basename(p) for p in unreadable[:5])}"
              + (" …" if len(unreadable) > 5 else ""))
    trainer = training.Trainer(base, classes, pictures, labels, mode=args.mode, epochs=args.epochs, seed=args.seed,
                               name=name)
    print(f"teaching {base.name} {len(classes)} classes ({', '.join(classes)}): {len(trainer.train_index)} pictures "
          f"to learn from, {len(trainer.held_index)} held out; mode {args.mode}, {trainer.epochs} epochs, seed {args.seed}")
    for _progress in trainer.work():
        if trainer.history and _progress["phase"] == "evaluate" and _progress["done"] == _progress["total"]:
            e = trainer.history[-1]
            print(f"epoch {e['epoch']:3d}/{trainer.epochs}  loss {e['loss']:.4f}  accuracy {e['accuracy']:6.1%}  "
                  f"held-out loss {e['held_loss']:.4f}  accuracy {e['held_accuracy']:6.1%}  "
                  f"({e['seconds']:.2f} s, {e['images_per_s']:,.0f} images/s)")
    if trainer.state == "error":
        raise TeachError(trainer.error)
    matrix, accuracy = trainer.confusion(), trainer.history[-1]["held_accuracy"]
    print(f"held-out accuracy {accuracy:.1%} ({int(np.trace(matrix))} / {int(matrix.sum())})")
    width = max(len(c) for c in classes)
    print(f"confusion matrix (rows: true class, columns: predicted)\n  {'':<{width}}  "
          + "  ".join(f"{i + 1:>4d}" for i in range(len(classes))) + "  accuracy")
    for i, (row, per_class) in enumerate(zip(matrix, trainer.per_class_accuracy())):
        print(f"  {classes[i]:<{width}}  " + "  ".join(f"{n:4d}" for n in row) + f"  {per_class:8.1%}   ({i + 1})")
    path = weights.save_model(trainer.model, directory)
    print(f"wrote {path} and {os.path.splitext(path)[0]}.npz")
    if args.tfjs:
        print(f"wrote {tfjs.write_tfjs(trainer.model, args.tfjs)} and {tfjs.SHARD} beside it (TF.js Layers)")
    return 0


def class_index(model, name):
    """The index of a class name (case and spacing ignored), or a WeightsError listing the model's classes."""
    lookup = {training.class_key(c): i for i, c in enumerate(model.classes)}
    if training.class_key(name) not in lookup:
        raise WeightsError(f"model {model.name!r} has no class {name!r} (its classes: {', '.join(model.classes)})")
    return lookup[training.class_key(name)]


def saliency(args):
    """Write the gradient of one class's logit with respect to the input image (model input shape, float32)."""
    model = weights.resolve_model(args.model)
    pixels = load_input(model, args.image)
    probs = model.predict(pixels)
    index = int(np.argmax(probs)) if args.class_name is None else class_index(model, args.class_name)
    if args.smoothgrad:
        grad = saliency_map.smoothgrad(model, pixels, index, samples=args.smoothgrad)
    else:
        grad = saliency_map.saliency(model, pixels, index)
    np.save(args.out, grad.astype(np.float32))
    out = args.out if args.out.endswith(".npy") else args.out + ".npy"
    how = f"SmoothGrad over {args.smoothgrad} noisy copies" if args.smoothgrad else "gradient"
    print(f"wrote {out}: {how} of the logit of {model.classes[index]!r} ({probs[index]:.1%}) with respect to the "
          f"input, shape {grad.shape}, largest |value| {np.abs(grad).max():.3g}")
    return 0


def build_parser():
    """The argument parser with its six subcommands."""
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
    e = commands.add_parser("evaluate", help="top-1 accuracy on a data set's val split or a folder of class folders")
    e.add_argument("data_dir", help="a Tiny-ImageNet or ImageFolder data set, a folder of data set .tar files, or a "
                                    "folder holding one folder of pictures per class (named as the model's classes)")
    e.set_defaults(run=evaluate)
    s = commands.add_parser("saliency", help="save which pixels mattered: the gradient of a class's logit (.npy)")
    s.add_argument("image")
    s.add_argument("--class", dest="class_name", metavar="NAME", help="the class (default: the top one)")
    s.add_argument("--out", required=True, help="the .npy file to write (the model's input shape, float32)")
    s.add_argument("--smoothgrad", type=int, metavar="N", help="average over N noisy copies of the image (SmoothGrad)")
    s.set_defaults(run=saliency)
    for sub in (p, a, e, s):
        sub.add_argument("--model", default=DEFAULT_MODEL, help=model_help)
    c = commands.add_parser("convert", help="write a TF.js model.json (and its .bin shards) in this app's format")
    c.add_argument("model_json", help="a TF.js Layers model.json with its .bin shards beside it (or one of our .json)")
    c.add_argument("--out", required=True, help="DIR/NAME: writes DIR/NAME.json and DIR/NAME.npz")
    c.set_defaults(run=convert)
    t = commands.add_parser("train", help="teach a model the classes of a folder of class folders")
    t.add_argument("data_dir", help="a folder holding one folder of pictures per class (the folder name is the class)")
    t.add_argument("--out", required=True, help="DIR/NAME: writes DIR/NAME.json and DIR/NAME.npz")
    t.add_argument("--base", default=DEFAULT_MODEL, help=f"the model to start from ({model_help.split(' (')[0]}; "
                                                         f"default {DEFAULT_MODEL})")
    t.add_argument("--mode", choices=training.MODES, default="quick",
                   help="quick: a new dense layer on the base's features; deeper: also the second conv block; "
                        "scratch: every layer from a fresh start (slow)")
    t.add_argument("--epochs", type=int, help="default: " + ", ".join(f"{m} {n}" for m, n in training.DEFAULT_EPOCHS.items()))
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--tfjs", metavar="DIR", help="also write the model as TF.js Layers (model.json + .bin) into DIR")
    t.set_defaults(run=train)
    return parser


def main(argv=None):
    """Run one subcommand; return the exit status (2 with a one-line message on bad input)."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ImageError, WeightsError, DataError, TeachError, OSError, tarfile.TarError) as error:
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"error: {message}", file=sys.stderr)
        return 2
