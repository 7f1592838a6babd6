// Boot glue, loaded by index.html before PyScript (which starts Python). The page already shows the network (drawn by the build); this
// shows boot progress in one quiet line (#boot-status), remembers a neuron clicked before Python is up (Python opens
// it once ready), turns a boot failure into a readable message (body data-state="error"), and registers the offline
// service worker once the app is ready; if Python dies later (out of memory), it says so and offers a reload.
(() => {
  "use strict";
  const STALL_MS = 60000; // no progress at all for this long: give up with a message
  const ROOT = new URL("./", document.baseURI).href;
  const BIG_FILES = [ // [URL, what it is, the stage once it has arrived]
    [/\/pyodide\.asm\.wasm$/, "Python runtime", "Starting Python"],
    [/\/python_stdlib\.zip$/, "Python standard library", "Starting Python"],
    [/\/numpy-[^/]*\.whl$/, "NumPy", "Installing NumPy and Pillow"],
    [/\/pillow-[^/]*\.whl$/, "Pillow", "Installing NumPy and Pillow"],
  ];
  // The service worker's precache takes these copies instead of downloading the files again (same name as in sw.js).
  const HANDOVER = `pycnn-explainer ${ROOT} boot`;
  const NEEDED = /\/(vendor|py|weights)\/|\/(pyscript\.json|app\.zip)$/; // a failed fetch of these stops the boot
  const STAGES = { // PyScript's py:progress steps
    "Loading Pyodide": "Loading Python runtime",
    "Loading files": "Loading the app's Python files and model weights",
    "Loaded Pyodide": "Starting the app",
  };
  const started = performance.now();
  const log = []; // [ms since this script ran, text]: read by the tests and the benchmark
  const downloads = new Set();
  const handovers = []; // copies still being written: the worker is registered only once they are all there
  let stage = "Loading Python";
  let pythonOwnsStatus = false;
  let timer = 0;
  window.pycnnBoot = { log, fail, pythonStarts };

  // The boot's downloads start from here (the build lists them in a meta tag) instead of one after another as PyScript
  // reaches them, but only once the network's pre-rendered images have arrived: over HTTP/1.1 (six connections to a
  // host) anything asked for sooner held the connections that the first paint waits for. Then PyScript's modules and
  // small files, and on a first visit the big files too (runtime, standard library, NumPy, our archives) at low
  // priority; a big file that Pyodide asked for meanwhile is not asked for twice. A page that the service worker
  // serves preloads only the modules and small files: the big ones came slower when asked for all at once (and a
  // preloaded wasm misses the compiled-code cache). There, the runtime and the archives (no integrity to check) are
  // fetched with fetch() instead, and each response is handed over when Pyodide or PyScript asks for its URL: the
  // runtime had been asked for only once PyScript's modules had run (a new tab was ready ~0.1 s later).
  const requested = new Set(); // absolute URLs that went through fetch() below
  const early = new Map(); // absolute URL → the response (a promise) of a fetch started before anyone asked
  function preload([rel, href, integrity, priority]) {
    const link = Object.assign(document.createElement("link"), { rel, href });
    if (rel === "preload") Object.assign(link, { as: "fetch", crossOrigin: "anonymous" });
    if (integrity) link.integrity = integrity;
    if (priority) link.fetchPriority = priority;
    document.head.append(link);
  }
  function afterTheImages(then) {
    const pending = [...document.querySelectorAll("link[rel=preload][as=image]")]
      .filter((link) => !performance.getEntriesByName(link.href).length) // not arrived yet
      .map((link) => new Promise((resolve) => {
        link.addEventListener("load", resolve, { once: true });
        link.addEventListener("error", resolve, { once: true });
      }));
    Promise.race([Promise.all(pending), new Promise((resolve) => setTimeout(resolve, 1500))]).then(then);
  }
  {
    const firstVisit = !navigator.serviceWorker?.controller;
    const list = JSON.parse(document.querySelector("meta[name=pycnn-preload]")?.content || "[]");
    const notYet = ([, href]) => !requested.has(new URL(href, document.baseURI).href);
    const fetchEarly = ([, href]) => early.set(new URL(href, document.baseURI).href, nativeFetch(href));
    afterTheImages(() => {
      list.filter(([, , , priority]) => priority !== "low" || firstVisit).filter(notYet).forEach(preload);
      if (!firstVisit) list.filter(([, href, integrity, priority]) => priority === "low" && !integrity).filter(notYet).forEach(fetchEarly);
    });
  }
  // PyScript (static/hooks.mjs) starts once the frame that shows the pre-rendered network has been painted: its
  // modules and Pyodide's runtime run long tasks on the main thread, which otherwise held that frame back (warm and
  // reloaded pages were ready ~10 % sooner too). Its files are preloaded meanwhile (above): what waits is their
  // evaluation, not their download. A page in a background tab gets no frames: a timer starts it there.
  let pyscriptAdded = false;
  function startPython() {
    if (pyscriptAdded) return;
    pyscriptAdded = true;
    document.head.append(Object.assign(document.createElement("script"), { type: "module", src: "./static/hooks.mjs" }));
  }
  afterTheImages(() => {
    requestAnimationFrame(() => setTimeout(startPython)); // the task after this frame's paint
    setTimeout(startPython, 1000);
  });

  const state = () => document.body?.dataset.state;
  const booting = () => !["ready", "error"].includes(state());
  const mb = (bytes) => (bytes / 1e6).toFixed(1);

  function render() {
    let text = stage;
    if (downloads.size) {
      const all = [...downloads].sort((a, b) => b.total - a.total);
      const loaded = all.reduce((sum, d) => sum + d.loaded, 0);
      const total = all.every((d) => d.total) ? " / " + mb(all.reduce((sum, d) => sum + d.total, 0)) : "";
      text = `Loading ${all.map((d) => d.label).join(" and ")} ${mb(loaded)}${total} MB`;
    }
    const box = document.getElementById("boot-status");
    const then = document.body?.dataset.pending ? "it opens the neuron you clicked when ready" : "becomes interactive in a moment";
    if (box && !pythonOwnsStatus && booting()) box.textContent = `${text}… (${then})`;
    if (log.at(-1)?.[1] !== text) log.push([Math.round(performance.now() - started), text]);
    clearTimeout(timer);
    timer = setTimeout(() => fail("The app stopped loading (nothing happened for a minute). Reload the page to try again."), STALL_MS);
  }

  function fail(message) {
    if (!booting()) return;
    if (!document.body) {
      document.addEventListener("DOMContentLoaded", () => fail(message), { once: true });
      return;
    }
    clearTimeout(timer);
    log.push([Math.round(performance.now() - started), "error: " + message]);
    document.body.dataset.state = "error";
    const box = document.getElementById("boot-status");
    if (box) box.textContent = message;
  }

  // A preload (above) that has already arrived whole: its bytes are in memory, not on their way.
  const preloaded = (url) => performance.getEntriesByName(url).some((entry) => entry.initiatorType === "link" && entry.responseEnd > 0);

  // Count the bytes of the big downloads on a clone, so the response itself reaches Pyodide untouched.
  async function count(response, [, label, next]) {
    const encoded = response.headers.get("content-encoding");
    const entry = { label, loaded: 0, total: encoded ? 0 : Number(response.headers.get("content-length")) || 0 };
    downloads.add(entry);
    try {
      const reader = response.clone().body.getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        entry.loaded += chunk.value.byteLength;
        render();
      }
    } catch (error) {
      // the real consumer of the response sees the same failure and reports it
    } finally {
      downloads.delete(entry);
      if (!downloads.size) stage = next;
      render();
    }
  }

  // A browser profile whose HTTP cache cannot hold the 10 MB runtime (private windows) would otherwise make the
  // service worker download it a second time; the worker checks each copy's hash before it uses it.
  function handOver(url, response) {
    if (!window.isSecureContext || !window.caches || navigator.serviceWorker?.controller) return;
    const copy = response.clone(); // now: once Pyodide has read the body it can no longer be cloned
    handovers.push(caches.open(HANDOVER).then((cache) => cache.put(url, copy)).catch(() => {}));
  }

  const nativeFetch = window.fetch;
  window.fetch = async function (input, init) {
    const url = new URL(input instanceof Request ? input.url : String(input), document.baseURI).href;
    const name = url.slice(url.lastIndexOf("/") + 1);
    requested.add(url);
    let response;
    try {
      const ahead = !init?.integrity && early.get(url);
      early.delete(url);
      response = await (ahead || nativeFetch.call(this, input, init));
    } catch (error) {
      if (NEEDED.test(url)) fail(`Could not download ${name} (${error.message}). Check the connection and reload the page.`);
      throw error;
    }
    if (!response.ok && NEEDED.test(url)) fail(`Could not download ${name}: the server answered ${response.status}.`);
    const big = BIG_FILES.find(([pattern]) => pattern.test(url));
    if (big && response.ok && response.body && booting()) {
      if (preloaded(url)) { // nothing left to count: reading a copy would only take time from Python's start
        stage = big[2];
        render();
      } else count(response, big);
      handOver(url, response);
    }
    return response;
  };

  addEventListener("py:progress", (event) => {
    if (STAGES[event.detail]) {
      stage = STAGES[event.detail];
      render();
    }
  });

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

  // PyScript's interpreter is ready and the main script is about to run (static/hooks.mjs): from here the app
  // writes its own status text.
  function pythonStarts(pyodide) {
    window.pycnnBoot.pyodide = pyodide; // for the benchmarks and the tests
    watchForDeath(pyodide);
    render();
    pythonOwnsStatus = true;
  }
  addEventListener("error", (event) => {
    const element = event.target;
    const source = element instanceof HTMLScriptElement ? element.src : element instanceof HTMLLinkElement ? element.href : "";
    if (source.startsWith(ROOT)) fail(`Could not load ${source.slice(ROOT.length)}. Reload the page to try again.`);
    else if (event.filename?.startsWith(ROOT)) fail(`The app failed to start: ${event.message}`);
  }, true);
  addEventListener("unhandledrejection", (event) => {
    fail(`The app failed to start: ${event.reason?.message || event.reason}`);
  });

  // A click on a neuron before Python is up: remember it (the app opens it when ready) and say so.
  document.addEventListener("click", (event) => {
    const node = booting() && event.target.closest?.(".node");
    if (!node) return;
    document.body.dataset.pending = JSON.stringify([node.dataset.layer, Number(node.dataset.index)]);
    render();
  });

  function watchBody() {
    // PyScript reports Python errors in a .py-error element; the app reports readiness in data-state.
    new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (node.classList?.contains("py-error")) fail(`Python failed to start: ${node.textContent.trim().split("\n").at(-1)}`);
        }
      }
    }).observe(document.body, { childList: true });
    new MutationObserver(() => {
      if (state() === "ready") ready();
    }).observe(document.body, { attributes: true, attributeFilter: ["data-state"] });
    render();
  }

  function ready() {
    clearTimeout(timer);
    log.push([Math.round(performance.now() - started), "ready"]);
    // Registered only now, so that precaching reuses what the boot just downloaded instead of competing with it.
    if ("serviceWorker" in navigator && window.isSecureContext) {
      // A page an older release's worker served: when the new release's worker takes over, offer a reload.
      const updating = navigator.serviceWorker.controller !== null;
      navigator.serviceWorker.addEventListener("controllerchange", () => {
        const notice = document.querySelector("#update-notice");
        if (!updating || !notice) return;
        notice.querySelector("button").addEventListener("click", () => location.reload(), { once: true });
        notice.hidden = false;
      });
      Promise.allSettled(handovers)
        .then(() => navigator.serviceWorker.register("./sw.js"))
        .catch((error) => console.warn("offline support unavailable:", error));
    }
  }

  if (document.body) watchBody();
  else document.addEventListener("DOMContentLoaded", watchBody, { once: true });
})();
