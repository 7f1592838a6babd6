"""The site build: vendored runtime verification, trimmed lock, PyScript config, service worker, gallery, no foreign URLs."""
import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from cnn_explainer.net.model import scale_pixels

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, "tools"))

import build_site  # noqa: E402
import bytecode  # noqa: E402
import gallery  # noqa: E402
import vendor  # noqa: E402

# URLs that the vendored runtime contains but never fetches in our set-up (regular expressions), each with the reason.
VENDOR_URLS = {
    # Pyodide's fallback for packages missing beside pyodide.mjs: used only under Node.js; a browser raises instead.
    "vendor/pyodide/pyodide.mjs": [r"https://cdn\.jsdelivr\.net/pyodide/"],
    "vendor/pyscript/core-": [
        r"https://cdn\.jsdelivr\.net/",  # default interpreter modules: unused, pyscript.json names the local pyodide.mjs
        r"https://micropython\.org/", r"https://raw\.githubusercontent\.com/$",  # MicroPython's package installer: unused
        r"https://docs\.pyscript\.net/", r"https://github\.com/pyscript/", r"https://pyscript\.github\.io/",  # error texts
        r"(https?://|http://0\.0\.0\.0)$",  # string comparisons on location.href and package names
    ],
    "vendor/pyscript/LICENSE": [r"http://www\.apache\.org/"],  # licence text
}
NAMESPACES = ("http://www.w3.org/",)  # XML namespace names (SVG), identifiers that are never fetched
URL = re.compile(r"https?://[^\s\"'`<>)\\]*")
TEXT_SUFFIXES = (".html", ".js", ".mjs", ".css", ".json", ".py", ".txt", ".md", "LICENSE")


@pytest.fixture(scope="session")
def vendor_cache():
    """The assembled vendor cache (.cache/vendor; downloads what is missing)."""
    vendor.assemble()
    return vendor.DEFAULT_CACHE


def no_data(*args, **kwargs):
    """Stands in for the data module's look-ups: a build must never read the data sets."""
    raise AssertionError("the build read the data folder")


@pytest.fixture(scope="session")
def built(tmp_path_factory, vendor_cache):
    """A fresh build of the checkout, with the data module unable to find or read any data folder."""
    out = str(tmp_path_factory.mktemp("site") / "dist")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("find_data_dir", "unpack", "list_split"):
            patch.setattr(gallery.data, name, no_data)
        build_site.build(out, vendor_cache=vendor_cache)
    return out


@pytest.fixture
def cache_copy(tmp_path, vendor_cache):
    """A throw-away copy of the vendor cache."""
    copy = str(tmp_path / "vendor")
    shutil.copytree(vendor_cache, copy)
    return copy


def test_a_tampered_wheel_stops_the_build(cache_copy):
    wheel = os.path.join(cache_copy, "pyodide", vendor.trimmed_lock(vendor.official_lock(cache_copy))["packages"]["numpy"]["file_name"])
    with open(wheel, "r+b") as f:
        f.seek(1000)
        f.write(b"tampered")
    with pytest.raises(vendor.VendorError, match="numpy-2.0.2.*does not match the pinned/official"):
        vendor.assemble(cache_copy)
    result = subprocess.run([sys.executable, os.path.join(REPO_ROOT, "tools", "vendor.py"), "--cache", cache_copy],
                            capture_output=True, text=True)
    assert result.returncode != 0 and "does not match" in result.stderr


def test_a_changed_npm_tarball_stops_the_build(cache_copy):
    with open(os.path.join(cache_copy, "downloads", "pyodide-0.27.7.tgz"), "ab") as f:
        f.write(b"\0")
    with pytest.raises(vendor.VendorError, match="does not match the pinned sha512"):
        vendor.verify(cache_copy)


def test_an_unpinned_file_in_the_vendor_folder_stops_the_build(cache_copy):
    open(os.path.join(cache_copy, "pyodide", "micropip-0.9.0-py3-none-any.whl"), "wb").close()
    with pytest.raises(vendor.VendorError, match="not pinned"):
        vendor.verify(cache_copy)


