// The trainer in the page's Python: the vendored Pyodide (0.27.7, NumPy without BLAS) under Node, on 3 classes ×
// 20 random pictures. Prints, for each mode, the run's time, training images/s and the median and longest single
// next() of Trainer.work() per phase (the main-thread tasks it would cause), and one batch's gradient time; in
// Node's CPU time of the process, since this VM is shared.
// usage: node bench/bench_teach_pyodide.mjs [VENDORED_PYODIDE_DIR (default .cache/vendor/pyodide)] [--scratch-epochs N]
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const vendor = path.resolve(args.find((a) => !a.startsWith("--") && !/^\d+$/.test(a)) ?? path.join(root, ".cache/vendor/pyodide"));
const scratchEpochs = Number(args[args.indexOf("--scratch-epochs") + 1] ?? 2) || 2;
const { loadPyodide } = await import(pathToFileURL(path.join(vendor, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: vendor + "/" });
await pyodide.loadPackage("numpy");
for (const [folder, at] of [["py", "/src"], ["weights", "/weights"]]) {
  pyodide.FS.mkdirTree(at);
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path.join(root, folder) }, at);
}
pyodide.globals.set("scratch_epochs", scratchEpochs);
try {
  pyodide.runPython(`
import sys, time
sys.path.insert(0, "/src")
import numpy as np
from cnn_explainer.net import backprop, training, weights

base = weights.load_model("/weights/tinyvgg-tin10.json")
rng = np.random.default_rng(0)
pixels, labels = rng.integers(0, 256, (60, 64, 64, 3), dtype=np.uint8), np.repeat(np.arange(3), 20)
print(f"Pyodide {sys.version.split()[0]}, NumPy {np.__version__}; 3 classes x 20 random pictures")
import js


def cpu():
    """Node's CPU time of this process in seconds (the VM is shared: wall time says more about the neighbours)."""
    usage = js.process.cpuUsage()
    return (usage.user + usage.system) / 1e6


for mode, epochs in (("quick", None), ("deeper", None), ("scratch", scratch_epochs)):
    trainer = training.Trainer(base, ["a", "b", "c"], pixels, labels, mode=mode, epochs=epochs)
    slices, work, t0, c0 = [], trainer.work(), time.perf_counter(), cpu()
    while True:
        s = cpu()
        try:
            progress = next(work)
        except StopIteration:
            break
        slices.append((cpu() - s, progress["phase"]))
    wall, total = time.perf_counter() - t0, cpu() - c0
    train = sum(t for t, q in slices if q == "train")
    images = len(trainer.train_index) * trainer.epochs
    phases = sorted({q for _, q in slices})
    stats = ", ".join(f"{p} median {np.median([t for t, q in slices if q == p]) * 1000:.1f} / max "
                      f"{max(t for t, q in slices if q == p) * 1000:.1f}" for p in phases)
    print(f"{mode:<8} {trainer.epochs:3d} epochs: CPU {total:6.2f} s (wall {wall:6.2f} s), {images / train:7.0f} training "
          f"images/s (CPU), {len(slices)} slices, ms CPU per slice: {stats}; chunks: train {trainer.chunk}, "
          f"features {trainer.feature_chunk}, evaluate {trainer.eval_chunk}")
model = training.taught_model(base, ["a", "b", "c"], "scratch", 0, "x", np.float32)
x, y = rng.uniform(-1, 1, (32, 64, 64, 3)).astype(np.float32), rng.integers(0, 3, 32)
for mode in training.MODES:
    start = training.trainable_start(model, mode)
    features = backprop.forward_batch(model, x, stop=start)[1]
    times = []
    for _ in range(3):
        s = cpu()
        caches, logits = backprop.forward_batch(model, features, start=start, stop=-1)
        backprop.backward(model, caches, backprop.softmax_cross_entropy(logits, y)[1].astype(np.float32), start=start)
        times.append(cpu() - s)
    print(f"one batch of 32, {mode:<8}: {np.median(times) * 1000:7.1f} ms CPU, forward + backward")
`);
} catch (error) {
  console.error(String(error.message ?? error).slice(-3000));
  process.exit(1);
}
