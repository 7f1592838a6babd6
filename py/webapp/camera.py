"""Take a photo with the visitor's camera: a live preview in a dialog, a shutter, and the camera off right after."""
import asyncio

import js
from pyodide.ffi import JsException, create_once_callable, to_js

from cnn_explainer.i18n import _

from .dom import Listeners, one

PHOTO_NAME = "photo.png"


def options(value):
    """A Python dict as a JavaScript object (for browser APIs that take an options object)."""
    return to_js(value, dict_converter=js.Object.fromEntries)


def refusal(error):
    """What to say when the camera does not start, by the browser's error name."""
    name = getattr(error, "name", "")
    if name in ("NotAllowedError", "SecurityError"):
        return _("The camera was not allowed. Allow it in the browser's site settings, or use “Your image…”.")
    if name in ("NotFoundError", "OverconstrainedError", "NotReadableError"):
        return _("No camera could be used here. Use “Your image…” instead.")
    return _("The camera could not start ({error}).").format(error=getattr(error, "message", "") or name)


class Camera:
    """The camera dialog: open() starts the preview, the shutter hands a PNG file to on_photo, closing stops it."""

    def __init__(self, on_photo):
        self.on_photo, self.stream = on_photo, None
        self.dialog, self.video, self.status = one("#camera"), one("#camera-video"), one("#camera-status")
        self.shutter = one("#camera-shutter")
        self.listeners = Listeners()  # bound for the page's whole life
        self.listeners.add(self.shutter, "click", lambda event: asyncio.ensure_future(self.shoot()))
        self.listeners.add(one("#camera-close"), "click", lambda event: self.dialog.close())
        self.listeners.add(self.dialog, "close", lambda event: self.stop())

    async def open(self):
        """Show the dialog and start the preview (or say why there is none)."""
        self.shutter.disabled = True
        self.status.textContent = _("Starting the camera…")
        self.dialog.showModal()
        media = getattr(js.navigator, "mediaDevices", None)
        if media is None or not hasattr(media, "getUserMedia"):
            self.status.textContent = _("This browser offers no camera on this page (it needs https or localhost).")
            return
        try:
            stream = await media.getUserMedia(options({"video": {"facingMode": "environment"}, "audio": False}))
        except JsException as error:
            self.status.textContent = refusal(error)
            return
        if not self.dialog.open:  # closed while the browser was asking: let the camera go at once
            for track in stream.getTracks():
                track.stop()
            return
        self.stream = stream
        self.video.srcObject = stream
        self.status.textContent = ""
        self.shutter.disabled = False
        self.shutter.focus()

    def stop(self):
        """Turn the camera off (every track) and forget the preview."""
        if self.stream is not None:
            for track in self.stream.getTracks():
                track.stop()
        self.stream = None
        self.video.srcObject = None
        self.shutter.disabled = True

    async def shoot(self):
        """Grab the preview's current frame as a PNG file, close the dialog (camera off) and hand the file on."""
        width, height = self.video.videoWidth, self.video.videoHeight
        if not width or not height:
            return
        canvas = js.document.createElement("canvas")
        canvas.width, canvas.height = width, height
        canvas.getContext("2d").drawImage(self.video, 0, 0, width, height)
        self.dialog.close()
        done = asyncio.get_event_loop().create_future()
        canvas.toBlob(create_once_callable(done.set_result), "image/png")
        blob = await done
        await self.on_photo(js.File.new(to_js([blob]), PHOTO_NAME, options({"type": "image/png"})))
