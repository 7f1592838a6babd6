"""Train Tiny VGG on TIN-10 or Imagenette-64 with PyTorch (CPU) and export it to weights/<name>.{json,npz}.

    python training/train.py tin10 [--data ../shared/data] [--seeds 0 1 2] [--out weights]

Every seed's run is kept in .cache/training/ (keyed by its recipe and the data's sha256), so an interrupted or
repeated command trains only what is missing, and seeds may be trained in separate processes and then combined.
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageFilter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "py"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cnn_explainer.net import data, image  # noqa: E402
from cnn_explainer.net.model import Model  # noqa: E402
from cnn_explainer.net.weights import save_model, tiny_vgg_layers  # noqa: E402
from tinyvgg_torch import TinyVGG, export_arrays  # noqa: E402

DATASETS = {
    "tin10": {
        "model": "tinyvgg-tin10", "folder": "tiny-imagenet-10", "tar": "tiny-imagenet-10-32px.tar",
        "description": "Tiny VGG trained on the 10 CNN Explainer classes of Tiny ImageNet (32 px, upscaled to 64).",
        "ids": ["n03662601", "n02165456", "n07873807", "n07720875", "n04146614",
                "n01882714", "n07920052", "n02509815", "n07747607", "n04285008"],
        "classes": ["lifeboat", "ladybug", "pizza", "bell pepper", "school bus",
                    "koala", "espresso", "red panda", "orange", "sports car"],
        # Inputs centred on zero ([-1, 1]) trained faster and better here than [0, 1] (holdout 0.740 vs 0.708).
        # This model underfits: accuracy still rises until ~120 epochs, and more regularisation (zoom, mixup,
        # label smoothing, distillation) did worse, so the recipe is simply long, and keeps its last epoch.
        # Trained that long on blurry upscaled photos it forgets sharp ones (sharpened val 68.8 → 66.4 % with
        # sharpen_p 0.5), so three images in four are sharpened, some as strongly as the sharpened check does.
        # Every image sharpened (amount 0–2.5) did worse on the holdout (seeds 0 and 1: 72.6 / 72.2 vs 74.4 / 73.2).
        "recipe": {"epochs": 150, "keep": "last", "batch": 64, "lr": 2e-3, "weight_decay": 1e-4, "warmup": 0.15,
                   "flip": 0.5, "shift_px": 4, "zoom": 0.0, "jitter": 0.2, "sharpen_p": 0.75, "sharpen_amount": [0.5, 2.5],
                   "blur_p": 0.0, "label_smoothing": 0.0,
                   "pixel_range": [-1.0, 1.0], "holdout": 0.1},
    },
    "imagenette": {
        "model": "tinyvgg-imagenette", "folder": "imagenette-64", "tar": "imagenette-64px.tar",
        "description": "Tiny VGG trained on the 10 Imagenette classes at 64 px.",
        "ids": ["n01440764", "n02102040", "n02979186", "n03000684", "n03028079",
                "n03394916", "n03417042", "n03425413", "n03445777", "n03888257"],
        "classes": ["tench", "English springer", "cassette player", "chain saw", "church",
                    "French horn", "garbage truck", "gas pump", "golf ball", "parachute"],
        # TIN-10's recipe: on the holdout it beat this model's earlier one (zoom 0.15, blur, label smoothing 0.1,
        # inputs in [0, 1]): long training needs no extra regularisation here either.
        "recipe": {"epochs": 150, "keep": "last", "batch": 64, "lr": 2e-3, "weight_decay": 1e-4, "warmup": 0.15,
                   "flip": 0.5, "shift_px": 4, "zoom": 0.0, "jitter": 0.2, "sharpen_p": 0.5, "sharpen_amount": [0.5, 2.0],
                   "blur_p": 0.0, "label_smoothing": 0.0,
                   "pixel_range": [-1.0, 1.0], "holdout": 0.1},
    },
}


SEEDS = [0, 1, 2]
RUNS = os.path.join(data.REPO_ROOT, ".cache", "training")


def load_split(samples, ids, transform=None):
    """Decode every image through the app's own Pillow path: (N, 3, 64, 64) float tensor and labels."""
    images, labels = [], []
    for path, class_id in samples:
        array, square = image.prepare(path)
        if transform is not None:
            array = image.to_array(transform(square))
        images.append(array)
        labels.append(ids.index(class_id))
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()
    return x, torch.tensor(labels)


