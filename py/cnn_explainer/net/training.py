"""Teach a shipped model new classes: AdamW on batches of 32 with random flips, in slices short enough for a page.

The browser drives Trainer.work() one next() at a time (each a bounded slice of work) and may stop between
slices; the command line runs the same generator to the end. Deterministic for a seed.
"""
import copy
import time

import numpy as np

from . import backprop
from ..i18n import N_, _
from .model import scale_pixels

MODES = ("quick", "deeper", "scratch")
# Measured natively on 3 Imagenette classes × 20 pictures taught to the TIN-10 model (bench/bench_teach_native.py;
# accuracy on the classes' val pictures, mean of 4–20 class triples): quick, the dense layer alone on frozen features,
# reaches ~67 % from 30 epochs on (60, 100, 200: the same), lr 1e-3…1e-2 and weight decay 0…1 alike: 50 epochs cost
# ~0.1 s in a page. deeper, 30 epochs (as the issue asks): lr 1e-3 64 %, 3e-4 60 %. scratch: lr 1e-3 56 %,
# 2e-3 54 %; 40 epochs no better than 20, and 20 take ~20 s in a page (~60 images/s).
RECIPES = {
    "quick": {"epochs": 50, "lr": 3e-3, "weight_decay": 1e-2},
    "deeper": {"epochs": 30, "lr": 1e-3, "weight_decay": 1e-2},
    "scratch": {"epochs": 20, "lr": 1e-3, "weight_decay": 1e-4},
}
DEFAULT_EPOCHS = {mode: recipe["epochs"] for mode, recipe in RECIPES.items()}
MODE_WORDS = {"quick": N_("quick"), "deeper": N_("deeper"), "scratch": N_("scratch")}  # as the page names them
BETAS, EPSILON = (0.9, 0.999), 1e-8  # Adam's usual moments and epsilon (PyTorch's defaults;
# nothing measured here asked for others)
# Images per slice of work, so that a slice takes ≤ ~30 ms in Pyodide (measured there, CPU time, with
# bench/bench_teach_pyodide.mjs: median slice ~25 ms for deeper's 8 images, ~17 ms for scratch's 1 image; 2 took 34).
CHUNKS = {"quick": 32, "deeper": 8, "scratch": 1}
FEATURE_CHUNKS = {"quick": 3, "deeper": 6, "scratch": 0}  # features of 3 pictures (or 6 after block 1 only)
EVAL_CHUNKS = {"quick": 256, "deeper": 24, "scratch": 4}  # forward passes only: about 3 times as many a slice
MAX_CLASSES = 10
MAX_PICTURES = 2000  # 10 classes × 200: pixels (25 MB) and frozen features stay within a page's memory
MIN_PER_CLASS = 2  # one to learn from, one held out
FEATURE_CACHE_BYTES = 64 * 2**20  # frozen features kept beyond this are computed again for each batch instead
EXPLODED = 1e3  # a cross-entropy this large means the weights have blown up (a guess is ln(classes) ≈ 2)


class TeachError(ValueError):
    """Pictures and classes that cannot be taught; the message says what to change."""


MAX_SEED = 2**31 - 1  # what a project file may carry


def parse_seed(text):
    """The seed a visitor typed: a whole number from 0 to MAX_SEED (blank: 0); TeachError otherwise."""
    text = text.strip()
    if not text:
        return 0
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_SEED:
        raise TeachError(_("The seed must be a whole number from 0 to {high}.").format(high=MAX_SEED))
    return int(text)


def class_key(name):
    """A class name as compared for duplicates: case and spacing ignored."""
    return " ".join(str(name).split()).casefold()


