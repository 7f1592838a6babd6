"""Browser benchmark of the teaching half: the playground's step and redraw, the article's live figures, the language.

Usage: python bench/bench_teaching.py [--dist dist] [--runs 9]
Medians over --runs of: one playground animation step (Python ms, body data-step-ms; target ≤ 8 ms), one change
of a playground control redrawn (Python ms, .playground data-redraw-ms; target ≤ 30 ms) in the grid mode and on a
64×64 crop of the image, the article's live figures for a new image (body data-article-ms), and a switch of the
whole page's language (Python ms, body data-language-ms; target ≤ 150 ms).
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_page import booted, harness, served  # noqa: E402

ROOT = "#playground-root"
STEP_TARGET_MS, REDRAW_TARGET_MS, LANGUAGE_TARGET_MS = 8.0, 30.0, 150.0


def redraws(page, runs):
    """Python ms of each redraw as the stride control goes back and forth."""
    times = []
    for i in range(runs):
        field = page.locator(f'{ROOT} input[type=number][data-name="stride"]')
        field.fill(str(1 + (i + 1) % 2))
        field.press("Tab")
        times.append(float(page.eval_on_selector(f"{ROOT} .playground", "p => p.dataset.redrawMs")))
    return times


def steps(page, runs):
    """Python ms of each keyboard step on the playground's output grid."""
    if page.get_attribute(f"{ROOT} .play", "aria-pressed") == "true":
        page.click(f"{ROOT} .play")
    page.focus(f"{ROOT} .pg-out canvas")
    times = []
    for _ in range(runs):
        page.keyboard.press("ArrowRight")
        times.append(float(page.evaluate("document.body.dataset.stepMs")))
    return times


def main(argv=None):
    """Print the medians against their targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=harness.DIST)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    if not os.path.exists(os.path.join(args.dist, "sw.js")):
        print("bench_teaching: no built site; run `make dist` first", file=sys.stderr)
        return 1
    with served(args.dist) as (browser, url):
        page = booted(browser, url, viewport={"width": 1280, "height": 720}, reduced_motion="reduce")
        page.wait_for_function("Number(document.body.dataset.articleCount) >= 1")
        page.locator(ROOT).scroll_into_view_if_needed()
        rows = [("playground step, grid (Python ms)", steps(page, args.runs * 4), STEP_TARGET_MS),
                ("playground redraw, grid (Python ms)", redraws(page, args.runs), REDRAW_TARGET_MS)]
        page.select_option(f"{ROOT} .pg-mode", "image")
        rows += [("playground step, 64×64 image (Python ms)", steps(page, args.runs * 4), STEP_TARGET_MS),
                 ("playground redraw, 64×64 image (Python ms)", redraws(page, args.runs), REDRAW_TARGET_MS)]
        article = []
        for i in range(args.runs):
            before = int(page.evaluate("document.body.dataset.articleCount"))
            page.click(f"#gallery-strip .example >> nth={i % 4}")
            page.wait_for_function(f"Number(document.body.dataset.articleCount) > {before}")
            article.append(float(page.evaluate("document.body.dataset.articleMs")))
        rows.append(("article figures for a new image (Python ms)", article, None))
        switches = []
        for i in range(args.runs):
            page.select_option("#lang-select", "zh" if i % 2 == 0 else "en")
            page.wait_for_function(f"document.documentElement.lang === '{'zh-Hans' if i % 2 == 0 else 'en'}'")
            switches.append(float(page.evaluate("document.body.dataset.languageMs")))
        rows.append(("switch language, whole page (Python ms)", switches, LANGUAGE_TARGET_MS))
        print(f"{'measure':46} {'median':>8} {'max':>8} {'target':>8}")
        for name, values, target in rows:
            print(f"{name:46} {statistics.median(values):8.2f} {max(values):8.2f} {('≤ %g' % target) if target else '—':>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
