"""Bytes a first visit downloads (the service worker's precache: everything the page can fetch), raw and as a host
sends them compressed (gzip -9, as GitHub Pages does; Brotli q11, as some hosts do), with what each big file is for.

    python bench/bench_sizes.py [--dist dist]
"""
import argparse
import gzip
import json
import os
import re
import sys

PURPOSE = [  # (pattern of a site path, what the file is for), first match wins
    (r"pyodide\.asm\.wasm$", "CPython compiled to WebAssembly (the interpreter itself)"),
    (r"python_stdlib\.zip$", "Python's standard library (the modules the boot imports as bytecode)"),
    (r"numpy-.*\.whl$", "NumPy for Pyodide: the forward pass"),
    (r"numpy_pyc\.zip$", "bytecode of NumPy's start-up modules (saves compiling them on every load)"),
    (r"pillow-.*\.whl$", "Pillow for Pyodide: decoding uploads and examples (loaded after the first paint)"),
    (r"pyodide\.asm\.js$", "Pyodide's JavaScript half (the wasm's imports and the JS/Python bridge)"),
    (r"pyodide\.mjs$", "loadPyodide()"),
    (r"^app\.zip$", "our Python (source + bytecode), the models and the translations"),
    (r"^index\.html$", "the page, with the network drawn by the build"),
    (r"^examples/", "example images (PNG) and the default example's pixels (.npy)"),
    (r"^prerender/", "the first paint's activation maps, one strip per column"),
    (r"^static/", "CSS and the boot scripts"),
]


def purpose(path):
    """What a file of the site is for (the first matching PURPOSE), or ''."""
    return next((text for pattern, text in PURPOSE if re.search(pattern, path)), "")


def precache(dist):
    """The site paths the service worker precaches, from dist/sw.js."""
    with open(os.path.join(dist, "sw.js")) as f:
        build = json.loads(re.search(r"^const BUILD = (\{.*?\});$", f.read(), re.S | re.M).group(1))
    return [path[2:] for path, _ in build["files"]]


def sizes(path):
    """(raw, gzip -9, brotli q11 or None) bytes of one file."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        import brotli
        compressed = len(brotli.compress(data, quality=11))
    except ImportError:  # brotli is in requirements-dev.txt; without it, gzip only
        compressed = None
    return len(data), len(gzip.compress(data, 9)), compressed


def main(argv=None):
    """Print the table and the totals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dist"))
    args = parser.parse_args(argv)
    if not os.path.exists(os.path.join(args.dist, "sw.js")):
        sys.exit(f"{args.dist} has no sw.js: run `make dist` first")
    rows = sorted(((p, *sizes(os.path.join(args.dist, p))) for p in precache(args.dist)), key=lambda r: -r[1])
    mb = lambda n: "   —  " if n is None else f"{n / 1e6:6.2f}"  # noqa: E731
    print(f"First visit: {len(rows)} files (the precache). MB raw / gzip -9 / brotli:")
    small = [r for r in rows if r[1] < 100_000]
    for path, raw, gz, br in rows:
        if raw >= 100_000:
            print(f"  {mb(raw)} {mb(gz)} {mb(br)}  {path:58} {purpose(path)}")
    totals = [sum(r[i] for r in small) if all(r[i] is not None for r in small) else None for i in (1, 2, 3)]
    print(f"  {mb(totals[0])} {mb(totals[1])} {mb(totals[2])}  {len(small)} files under 100 kB")
    totals = [sum(r[i] for r in rows) if all(r[i] is not None for r in rows) else None for i in (1, 2, 3)]
    print(f"  {mb(totals[0])} {mb(totals[1])} {mb(totals[2])}  total")


if __name__ == "__main__":
    main()
