"""Build the static site (dist/) that GitHub Pages serves: page, Python sources, weights, vendored runtime, gallery, service worker.

Usage: python tools/build_site.py [--out dist] [--no-examples]
"""
import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(REPO_ROOT, "py"), os.path.join(REPO_ROOT, "tools")]

import bytecode  # noqa: E402
import catalogues  # noqa: E402
import gallery  # noqa: E402
import prerender  # noqa: E402
import vendor  # noqa: E402
from cnn_explainer.page import markup  # noqa: E402
from cnn_explainer.net import tfjs, weights

ORIGINAL_NAME = "cnn-explainer-original"
DEFAULT_ORIGINAL = os.path.join(REPO_ROOT, "..", "shared", "fixtures", "cnn-explainer-tfjs")
SW_PLACEHOLDER = "const BUILD = __BUILD__;"
# PyScript's add-ons that only a page element asking for them imports (the editor's CodeMirror, the terminal's xterm,
# MicroPython, the TOML reader, its stylesheet for those elements): left out of the site and its precache. Its plugins
# themselves are a few KB and core.js imports all of them at start, so they ship.
PYSCRIPT_UNUSED = re.compile(r"^(codemirror|index-|py-[A-Za-z0-9_]{8}\.js|mpy-|xterm|toml-|service-worker|storage|core\.css)")
SKIP = re.compile(r"(__pycache__|\.egg-info|\.pyc$|\.mo$)")  # .mo: catalogues.py compiles the .po files in


def copy_tree(src, dst, skip=SKIP):
    """Copy the files of src into dst, leaving out paths that match skip."""
    for folder, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if not skip.search(d))
        for name in sorted(files):
            if not skip.search(name):
                target = os.path.join(dst, os.path.relpath(os.path.join(folder, name), src))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copy2(os.path.join(folder, name), target)


def list_files(root):
    """Every file under root as a sorted list of '/'-separated relative paths."""
    found = []
    for folder, _, files in os.walk(root):
        found += [os.path.relpath(os.path.join(folder, f), root).replace(os.sep, "/") for f in files]
    return sorted(found)