def round_trip(square):
    """64 → 32 → 64 px: the blur of the upscaled 32 px training photos, applied to any image."""
    return square.resize((32, 32), Image.Resampling.LANCZOS).resize((64, 64), Image.Resampling.LANCZOS)


def sharpened(square):
    """An unsharp-masked image: a stand-in for a sharp native 64 px photo."""
    return square.filter(ImageFilter.UnsharpMask(radius=1, percent=150, threshold=0))


def stratified_holdout(labels, fraction, generator):
    """Indices (train, holdout) with `fraction` of every class held out."""
    train, hold = [], []
    for c in labels.unique():
        idx = (labels == c).nonzero().flatten()
        idx = idx[torch.randperm(len(idx), generator=generator)]
        cut = int(round(len(idx) * fraction))
        hold.append(idx[:cut])
        train.append(idx[cut:])
    return torch.cat(train), torch.cat(hold)


GAUSS = torch.tensor([1.0, 2.0, 1.0])
GAUSS = (GAUSS[:, None] * GAUSS[None, :] / 16).expand(3, 1, 3, 3).contiguous()


def blur3(x):
    """3×3 Gaussian blur per channel, reflect-padded."""
    return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), GAUSS, groups=3)


def integer_shift(x, pixels, g):
    """Shift each image by whole pixels (reflect-padded), so shifting adds no blur."""
    size = x.shape[-1]
    padded = F.pad(x, (pixels,) * 4, mode="reflect")
    dy, dx = torch.randint(0, 2 * pixels + 1, (2, x.shape[0]), generator=g)
    return torch.stack([padded[i, :, dy[i]:dy[i] + size, dx[i]:dx[i] + size] for i in range(x.shape[0])])


def zoom_shift(x, r, g):
    """Random zoom-in and sub-pixel shift through one affine resampling (bilinear)."""
    n = x.shape[0]
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = torch.rand(n, generator=g) * r["zoom"] + (1.0 - r["zoom"])
    theta[:, :, 2] = (torch.rand(n, 2, generator=g) * 2 - 1) * (2 * r["shift_px"] / x.shape[-1])
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def augment(x, r, g):
    """Random flips, shifts/zoom, colour jitter, and a mix of sharpening and blurring, batch-wise."""
    n = x.shape[0]
    def u(lo, hi, *shape):
        return torch.rand(n, *shape, generator=g) * (hi - lo) + lo
    flip = torch.rand(n, generator=g) < r["flip"]
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    x = zoom_shift(x, r, g) if r["zoom"] else integer_shift(x, r["shift_px"], g)
    j = r["jitter"]
    x = x * u(1 - j, 1 + j, 1, 1, 1)
    gray = (0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2])[:, None]
    x = (x - gray.mean((2, 3), keepdim=True)) * u(1 - j, 1 + j, 1, 1, 1) + gray.mean((2, 3), keepdim=True)
    gray = (0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2])[:, None]
    x = gray + (x - gray) * u(1 - j, 1 + j, 1, 1, 1)
    pick = torch.rand(n, generator=g)
    sharpen = (pick < r["sharpen_p"])[:, None, None, None]
    blur = ((pick >= r["sharpen_p"]) & (pick < r["sharpen_p"] + r["blur_p"]))[:, None, None, None]
    blurred = blur3(x)
    x = torch.where(sharpen, x + u(*r["sharpen_amount"], 1, 1, 1) * (x - blurred), x)
    x = torch.where(blur, blurred, x)
    return x.clamp(0, 1)


def to_range(x, pixel_range):
    """Images in [0, 1] rescaled to the model's pixel range (what cnn_explainer.image does for the app)."""
    low, high = pixel_range
    return x if (low, high) == (0.0, 1.0) else x * (high - low) + low


def sha256(path):
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run_path(dataset, recipe, data_sha256):
    """Where one seed's run is cached: named by everything that decides its result."""
    key = json.dumps({"recipe": recipe, "data": data_sha256, "torch": torch.__version__}, sort_keys=True)
    return os.path.join(RUNS, f"{dataset}-seed{recipe['seed']}-{hashlib.sha256(key.encode()).hexdigest()[:12]}.pt")


