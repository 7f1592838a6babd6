"""Python bytecode for the page's start-up, built beside the sources it comes from.

Pyodide 0.27.7 ships its standard library and the NumPy wheel as .py sources only, so every page load used
to compile ~230 modules before the first forward pass (about half of Python's start-up). The build compiles
them once, with the vendored Pyodide itself (tools/pyc.mjs), into:
- vendor/pyodide/python_stdlib.zip: the official zip with the modules the boot imports (boot_stdlib.txt) as
  sourceless .pyc (zipimport reads .pyc only beside, not instead of, a missing .py); every other file as it was;
- vendor/pyodide/numpy_pyc.zip: __pycache__ files for the NumPy modules the boot imports (boot_numpy.txt),
  unpacked over the installed, untouched official wheel;
- app.zip: our packages and weights with their .py sources (the code panels show them) and __pycache__, and the
  __pycache__ of PyScript's own package (pyscript/*.py, which its core writes into the working folder and imports at
  every start: the sources are its, the bytecode beside them ours).
The official files are verified first (tools/vendor.py); these are derived from them. A stale list costs only
speed: a module without bytecode is compiled from its source as before. tools/boot_modules.py renews the lists.
"""
import json
import os
import shutil
import subprocess
import tempfile
import zipfile

TOOLS = os.path.dirname(os.path.abspath(__file__))
EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed times: the same inputs give the same bytes (a release downloads only what changed)


def boot_list(name):
    """The module files (relative paths) named in tools/<name>."""
    with open(os.path.join(TOOLS, name)) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def compile_tree(pyodide_dir, folder, beside=False):
    """Compile every .py below folder in place with the vendored Pyodide's Python."""
    command = ["node", os.path.join(TOOLS, "pyc.mjs"), pyodide_dir, folder] + (["--beside"] if beside else [])
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise RuntimeError("node is needed to compile the page's bytecode (see the README)") from None
    except subprocess.CalledProcessError as error:
        raise RuntimeError(f"compiling bytecode failed: {error.stderr.strip()[-500:]}") from None


def write_zip(folder, path, keep=lambda rel: True, directories=False):
    """Zip folder's files (sorted, fixed times) into path, those for which keep(relative path) is true; with
    directories, an entry for every folder too (as the official stdlib zip has: zipimport looks folders up)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for parent, dirs, files in os.walk(folder):
            dirs.sort()
            rel_dir = os.path.relpath(parent, folder).replace(os.sep, "/")
            if directories and rel_dir != ".":
                archive.writestr(zipfile.ZipInfo(rel_dir + "/", EPOCH), b"")
            for name in sorted(files):
                rel = os.path.relpath(os.path.join(parent, name), folder).replace(os.sep, "/")
                if keep(rel):
                    info = zipfile.ZipInfo(rel, EPOCH)
                    info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
                    with open(os.path.join(parent, name), "rb") as f:
                        archive.writestr(info, f.read())


def stdlib_zip(pyodide_dir):
    """Rewrite python_stdlib.zip with the boot's modules as sourceless .pyc (every other file unchanged)."""
    path = os.path.join(pyodide_dir, "python_stdlib.zip")
    boot = boot_list("boot_stdlib.txt")
    with tempfile.TemporaryDirectory() as everything, tempfile.TemporaryDirectory() as chosen:
        with zipfile.ZipFile(path) as archive:
            archive.extractall(everything)
        for rel in boot:
            if os.path.exists(os.path.join(everything, rel)):
                os.makedirs(os.path.dirname(os.path.join(chosen, rel)), exist_ok=True)
                shutil.copy(os.path.join(everything, rel), os.path.join(chosen, rel))
        compile_tree(pyodide_dir, chosen, beside=True)
        compiled = {rel for rel in boot if os.path.exists(os.path.join(chosen, rel + "c"))}
        for rel in compiled:
            shutil.copy(os.path.join(chosen, rel + "c"), os.path.join(everything, rel + "c"))
        write_zip(everything, path, keep=lambda rel: rel not in compiled, directories=True)
    return len(compiled)


def numpy_overlay(pyodide_dir, wheel):
    """Write numpy_pyc.zip: __pycache__/*.pyc of the boot's NumPy modules, to unpack over the installed wheel."""
    boot = set(boot_list("boot_numpy.txt"))
    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(os.path.join(pyodide_dir, wheel)) as archive:
            archive.extractall(folder, [name for name in archive.namelist() if name in boot])
        compile_tree(pyodide_dir, folder)
        write_zip(folder, os.path.join(pyodide_dir, "numpy_pyc.zip"), keep=lambda rel: rel.endswith(".pyc"))


def pyscript_package(pyscript_dir):
    """{relative path: source} of PyScript's Python package, read from the object literal in its core-*.js that it
    writes out at start (`...(".",{pyscript:{"__init__.py":"...",...}})`; its strings use JSON's escapes only)."""
    [core] = [name for name in os.listdir(pyscript_dir) if name.startswith("core-") and name.endswith(".js")]
    with open(os.path.join(pyscript_dir, core), encoding="utf-8") as f:
        text = f.read()
    head = '(".",{pyscript:'
    start, end = text.index(head) + len(head), text.index('.push("import pyscript as _pyscript")')
    files = json.loads(text[start:text.rindex(")", start, end)][:-1])
    return {f"pyscript/{name}": source for name, source in files.items()}


def app_zip(out, packages=("cnn_explainer", "webapp"), script="webapp/main.py"):
    """Write out/app.zip: our packages with sources and bytecode, the weights (the script runs from its .py), and
    the bytecode of PyScript's package (its sources left out: PyScript writes them itself)."""
    pyscript = pyscript_package(os.path.join(out, "vendor", "pyscript"))
    with tempfile.TemporaryDirectory() as folder:
        for package in packages:
            shutil.copytree(os.path.join(out, "py", package), os.path.join(folder, package))
        os.remove(os.path.join(folder, script))  # run by PyScript as a script (with top-level await), never imported
        shutil.copytree(os.path.join(out, "weights"), os.path.join(folder, "weights"))
        for rel, source in pyscript.items():
            os.makedirs(os.path.dirname(os.path.join(folder, rel)), exist_ok=True)
            with open(os.path.join(folder, rel), "w", encoding="utf-8", newline="") as f:
                f.write(source)
        compile_tree(os.path.join(out, "vendor", "pyodide"), folder)
        write_zip(folder, os.path.join(out, "app.zip"),  # .mo is what runs
                  keep=lambda rel: not rel.endswith(".po") and rel not in pyscript)


def build(out, numpy_wheel):
    """All three: the stdlib zip, the NumPy overlay and app.zip, for the site in out."""
    pyodide_dir = os.path.join(out, "vendor", "pyodide")
    stdlib_zip(pyodide_dir)
    numpy_overlay(pyodide_dir, numpy_wheel)
    app_zip(out)


STDLIB, SITE = "/lib/python312.zip/", "/lib/python3.12/site-packages/"


def boot_lists(files):
    """(stdlib paths, NumPy paths) of the module files a page imported (as main.py's imported_files() lists them)."""
    stdlib, numpy = set(), set()
    for path in files:
        source = path[:-1] if path.endswith(".pyc") else path  # a sourceless module is its .py for the list
        if not source.endswith(".py"):
            continue
        if source.startswith(STDLIB):
            stdlib.add(source[len(STDLIB):])
        elif source.startswith(SITE + "numpy/"):
            numpy.add(source[len(SITE):])
    return sorted(stdlib), sorted(numpy)
