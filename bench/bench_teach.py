"""The Teach panel in headless Chromium: 3 Imagenette classes × 20 pictures (the imagenette-64 train split, chosen
through the panel's file inputs) taught to the TIN-10 model in each mode.

Usage: python bench/bench_teach.py [--dist dist] [--data ../shared/data] [--runs 3] [--sets 3] [--big] [--verbose]
Prints, against the issue's targets: quick from "Train" to done (feature extraction included), deeper for its 30
epochs, scratch's images/s (the trainer's own figure, and the page's wall-clock one beside it), the longest
main-thread task while training (a PerformanceObserver for 'longtask'), and quick's held-out accuracy, on --sets
different sets of 20 pictures per class (the first, second, … twenty of each class in sorted order). --big instead
teaches 10 classes × 200 pictures (the most a project holds) and prints the Pyodide heap.
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "py"))
from browser_page import booted, harness, print_medians, served  # noqa: E402

from cnn_explainer.net import data  # noqa: E402

CLASSES = 3
VERBOSE = False
PICTURES = 20
TRAIN_IMAGES = CLASSES * (PICTURES - round(0.2 * PICTURES))  # the rest is the held-out split
TARGETS = {"quick: Train → done (s)": 2.0, "deeper, 30 epochs: Train → done (s)": 15.0,
           "longest main-thread task while training (ms)": 50.0}
# Long tasks from now on, into window.__longtasks (the browser reports every task over 50 ms).
OBSERVE = """() => {
  window.__longtasks = [];
  if (!window.__observer) {
    window.__observer = new PerformanceObserver((list) => window.__longtasks.push(...list.getEntries().map(e => [e.startTime, e.duration])));
    window.__observer.observe({type: 'longtask'});
  }
}"""
# Clicks Train and resolves with the ms until body[data-training] says it ended, and the state it ended in.
TRAIN = """() => new Promise((resolve) => {
  const start = performance.now();
  delete document.body.dataset.training;
  const watch = new MutationObserver(() => {
    const state = document.body.dataset.training;
    if (['done', 'stopped', 'error'].includes(state)) { watch.disconnect(); resolve([performance.now() - start, state]); }
  });
  watch.observe(document.body, {attributes: true});
  document.querySelector('#teach-train').click();
})"""
HISTORY = """() => window.pycnnBoot.pyodide.runPython(
  "import json\\nfrom webapp.teach_run import TeachRun\\njson.dumps(TeachRun.last.history)")"""


def picture_sets(data_dir, sets):
    """[(class id, [set 1's paths, set 2's, …]), …] for the first CLASSES classes of the imagenette-64 train split."""
    roots = data.unpack(data.find_data_dir(data_dir))
    root = next(path for name, path in roots.items() if name.startswith("imagenette"))
    by_class = {}
    for path, class_id in data.list_split(root, "train"):
        by_class.setdefault(class_id, []).append(path)
    chosen = sorted(by_class)[:CLASSES]
    return [(c, [by_class[c][s * PICTURES:(s + 1) * PICTURES] for s in range(sets)]) for c in chosen]


def load(page, classes, which):
    """Put one set of pictures into the panel's classes (named by their class ids)."""
    page.click("#teach-open")
    while page.locator(".teach-class").count() < len(classes):
        count = page.locator(".teach-class").count()
        page.click("#teach-add")
        page.wait_for_function(f"document.querySelectorAll('.teach-class').length > {count}")
    total = 0
    for n, (class_id, sets) in enumerate(classes, 1):
        page.fill(f"#teach-classes .teach-class:nth-child({n}) .teach-name", class_id)
        page.set_input_files(f"#teach-classes .teach-class:nth-child({n}) input.teach-files", sets[which])
        total += len(sets[which])
        page.wait_for_function(f"document.body.dataset.teachPictures === '{total}'", timeout=60000)


def train(page, mode, epochs=""):
    """One training in a mode: (wall seconds, end state, history, longest long task in ms or 0)."""
    page.select_option("#teach-mode", mode)
    page.fill("#teach-epochs", str(epochs))
    page.evaluate(OBSERVE)
    seconds, state = page.evaluate(TRAIN)
    page.wait_for_timeout(100)  # the observer's last entries arrive after the task
    tasks = page.evaluate("window.__longtasks")
    if VERBOSE:
        print(f"    {mode}: {seconds:.0f} ms; long tasks (start, ms): {[(round(a), round(b)) for a, b in tasks]}; "
              f"Python's longest slice {page.evaluate('document.body.dataset.teachSliceMs')} ms, slowest step by phase "
              f"{page.evaluate('document.body.dataset.teachStepMs')} ms")
    longest = max((duration for _start, duration in tasks), default=0.0)
    return seconds / 1000, state, json.loads(page.evaluate(HISTORY)), longest


