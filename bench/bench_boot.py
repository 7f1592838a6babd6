"""Two builds' boots side by side in one run (headless Chromium): network drawn and ready, cold, warm and reload.

Usage: python bench/bench_boot.py --against OTHER_DIST [--dist dist] [--runs 5]
Each round loads both builds in turn (which goes first alternates), so a busy machine slows both alike. Cold: a fresh
on-disk profile; warm: a new tab of a profile that has the HTTP cache and the service worker; reload: that tab again.
Used to hold PyScript's boot against the boot it replaced (a build of the commit before it).
"""
import argparse
import collections
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_browser import READY_CLOCK, load  # noqa: E402
from browser_page import harness  # noqa: E402


def cold(playwright, site, profile):
    """(network drawn, ready) in seconds of a first visit with a fresh profile."""
    context = harness.launch_profile(playwright, profile)
    page, ready = load(context, site)
    page.wait_for_function("window.__paint.network !== null")
    drawn = page.evaluate("window.__paint.network") / 1000
    context.close()
    return drawn, ready


def warm(playwright, site, profile):
    """(new tab, reload) in seconds to ready, for a visitor who came before (worker in control)."""
    context = harness.launch_profile(playwright, profile)
    page, _ = load(context, site, wait_for_worker=True)
    page.close()
    page, tab = load(context, site)
    page.add_init_script(READY_CLOCK)
    page.reload()
    harness.wait_ready(page, 90000)
    reload = page.evaluate("window.__readyAt") / 1000
    context.close()
    return tab, reload


def main(argv=None):
    """Alternate the two builds' loads and print each one's medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=harness.DIST)
    parser.add_argument("--against", required=True, help="the other build (e.g. of the previous commit)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    builds = {"this build": args.dist, "against": args.against}
    results = {name: collections.defaultdict(list) for name in builds}
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as tmp:
        sites = {name: harness.Site(harness.snapshot(path, os.path.join(tmp, str(i))))
                 for i, (name, path) in enumerate(builds.items())}
        for run in range(args.runs):
            for name in (list(builds) if run % 2 == 0 else list(builds)[::-1]):
                drawn, ready = cold(playwright, sites[name], os.path.join(tmp, f"cold-{name}-{run}"))
                tab, reload = warm(playwright, sites[name], os.path.join(tmp, f"warm-{name}-{run}"))
                for key, value in (("cold: network drawn", drawn), ("cold: ready", ready), ("warm: new tab ready", tab),
                                   ("warm: reload ready", reload)):
                    results[name][key].append(value)
        for site in sites.values():
            site.stop()
    print(f"Boot side by side, headless Chromium ({args.runs} rounds; medians in s; {os.cpu_count()} CPUs)")
    print(f"  this build: {args.dist}\n  against:    {args.against}")
    print(f"  {'':24s} {'this build':>11s} {'against':>9s} {'ratio':>7s}")
    for key in results["this build"]:
        ours, theirs = (statistics.median(results[name][key]) for name in builds)
        print(f"  {key:24s} {ours:11.3f} {theirs:9.3f} {ours / theirs:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
