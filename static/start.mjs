// Starts Python: Pyodide from our own origin, NumPy, our code and weights (app.zip), then py/webapp/main.py.
// A boot of our own instead of PyScript's, because PyScript's loader builds functions from strings (Function()),
// which a Content-Security-Policy without 'unsafe-eval' forbids; Pyodide itself needs only 'wasm-unsafe-eval'.
// boot.js (loaded first) shows the progress and turns failures into a message; this file only does the steps.
import { loadPyodide } from "../vendor/pyodide/pyodide.mjs";

const boot = window.pycnnBoot;
const here = (path) => new URL(path, document.baseURI).href;

async function bytes(path) {
  const response = await fetch(here(path));
  if (!response.ok) throw new Error(`${path}: the server answered ${response.status}`);
  return response.arrayBuffer();
}

// Python is gone for good after a fatal error (e.g. out of memory): say so and offer a reload, not silence.
// on_fatal is the hook Pyodide calls from its fatal-error handler (meant for embedders; not in its public API).
function watchForDeath(pyodide) {
  pyodide._api.on_fatal = () => {
    const banner = document.getElementById("python-stopped");
    banner.querySelector("button").addEventListener("click", () => location.reload(), { once: true });
    banner.hidden = false;
    document.body.dataset.python = "stopped";
  };
}

try {
  boot.stage("Loading Pyodide");
  const starting = loadPyodide({ indexURL: here("./vendor/pyodide/") });
  // Our files download while Pyodide starts (they need nothing from it); NumPy's wheel needs Pyodide's loader.
  const config = JSON.parse(new TextDecoder().decode(await bytes("./boot.json")));
  const archives = Object.entries(config.archives).map(([path, dir]) => bytes(path).then((data) => [data, dir]));
  const files = Promise.all([bytes(config.app), bytes(config.main), Promise.all(archives)]);
  const pyodide = await starting;
  boot.pyodide = pyodide; // for the console, the benchmarks and the tests
  boot.stage("Loading files");
  await pyodide.loadPackage(config.packages, { messageCallback: () => {} });
  const [app, main, unpacked] = await files;
  pyodide.unpackArchive(app, "zip", { extractDir: config.app_dir });
  for (const [data, dir] of unpacked) pyodide.unpackArchive(data, "zip", { extractDir: dir });  // over the wheel
  boot.stage("Loaded Pyodide");
  watchForDeath(pyodide);
  boot.pythonStarts();
  await pyodide.runPythonAsync(new TextDecoder().decode(main), { filename: config.main });
} catch (error) {
  boot.fail(`Python failed to start: ${error.message.trim().split("\n").at(-1)}`);
}
