"""training/train.py's run of one seed, on a few random images: its history and the epoch it keeps."""
import pytest
import torch

train = pytest.importorskip("train")


def tiny_split(n, seed):
    """n random 64×64 images in [0, 1] and labels of 10 classes."""
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, 64, 64, generator=g), torch.randint(0, 10, (n,), generator=g)


@pytest.mark.parametrize("keep", ["last", "best"])
def test_a_run_records_every_epoch_and_keeps_the_epoch_it_says(keep):
    recipe = dict(train.DATASETS["tin10"]["recipe"], epochs=3, batch=16, keep=keep, seed=5)
    run = train.train_run(recipe, *tiny_split(48, 0), *tiny_split(20, 1), (-1.0, 1.0))
    history = run["history"]
    assert [e["epoch"] for e in history] == [1, 2, 3]
    accuracies = [e["holdout_accuracy"] for e in history]
    kept = 3 if keep == "last" else accuracies.index(max(accuracies)) + 1
    assert run["kept_epoch"] == kept and run["holdout_accuracy"] == accuracies[kept - 1]
    # the kept state really is that epoch's: evaluated again, it scores what the history says
    net = train.TinyVGG()
    net.load_state_dict(run["state"])
    x_ho, y_ho = tiny_split(20, 1)
    assert train.evaluate(net, x_ho, y_ho, (-1.0, 1.0))[1] == pytest.approx(accuracies[kept - 1], abs=1e-6)