def evaluate(net, x, y, pixel_range, loss_fn=None, batch=500):
    """(mean loss or None, top-1 accuracy, predictions) of net on images x in [0, 1] with labels y."""
    net.eval()
    with torch.no_grad():
        logits = torch.cat([net(to_range(x[i:i + batch], pixel_range).contiguous(memory_format=torch.channels_last))
                            for i in range(0, len(x), batch)])
    pred = logits.argmax(1)
    loss = loss_fn(logits, y).item() if loss_fn is not None else None
    return loss, (pred == y).float().mean().item(), pred


def train_run(recipe, x_tr, y_tr, x_ho, y_ho, pr):
    """Train one seed; its kept weights, holdout accuracy and per-epoch history."""
    t0 = time.time()
    torch.manual_seed(recipe["seed"])
    g = torch.Generator().manual_seed(recipe["seed"])
    net = TinyVGG().to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(net.parameters(), lr=recipe["lr"], weight_decay=recipe["weight_decay"])
    steps = (len(x_tr) + recipe["batch"] - 1) // recipe["batch"]
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, recipe["lr"], total_steps=recipe["epochs"] * steps,
                                                pct_start=recipe["warmup"], anneal_strategy="cos")
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=recipe["label_smoothing"])
    plain_loss = torch.nn.CrossEntropyLoss()  # the holdout loss is comparable across recipes
    history, best, kept = [], -1.0, None
    for epoch in range(1, recipe["epochs"] + 1):
        net.train()
        order, total = torch.randperm(len(x_tr), generator=g), 0.0
        for i in range(steps):
            idx = order[i * recipe["batch"]:(i + 1) * recipe["batch"]]
            xb = to_range(augment(x_tr[idx], recipe, g), pr).contiguous(memory_format=torch.channels_last)
            loss = loss_fn(net(xb), y_tr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        holdout_loss, acc, _ = evaluate(net, x_ho, y_ho, pr, plain_loss)
        acc = round(acc, 4)  # as recorded, so the kept epoch's entry and the run's accuracy are the same number
        history.append({"epoch": epoch, "train_loss": round(total / len(x_tr), 4),
                        "holdout_loss": round(holdout_loss, 4), "holdout_accuracy": acc})
        if recipe["keep"] == "last" or acc > best:
            best, kept = acc, (epoch, {k: v.clone() for k, v in net.state_dict().items()})
        print(f"seed {recipe['seed']}  epoch {epoch:3d}  loss {total / len(x_tr):.3f}  holdout {acc:.3f}  "
              f"{time.time() - t0:.0f} s", flush=True)
    return {"seed": recipe["seed"], "state": kept[1], "kept_epoch": kept[0], "holdout_accuracy": best,
            "history": history, "minutes": (time.time() - t0) / 60, "threads": torch.get_num_threads()}


def main(argv=None):
    """Parse arguments, train, evaluate, export."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dataset", choices=sorted(DATASETS))
    p.add_argument("--data", help="folder with the data tars (default: ../shared/data beside the checkout)")
    p.add_argument("--out", default=os.path.join(data.REPO_ROOT, "weights"))
    p.add_argument("--seeds", type=int, nargs="+", default=SEEDS, help="seeds to train; the best on the holdout ships")
    p.add_argument("--epochs", type=int, help="override the recipe's epochs")
    p.add_argument("--keep", choices=("last", "best"), help="keep the last epoch, or the one best on the holdout")
    p.add_argument("--pixel-range", type=float, nargs=2, help="override the model's input range, e.g. -1 1")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="PyTorch CPU threads")
    args = p.parse_args(argv)
    cfg = DATASETS[args.dataset]
    recipe, seeds = dict(cfg["recipe"]), args.seeds
    if args.epochs:
        recipe["epochs"] = args.epochs
    if args.keep:
        recipe["keep"] = args.keep
    if args.pixel_range:
        recipe["pixel_range"] = list(args.pixel_range)
    try:
        data_dir = data.find_data_dir(args.data)
    except data.DataError as error:
        sys.exit(f"train: {error}")
    if data_dir is None:
        sys.exit("train: no data folder: pass --data DIR (with the data tars) or put them in ../shared/data")
    roots = data.unpack(data_dir)
    if cfg["folder"] not in roots:
        sys.exit(f"train: {cfg['tar']} is not in {data_dir}")
    root = roots[cfg["folder"]]

    pr = tuple(float(v) for v in recipe["pixel_range"])
    torch.set_num_threads(max(1, args.threads))
    t0 = time.time()
    x_all, y_all = load_split(data.list_split(root, "train"), cfg["ids"])
    val_samples = data.list_split(root, "val")
    x_val, y_val = load_split(val_samples, cfg["ids"])
    # The holdout split is the same for every seed (seed 0 draws it), so the seeds compete on the same images.
    tr, ho = stratified_holdout(y_all, recipe["holdout"], torch.Generator().manual_seed(0))
    x_tr, y_tr, x_ho, y_ho = x_all[tr], y_all[tr], x_all[ho], y_all[ho]
    print(f"loaded {len(x_tr)} train / {len(x_ho)} holdout / {len(x_val)} val in {time.time() - t0:.0f} s", flush=True)

    digest = sha256(os.path.join(data_dir, cfg["tar"]))
    runs = []
    for seed in seeds:
        run_recipe = dict(recipe, seed=seed)
        path = run_path(args.dataset, run_recipe, digest)
        if os.path.exists(path):
            print(f"seed {seed}: reusing {os.path.relpath(path)}", flush=True)
            run = torch.load(path, weights_only=False)
        else:
            run = train_run(run_recipe, x_tr, y_tr, x_ho, y_ho, pr)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            torch.save(run, path)
        net = TinyVGG()
        net.load_state_dict(run["state"])
        _, run["val_accuracy"], run["val_predictions"] = evaluate(net, x_val, y_val, pr)
        print(f"seed {seed}: holdout {run['holdout_accuracy']:.4f}  val {run['val_accuracy']:.4f}", flush=True)
        runs.append(run)
    shipped = max(runs, key=lambda run: (run["holdout_accuracy"], -run["seed"]))  # the best holdout, never val
    net = TinyVGG()
    net.load_state_dict(shipped["state"])
    val_acc, torch_pred = shipped["val_accuracy"], shipped["val_predictions"]
    rt_acc = evaluate(net, *load_split(val_samples, cfg["ids"], round_trip), pr)[1]
    sharp_acc = evaluate(net, *load_split(val_samples, cfg["ids"], sharpened), pr)[1]
    val_runs = [run["val_accuracy"] for run in runs]

    layers = tiny_vgg_layers()
    arrays = export_arrays(net)
    for layer in layers:
        for param in ("kernel", "bias"):
            if f"{layer.name}/{param}" in arrays:
                setattr(layer, param, arrays[f"{layer.name}/{param}"])
    model = Model(layers, cfg["classes"], pixel_range=pr, name=cfg["model"], meta={
        "description": cfg["description"],
        "class_ids": cfg["ids"],
        "training": {
            "dataset": cfg["tar"], "dataset_sha256": sha256(os.path.join(data_dir, cfg["tar"])),
            "splits": {"train": len(x_tr), "holdout": len(x_ho), "val": len(x_val)},
            "recipe": dict(recipe, seed=shipped["seed"]), "framework": f"torch {torch.__version__}",
            "epochs_run": len(shipped["history"]), "kept_epoch": shipped["kept_epoch"],
            "holdout_accuracy": round(shipped["holdout_accuracy"], 4),
            "val_accuracy": round(val_acc, 4), "val_accuracy_round_trip_64_32_64": round(rt_acc, 4),
            "val_accuracy_sharpened": round(sharp_acc, 4),
            "seeds": [{"seed": run["seed"], "holdout_accuracy": round(run["holdout_accuracy"], 4),
                       "val_accuracy": round(run["val_accuracy"], 4)} for run in runs],
            "val_accuracy_mean": round(float(np.mean(val_runs)), 4),
            "val_accuracy_sd": round(float(np.std(val_runs, ddof=1)), 4) if len(runs) > 1 else None,
            "minutes": round(shipped["minutes"], 1), "threads": shipped.get("threads"), "script": "training/train.py",
            "history": shipped["history"],
        },
    })
    numpy_pred = np.array([model.predict(to_range(x, pr).permute(1, 2, 0).numpy()).argmax() for x in x_val])
    agreement = float((numpy_pred == torch_pred.numpy()).mean())
    model.meta["training"]["numpy_torch_agreement_val"] = agreement
    path = save_model(model, args.out)
    print(f"val top-1 {val_acc:.4f}  round-trip {rt_acc:.4f}  sharpened {sharp_acc:.4f}  "
          f"numpy/torch agreement {agreement:.4f}  → {path}", flush=True)


if __name__ == "__main__":
    main()
