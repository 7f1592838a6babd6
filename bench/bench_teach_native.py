"""The Teach recipe natively: held-out and val accuracy of `quick` (3 Imagenette classes × 20 pictures taught to
the TIN-10 model) over several seeds and class triples, and the trainer's speed in each mode (one BLAS thread).

    .venv/bin/python bench/bench_teach_native.py [--runs 10] [--epochs N] [--lr X] [--weight-decay X]
"""
import argparse
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "py"))
import numpy as np  # noqa: E402

from cnn_explainer.net import backprop, data, image, training, weights  # noqa: E402

IMAGENETTE = {"n01440764": "tench", "n02102040": "English springer", "n02979186": "cassette player",
              "n03000684": "chain saw", "n03028079": "church", "n03394916": "French horn",
              "n03417042": "garbage truck", "n03425413": "gas pump", "n03445777": "golf ball", "n03888257": "parachute"}


def load_split(root, split, shape):
    """{class id: uint8 pictures (N, H, W, C)} of one split, decoded once."""
    by_class = {}
    for path, class_id in data.list_split(root, split):
        by_class.setdefault(class_id, []).append(path)
    return {c: np.stack([image.picture_pixels(p, shape) for p in paths]) for c, paths in by_class.items()}


def drive(trainer):
    """Run work() to the end; return (seconds, longest slice in seconds, slices)."""
    longest, slices, t0 = 0.0, 0, time.perf_counter()
    work = trainer.work()
    while True:
        s = time.perf_counter()
        try:
            next(work)
        except StopIteration:
            break
        longest, slices = max(longest, time.perf_counter() - s), slices + 1
    return time.perf_counter() - t0, longest, slices


def val_accuracy(model, pictures):
    """Top-1 accuracy of a taught model on {class index: pictures}."""
    right = total = 0
    for label, pixels in pictures.items():
        x = weights_scale(model, pixels)
        probs = backprop.forward_batch(model, x)[1]
        right += int((probs.argmax(axis=1) == label).sum())
        total += len(pixels)
    return right / total


def weights_scale(model, pixels):
    from cnn_explainer.net.model import scale_pixels
    return scale_pixels(pixels, model.pixel_range)


def teach_set(train, val, rng, classes=3, per_class=20):
    """A random class set and per_class random training pictures of each: (names, pixels, labels, val pictures)."""
    ids = sorted(rng.choice(sorted(train), classes, replace=False))
    pixels = np.concatenate([train[c][rng.choice(len(train[c]), per_class, replace=False)] for c in ids])
    return [IMAGENETTE[c] for c in ids], pixels, np.repeat(np.arange(classes), per_class), {i: val[c] for i, c in enumerate(ids)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--weight-decay", type=float)
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    base = weights.resolve_model("tinyvgg-tin10")
    root = data.unpack(data.find_data_dir())["imagenette-64"]
    t0 = time.perf_counter()
    train, val = load_split(root, "train", base.input_shape), load_split(root, "val", base.input_shape)
    print(f"decoded imagenette-64 in {time.perf_counter() - t0:.1f} s")

    held, vals, seconds = [], [], []
    for run in range(args.runs):
        names, pixels, labels, val_pictures = teach_set(train, val, np.random.default_rng(100 + run))
        trainer = training.Trainer(base, names, pixels, labels, mode="quick", epochs=args.epochs, seed=run)
        trainer.lr = args.lr or trainer.lr
        trainer.weight_decay = trainer.weight_decay if args.weight_decay is None else args.weight_decay
        elapsed = drive(trainer)[0]
        held.append(trainer.history[-1]["held_accuracy"])
        vals.append(val_accuracy(trainer.model, val_pictures))
        seconds.append(elapsed)
        print(f"  run {run}: {', '.join(names):<45} held-out {held[-1]:6.1%}  val {vals[-1]:6.1%}  {elapsed:.2f} s")
    print(f"quick recipe {training.RECIPES['quick']} (overrides: epochs {args.epochs}, lr {args.lr}, "
          f"weight decay {args.weight_decay})")
    print(f"held-out accuracy over {args.runs} runs: mean {np.mean(held):.1%}, min {np.min(held):.1%}, "
          f"max {np.max(held):.1%} (target ≥ 65 %)")
    print(f"val accuracy (all val pictures of the 3 classes): mean {np.mean(vals):.1%}, min {np.min(vals):.1%}")
    print(f"quick 3×20 end to end: median {np.median(seconds):.2f} s")
    if args.skip_speed:
        return
    names, pixels, labels, _ = teach_set(train, val, np.random.default_rng(7))
    for mode in training.MODES:
        trainer = training.Trainer(base, names, pixels, labels, mode=mode,
                                   epochs=None if mode == "deeper" else 3 if mode == "scratch" else None)
        elapsed, longest, slices = drive(trainer)
        rate = np.median([h["images_per_s"] for h in trainer.history])
        print(f"{mode:<8} {trainer.epochs:3d} epochs on 3×20: {elapsed:6.2f} s, {rate:8.0f} training images/s, "
              f"longest slice {longest * 1000:5.1f} ms over {slices} slices (chunk {trainer.chunk}, "
              f"features {trainer.feature_chunk})")
    rng = np.random.default_rng(0)
    model = training.taught_model(base, names, "scratch", 0, "x", np.float32)
    x = rng.uniform(-1, 1, (32, *base.input_shape)).astype(np.float32)
    y = rng.integers(0, 3, 32)
    for mode in training.MODES:
        start = training.trainable_start(model, mode)
        features = backprop.forward_batch(model, x, stop=start)[1]
        times = []
        for _ in range(5):
            s = time.perf_counter()
            caches, logits = backprop.forward_batch(model, features, start=start, stop=-1)
            dlogits = backprop.softmax_cross_entropy(logits, y)[1].astype(np.float32)
            backprop.backward(model, caches, dlogits, start=start)
            times.append(time.perf_counter() - s)
        print(f"gradient of one batch of 32, {mode:<8}: {np.median(times) * 1000:7.2f} ms (forward + backward from "
              f"layer {start})")


if __name__ == "__main__":
    main()
