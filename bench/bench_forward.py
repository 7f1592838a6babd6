"""Native forward-pass time of the shipped Tiny VGG: median of many runs, and the median of every layer.

    python bench/bench_forward.py [--model tinyvgg-tin10|PATH.json] [--runs 200] [--warmup 50]
"""
import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before NumPy loads: one BLAS thread, as in the browser
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "py"))
from cnn_explainer.net import data, image, weights  # noqa: E402

TARGET_MS = 1.5


def timings(fn, runs, warmup):
    """Seconds per call of fn(), for `runs` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    times = np.empty(runs)
    for i in range(runs):
        start = time.perf_counter()
        fn()
        times[i] = time.perf_counter() - start
    return times


def sample_input(model):
    """A real val photo through the app's own image path when the data is there, else random pixels."""
    root = os.path.join(data.DEFAULT_CACHE_DIR, "tiny-imagenet-10")
    if os.path.isdir(root):
        path = data.list_split(root, "val")[0][0]
        return image.prepare_for(model, path)[0], os.path.relpath(path, data.REPO_ROOT)
    return np.random.default_rng(0).random(model.input_shape).astype(np.float32), "random pixels"


def main(argv=None):
    """Time the whole forward pass and each layer; print the medians."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="tinyvgg-tin10")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args(argv)
    model = weights.resolve_model(args.model)
    x, source = sample_input(model)
    print(f"model {model.name}, input {source}; numpy {np.__version__}, Python {platform.python_version()}, "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, {os.cpu_count()} CPUs")
    whole = timings(lambda: model.forward(x), args.runs, args.warmup) * 1e3
    acts = model.forward(x)
    print(f"\nforward pass: median {np.median(whole):.3f} ms   (p10 {np.percentile(whole, 10):.3f}, "
          f"p90 {np.percentile(whole, 90):.3f}, min {whole.min():.3f}; {args.runs} runs after {args.warmup} warm-up)")
    print(f"target ≤ {TARGET_MS} ms: {'met' if np.median(whole) <= TARGET_MS else 'NOT met'}\n")
    print(f"  {'layer':<12} {'output shape':<14} {'median ms':>9}  share")
    medians = {}
    for layer in model.layers:
        layer_input = model.input_of(layer.name, acts)
        medians[layer.name] = np.median(timings(lambda: layer(layer_input), args.runs, args.warmup // 5)) * 1e3
    total = sum(medians.values())
    for layer in model.layers:
        shape = "×".join(map(str, acts[layer.name].shape))
        print(f"  {layer.name:<12} {shape:<14} {medians[layer.name]:9.4f}  {medians[layer.name] / total:5.1%}")
    print(f"  {'sum':<12} {'':<14} {total:9.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
