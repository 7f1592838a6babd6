"""Soak benchmark: does the page stay the same size over long use?

Usage: python bench/bench_soak.py [--dist dist] [--switches 500] [--cycles 200]
Switches between gallery examples --switches times, then opens and closes every kind of explanation view --cycles
times in all, and prints after a forced garbage collection, at the start, after warm-up and at the end: the JS heap
in use, live DOM nodes (Chromium counts detached ones until they are collected) and event listeners (Chrome
DevTools Protocol: Memory.getDOMCounters, Runtime.getHeapUsage), Pyodide's WebAssembly memory, the objects Python's
garbage collector tracks, and the proxies views make and free (webapp.dom.PROXIES). Target: growth after warm-up
≤ 10 %, and no leaked proxy.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_page import booted, harness, served  # noqa: E402

VIEWS = ['.node[data-layer="input"][data-index="0"]', '.node[data-layer="conv_1_2"][data-index="3"]',
         '.node[data-layer="relu_1_1"][data-index="2"]', '.node[data-layer="max_pool_1"][data-index="1"]',
         '.node.out[data-index="4"]']


PYTHON_COUNTS = """import gc
from webapp import dom
gc.collect()
[len(gc.get_objects()), dom.PROXIES["made"] - dom.PROXIES["destroyed"], dom.PROXIES["made"]]"""


def counters(page, cdp):
    """(JS heap MB, DOM nodes, event listeners, WebAssembly memory MB, Python objects, live view
    proxies, view proxies made) after a forced garbage collection on both sides."""
    python = page.evaluate("(code) => pycnnBoot.pyodide.runPython(code).toJs()", PYTHON_COUNTS)
    cdp.send("HeapProfiler.collectGarbage")
    page.wait_for_timeout(200)
    cdp.send("HeapProfiler.collectGarbage")
    dom = cdp.send("Memory.getDOMCounters")
    heap = cdp.send("Runtime.getHeapUsage")
    wasm = page.evaluate("pycnnBoot.pyodide._module.HEAP8.buffer.byteLength")  # grows, never shrinks: a high-water mark
    return heap["usedSize"] / 2**20, dom["nodes"], dom["jsEventListeners"], wasm / 2**20, *python


def switch_examples(page, count):
    """Click through the strip's examples count times, each time waiting for the redraw."""
    buttons = page.locator("#gallery-strip .example")
    for i in range(count):
        before = int(page.evaluate("document.body.dataset.renderCount"))
        buttons.nth(i % buttons.count()).click()
        if page.evaluate(f"Number(document.body.dataset.renderCount) === {before}"):  # the one already shown
            buttons.nth((i + 1) % buttons.count()).click()
        page.wait_for_function(f"Number(document.body.dataset.renderCount) > {before}")


def cycle_views(page, count):
    """Open and close the explanation views, count times in all."""
    for i in range(count):
        page.click("#network " + VIEWS[i % len(VIEWS)])
        page.wait_for_function("!document.querySelector('#explain').hidden && document.querySelector('#explain-body').children.length")
        page.keyboard.press("Escape")
        page.wait_for_function("document.querySelector('#explain').hidden")


def main(argv=None):
    """Print the counters at the start, after warm-up, and at the end."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=harness.DIST)
    parser.add_argument("--switches", type=int, default=500)
    parser.add_argument("--cycles", type=int, default=200)
    args = parser.parse_args(argv)
    with served(args.dist) as (browser, url):
        page = booted(browser, url, viewport={"width": 1280, "height": 720}, reduced_motion="reduce")
        cdp = page.context.new_cdp_session(page)
        rows = [("start", counters(page, cdp))]
        switch_examples(page, 20)
        cycle_views(page, 10)
        rows.append(("after warm-up", counters(page, cdp)))
        switch_examples(page, args.switches)
        rows.append((f"after {args.switches} switches", counters(page, cdp)))
        cycle_views(page, args.cycles)
        rows.append((f"after {args.cycles} view cycles", counters(page, cdp)))
        page.wait_for_timeout(3000)  # Python's side lets go of closed views' elements a moment later
        rows.append(("3 s later", counters(page, cdp)))
        print(f"{'':28} {'JS heap MB':>11} {'DOM nodes':>10} {'listeners':>10} {'wasm MB':>8} {'Py objects':>10} "
              f"{'live proxies':>12} {'(made)':>7}")
        for name, (heap, nodes, listeners, wasm, objects, live, made) in rows:
            print(f"{name:28} {heap:11.1f} {nodes:10d} {listeners:10d} {wasm:8.0f} {objects:10d} {live:12d} {made:7d}")
        warm, end = rows[1][1], rows[-1][1]
        growth = [100 * (b - a) / a for a, b in zip(warm[:5], end[:5])]
        print("growth after warm-up: heap {:+.1f} %, nodes {:+.1f} %, listeners {:+.1f} %, wasm {:+.1f} %, "
              "Python objects {:+.1f} % (target ≤ 10 %); live view proxies {} → {}".format(*growth, warm[5], end[5]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