def write_json(path, value):
    """Write value as indented JSON."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(value, f, indent=1)
        f.write("\n")


def pyscript_config():
    """The PyScript config: our own interpreter, packages from the vendored lock, our code and weights as one archive
    (unpacked into Python's working folder), the bytecode of NumPy's start-up modules over the installed wheel."""
    # passthrough: Pyodide loads the packages from the lock itself, so micropip is neither shipped nor loaded.
    # Only NumPy is installed before the first paint; the app loads Pillow (also in the lock) right after it.
    return {"interpreter": "./vendor/pyodide/pyodide.mjs", "packages": [p for p in vendor.PACKAGES if p != "pillow"],
            "packages_cache": "passthrough",
            "files": {"./app.zip": "./*", "./vendor/pyodide/numpy_pyc.zip": "/lib/python3.12/site-packages/*"}}


def boot_preloads(out):
    """A <meta> listing the boot's downloads, which boot.js preloads: every download starts with the
    HTML instead of one after another as PyScript reaches them (its config, its plugins, Pyodide, the packages, then
    our files and main.py, each only after the step before).
    Each entry is [rel, href, integrity, fetchpriority]. All of them wait for the network's images: over HTTP/1.1
    (six connections to a host) they held the connections the images waited for, which painted the network later
    (and PyScript starts after that paint anyway). The big files are "low". A page the service worker serves gets the
    modules and small files only (its new tab was slower with all); boot.js fetches its runtime and archives itself."""
    with open(os.path.join(out, "vendor", "pyodide", "pyodide-lock.json")) as f:
        lock = json.load(f)["packages"]
    pyscript_dir = os.path.join(out, "vendor", "pyscript")
    modules = ["static/hooks.mjs", "vendor/pyscript/core.js",
               *(f"vendor/pyscript/{name}" for name in sorted(os.listdir(pyscript_dir)) if name.startswith("core-")),
               *(f"vendor/pyscript/{name}" for name in pyscript_plugins(pyscript_dir)),
               "vendor/pyodide/pyodide.mjs", "vendor/pyodide/pyodide.asm.js"]
    small = ["pyscript.json", "vendor/pyodide/pyodide-lock.json", "py/webapp/main.py"]
    big = ["vendor/pyodide/pyodide.asm.wasm", "vendor/pyodide/python_stdlib.zip", "app.zip", "vendor/pyodide/numpy_pyc.zip"]
    links = ([["modulepreload", f"./{path}", "", ""] for path in modules] + [["preload", f"./{path}", "", ""] for path in small]
             + [["preload", f"./{path}", "", "low"] for path in big])
    for name in pyscript_config()["packages"]:  # Pyodide fetches a wheel with its lock's hash as the integrity
        digest = base64.b64encode(bytes.fromhex(lock[name]["sha256"])).decode()
        links.append(["preload", f"./vendor/pyodide/{lock[name]['file_name']}", f"sha256-{digest}", "low"])
    return f'<meta name="pycnn-preload" content="{markup.escape(json.dumps(links))}">'


def pyscript_plugins(pyscript_dir):
    """The module files of the plugins that PyScript's core imports at every start (its plugin table maps each name
    to an import of its file), so the page can ask for them with core.js instead of after it has run."""
    [core] = [name for name in os.listdir(pyscript_dir) if name.startswith("core-") and name.endswith(".js")]
    with open(os.path.join(pyscript_dir, core)) as f:
        return sorted(set(re.findall(r'(?:"[\w-]+"|\w+):\(\)=>import\("\./([\w-]+\.js)"\)', f.read())))


def shipped_models(weights_dir):
    """The weights/*.json file names (none when the folder is missing)."""
    return sorted(f for f in os.listdir(weights_dir) if f.endswith(".json")) if os.path.isdir(weights_dir) else []


def write_original_model(out, fixture):
    """The original CNN Explainer's model (TF.js, MIT licence) converted into out/weights, when its files are here.

    Its file names no classes; its outputs are the ten Tiny ImageNet classes of the CNN Explainer paper, in the order
    our TIN-10 model uses (a published fact), and it reads pixels scaled to 0–1 as the original page does.
    """
    json_path = os.path.join(fixture, "model.json")
    if not os.path.exists(json_path):
        return None
    model = tfjs.load_tfjs(json_path)
    with open(os.path.join(out, "weights", "tinyvgg-tin10.json")) as f:
        ours = json.load(f)
    model.name, model.classes = ORIGINAL_NAME, list(ours["classes"])
    model.meta = {"description": markup.ORIGINAL_DESCRIPTION, "class_ids": ours["class_ids"],
                  "source": "https://github.com/poloclub/cnn-explainer (MIT licence, see weights/"
                            f"{ORIGINAL_NAME}.LICENSE)"}
    weights.save_model(model, os.path.join(out, "weights"))
    shutil.copyfile(os.path.join(fixture, "LICENSE"), os.path.join(out, "weights", f"{ORIGINAL_NAME}.LICENSE"))
    return model


STYLESHEET = re.compile(r'^ *<link rel="stylesheet" href="\./static/([\w-]+\.css)">\n', re.MULTILINE)
BUNDLE = "static/site.css"


def stylesheet_part(name, text):
    """One stylesheet as site.css holds it: a comment naming its file, then its text."""
    return f"/* ---- {name} ---- */\n{text.rstrip()}\n"


def bundle_stylesheets(out, template):
    """Join the template's stylesheets (static/*.css, in their order) into out/static/site.css and link that one file
    instead: each stylesheet holds the first paint back until it has arrived, and over HTTP/1.1 six of them took
    connections the network's images were waiting for. The sources stay one file per part of the page."""
    names = STYLESHEET.findall(template)
    if not names:
        return template
    parts = []
    for name in names:
        path = os.path.join(out, "static", name)
        with open(path, encoding="utf-8") as f:
            parts.append(stylesheet_part(name, f.read()))
        os.remove(path)
    with open(os.path.join(out, BUNDLE), "w", encoding="utf-8") as f:
        f.write("\n".join(parts))
    first = STYLESHEET.search(template)
    return template[:first.start()] + f'  <link rel="stylesheet" href="./{BUNDLE}">\n' + STYLESHEET.sub("", template[first.start():])


