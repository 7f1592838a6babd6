"""Small DOM helpers shared by the browser layer (the page's main thread)."""
import js
from pyscript import document
from pyodide.ffi import create_once_callable, create_proxy, to_js


def one(selector, root=None):
    """The first element matching a CSS selector (None if there is none)."""
    return (root or document).querySelector(selector)


def every(selector, root=None):
    """All elements matching a CSS selector, as a Python list."""
    return list((root or document).querySelectorAll(selector))


def set_text(selector, text):
    """Set an element's text content (text, never markup)."""
    element = one(selector)
    if element is not None:
        element.textContent = text


def closest(event, selector):
    """The element matching selector that an event happened in (None for events on non-elements)."""
    target = event.target
    return target.closest(selector) if target is not None and hasattr(target, "closest") else None


def paint(canvases, rgba):
    """Paint (N, H, W, 4) uint8 maps into N canvases with one copy into JavaScript and one putImageData each."""
    count, height, width = rgba.shape[:3]
    buffer = to_js(memoryview(rgba.reshape(-1))).buffer
    size = height * width * 4
    for i, canvas in enumerate(canvases[:count]):
        pixels = js.Uint8ClampedArray.new(buffer, i * size, size)
        canvas.getContext("2d").putImageData(js.ImageData.new(pixels, width, height), 0, 0)


def mark_code_line(root, panel, line):
    """Highlight line `line` of the `panel`-th code panel under root (and no other line)."""
    for current in every(".code-panel .line.current", root):
        current.classList.remove("current")
    panels = every(".code-panel", root)
    if panel < len(panels):
        element = one(f'.line[data-line="{line}"]', panels[panel])
        if element is not None:
            element.classList.add("current")


def later(function, ms=0):
    """Run function after the current event (or ms later): a handler must not destroy its own proxy while it runs."""
    js.setTimeout(create_once_callable(lambda *_: function()), ms)


def after_paint(function):
    """Run function once the browser has drawn the next frame (what it adds is drawn in the frame after)."""
    js.requestAnimationFrame(create_once_callable(lambda *_: later(function)))


def media(query):
    """True when a CSS media query matches now."""
    return bool(js.window.matchMedia(query).matches)


def reduced_motion():
    """True when the visitor asked the system for less motion."""
    return media("(prefers-reduced-motion: reduce)")


PROXIES = {"made": 0, "destroyed": 0}  # the long-lived proxies views make and free (read by bench/bench_soak.py)


def make_proxy(function):
    """A JavaScript proxy of a Python function, counted until destroy_proxy()."""
    PROXIES["made"] += 1
    return create_proxy(function)


def destroy_proxy(proxy):
    """Free a proxy from make_proxy()."""
    proxy.destroy()
    PROXIES["destroyed"] += 1


class Listeners:
    """Event listeners added from Python; clear() removes them all and frees their JavaScript proxies."""

    def __init__(self):
        self.added = []

    def add(self, element, event, handler):
        """Call handler(event) for this element's events until clear()."""
        proxy = make_proxy(handler)
        element.addEventListener(event, proxy)
        self.added.append((element, event, proxy))

    def clear(self):
        """Remove every listener and destroy its proxy."""
        for element, event, proxy in self.added:
            element.removeEventListener(event, proxy)
            destroy_proxy(proxy)
        self.added = []