def test_the_lock_lists_exactly_the_shipped_packages(built, vendor_cache):
    with open(os.path.join(built, "vendor", "pyodide", "pyodide-lock.json")) as f:
        lock = json.load(f)
    official = vendor.official_lock(vendor_cache)
    assert sorted(lock["packages"]) == ["numpy", "pillow"]
    assert lock["info"] == official["info"]
    for name, entry in lock["packages"].items():
        assert entry == official["packages"][name]
        with open(os.path.join(built, "vendor", "pyodide", entry["file_name"]), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == entry["sha256"]
    wheels = sorted(f for f in os.listdir(os.path.join(built, "vendor", "pyodide")) if f.endswith(".whl"))
    assert wheels == sorted(e["file_name"] for e in lock["packages"].values())


def test_pyscript_config_uses_the_local_interpreter_and_ships_our_files(built):
    with open(os.path.join(built, "pyscript.json")) as f:
        config = json.load(f)
    assert config["interpreter"] == "./vendor/pyodide/pyodide.mjs"  # without it PyScript takes Pyodide from a CDN
    assert os.path.exists(os.path.join(built, config["interpreter"]))
    # Pillow is in the lock but not installed at boot: the app loads it after the first paint.
    assert config["packages"] == ["numpy"] and config["packages_cache"] == "passthrough"
    assert config["files"] == {"./app.zip": "./*", "./vendor/pyodide/numpy_pyc.zip": "/lib/python3.12/site-packages/*"}
    for path in (config["interpreter"], *config["files"]):
        assert os.path.exists(os.path.join(built, path)), path
    with open(os.path.join(built, "index.html")) as f:
        page = f.read()
    assert '<script type="py" src="./py/webapp/main.py" config="./pyscript.json"></script>' in page
    # PyScript starts from boot.js once the pre-rendered network is on screen, not from a tag that runs before it
    assert "hooks.mjs" not in re.sub(r'<meta name="pycnn-preload"[^>]*>', "", page)
    with open(os.path.join(built, "static", "boot.js")) as f:
        assert 'src: "./static/hooks.mjs"' in f.read()
    # boot.js preloads the boot's downloads on a first visit: each one exists, the wheel with its official hash
    [listed] = re.findall(r'<meta name="pycnn-preload" content="([^"]*)">', page)
    preloads = json.loads(html.unescape(listed))
    assert all(os.path.exists(os.path.join(built, href)) for _rel, href, _integrity, _priority in preloads), preloads
    assert {href for _rel, href, _integrity, _priority in preloads} >= {"./app.zip", "./py/webapp/main.py", "./pyscript.json",
                                                              "./vendor/pyodide/pyodide.asm.wasm"}
    [wheel] = [p for p in preloads if p[1].endswith(".whl")]
    with open(os.path.join(built, wheel[1]), "rb") as f:
        assert wheel[2] == "sha256-" + base64.b64encode(hashlib.sha256(f.read()).digest()).decode()
    with open(os.path.join(built, "static", "hooks.mjs")) as f:
        assert 'from "../vendor/pyscript/core.js"' in f.read()  # PyScript of our own origin
    with zipfile.ZipFile(os.path.join(built, "app.zip")) as archive:
        names = set(archive.namelist())
    sources = {p[len("py/"):] for p in build_site.list_files(built) if p.startswith("py/") and p.endswith(".py")}
    assert sources - names == {"webapp/main.py"}  # the script PyScript runs is fetched on its own
    assert {p for p in build_site.list_files(built) if p.startswith("weights/")} <= names
    assert "cnn_explainer/net/__pycache__/ops.cpython-312.pyc" in names and "webapp/__pycache__/app.cpython-312.pyc" in names
    # PyScript's own package: its bytecode (PyScript writes the sources itself at start), one file per module it writes
    pyscript = {name for name in names if name.startswith("pyscript/")}
    assert pyscript == {f"pyscript/__pycache__/{rel[len('pyscript/'):-3]}.cpython-312.pyc"
                        for rel in bytecode.pyscript_package(os.path.join(built, "vendor", "pyscript"))}
    assert {"pyscript/__pycache__/__init__.cpython-312.pyc", "pyscript/__pycache__/events.cpython-312.pyc"} <= pyscript
    # the boot's modules are asked for with the HTML: PyScript's entry, its core and every plugin its core imports
    modules = {href for rel, href, _integrity, _priority in preloads if rel == "modulepreload"}
    assert {"./static/hooks.mjs", "./vendor/pyscript/core.js", "./vendor/pyodide/pyodide.mjs"} <= modules
    plugins = {re.sub(r"-[\w-]{8}\.js$", "", href.split("/")[-1]) for href in modules if "/pyscript/" in href}
    assert {"core", "deprecations-manager", "donkey", "error", "py-editor", "py-game", "py-terminal"} <= plugins
    assert all(priority == "low" for _rel, href, _i, priority in preloads if href.endswith((".wasm", ".whl", ".zip")))


PYC_312 = (3531).to_bytes(2, "little") + b"\r\n"  # CPython 3.12's bytecode magic


def test_start_up_modules_ship_as_bytecode_of_python_3_12(built, vendor_cache):
    official = os.path.join(vendor_cache, "pyodide", "python_stdlib.zip")
    with zipfile.ZipFile(official) as before, zipfile.ZipFile(os.path.join(built, "vendor", "pyodide", "python_stdlib.zip")) as after:
        old, new = set(before.namelist()), set(after.namelist())
        boot = set(bytecode.boot_list("boot_stdlib.txt")) & old
        assert len(boot) > 100 and new == (old - boot) | {rel + "c" for rel in boot}
        assert all(after.read(rel + "c").startswith(PYC_312) for rel in boot)
        untouched = sorted(old - boot)[:50]
        assert all(after.read(rel) == before.read(rel) for rel in untouched)
    with zipfile.ZipFile(os.path.join(built, "vendor", "pyodide", "numpy_pyc.zip")) as overlay:
        cached = {name for name in overlay.namelist()}
    expected = {f"{os.path.dirname(rel)}/__pycache__/{os.path.basename(rel)[:-3]}.cpython-312.pyc"
                for rel in bytecode.boot_list("boot_numpy.txt")}
    assert cached == expected and len(cached) > 50


def test_bytecode_builds_are_reproducible(built, tmp_path):
    """The same inputs give the same bytes, so a new release downloads only what really changed."""
    out = tmp_path / "site"
    with zipfile.ZipFile(os.path.join(built, "app.zip")) as archive:  # the sources it was built from, without bytecode
        for name in archive.namelist():
            if not name.endswith(".pyc"):
                target = out / ("" if name.startswith("weights/") else "py") / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(name))
    shutil.copy(os.path.join(built, "py", "webapp", "main.py"), out / "py" / "webapp" / "main.py")
    for vendored in ("pyodide", "pyscript"):
        shutil.copytree(os.path.join(built, "vendor", vendored), out / "vendor" / vendored)
    bytecode.app_zip(str(out))
    with open(out / "app.zip", "rb") as a, open(os.path.join(built, "app.zip"), "rb") as b:
        assert a.read() == b.read()


