"""The Python console in headless Chromium: a question answered, a weight edit redrawn, a runaway loop stopped.

Usage: python bench/bench_console.py [--dist dist] [--runs 9]
Wall times from the key press to the console's answer (body data-console-runs changes), medians of --runs; the
redraw is the page's own figure (data-console-redraw-ms: forward pass, overview and open view).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_page import booted, harness, print_medians, served  # noqa: E402

TARGETS = {"acts['conv_1_1'].shape answered (ms)": 100, "a weight edit → network redrawn (ms)": 200,
           "runaway loop stopped (s)": 10}
# Types a command, presses Enter and resolves with the ms until the console has answered.
RUN = """
(command) => new Promise((resolve) => {
  const box = document.querySelector("#console-input"), before = document.body.dataset.consoleRuns;
  const start = performance.now();
  const watch = new MutationObserver(() => {
    if (document.body.dataset.consoleRuns !== before) { watch.disconnect(); resolve(performance.now() - start); }
  });
  watch.observe(document.body, {attributes: true});
  box.value = command;
  box.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", bubbles: true}));
})
"""


def main(argv=None):
    """Run the console's timings and print medians against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=harness.DIST)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    results = {name: [] for name in TARGETS}
    results["weight edit: Python's redraw (ms)"] = []
    with served(args.dist) as (browser, url):
        page = booted(browser, url, viewport={"width": 1280, "height": 720})
        page.click("#console-open")
        page.evaluate(RUN, "acts['conv_1_1'].shape")  # warm-up
        for run in range(args.runs):
            results["acts['conv_1_1'].shape answered (ms)"].append(page.evaluate(RUN, "acts['conv_1_1'].shape"))
            edit = f"model.layer('conv_1_1').kernel[..., {run % 10}] *= -1"
            results["a weight edit → network redrawn (ms)"].append(page.evaluate(RUN, edit))
            results["weight edit: Python's redraw (ms)"].append(float(page.evaluate("document.body.dataset.consoleRedrawMs")))
        start = time.monotonic()
        page.evaluate(RUN, "while True: pass")
        results["runaway loop stopped (s)"].append(time.monotonic() - start)
        alive = page.evaluate(RUN, "1 + 1") < 1000 and "Stopped" in page.inner_text("#console-output")
        page.close()
    print(f"Python console in headless Chromium ({args.runs} runs; medians; {os.cpu_count()} CPUs)")
    print_medians(results, TARGETS, width=40, digits=1)
    print(f"  page answers after the runaway loop: {'yes' if alive else 'NO'}")
    return 0 if alive else 1


if __name__ == "__main__":
    sys.exit(main())
