"""Browser benchmark of the built site in headless Chromium: first paint, layout shift, cold and warm load, bytes,
forward pass, switch-and-redraw.

Usage: python bench/bench_browser.py [--dist dist] [--runs 5]
Medians of --runs runs. Cold: a fresh on-disk browser profile each time (an in-memory profile does not keep the
10 MB wasm in its HTTP cache, which a visitor's profile does). Warm: new tabs of a profile that has the HTTP cache
and the service worker (after one unmeasured warm-up visit), then reloads of that tab. Forward and redraw times
come from the page (body data-forward-ms, data-render-ms). "Network drawn" is the first frame after the build's
drawing of the network (113 neurons and every pre-rendered strip image) has arrived; layout shift is Chromium's
cumulative layout shift (CLS) from the start until a second after ready.
"""
import argparse
import collections
import json
import os
import statistics
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_page import harness, print_medians  # noqa: E402

TARGETS = {"cold: network drawn (s)": 1.0, "cold: layout shift, load + 1 s (CLS)": 0.02, "cold load to ready (s)": 4.0,
           "warm load to ready (s)": 2.5, "warm reload to ready (s)": 2.5,
           "forward pass in Pyodide (ms)": 6.0, "switch example and redraw (ms)": 60.0}
# Records when data-state becomes "ready", in ms since navigation start.
READY_CLOCK = """
new MutationObserver(() => {
  if (document.body?.dataset.state === "ready" && !window.__readyAt) window.__readyAt = performance.now();
}).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-state"]});
"""
# Records first contentful paint, largest contentful paint, the layout shift until ready, and the first frame after
# the whole pre-rendered network (its 113 neurons and every strip image it preloads) has arrived.
PAINT_CLOCK = """
window.__paint = {shift: 0, fcp: null, lcp: null, network: null};
new PerformanceObserver((list) => { for (const e of list.getEntries())
  if (!e.hadRecentInput) __paint.shift += e.value; }).observe({type: "layout-shift", buffered: true});
new PerformanceObserver((list) => { for (const e of list.getEntries())
  if (e.name === "first-contentful-paint") __paint.fcp = e.startTime; }).observe({type: "paint", buffered: true});
new PerformanceObserver((list) => { const all = list.getEntries(); __paint.lcp = all[all.length - 1].startTime; })
  .observe({type: "largest-contentful-paint", buffered: true});
(function watch() {
  const strips = document.querySelectorAll('link[rel=preload][as=image]').length;
  const arrived = performance.getEntriesByType("resource").filter((e) => e.name.includes("/prerender/") && e.responseEnd > 0);
  const drawn = strips ? arrived.length >= strips : document.body?.dataset.state === "ready";  // a build without a first paint
  if (document.querySelectorAll("#network .node").length === 113 && drawn) {
    requestAnimationFrame(() => requestAnimationFrame(() => { __paint.network = performance.now(); }));
  } else requestAnimationFrame(watch);
})();
"""
# Clicks one gallery button and resolves with the ms until the page reports the next render.
CLICK_AND_TIME = """
(button) => new Promise((resolve) => {
  const before = document.body.dataset.renderCount;
  const start = performance.now();
  const watch = new MutationObserver(() => {
    if (document.body.dataset.renderCount !== before) {
      watch.disconnect();
      resolve({wall: performance.now() - start, ...document.body.dataset});
    }
  });
  watch.observe(document.body, {attributes: true});
  button.click();
})
"""


def load(context, site, wait_for_worker=False):
    """Open the site in context, wait for ready; return (page, seconds from navigation start to ready)."""
    page = context.new_page()
    page.add_init_script(READY_CLOCK)
    page.add_init_script(PAINT_CLOCK)
    page.goto(site.url)
    harness.wait_ready(page, 90000)
    if wait_for_worker:
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=90000)
    return page, page.evaluate("window.__readyAt") / 1000


# Where a cold boot goes: boot.js's log of stages (ms since it ran) and main.py's own steps (ms since it started).
# PyScript's steps (py:progress): Pyodide starts and installs NumPy ("passthrough": inside loadPyodide), then it
# unpacks our files; "rest" is PyScript's own set-up, fetching main.py and what main.py does after its first image.
PHASES = [("HTML, first paint, runtime download", None, "Starting Python"),
          ("Pyodide start, NumPy install", "Starting Python", "Loading the app's Python files and model weights"),
          ("our files unpacked", "Loading the app's Python files and model weights", "Starting the app")]