def test_boot_lists_come_from_a_page_s_module_files():
    files = ["/lib/python312.zip/json/__init__.pyc", "/lib/python312.zip/ast.py", "/home/pyodide/webapp/app.py",
             "/lib/python3.12/site-packages/numpy/__init__.py", "/lib/python3.12/site-packages/PIL/Image.py",
             "/lib/python3.12/site-packages/numpy/_core/_multiarray_umath.cpython-312-wasm32-emscripten.so"]
    assert bytecode.boot_lists(files) == (["ast.py", "json/__init__.py"], ["numpy/__init__.py"])


def test_the_service_worker_precaches_every_file_with_its_hash(built):
    with open(os.path.join(built, "sw.js")) as f:
        text = f.read()
    info = json.loads(re.search(r"^const BUILD = (\{.*?\});$", text, re.S | re.M).group(1))
    listed = dict(info["files"])
    # everything but the worker, the Pages marker and the weights files (published; the page reads app.zip's copy)
    assert sorted(listed) == [f"./{p}" for p in build_site.list_files(built)
                              if p not in ("sw.js", ".nojekyll") and not p.startswith("weights/")]
    assert [p for p in build_site.list_files(built) if p.startswith("py/")] == ["py/webapp/main.py"], \
        "the other sources are in app.zip; copies beside it would be downloaded for nothing"
    for path, integrity in listed.items():
        with open(os.path.join(built, path), "rb") as f:
            assert integrity == "sha256-" + base64.b64encode(hashlib.sha256(f.read()).digest()).decode()
    assert "__BUILD__" not in text