def write_first_paint(out, template_path, weights_dir, manifest):
    """Write out/index.html: the page template with the default model's overview drawn in (see tools/prerender.py),
    its stylesheets joined into one (bundle_stylesheets)."""
    with open(template_path) as f:
        template = f.read()
    models = {}
    for spec_path in shipped_models(weights_dir):
        model = weights.load_model(os.path.join(weights_dir, spec_path))
        models[model.name] = model
    boot = {"boot": boot_preloads(out)}
    if not models:  # nothing to draw: the page says so once Python is up
        page = prerender.fill(template, {**{name: "" for name in prerender.MARKER.findall(template)}, **boot})
    else:
        default = models.get(weights.DEFAULT_MODEL) or next(iter(models.values()))
        page = prerender.first_paint(template, out, models, default, manifest, boot)
    page, _ = catalogues.keyed_template(page)  # each translatable element gets its key (see tools/catalogues.py)
    page = bundle_stylesheets(out, page)
    with open(os.path.join(out, "index.html"), "w") as f:
        f.write(page)


def integrity(path):
    """The Subresource-Integrity string (sha256) of a file."""
    with open(path, "rb") as f:
        return "sha256-" + base64.b64encode(hashlib.sha256(f.read()).digest()).decode()


def keep_only_the_main_script(out):
    """Remove out/py but its main script: the rest is inside app.zip, and a copy beside it is never fetched."""
    main = os.path.join(out, "py", "webapp", "main.py")
    with open(main, "rb") as f:
        script = f.read()
    shutil.rmtree(os.path.join(out, "py"))
    os.makedirs(os.path.dirname(main))
    with open(main, "wb") as f:
        f.write(script)


def precached(path):
    """Whether the service worker precaches a file of the site: all that the page can fetch (the weights files are
    published for download, but the page reads its models from app.zip)."""
    return path not in ("sw.js", ".nojekyll") and not path.startswith("weights/")


def write_service_worker(out, template):
    """Write out/sw.js: the template with the precache list and a cache version hashed from every file's content."""
    # .nojekyll only tells GitHub Pages how to publish; Pages may not serve it, and a failed precache loses offline use.
    files = [[f"./{p}", integrity(os.path.join(out, p))] for p in list_files(out) if precached(p)]
    version = hashlib.sha256(json.dumps(files).encode()).hexdigest()[:16]
    with open(template) as f:
        text = f.read()
    if text.count(SW_PLACEHOLDER) != 1:
        raise SystemExit(f"build: {template} must contain {SW_PLACEHOLDER!r} exactly once")
    listing = ",\n".join("  " + json.dumps(entry) for entry in files)
    build_info = f'{{"version": "{version}", "files": [\n{listing}\n]}}'
    with open(os.path.join(out, "sw.js"), "w") as f:
        f.write(text.replace(SW_PLACEHOLDER, f"const BUILD = {build_info};"))
    return version


def is_previous_build(path):
    """True when path is absent, empty, or looks like an output of this script (safe to replace)."""
    if not os.path.exists(path):
        return True
    made = os.path.exists(os.path.join(path, ".nojekyll")) and any(  # boot.json: a build of the start.mjs days
        os.path.exists(os.path.join(path, f)) for f in ("boot.json", "pyscript.json"))
    return os.path.isdir(path) and (not os.listdir(path) or made)


def size_summary(out):
    """Print the size of each top-level part of the site, the largest files and the total."""
    sizes = {p: os.path.getsize(os.path.join(out, p)) for p in list_files(out)}
    parts = {}
    for p, size in sizes.items():
        part = "/".join(p.split("/")[:2]) if p.startswith("vendor/") else p.split("/")[0]
        parts[part] = parts.get(part, 0) + size
    print(f"build: {len(sizes)} files, {sum(sizes.values()) / 1e6:.1f} MB in {out}")
    for part, size in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"  {size / 1e6:8.2f} MB  {part}")
    largest = max(sizes, key=sizes.get)
    print(f"  largest file: {largest} ({sizes[largest] / 1e6:.1f} MB; GitHub Pages allows 100 MB)")