def held_out_split(labels, fraction=0.2, seed=0):
    """(train indices, held-out indices): about fraction of each class held out, at least one, and at least one
    kept for training (a class needs two pictures); the same for the same labels and seed."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    train, held = [], []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        members = members[rng.permutation(len(members))]
        count = min(max(1, int(round(fraction * len(members)))), len(members) - 1)
        held += list(members[:count])
        train += list(members[count:])
    return np.array(sorted(train), dtype=np.int64), np.array(sorted(held), dtype=np.int64)


def check_classes(classes, labels, count):
    """Raise TeachError for classes and labels that cannot be taught (too few or too many, unnamed, twice, empty)."""
    if len(classes) < 2:
        raise TeachError(_("Give at least two classes to tell apart."))
    if len(classes) > MAX_CLASSES:
        raise TeachError(_("At most {limit} classes can be taught (there are {count}).").format(
            limit=MAX_CLASSES, count=len(classes)))
    seen = {}
    for number, name in enumerate(classes, 1):
        key = class_key(name)
        if not key:
            raise TeachError(_("Class {number} has no name.").format(number=number))
        if key in seen:
            raise TeachError(_("Two classes have the same name, {name}: give each class its own name.").format(
                name=repr(" ".join(str(name).split()))))
        seen[key] = number
    if count > MAX_PICTURES:
        raise TeachError(_("At most {limit} pictures can be taught at once (there are {count}).").format(
            limit=f"{MAX_PICTURES:,}", count=f"{count:,}"))
    labels = np.asarray(labels)
    if labels.shape != (count,):
        raise TeachError(_("Each picture needs one class ({pictures} pictures, {labels} labels).").format(
            pictures=count, labels=labels.size))
    if count and (not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= len(classes)):
        raise TeachError(_("A picture's class must be one of the {count} classes.").format(count=len(classes)))
    counts = np.bincount(labels.astype(np.intp), minlength=len(classes)) if count else np.zeros(len(classes), int)
    for name, n in zip(classes, counts):
        if n < MIN_PER_CLASS:
            message = (_("Class {name} has no pictures.") if n == 0 else
                       _("Class {name} needs at least {least} pictures: one to learn from, one to test on."))
            raise TeachError(message.format(name=repr(" ".join(str(name).split())), least=MIN_PER_CLASS))


def stack_pixels(pixels, shape):
    """The pictures as one uint8 array (N, H, W, C) of the model's input shape, or a TeachError."""
    if isinstance(pixels, np.ndarray) and pixels.ndim == 4:
        stack = pixels
    else:
        pictures = list(pixels)
        for number, picture in enumerate(pictures, 1):
            if np.shape(picture) != tuple(shape):
                raise TeachError(_("Picture {number} is {size}, not the model's input size {shape}.").format(
                    number=number, size="×".join(map(str, np.shape(picture))), shape="×".join(map(str, shape))))
        stack = np.stack(pictures) if pictures else np.zeros((0, *shape), np.uint8)
    if stack.shape[1:] != tuple(shape):
        raise TeachError(_("The pictures are {size}, not the model's input size {shape}.").format(
            size="×".join(map(str, stack.shape[1:])), shape="×".join(map(str, shape))))
    return np.asarray(stack, np.uint8)


def trainable_start(model, mode):
    """The index of the first layer a mode trains (every earlier layer is frozen)."""
    if mode == "scratch":
        return 0
    dense = max(i for i, layer in enumerate(model.layers) if layer.type == "dense")
    if mode == "quick":
        return dense
    pools = [i for i, layer in enumerate(model.layers) if layer.type == "max_pool2d"]
    return pools[0] + 1 if len(pools) > 1 else dense  # deeper: from the second block on


def fresh_parameters(model, start, rng, dtype):
    """New weights for every conv and dense layer from index start: He-normal kernels before a ReLU (conv),
    Glorot-uniform for the dense, zero biases."""
    shape = model.input_shape
    for i, layer in enumerate(model.layers):
        shapes = layer.param_shapes(shape)
        if shapes and i >= start:
            kernel = shapes["kernel"]
            fan_in, fan_out = int(np.prod(kernel[:-1])), int(np.prod(kernel[:-2])) * kernel[-1]
            if layer.type == "conv2d":
                layer.kernel = (rng.standard_normal(kernel) * np.sqrt(2.0 / fan_in)).astype(dtype)
            else:
                limit = np.sqrt(6.0 / (fan_in + fan_out))
                layer.kernel = rng.uniform(-limit, limit, kernel).astype(dtype)
            layer.bias = np.zeros(shapes["bias"], dtype)
        shape = layer.output_shape(shape)


