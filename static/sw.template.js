// Offline support: a cache-first service worker that precaches every file of the site.
// tools/build_site.py writes dist/sw.js from this template, filling in BUILD:
// {"version": a hash of every file's content, "files": [["./path", "sha256-<base64>"], ...]}.
const BUILD = __BUILD__;
// sw.js sits at the site root, so its own URL gives the root both at / and under /REPO/.
const ROOT = new URL("./", self.location.href).href;
const PREFIX = `pycnn-explainer ${ROOT} `;
const CACHE = PREFIX + BUILD.version;

async function digest(response) {
  const bytes = await response.clone().arrayBuffer();
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return "sha256-" + btoa(String.fromCharCode(...hash));
}

// A file with the same bytes in an older release's cache (a new release downloads only what changed), or in the
// copies static/boot.js kept of the big files it just downloaded (the cache named PREFIX + "boot").
async function fromOldCaches(url, integrity) {
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX) || name === CACHE) continue;
    const old = await (await caches.open(name)).match(url);
    if (old && (await digest(old)) === integrity) return old;
  }
  return null;
}

async function precache() {
  const cache = await caches.open(CACHE);
  await Promise.all(BUILD.files.map(async ([path, integrity]) => {
    const url = new URL(path, ROOT).href;
    if (await cache.match(url)) return;
    // "no-cache" revalidates (a 304 reuses the bytes the page just downloaded, so nothing is fetched twice)
    // and keeps a stale HTTP-cache copy of an older release out; integrity pins this build's exact bytes.
    const response = (await fromOldCaches(url, integrity)) || (await fetch(url, { cache: "no-cache", integrity }));
    if (!response.ok) throw new Error(`precache ${path}: HTTP ${response.status}`);
    await cache.put(url, response);
  }));
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !request.url.startsWith(ROOT)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    let url = request.url.split("#")[0];
    if (request.mode === "navigate") url = url.split("?")[0].replace(/\/$/, "/index.html");
    return (await cache.match(url)) || fetch(request);
  })());
});
