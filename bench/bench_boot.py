"""Two builds' boots side by side in one run (headless Chromium): network drawn and ready, cold, warm and reload.

Usage: python bench/bench_boot.py [--dist dist] [--against OTHER_DIST | --baseline REV] [--runs 5]
Each round loads both builds in turn (which goes first alternates), so a busy machine slows both alike; besides the
ratio of the medians it prints the median of the rounds' own ratios, which a load that comes and goes sways less.
Cold: a fresh on-disk profile; warm: a new tab of a profile that has the HTTP cache and the service worker; reload:
that tab again.
By default the other build is the start.mjs boot that PyScript replaced (commit 8b563f6), built once from the git
history into .cache/bench-baseline/ with its own tools/build_site.py (the same pinned downloads, the same data).
"""
import argparse
import collections
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_browser import READY_CLOCK, load  # noqa: E402
from browser_page import REPO_ROOT, harness  # noqa: E402

BASELINE = "8b563f6"  # the last commit whose page started Python with its own static/start.mjs, not PyScript
BASELINE_CACHE = os.path.join(REPO_ROOT, ".cache", "bench-baseline")


def baseline_build(rev=BASELINE, cache=BASELINE_CACHE):
    """The site as commit rev built it (built once, then reused): its sources from git, its own build script, our
    verified downloads of the same pinned files, and the same data and fixture folders as this build."""
    sys.path.insert(0, os.path.join(REPO_ROOT, "py"))
    from cnn_explainer.net import data
    from build_site import DEFAULT_ORIGINAL

    sha = subprocess.run(["git", "-C", REPO_ROOT, "rev-parse", "--verify", rev + "^{commit}"], check=True,
                         capture_output=True, text=True).stdout.strip()
    src, out = os.path.join(cache, sha, "src"), os.path.join(cache, sha, "dist")
    if os.path.exists(os.path.join(out, "index.html")):
        return out
    print(f"bench_boot: building the baseline ({rev}) into {out} (once)", file=sys.stderr)
    os.makedirs(src, exist_ok=True)
    archive = subprocess.run(["git", "-C", REPO_ROOT, "archive", sha], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", src], input=archive, check=True)
    for shared in ("vendor/downloads", "data"):  # the pinned downloads (hash-checked again) and the unpacked data
        link, target = os.path.join(src, ".cache", shared), os.path.join(REPO_ROOT, ".cache", shared)
        if os.path.isdir(target) and not os.path.lexists(link):
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink(target, link)
    command = [sys.executable, os.path.join(src, "tools", "build_site.py"), "--out", out,
               "--original", os.path.abspath(DEFAULT_ORIGINAL)]
    with open(os.path.join(src, "tools", "build_site.py")) as f:
        reads_data = '"--data"' in f.read()  # older builds made the gallery from the data; newer ones ship examples/
    data_dir = data.find_data_dir(None)
    if reads_data:
        command += ["--data", os.path.abspath(data_dir)] if data_dir else ["--no-examples"]
    subprocess.run(command, check=True, cwd=src, stdout=subprocess.DEVNULL)
    return out


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
    other = parser.add_mutually_exclusive_group()
    other.add_argument("--against", help="the other build (a dist folder)")
    other.add_argument("--baseline", default=BASELINE, help=f"the commit to build and compare with (default {BASELINE})")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    try:
        against = args.against or baseline_build(args.baseline)
    except subprocess.CalledProcessError as error:  # e.g. a shallow clone without that commit
        detail = error.stderr.decode(errors="replace") if isinstance(error.stderr, bytes) else error.stderr or ""
        detail = detail.strip().splitlines()[-1] if detail.strip() else ""
        print(f"bench_boot: skipped: could not build commit {args.baseline} to compare with ({detail or error}); "
              "fetch the history (git fetch --unshallow) or pass --against DIST", file=sys.stderr)
        return 0
    builds = {"this build": args.dist, "against": against}
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
    print(f"  this build: {args.dist}\n  against:    {against}" + ("" if args.against else f" (commit {args.baseline})"))
    print(f"  {'':24s} {'this build':>11s} {'against':>9s} {'ratio':>7s} {'paired':>7s}  (paired: median of each round's ratio)")
    for key in results["this build"]:
        ours, theirs = (statistics.median(results[name][key]) for name in builds)
        paired = statistics.median(a / b for a, b in zip(results["this build"][key], results["against"][key]))
        print(f"  {key:24s} {ours:11.3f} {theirs:9.3f} {ours / theirs:7.2f} {paired:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