def taught_model(base, classes, mode, seed, name, dtype):
    """A copy of base with len(classes) outputs, the trained layers freshly initialised (seeded)."""
    model = copy.copy(base)
    model.layers = [copy.copy(layer) for layer in base.layers]
    for layer in model.layers:
        layer.config = dict(layer.config)
        if layer.kernel is not None:
            layer.kernel, layer.bias = np.array(layer.kernel, dtype), np.array(layer.bias, dtype)
    dense = max(i for i, layer in enumerate(model.layers) if layer.type == "dense")
    model.layers[dense].config["units"] = len(classes)
    model.classes, model.name = [" ".join(str(c).split()) for c in classes], name
    model.meta = {"description": _("Taught {count} classes from {base} ({mode}).").format(
        count=len(classes), base=base.name, mode=_(MODE_WORDS[mode])), "base": base.name, "mode": mode, "seed": seed, "epochs": 0}
    # deeper fine-tunes block 2 from the base's weights; the new dense layer (and in scratch, everything) starts fresh
    fresh_parameters(model, 0 if mode == "scratch" else dense, np.random.default_rng([seed, 1]), dtype)
    return model


class Trainer:
    """Teach classes to a copy of base; work() yields after every slice of work (see the module docstring)."""

    def __init__(self, base, classes, pixels, labels, mode="quick", epochs=None, seed=0, name="my-model", batch=32,
                 dtype=np.float32):
        if mode not in MODES:
            raise TeachError(_("Unknown mode {mode} (choose quick, deeper or scratch).").format(mode=repr(mode)))
        self.pixels = stack_pixels(pixels, base.input_shape)
        self.labels = np.asarray(labels, dtype=np.int64) if len(self.pixels) else np.asarray(labels)
        check_classes(classes, labels, len(self.pixels))
        self.base, self.classes, self.mode, self.seed, self.batch, self.dtype = base, list(classes), mode, seed, batch, dtype
        recipe = RECIPES[mode]
        self.epochs = int(epochs or recipe["epochs"])
        self.lr, self.weight_decay = recipe["lr"], recipe["weight_decay"]
        self.chunk, self.feature_chunk, self.eval_chunk = CHUNKS[mode], FEATURE_CHUNKS[mode], EVAL_CHUNKS[mode]
        self.train_index, self.held_index = held_out_split(self.labels, 0.2, seed)
        self.model = taught_model(base, classes, mode, seed, name, dtype)
        self.start = trainable_start(self.model, mode)
        self.softmax = len(self.model.layers) - 1 if self.model.layers[-1].type == "softmax" else None
        self.params = {l.name: l for l in self.model.layers[self.start:] if l.kernel is not None}
        self.moments = {name: {p: (np.zeros_like(getattr(l, p)), np.zeros_like(getattr(l, p))) for p in ("kernel", "bias")}
                        for name, l in self.params.items()}
        self.steps = 0
        self.history, self.step_losses = [], []
        self.state, self.error = "running", None
        self._stop = False
        self._kept = self._snapshot()  # the weights of the last finished epoch (at first: the initial ones)
        self._held_pred = None
        self._cache = None
        self._feature_seconds = 0.0

    # ---- data -------------------------------------------------------------------------------------------------

    def scaled(self, indices, flips):
        """The model inputs of some pictures, the flipped ones mirrored left to right."""
        x = self.pixels[indices]
        if np.any(flips):
            x = np.where(np.asarray(flips)[:, None, None, None], x[:, :, ::-1], x)
        return scale_pixels(x, self.model.pixel_range).astype(self.dtype, copy=False)  # as the page scales a picture

    def frozen_features(self, indices, flips):
        """What the first trained layer reads for these pictures: the frozen layers' output (or the pixels)."""
        x = self.scaled(indices, flips)
        return backprop.forward_batch(self.model, x, stop=self.start)[1] if self.start else x

    def feature_bytes(self):
        """The bytes a cache of every picture's frozen features would take (the training ones twice: flipped too)."""
        shape = dict(self.model.shapes())[self.model.layers[self.start - 1].name] if self.start else ()
        return int(np.prod(shape)) * np.dtype(self.dtype).itemsize * (len(self.pixels) + len(self.train_index))

    def inputs(self, indices, flips):
        """The first trained layer's input for these pictures, from the cache when there is one."""
        if self._cache is None:
            return self.frozen_features(indices, flips)
        plain, mirrored, position = self._cache
        flips = np.asarray(flips, bool)
        out = plain[indices]
        if flips.any():
            out[flips] = mirrored[position[np.asarray(indices)[flips]]]
        return out

    def epoch_order(self, epoch):
        """(training pictures in this epoch's order, which of them are flipped): fixed by the seed and the epoch."""
        rng = np.random.default_rng([self.seed, 2, epoch])
        return self.train_index[rng.permutation(len(self.train_index))], rng.random(len(self.train_index)) < 0.5

    # ---- weights ------------------------------------------------------------------------------------------------

    def _snapshot(self):
        return {name: (l.kernel.copy(), l.bias.copy()) for name, l in self.params.items()}

    def _restore(self, snapshot):
        for name, (kernel, bias) in snapshot.items():
            self.params[name].kernel, self.params[name].bias = kernel.copy(), bias.copy()

    def adam_step(self, grads):
        """One AdamW step (decoupled weight decay on kernels, not biases), with bias correction."""
        self.steps += 1
        (b1, b2), t = BETAS, self.steps
        for name, layer in self.params.items():
            for p in ("kernel", "bias"):
                value, g = getattr(layer, p), grads[name][p]
                m, v = self.moments[name][p]
                m *= b1
                m += (1 - b1) * g
                v *= b2
                v += (1 - b2) * g * g
                if p == "kernel" and self.weight_decay:
                    value *= 1 - self.lr * self.weight_decay
                m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
                value -= (self.lr * m_hat / (np.sqrt(v_hat) + EPSILON)).astype(value.dtype)

    # ---- the work ------------------------------------------------------------------------------------------------

    def stop(self):
        """Stop: the model keeps the weights of the last finished epoch; the next next() ends work()."""
        if self.state == "running":
            self._stop = True
            self._restore(self._kept)
            self.state = "stopped"

    def logits(self, features):
        """The scores before the softmax, from the first trained layer's input, and the caches to backpropagate."""
        return backprop.forward_batch(self.model, features, start=self.start, stop=self.softmax)

    def work(self):
        """A generator: each next() does one slice of work and yields progress; it ends when training does."""
        if self._stop:
            return
        yield from self._extract()
        for epoch in range(1, self.epochs + 1):
            if self._stop:
                return
            started = len(self.history)
            yield from self._train_epoch(epoch)
            if self._stop or self.state == "error" or len(self.history) == started:
                return
        self.state = "done"

    def _extract(self):
        """Compute and keep the frozen features, a few pictures per slice (nothing to do for scratch, or when they
        would take too much memory: then each batch computes them)."""
        if self.start == 0 or self.feature_bytes() > FEATURE_CACHE_BYTES:
            return
        jobs = [(i, False) for i in range(len(self.pixels))] + [(i, True) for i in self.train_index]
        position = np.full(len(self.pixels), -1)
        position[self.train_index] = np.arange(len(self.train_index))
        plain = mirrored = None
        for begin in range(0, len(jobs), self.feature_chunk):
            t0 = time.perf_counter()
            part = jobs[begin : begin + self.feature_chunk]
            features = self.frozen_features(np.array([i for i, _ in part]), np.array([f for _, f in part]))
            if plain is None:
                plain = np.zeros((len(self.pixels), *features.shape[1:]), self.dtype)
                mirrored = np.zeros((len(self.train_index), *features.shape[1:]), self.dtype)
            for (i, flipped), f in zip(part, features):
                if flipped:
                    mirrored[position[i]] = f
                else:
                    plain[i] = f
            self._feature_seconds += time.perf_counter() - t0
            if begin + len(part) == len(jobs):
                self._cache = (plain, mirrored, position)
            yield {"phase": "features", "epoch": 0, "epochs": self.epochs, "done": begin + len(part), "total": len(jobs)}
            if self._stop:
                return

    def _train_epoch(self, epoch):
        """One epoch: batches in chunks (gradients summed over the chunks, one Adam step a batch), then the held-out
        evaluation; on a blown-up loss, the weights from before the epoch and state "error"."""
        busy = 0.0
        order, flips = self.epoch_order(epoch)
        total_loss = correct = 0.0
        for begin in range(0, len(order), self.batch):
            batch, batch_flips = order[begin : begin + self.batch], flips[begin : begin + self.batch]
            grads, batch_loss = None, 0.0
            for c in range(0, len(batch), self.chunk):
                t0 = time.perf_counter()
                part = batch[c : c + self.chunk]
                caches, logits = self.logits(self.inputs(part, batch_flips[c : c + self.chunk]))
                loss, dlogits = backprop.softmax_cross_entropy(logits, self.labels[part])
                share = len(part) / len(batch)
                chunk_grads, _unused = backprop.backward(self.model, caches, (dlogits * share).astype(self.dtype),
                                                         start=self.start)
                grads = chunk_grads if grads is None else {
                    name: {p: grads[name][p] + g for p, g in params.items()} for name, params in chunk_grads.items()}
                batch_loss += loss * share
                correct += int((logits.argmax(axis=1) == self.labels[part]).sum())
                last = c + self.chunk >= len(batch)
                if last:
                    if not np.isfinite(batch_loss) or batch_loss > EXPLODED:
                        return self._fail(epoch, batch_loss)
                    self.step_losses.append(float(batch_loss))
                    self.adam_step(grads)
                    total_loss += batch_loss * len(batch)
                busy += time.perf_counter() - t0
                yield {"phase": "train", "epoch": epoch, "epochs": self.epochs, "done": begin + c + len(part),
                       "total": len(order)}
                if self._stop:
                    return
        train_seconds, held_loss, held_pred = busy, 0.0, []
        for begin in range(0, len(self.held_index), self.eval_chunk):
            t0 = time.perf_counter()
            part = self.held_index[begin : begin + self.eval_chunk]
            logits = self.logits(self.inputs(part, np.zeros(len(part), bool)))[1]
            held_loss += backprop.softmax_cross_entropy(logits, self.labels[part])[0] * len(part)
            held_pred += list(logits.argmax(axis=1))
            busy += time.perf_counter() - t0
            if begin + self.eval_chunk >= len(self.held_index):  # the epoch is recorded before its last yield
                loss = total_loss / len(order)
                if not np.isfinite(loss) or (self.history and loss > 10 * self.history[0]["loss"]):
                    return self._fail(epoch, loss)
                self._finish_epoch(epoch, loss, correct / len(order), held_loss / len(self.held_index),
                                   np.array(held_pred, dtype=np.int64), busy, train_seconds, len(order))
            yield {"phase": "evaluate", "epoch": epoch, "epochs": self.epochs, "done": begin + len(part),
                   "total": len(self.held_index)}
            if self._stop:
                return

    def _finish_epoch(self, epoch, loss, accuracy, held_loss, held_pred, seconds, train_seconds, images):
        """Record a finished epoch: its history entry, its weights (what stop() returns to), the model's meta."""
        held_accuracy = float(np.mean(held_pred == self.labels[self.held_index]))
        seconds += self._feature_seconds if epoch == 1 else 0.0
        self.history.append({"epoch": epoch, "loss": float(loss), "accuracy": accuracy, "held_loss": float(held_loss),
                             "held_accuracy": held_accuracy, "seconds": seconds,
                             "images_per_s": images / train_seconds if train_seconds else 0.0})
        self._kept, self._held_pred = self._snapshot(), held_pred
        self.model.meta.update(epochs=epoch, held_out_accuracy=round(held_accuracy, 4))

    def _fail(self, epoch, loss):
        """Stop with state "error": the loss blew up; the weights go back to the last finished epoch's."""
        self._restore(self._kept)
        self.state = "error"
        self.error = _("Training stopped in epoch {epoch}: the loss became {loss}, so the weights blew up. The "
                       "weights from before that epoch are kept; try fewer epochs or another mode.").format(
            epoch=epoch, loss=f"{loss:.3g}")

    # ---- results ------------------------------------------------------------------------------------------------

    def held_predictions(self):
        """The predicted class of every held-out picture with the weights the model holds."""
        if self._held_pred is None:
            part = self.held_index
            self._held_pred = np.array(self.logits(self.inputs(part, np.zeros(len(part), bool)))[1].argmax(axis=1))
        return self._held_pred

    def confusion(self):
        """(classes, classes) counts on the held-out pictures: rows the true class, columns the predicted one."""
        matrix = np.zeros((len(self.classes), len(self.classes)), np.int64)
        np.add.at(matrix, (self.labels[self.held_index], self.held_predictions()), 1)
        return matrix

    def per_class_accuracy(self):
        """The held-out accuracy of each class (a list of floats in class order)."""
        matrix = self.confusion()
        return [float(matrix[i, i] / matrix[i].sum()) for i in range(len(self.classes))]