def build(out, examples=True, vendor_cache=vendor.DEFAULT_CACHE, source=REPO_ROOT, fixture=None):
    """Build the site from the source checkout into out (replacing a previous build); return the cache version.
    The gallery is the checkout's committed examples/ (tools/gallery.py), so no build reads the data sets."""
    out = os.path.abspath(out)
    if not is_previous_build(out):
        raise SystemExit(f"build: {out} exists and is not a previous build; refusing to replace it")
    dirs = vendor.assemble(vendor_cache)
    if not shipped_models(os.path.join(source, "weights")):
        print(f"build: WARNING: no model in {os.path.join(source, 'weights')} (*.json + *.npz): "
              "the page will have no model to show until one is uploaded")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    staging = tempfile.mkdtemp(prefix=os.path.basename(out) + ".building-", dir=os.path.dirname(out))
    os.chmod(staging, 0o755)
    copy_tree(os.path.join(source, "static"), os.path.join(staging, "static"), re.compile(r"\.template\.js$"))
    copy_tree(os.path.join(source, "py"), os.path.join(staging, "py"))
    catalogues.compile_all(os.path.join(staging, "py", "cnn_explainer"), os.path.join(source, "index.html"),
                           os.path.join(source, "py", "cnn_explainer"))
    copy_tree(os.path.join(source, "weights"), os.path.join(staging, "weights"), re.compile(r"^(?!.*\.(json|npz)$)"))
    if fixture and write_original_model(staging, fixture):
        print(f"build: the original CNN Explainer's model from {fixture} is the third model ({ORIGINAL_NAME})")
    copy_tree(dirs["pyodide"], os.path.join(staging, "vendor", "pyodide"))
    copy_tree(dirs["pyscript"], os.path.join(staging, "vendor", "pyscript"), PYSCRIPT_UNUSED)
    open(os.path.join(staging, ".nojekyll"), "w").close()
    with open(os.path.join(staging, "vendor", "pyodide", "pyodide-lock.json")) as f:
        numpy_wheel = json.load(f)["packages"]["numpy"]["file_name"]
    bytecode.build(staging, numpy_wheel)
    write_json(os.path.join(staging, "pyscript.json"), pyscript_config())
    manifest = gallery.ship(staging, os.path.join(source, "examples") if examples else None,
                            os.path.join(staging, "weights"))
    write_first_paint(staging, os.path.join(source, "index.html"), os.path.join(staging, "weights"), manifest)
    keep_only_the_main_script(staging)
    version = write_service_worker(staging, os.path.join(source, "static", "sw.template.js"))
    if os.path.exists(out):
        shutil.rmtree(out)
    os.rename(staging, out)
    return version


def main(argv=None):
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(REPO_ROOT, "dist"), help="output folder (default dist/)")
    parser.add_argument("--no-examples", action="store_true",
                        help="build without the committed example gallery (examples/): the page opens on a colour ramp")
    parser.add_argument("--original", default=DEFAULT_ORIGINAL,
                        help="folder of the original CNN Explainer's TF.js model, made the third model when it exists "
                             "(default: ../shared/fixtures/cnn-explainer-tfjs)")
    args = parser.parse_args(argv)
    if args.no_examples or not os.path.exists(os.path.join(REPO_ROOT, "examples", gallery.MANIFEST)):
        print("build: no example images in this build (" + ("--no-examples" if args.no_examples else
              "examples/ is missing: python tools/gallery.py writes it") + "); the page opens on a colour ramp")
    try:
        version = build(args.out, not args.no_examples, fixture=args.original)
    except vendor.VendorError as error:
        print(f"build: ERROR: {error}", file=sys.stderr)
        return 1
    print(f"build: service worker cache version {version}")
    size_summary(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