def test_the_cache_version_changes_with_any_file(tmp_path):
    template = os.path.join(REPO_ROOT, "static", "sw.template.js")
    (tmp_path / "index.html").write_text("<p>one</p>")
    (tmp_path / "py").mkdir()
    (tmp_path / "py" / "a.py").write_text("x = 1\n")
    first = build_site.write_service_worker(str(tmp_path), template)
    assert build_site.write_service_worker(str(tmp_path), template) == first  # sw.js itself is not hashed
    (tmp_path / "py" / "a.py").write_text("x = 2\n")
    assert build_site.write_service_worker(str(tmp_path), template) != first


def test_the_gallery_degrades_without_the_examples_folder(tmp_path):
    weights_dir = os.path.join(REPO_ROOT, "weights")
    for folder in (None, str(tmp_path / "removed")):  # --no-examples, or examples/ deleted
        out = str(tmp_path / "out")
        assert gallery.ship(out, folder, weights_dir)["models"] == {}
        with open(os.path.join(out, "examples", "examples.json")) as f:
            manifest = json.load(f)
        assert manifest["models"] == {} and manifest["note"]["message"].startswith("No example images in this build")


def test_the_gallery_degrades_when_the_examples_are_for_other_models(tmp_path):
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "examples.json").write_text(json.dumps(
        {"models": {"someone-elses": [{"file": "examples/someone-elses/a-1.png", "label": "a", "class_index": 0}]},
         "default": {"someone-elses": "examples/someone-elses/a-1.png"}, "per_class": 1, "datasets": []}))
    manifest = gallery.ship(str(tmp_path / "out"), str(tmp_path / "examples"), os.path.join(REPO_ROOT, "weights"))
    assert manifest["models"] == {} and "has none for the shipped models" in manifest["note"]["message"]


def test_the_gallery_holds_correctly_classified_held_out_images(built):
    with open(os.path.join(built, "examples", "examples.json")) as f:
        manifest = json.load(f)
    from cnn_explainer.net.image import prepare_for
    from cnn_explainer.net.weights import load_model
    shipped = sorted(f[:-5] for f in os.listdir(os.path.join(built, "weights")) if f.endswith(".json"))
    assert sorted(manifest["models"]) == shipped, "a shipped model has no gallery"
    assert "Held-out (val) images from" in manifest["note"]["message"]
    for name, entries in manifest["models"].items():
        model = load_model(os.path.join(built, "weights", name + ".json"))
        assert manifest["default"][name] in [e["file"] for e in entries]
        for entry in entries:
            assert model.classes[entry["class_index"]] == entry["label"] and entry["source"]["split"] == "val"
            if name != build_site.ORIGINAL_NAME:  # the original's model borrows TIN-10's set, right or wrong
                assert int(model.predict(prepare_for(model, os.path.join(built, entry["file"]))[0]).argmax()) == entry["class_index"]
        per_class = [sum(e["class_index"] == i for e in entries) for i in range(len(model.classes))]
        assert max(per_class) <= gallery.EXAMPLES_PER_CLASS
        # the default's pre-decoded pixels (the page's first paint) are exactly what Pillow makes of the PNG
        default = os.path.join(built, manifest["default"][name])
        pixels = np.load(os.path.join(built, gallery.default_pixels_path(manifest["default"][name])))
        np.testing.assert_array_equal(pixels, np.asarray(prepare_for(model, default)[1]))
        assert pixels.shape == model.input_shape and pixels.dtype == np.uint8
    if build_site.ORIGINAL_NAME in manifest["models"]:  # the original CNN Explainer's model shares TIN-10's classes
        assert manifest["models"][build_site.ORIGINAL_NAME] == manifest["models"]["tinyvgg-tin10"]


def test_nothing_in_the_site_points_at_another_origin(built):
    found = []
    for path in build_site.list_files(built):
        if not path.endswith(TEXT_SUFFIXES):
            continue
        with open(os.path.join(built, path), encoding="utf-8", errors="replace") as f:
            text = f.read()
        if path.endswith(".html"):  # a link the user may click is navigation, not a fetch
            text = re.sub(r"<a\s[^>]*>", "", text)
        allowed = next((urls for prefix, urls in VENDOR_URLS.items() if path.startswith(prefix)), [])
        found += [f"{path}: {url}" for url in URL.findall(text)
                  if not url.startswith(NAMESPACES) and not any(re.match(pattern, url) for pattern in allowed)]
    assert not found, "URLs of other origins in dist (a page must load everything from its own origin):\n" + "\n".join(found)