def boot_phases(page):
    """{phase: ms} of one booted page: the boot log's stages, then main.py's imports and app start-up."""
    log = {text: ms for ms, text in reversed(page.evaluate("pycnnBoot.log"))}  # the first time each stage showed
    offset = page.evaluate("window.__readyAt") - log["ready"]  # boot.js's clock → navigation start
    phases = {name: log[end] + (offset if start is None else -log[start]) for name, start, end in PHASES}
    steps = json.loads(page.evaluate("document.body.dataset.bootMs"))
    phases["main.py: imports"] = steps["imports"]
    phases["main.py: models, overview, first image"] = steps["first image"] - steps["imports"]
    phases["rest, until ready"] = log["ready"] - log["Starting the app"] - steps["first image"]
    return phases


def transfer(log):
    """(body bytes, {path: times fetched with a body}) of a server log."""
    counts = collections.Counter(path.split("?")[0] for path, status, sent in log if status == 200)
    return sum(sent for _, _, sent in log), counts


def main(argv=None):
    """Run the benchmark and print medians against the targets; exit 1 when the page does not boot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=harness.DIST)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    if not os.path.exists(os.path.join(args.dist, "sw.js")):
        print("bench_browser: no built site; run `make dist` first", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    results, phases = collections.defaultdict(list), collections.defaultdict(list)
    boot_bytes, all_bytes, twice = [], [], set()
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profiles:
        site = harness.Site(harness.snapshot(args.dist, profiles))
        for run in range(args.runs):  # cold: a fresh profile (empty HTTP cache, no service worker)
            context = harness.launch_profile(playwright, os.path.join(profiles, f"cold-{run}"))
            site.log.clear()
            page, seconds = load(context, site)
            page.wait_for_function("window.__paint.network !== null")
            page.wait_for_timeout(1000)  # the frames after ready count too: that is when a late app would push things
            paint = page.evaluate("window.__paint")
            results["cold: first contentful paint (s)"].append(paint["fcp"] / 1000)
            results["cold: network drawn (s)"].append(paint["network"] / 1000)
            results["cold: largest contentful paint (s)"].append(paint["lcp"] / 1000)
            results["cold: layout shift, load + 1 s (CLS)"].append(paint["shift"])
            results["cold load to ready (s)"].append(seconds)
            for name, ms in boot_phases(page).items():
                phases[name].append(ms)
            boot_bytes.append(transfer(site.log)[0])
            page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=90000)
            total, counts = transfer(site.log)
            all_bytes.append(total)
            twice |= {path for path, n in counts.items() if n > 1}
            context.close()

        context = harness.launch_profile(playwright, os.path.join(profiles, "warm"))
        page, _ = load(context, site, wait_for_worker=True)
        for run in range(args.runs + 1):  # warm: a returning visitor opens a new tab (the first visit is a warm-up)
            page.close()
            page, seconds = load(context, site)
            if run:
                results["warm load to ready (s)"].append(seconds)
        for run in range(args.runs):
            page.add_init_script(READY_CLOCK)
            page.reload()
            harness.wait_ready(page, 90000)
            results["warm reload to ready (s)"].append(page.evaluate("window.__readyAt") / 1000)
        buttons = page.query_selector_all("#gallery button[data-example]")
        if len(buttons) < 2:
            print("bench_browser: the build has no gallery (build with the data folder) so no switch timings")
        else:
            for i in range(3 + 4 * args.runs):  # the first few renders warm up Pyodide
                render = page.evaluate(CLICK_AND_TIME, buttons[i % len(buttons)])
                if i >= 3:
                    results["forward pass in Pyodide (ms)"].append(float(render["forwardMs"]))
                    results["render: forward + draw (ms)"].append(float(render["renderMs"]))
                    results["switch example and redraw (ms)"].append(render["wall"])
        context.close()
        site.stop()

    print(f"PyCNN Explainer in headless Chromium ({args.runs} runs; medians; {os.cpu_count()} CPUs)")
    print_medians(results, TARGETS)
    print("  where a cold load's time goes (ms, medians):")
    for name, values in phases.items():
        print(f"    {name:44s} {statistics.median(values):7.0f}")
    print(f"  bytes from the server, cold load to ready:   {statistics.median(boot_bytes) / 1e6:.2f} MB")
    print(f"  bytes incl. the service worker's precache:   {statistics.median(all_bytes) / 1e6:.2f} MB")
    print("  fetched with a body more than once on a cold load: " + (", ".join(sorted(twice)) or "nothing"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
