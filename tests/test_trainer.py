"""The trainer: 20 AdamW steps step for step against the same run in PyTorch (float64), slicing, determinism,
the held-out split, stopping, the blow-up guard and the messages for bad input."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import torch_ref
from cnn_explainer.net import training
from cnn_explainer.net.training import TeachError, Trainer, held_out_split
from helpers import random_model

CLASSES = ["cat", "dog", "cup"]


def small_base(seed=0):
    """A Tiny VGG with random weights on 32×32 pictures (fast), its pixels read in [-1, 1]."""
    model = random_model(input_shape=(32, 32, 3), seed=seed)
    model.pixel_range = (-1.0, 1.0)
    return model


def pictures(per_class=10, seed=0, size=32, classes=3):
    """Random pictures whose colour depends a little on their class (so there is something to learn)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(classes), per_class)
    pixels = rng.integers(0, 200, (len(labels), size, size, 3))
    pixels[..., 0] += 25 * labels[:, None, None]
    return pixels.astype(np.uint8), labels


def run(trainer):
    """Drive work() to the end; return the number of slices."""
    return sum(1 for _ in trainer.work())


def weights_of(model):
    return {l.name: (l.kernel.copy(), l.bias.copy()) for l in model.layers if l.kernel is not None}


def torch_steps(trainer, initial, steps):
    """The same run in PyTorch from the trainer's initial weights, batches and flips: the loss of each step."""
    model = trainer.model
    tensors = {name: {"kernel": torch.tensor(np.float64(k), requires_grad=True),
                      "bias": torch.tensor(np.float64(b), requires_grad=True)} for name, (k, b) in initial.items()}
    trained = [l.name for l in model.layers[trainer.start:] if l.kernel is not None]
    optimiser = torch.optim.AdamW(
        [{"params": [tensors[n]["kernel"] for n in trained], "weight_decay": trainer.weight_decay},
         {"params": [tensors[n]["bias"] for n in trained], "weight_decay": 0.0}],
        lr=trainer.lr, betas=training.BETAS, eps=training.EPSILON)
    low, high = model.pixel_range
    losses, epoch = [], 1
    while len(losses) < steps:
        order, flips = trainer.epoch_order(epoch)
        for begin in range(0, len(order), trainer.batch):
            batch, mirror = order[begin : begin + trainer.batch], flips[begin : begin + trainer.batch]
            pixels = np.stack([trainer.pixels[i][:, ::-1] if f else trainer.pixels[i] for i, f in zip(batch, mirror)])
            x = torch_ref.nchw(pixels / 255.0 * (high - low) + low)
            logits = torch_ref.forward(model, tensors, x, stop=-1)
            loss = F.cross_entropy(logits, torch.tensor(trainer.labels[batch]))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
        epoch += 1
    return losses[:steps], {n: (t["kernel"].detach().numpy(), t["bias"].detach().numpy()) for n, t in tensors.items()}


@pytest.mark.parametrize("mode", training.MODES)
def test_twenty_steps_match_pytorch(mode):
    pixels, labels = pictures(10)
    trainer = Trainer(small_base(), CLASSES, pixels, labels, mode=mode, epochs=7, batch=8, dtype=np.float64)
    initial = weights_of(trainer.model)
    run(trainer)
    assert trainer.state == "done" and len(trainer.step_losses) == 21  # 24 training pictures: 3 steps an epoch
    reference, final = torch_steps(trainer, initial, 21)
    assert np.max(np.abs(np.array(trainer.step_losses) - reference)) <= 1e-4
    if mode == "scratch":  # the first step's loss comes from the fresh weights alone
        assert trainer.step_losses[0] == pytest.approx(reference[0], abs=1e-6)
    for name, (kernel, bias) in weights_of(trainer.model).items():
        assert np.allclose(kernel, final[name][0], atol=1e-6) and np.allclose(bias, final[name][1], atol=1e-6)