HEAP = "() => window.pycnnBoot.pyodide._module.HEAP8.length / 2 ** 20"  # the WebAssembly memory, MB (it only grows)


def big(browser, url, data_dir, classes=10, pictures=200):
    """The largest set: classes × pictures of the imagenette-64 train split taught in quick; the Pyodide heap."""
    global CLASSES, PICTURES
    CLASSES, PICTURES = classes, pictures
    chosen = picture_sets(data_dir, 1)
    page = booted(browser, url, viewport={"width": 1280, "height": 720})
    before = page.evaluate(HEAP)
    load(page, chosen, 0)
    loaded = page.evaluate(HEAP)
    seconds, state, history, longest = train(page, "quick")
    print(f"Largest set: {classes} classes × {pictures} pictures, quick: {state} in {seconds:.1f} s, held-out accuracy "
          f"{100 * history[-1]['held_accuracy']:.1f} %, longest task {longest:.0f} ms; Pyodide heap {before:.0f} MB at "
          f"ready, {loaded:.0f} MB with the pictures in, {page.evaluate(HEAP):.0f} MB after training")
    page.close()
    return state == "done"


def main(argv=None):
    """Run the modes and print medians against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=harness.DIST)
    parser.add_argument("--data", default=None)
    parser.add_argument("--runs", type=int, default=3, help="quick trainings timed on the first set")
    parser.add_argument("--big", action="store_true", help="only the largest set: 10 classes × 200 pictures, its heap")
    parser.add_argument("--verbose", action="store_true", help="list every long task")
    parser.add_argument("--sets", type=int, default=3, help="sets of 20 pictures per class for quick's accuracy")
    args = parser.parse_args(argv)
    global VERBOSE
    VERBOSE = args.verbose
    if args.big:
        with served(args.dist) as (browser, url):
            return 0 if big(browser, url, args.data) else 1
    classes = picture_sets(args.data, args.sets)
    results = {name: [] for name in TARGETS}
    results.update({"scratch: the trainer's images/s": [], "scratch: wall-clock images/s": [],
                    "quick: held-out accuracy (%)": [], "longest task, quick (ms)": [], "longest task, deeper (ms)": [],
                    "longest task, scratch (ms)": []})
    sane = True
    with served(args.dist) as (browser, url):
        for which in range(args.sets):
            page = booted(browser, url, viewport={"width": 1280, "height": 720})
            load(page, classes, which)
            for run in range(args.runs if which == 0 else 1):
                seconds, state, history, longest = train(page, "quick")
                sane &= state == "done"
                if run == 0:
                    results["quick: held-out accuracy (%)"].append(100 * history[-1]["held_accuracy"])
                if which == 0:
                    results["quick: Train → done (s)"].append(seconds)
                    results["longest task, quick (ms)"].append(longest)
            if which == 0:
                seconds, state, history, longest = train(page, "deeper")
                sane &= state == "done" and len(history) == 30
                results["deeper, 30 epochs: Train → done (s)"].append(seconds)
                results["longest task, deeper (ms)"].append(longest)
                seconds, state, history, longest = train(page, "scratch", 2)
                sane &= state == "done"
                results["scratch: the trainer's images/s"].append(statistics.median(e["images_per_s"] for e in history))
                results["scratch: wall-clock images/s"].append(len(history) * TRAIN_IMAGES / seconds)
                results["longest task, scratch (ms)"].append(longest)
            page.close()
    results["longest main-thread task while training (ms)"] = [max(v for key in results if key.startswith("longest task")
                                                                  for v in results[key])]
    print(f"Teach panel in headless Chromium ({CLASSES} Imagenette classes × {PICTURES} pictures: "
          f"{', '.join(c for c, _s in classes)}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f})")
    print_medians(results, TARGETS, width=46, digits=2)
    accuracy = statistics.mean(results["quick: held-out accuracy (%)"])
    print(f"  quick held-out accuracy, mean of {args.sets} sets: {accuracy:.1f} % (target ≥ 65 %)"
          f"{'  ok' if accuracy >= 65 else '  MISSES'}")
    rate = statistics.median(results["scratch: the trainer's images/s"])
    print(f"  scratch images/s (the trainer's): {rate:.1f} (target ≥ 55){'  ok' if rate >= 55 else '  MISSES'}")
    print(f"  every training ended as it should: {'yes' if sane else 'NO'}")
    return 0 if sane else 1


if __name__ == "__main__":
    sys.exit(main())