def test_the_cli_builds_without_examples_and_says_so(tmp_path, vendor_cache):
    out = str(tmp_path / "dist")
    result = subprocess.run([sys.executable, os.path.join(REPO_ROOT, "tools", "build_site.py"), "--out", out, "--no-examples"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "no example images in this build (--no-examples)" in result.stdout
    assert "largest file: vendor/pyodide/pyodide.asm.wasm" in result.stdout
    assert os.path.exists(os.path.join(out, ".nojekyll")) and os.path.exists(os.path.join(out, "sw.js"))
    with open(os.path.join(out, "index.html")) as f:  # the first paint still draws the network, on a colour ramp
        page = f.read()
    assert 'class="net"' in page and "A colour ramp" in page and os.path.exists(os.path.join(out, "prerender", "0.png"))


def pages_build_command():
    """The GitHub Pages workflow's build step (the run line that calls tools/build_site.py) as arguments."""
    import shlex
    import yaml
    with open(os.path.join(REPO_ROOT, ".github", "workflows", "pages.yml")) as f:
        steps = yaml.safe_load(f)["jobs"]["build"]["steps"]
    runs = [step["run"] for step in steps if "tools/build_site.py" in step.get("run", "")]
    assert len(runs) == 1, runs
    return shlex.split(runs[0])


def fresh_clone(target, vendor_cache):
    """A copy of the checkout's files as git sees them (no ../shared beside it, so no data and no fixtures), sharing
    the vendor cache so that nothing is downloaded."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    for path in listed:
        if os.path.isfile(os.path.join(REPO_ROOT, path)):
            os.makedirs(os.path.dirname(os.path.join(target, path)), exist_ok=True)
            shutil.copy2(os.path.join(REPO_ROOT, path), os.path.join(target, path))
    os.makedirs(os.path.join(target, ".cache"))
    os.symlink(vendor_cache, os.path.join(target, ".cache", "vendor"))


def test_the_pages_build_of_a_fresh_clone_opens_on_an_example_with_its_prediction(tmp_path, vendor_cache):
    clone, out = tmp_path / "clone", str(tmp_path / "dist")
    fresh_clone(str(clone), vendor_cache)
    command = pages_build_command()
    assert command[:2] == [".venv/bin/python", "tools/build_site.py"]
    result = subprocess.run([sys.executable, *command[1:], "--out", out], cwd=clone, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "no example images" not in result.stdout and "original CNN Explainer" not in result.stdout
    with open(os.path.join(out, "examples", "examples.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(out, "index.html")) as f:
        page = f.read()
    default = manifest["default"]["tinyvgg-tin10"]
    label = next(e["label"] for e in manifest["models"]["tinyvgg-tin10"] if e["file"] == default)
    assert f'id="input-preview" src="./{default}"' in page and f"Example: {label}" in page
    assert f"Prediction: <strong>{label}</strong>" in page and "A colour ramp" not in page
    strip = re.search(r'id="gallery-strip"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert strip.count('class="example"') == 10 and f'data-example="{default}"' in strip
    assert sorted(manifest["models"]) == ["tinyvgg-imagenette", "tinyvgg-tin10"]
    for entry in manifest["models"]["tinyvgg-tin10"] + manifest["models"]["tinyvgg-imagenette"]:
        assert os.path.exists(os.path.join(out, entry["file"]))


def test_the_build_refuses_to_replace_a_folder_it_did_not_make(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(SystemExit, match="not a previous build"):
        build_site.build(str(tmp_path))
    assert (tmp_path / "precious.txt").exists()


def test_the_default_example_is_chosen_to_teach():
    assert gallery.teaching_default([(0.99, "a"), (0.7, "b"), (0.9, "c"), (0.6, "d")]) == (0.7, "b")
    assert gallery.teaching_default([(0.99, "a"), (0.97, "b"), (0.4, "c")]) == (0.97, "b")  # none inside: nearest
    assert gallery.teaching_default([(0.75, "z"), (0.8, "y")]) == (0.75, "z")  # the middle, 77.5 %, wins


def test_the_built_default_is_confident_yet_not_certain(built):
    with open(os.path.join(built, "examples", "examples.json")) as f:
        manifest = json.load(f)
    assert manifest["models"]
    from cnn_explainer.net.weights import load_model
    for name, default in manifest["default"].items():
        model = load_model(os.path.join(built, "weights", name + ".json"))
        probabilities = model.predict(scale_pixels(np.load(os.path.join(built, gallery.default_pixels_path(default))),
                                                   model.pixel_range))
        entry = next(e for e in manifest["models"][name] if e["file"] == default)
        assert int(probabilities.argmax()) == entry["class_index"]
        assert gallery.TEACHING[0] <= float(probabilities.max()) <= gallery.TEACHING[1], (name, probabilities.max())


def test_the_first_paint_is_the_default_model_on_its_default_example(built):
    import prerender
    from PIL import Image
    from cnn_explainer.page import colormap, layout
    from cnn_explainer.net.weights import DEFAULT_MODEL, load_model
    with open(os.path.join(built, "index.html")) as f:
        page = f.read()
    with open(os.path.join(REPO_ROOT, "index.html")) as f:
        template = f.read()
    assert f'content="{prerender.template_hash(template)}"' in page and "<!--@" not in page
    assert f'data-first-paint="{DEFAULT_MODEL}"' in page and f'class="net" data-model="{DEFAULT_MODEL}"' in page
    assert page.count('<button type="button" class="node ') == 113
    model = load_model(os.path.join(built, "weights", DEFAULT_MODEL + ".json"))
    with open(os.path.join(built, "examples", "examples.json")) as f:
        default = json.load(f).get("default", {}).get(DEFAULT_MODEL)
    assert default, "the build has no default example: the first paint would be a colour ramp"
    pixels = np.load(os.path.join(built, gallery.default_pixels_path(default)))
    acts = model.forward(scale_pixels(pixels, model.pixel_range))
    hidden = [c.name for c in layout.columns_of(model) if c.kind not in ("input", "output")]
    expected = colormap.overview_rgba(model, acts, hidden, colormap.limits(acts, hidden, "module"))
    for position, column in enumerate(layout.columns_of(model)[:-1]):
        strip = np.asarray(Image.open(os.path.join(built, "prerender", f"{position}.png")).convert("RGB"))
        maps = expected[column.name]
        h, w = maps.shape[1:3]
        assert strip.shape == (h + 2, maps.shape[0] * (w + 2), 3)
        for i, rgba in enumerate(maps):  # each map sits one pixel in from its cell, framed by copies of its edges
            np.testing.assert_array_equal(strip[1:h + 1, i * (w + 2) + 1:i * (w + 2) + 1 + w], rgba[..., :3])
            np.testing.assert_array_equal(strip[0, i * (w + 2) + 1:i * (w + 2) + 1 + w], rgba[0, :, :3])
    top = model.classes[int(acts[model.layers[-1].name].argmax())]
    assert f"Prediction: <strong>{top}</strong>" in page


def test_the_template_must_be_filled_completely():
    import prerender
    assert prerender.fill("<p><!--@a--></p>", {"a": "x"}) == "<p>x</p>"
    with pytest.raises(ValueError, match="no first-paint fragment for b"):
        prerender.fill("<!--@a--><!--@b-->", {"a": ""})


def test_the_page_links_one_stylesheet_made_of_the_template_s_in_their_order(built):
    with open(os.path.join(REPO_ROOT, "index.html")) as f:
        names = re.findall(r'<link rel="stylesheet" href="\./static/([\w-]+\.css)">', f.read())
    assert len(names) >= 2 and "app.css" in names
    with open(os.path.join(built, "index.html")) as f:
        assert re.findall(r'<link rel="stylesheet"[^>]*>', f.read()) == ['<link rel="stylesheet" href="./static/site.css">']
    with open(os.path.join(built, "static", "site.css"), encoding="utf-8") as f:
        bundle = f.read()
    offsets = []
    for name in names:
        with open(os.path.join(REPO_ROOT, "static", name), encoding="utf-8") as f:
            offsets.append(bundle.index(f.read().strip()))  # whole and unchanged
        assert not os.path.exists(os.path.join(built, "static", name))  # not shipped (nor precached) twice
    assert offsets == sorted(offsets)  # the cascade as the template ordered it
    with open(os.path.join(built, "sw.js")) as f:
        assert '"./static/site.css"' in f.read()
