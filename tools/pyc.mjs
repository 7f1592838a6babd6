// Compile the .py files below a folder to .pyc, in place, with the very Python the page runs: the vendored
// Pyodide (CPython 3.12.7, WebAssembly) under Node. Bytecode is version-specific, so the machine's own Python
// cannot make it. Hash-based, unchecked .pyc: the browser's file times do not matter (they are built together
// with the sources they come from).
// usage: node tools/pyc.mjs VENDORED_PYODIDE_DIR FOLDER [--beside]   (--beside: x.pyc next to x.py, as zipimport reads)
import path from "node:path";
import { pathToFileURL } from "node:url";

const [vendor, folder, flag] = process.argv.slice(2);
const beside = flag === "--beside";
const { loadPyodide } = await import(pathToFileURL(path.resolve(vendor, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: path.resolve(vendor) + "/" });
pyodide.FS.mkdirTree("/src");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path.resolve(folder) }, "/src");
pyodide.globals.set("beside", beside);
const ok = pyodide.runPython(`
import compileall, py_compile
bool(compileall.compile_dir("/src", quiet=1, legacy=beside, ddir="/lib/python312.zip" if beside else None,
                            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH, workers=1))
`);
process.exit(ok ? 0 : 1);