@pytest.mark.parametrize("mode", ["deeper", "scratch"])
def test_slices_give_the_same_steps_as_whole_batches(mode, monkeypatch):
    pixels, labels = pictures(8)
    runs = []
    for chunk, cache in ((1, True), (32, True), (3, False)):
        if not cache:
            monkeypatch.setattr(training, "FEATURE_CACHE_BYTES", 0)
        trainer = Trainer(small_base(), CLASSES, pixels, labels, mode=mode, epochs=2, batch=8, dtype=np.float64)
        trainer.chunk = trainer.feature_chunk = chunk
        run(trainer)
        runs.append(trainer)
    for other in runs[1:]:
        assert np.allclose(runs[0].step_losses, other.step_losses, rtol=1e-10, atol=0)
        for name, (kernel, bias) in weights_of(runs[0].model).items():
            assert np.allclose(kernel, other.model.layer(name).kernel, rtol=1e-9, atol=1e-12)


def test_the_same_seed_gives_the_same_model_and_another_seed_another():
    pixels, labels = pictures(6)
    a, b, c = (Trainer(small_base(), CLASSES, pixels, labels, mode="deeper", epochs=2, seed=s) for s in (4, 4, 5))
    for trainer in (a, b, c):
        run(trainer)
    assert a.step_losses == b.step_losses
    assert all(np.array_equal(x[0], y[0]) for x, y in zip(weights_of(a.model).values(), weights_of(b.model).values()))
    assert a.step_losses != c.step_losses


@pytest.mark.parametrize("counts", [[2, 2], [3, 5, 7], [20, 20, 20], [50, 2, 11, 4]])
def test_held_out_split(counts):
    labels = np.repeat(np.arange(len(counts)), counts)
    np.random.default_rng(0).shuffle(labels)
    train, held = held_out_split(labels, 0.2, seed=3)
    assert sorted(np.concatenate([train, held]).tolist()) == list(range(len(labels)))
    for c, n in enumerate(counts):
        held_c, train_c = np.sum(labels[held] == c), np.sum(labels[train] == c)
        assert held_c >= 1 and train_c >= 1
        assert abs(held_c - 0.2 * n) <= 1 or (n <= 3 and held_c == 1)
    again = held_out_split(labels, 0.2, seed=3)
    assert np.array_equal(again[0], train) and np.array_equal(again[1], held)
    assert not np.array_equal(held_out_split(labels, 0.2, seed=4)[1], held) or len(labels) <= 4


def test_stop_keeps_the_last_finished_epoch():
    pixels, labels = pictures(10)
    trainer = Trainer(small_base(), CLASSES, pixels, labels, mode="deeper", epochs=5, batch=8)
    initial, work, kept = weights_of(trainer.model), trainer.work(), None
    for progress in work:
        if len(trainer.history) == 2 and kept is None:
            kept, steps = weights_of(trainer.model), trainer.steps
        if kept is not None and trainer.steps >= steps + 2:  # two steps into epoch 3
            break
    assert not np.array_equal(trainer.model.layer("dense").kernel, kept["dense"][0])
    trainer.stop()
    assert trainer.state == "stopped"
    with pytest.raises(StopIteration):
        next(work)
    assert len(trainer.history) == 2
    for name, (kernel, bias) in kept.items():
        assert np.array_equal(trainer.model.layer(name).kernel, kernel)
    assert not np.array_equal(kept["dense"][0], initial["dense"][0])
    assert trainer.confusion().sum() == len(trainer.held_index)

    early = Trainer(small_base(), CLASSES, pixels, labels, mode="scratch", epochs=5, batch=8)
    initial, work = weights_of(early.model), early.work()
    for _ in range(3):
        next(work)
    early.stop()
    assert list(work) == [] and early.state == "stopped" and early.history == []
    assert all(np.array_equal(early.model.layer(n).kernel, k) for n, (k, _) in initial.items())


def test_a_blown_up_loss_stops_with_a_message_and_the_weights_from_before():
    pixels, labels = pictures(10)
    trainer = Trainer(small_base(), CLASSES, pixels, labels, mode="scratch", epochs=6, batch=8)
    work = trainer.work()
    while len(trainer.history) < 1:
        next(work)
    kept = weights_of(trainer.model)
    trainer.lr = 1e4  # the next steps throw the weights far away
    rest = list(work)
    assert rest and trainer.state == "error" and "loss" in trainer.error and "epoch" in trainer.error
    assert len(trainer.history) == 1
    for name, (kernel, bias) in kept.items():
        assert np.array_equal(trainer.model.layer(name).kernel, kernel) and np.array_equal(trainer.model.layer(name).bias, bias)


def test_the_taught_model_has_the_new_classes_and_the_base_is_untouched():
    base = small_base()
    before = weights_of(base)
    pixels, labels = pictures(5)
    trainer = Trainer(base, [" Cat ", "dog", "cup"], pixels, labels, mode="quick", epochs=3, seed=7, name="pets")
    run(trainer)
    model = trainer.model
    assert model.classes == ["Cat", "dog", "cup"] and model.name == "pets"
    assert model.layer("dense").kernel.shape == (5 * 5 * 10, 3) and model.layer("dense").config["units"] == 3
    assert model.predict(np.zeros((32, 32, 3), np.float32)).shape == (3,)
    assert model.meta["base"] == base.name and model.meta["mode"] == "quick" and model.meta["seed"] == 7
    assert model.meta["epochs"] == 3 and model.meta["held_out_accuracy"] == round(trainer.history[-1]["held_accuracy"], 4)
    assert "class_ids" not in model.meta
    for name, (kernel, bias) in before.items():
        assert np.array_equal(base.layer(name).kernel, kernel)
        if name != "dense":  # the frozen layers are the base's
            assert np.array_equal(model.layer(name).kernel, kernel)
    assert base.layer("dense").kernel.shape[1] == 10
    matrix = trainer.confusion()
    assert matrix.sum(axis=1).tolist() == [np.sum(labels[trainer.held_index] == c) for c in range(3)]
    assert trainer.per_class_accuracy() == [matrix[c, c] / matrix[c].sum() for c in range(3)]
    entry = trainer.history[-1]
    assert set(entry) == {"epoch", "loss", "accuracy", "held_loss", "held_accuracy", "seconds", "images_per_s"}


def test_progress_reports_each_phase():
    pixels, labels = pictures(4)
    trainer = Trainer(small_base(), CLASSES, pixels, labels, mode="quick", epochs=2)
    trainer.feature_chunk = 3
    phases = [p["phase"] for p in trainer.work()]
    assert phases[0] == "features" and "train" in phases and phases[-1] == "evaluate"
    assert trainer.state == "done"


@pytest.mark.parametrize("classes,counts,message", [
    (["one"], [3], "at least two classes"),
    (["a", "b", ""], [3, 3, 3], "has no name"),
    (["Red car", "red  CAR "], [3, 3], "same name"),
    ([f"c{i}" for i in range(11)], [2] * 11, "At most 10 classes"),
    (["a", "b"], [3, 0], "'b' has no pictures"),
    (["a", "b"], [3, 1], "at least 2 pictures"),
])
def test_bad_classes_get_one_clear_message(classes, counts, message):
    labels = np.repeat(np.arange(len(counts)), counts)
    pixels = np.zeros((len(labels), 32, 32, 3), np.uint8)
    with pytest.raises(TeachError, match=message):
        Trainer(small_base(), classes, pixels, labels)


def test_too_many_or_wrong_sized_pictures_are_refused(monkeypatch):
    monkeypatch.setattr(training, "MAX_PICTURES", 5)
    with pytest.raises(TeachError, match="At most 5 pictures"):
        Trainer(small_base(), ["a", "b"], np.zeros((6, 32, 32, 3), np.uint8), [0, 0, 0, 1, 1, 1])
    with pytest.raises(TeachError, match="input size 32×32×3"):
        Trainer(small_base(), ["a", "b"], [np.zeros((32, 32, 3)), np.zeros((30, 32, 3))], [0, 1])
    with pytest.raises(TeachError, match="Unknown mode"):
        Trainer(small_base(), ["a", "b"], np.zeros((4, 32, 32, 3), np.uint8), [0, 0, 1, 1], mode="fast")


@pytest.mark.parametrize("text, seed", [("", 0), ("  ", 0), ("0", 0), (" 42 ", 42), ("2147483647", 2**31 - 1)])
def test_a_typed_seed_is_a_whole_number(text, seed):
    assert training.parse_seed(text) == seed


@pytest.mark.parametrize("text", ["-1", "1.5", "1e3", "seven", "2147483648", "٣", "+3", "0x10"])
def test_a_seed_that_is_not_a_whole_number_in_range_gets_one_message(text):
    with pytest.raises(TeachError, match="The seed must be a whole number from 0 to 2147483647"):
        training.parse_seed(text)
