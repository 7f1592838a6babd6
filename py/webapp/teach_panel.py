"""The Teach panel (#teach): the visitor's classes and their pictures (files, drop, paste, camera), the project file,
and the buttons that start, pause and stop a training (webapp.teach_run drives it)."""
import asyncio

import js
from pyodide.ffi import JsException, to_js
from pyscript import document

from cnn_explainer.i18n import _, ngettext
from cnn_explainer.net.training import TeachError, parse_seed
from cnn_explainer.page import markup, teach_figures

from .camera import options, refusal
from .dom import Listeners, closest, later, one
from .loading import image_module, read_file
from .teach_run import TeachRun

MAX_CLASSES = 10
START_CLASSES = 2
RECORD_S = 0.2  # the camera records about 5 pictures a second while its button is held
PREVIEW_S = 0.2  # and predicts a frame this often for a taught model
FRAME_SIDE = 256  # a camera frame's centre square is read at most this large, then prepared like a picture


async def project_module():
    """cnn_explainer.page.teach_project, once Pillow is installed (it decodes and encodes the pictures)."""
    await image_module()
    from cnn_explainer.page import teach_project
    return teach_project


def download(name, data, kind="application/zip"):
    """Hand bytes to the browser as a downloaded file (a Blob URL, released a little later)."""
    blob = js.Blob.new(to_js([to_js(memoryview(data))]), options({"type": kind}))
    url = js.URL.createObjectURL(blob)
    link = document.createElement("a")
    link.href, link.download = url, name
    link.click()
    later(lambda: js.URL.revokeObjectURL(url), 60_000)


class TeachClass:
    """One class in the panel: its card element and its pictures (uint8 model-input pixels and thumbnail URLs)."""

    def __init__(self, card):
        self.card, self.pictures, self.urls = card, [], []

    @property
    def name(self):
        return one(".teach-name", self.card).value.strip()

    def clear(self):
        """Release every thumbnail's URL."""
        for url in self.urls:
            js.URL.revokeObjectURL(url)
        self.pictures, self.urls = [], []


class TeachPanel:
    """Owns #teach: classes, pictures, camera, project files; Train hands them to a TeachRun."""

    def __init__(self, app):
        self.app, self.classes, self.serial = app, [], 0
        self.run = TeachRun(app, self.say, self.update_buttons)
        self.stream, self.recording, self.camera_task = None, None, None
        self.listeners = Listeners()  # bound for the page's whole life
        panel = one("#teach")
        for event, handler in (("click", self.on_click), ("change", self.on_change), ("dragover", self.on_dragover),
                               ("dragleave", self.on_dragleave), ("drop", self.on_drop), ("paste", self.on_paste),
                               ("pointerdown", self.on_record_down), ("keydown", self.on_key), ("keyup", self.on_key_up)):
            self.listeners.add(panel, event, handler)
        for event in ("pointerup", "pointercancel"):
            self.listeners.add(js.document, event, lambda event: self.stop_recording())
        for _number in range(START_CLASSES):
            self.add_class()

    # the panel

    def toggle(self, event=None):
        """Open the panel (focus on its first class name) or close it (focus back on the button)."""
        panel, button = one("#teach"), one("#teach-open")
        opening = bool(panel.hidden)
        if opening and not one("#console").hidden:
            one("#console-open").click()  # both dock at the right: one at a time
        panel.hidden = not opening
        button.setAttribute("aria-expanded", "true" if opening else "false")
        document.body.classList.toggle("teach-open", opening)
        if opening:
            one(".teach-name").focus()
            later(self.show_default_epochs)  # imports the trainer: ready before Train is pressed, not on its click
        else:
            self.camera_off()
            button.focus()

    def close(self, event=None):
        """Close the panel without moving the focus (another panel that docks at the right is opening)."""
        if not one("#teach").hidden:
            one("#teach").hidden = True
            one("#teach-open").setAttribute("aria-expanded", "false")
            document.body.classList.remove("teach-open")
            self.camera_off()

    def say(self, text, kind="note"):
        """The panel's message line (text, never markup)."""
        box = one("#teach-message")
        box.textContent = text
        box.className = f"teach-message {kind}" if text else "teach-message"

    # classes

    def add_class(self, name=None):
        """Append a class card (up to MAX_CLASSES); returns its TeachClass."""
        if len(self.classes) >= MAX_CLASSES:
            self.say(_("A project has at most {count} classes.").format(count=MAX_CLASSES), "error")
            return None
        self.serial += 1
        number = len(self.classes) + 1
        holder = document.createElement("div")
        holder.innerHTML = teach_figures.class_card_html(self.serial, number, teach_figures.default_class_name(number))
        card = holder.firstElementChild
        if name is not None:
            one(".teach-name", card).value = name  # someone's text: set as a value, never parsed
        one("#teach-classes").appendChild(card)
        self.classes.append(TeachClass(card))
        self.update_buttons()
        return self.classes[-1]

    def remove_class(self, entry):
        """Remove a class and its pictures (one stays at least)."""
        if len(self.classes) <= 1:
            return
        entry.clear()
        entry.card.remove()
        self.classes.remove(entry)
        self.relabel_cards()

    def class_of(self, element):
        """The TeachClass whose card holds an element (None outside every card)."""
        card = element.closest(".teach-class") if element is not None and hasattr(element, "closest") else None
        return next((entry for entry in self.classes if card is not None and entry.card == card), None)

    def update_buttons(self):
        """Add is off at the limit; a lone class cannot be removed; the counts are right."""
        one("#teach-add").disabled = len(self.classes) >= MAX_CLASSES or self.run.busy
        for entry in self.classes:
            one(".teach-remove-class", entry.card).disabled = len(self.classes) <= 1 or self.run.busy
            one(".teach-count", entry.card).textContent = teach_figures.picture_count(len(entry.pictures))
        document.body.dataset.teachPictures = str(sum(len(entry.pictures) for entry in self.classes))

    def relabel(self):
        """Write the panel's own words again in the page's language (after a language switch)."""
        self.relabel_cards()
        self.run.relabel()

    def relabel_cards(self):
        """Each card's words for its place in the list (after a switch, or after a class before it was removed)."""
        for number, entry in enumerate(self.classes, 1):
            labels = teach_figures.class_labels(number)
            entry.card.setAttribute("aria-label", labels["group"])
            one(".teach-name", entry.card).setAttribute("aria-label", labels["name"])
            one(".teach-remove-class", entry.card).setAttribute("aria-label", labels["remove"])
            one(".teach-class-tools label", entry.card).textContent = labels["choose"]
            one(".teach-record", entry.card).textContent = labels["record"]
            for button in entry.card.querySelectorAll(".teach-remove"):
                button.setAttribute("aria-label", _("Remove this picture"))
        self.update_buttons()

    # pictures

    async def add_files(self, entry, files):
        """Prepare picture files for a class (like an upload); a file that cannot be read is skipped and said."""
        project = await project_module()
        image = await image_module()  # cnn_explainer.net.image
        shape, skipped = self.run.input_shape(), []
        for file in files:
            name = markup.isolate(file.name) if file.name else _("a pasted picture")
            try:
                pixels = image.picture_pixels(await read_file(file, image.ImageError), shape)
            except image.ImageError as error:
                skipped.append(f"“{name}” ({error})")
                continue
            self.add_picture(entry, pixels, project)
        if skipped:
            self.say(ngettext("Skipped a picture that could not be read: {names}.",
                              "Skipped {count} pictures that could not be read: {names}.", len(skipped)).format(
                count=len(skipped), names="; ".join(skipped)), "error")
        else:
            self.say("")
        self.update_buttons()

    def add_picture(self, entry, pixels, project):
        """One prepared picture: kept, and shown as a thumbnail with its remove button."""
        url = js.URL.createObjectURL(js.Blob.new(to_js([to_js(memoryview(project.png_bytes(pixels)))]),
                                                 options({"type": "image/png"})))
        entry.pictures.append(pixels)
        entry.urls.append(url)
        thumb = document.createElement("span")
        thumb.className = "teach-thumb"
        thumb.setAttribute("role", "listitem")
        picture = document.createElement("img")
        picture.src, picture.alt, picture.width, picture.height = url, "", 48, 48
        remove = document.createElement("button")
        remove.type, remove.className, remove.textContent = "button", "teach-remove", "×"
        remove.setAttribute("aria-label", _("Remove this picture"))
        thumb.append(picture, remove)
        one(".teach-thumbs", entry.card).appendChild(thumb)

    def remove_picture(self, entry, thumb):
        """Drop one picture of a class."""
        index = list(one(".teach-thumbs", entry.card).children).index(thumb)
        js.URL.revokeObjectURL(entry.urls.pop(index))
        entry.pictures.pop(index)
        thumb.remove()
        self.update_buttons()

    # events

    async def on_click_async(self, event):
        """The panel's buttons (one listener for them all)."""
        target = event.target
        button = target.closest("button") if hasattr(target, "closest") else None
        if button is None or button.disabled:
            return
        entry = self.class_of(button)
        ident, kind = button.id, button.classList
        if ident == "teach-close":
            self.toggle()
        elif ident == "teach-add":
            added = self.add_class()
            if added is not None:
                one(".teach-name", added.card).focus()
        elif kind.contains("teach-remove-class") and entry is not None:
            self.remove_class(entry)
            one("#teach-add").focus()
        elif kind.contains("teach-remove") and entry is not None:
            self.remove_picture(entry, button.closest(".teach-thumb"))
            entry.card.focus()
        elif ident == "teach-camera":
            if self.stream is None:
                await self.camera_on()
            else:
                self.camera_off()
        elif ident == "teach-train":
            if (settings := self.checked_settings()) is not None:
                await self.run.start(self.classes, settings)
            self.update_buttons()
        elif ident == "teach-pause":
            self.run.pause()
        elif ident == "teach-resume":
            self.run.resume()
        elif ident == "teach-stop":
            self.run.stop()
        elif ident == "teach-export":
            project = await project_module()
            download(*project.export_ours(self.run.result))
        elif ident == "teach-export-tfjs":
            project = await project_module()
            download(*project.export_tfjs(self.run.result))
        elif ident == "teach-save":
            await self.save_project()

    def on_click(self, event):
        """Clicks start their work as a task (the handler itself returns at once)."""
        asyncio.ensure_future(self.guard(self.on_click_async(event)))

    async def guard(self, work):
        """Run a handler's work; an unexpected error becomes the panel's message, never a dead panel."""
        try:
            await work
        except Exception as error:  # the page must keep working whatever one handler did
            js.console.error(f"teach: {error!r}")
            self.say(_("Something went wrong: {error}").format(error=error), "error")

    def on_change(self, event):
        """A class's file picker, the project picker, or the mode (its epochs follow)."""
        target = event.target
        if target.id == "teach-project":
            files = target.files
            if files.length:
                asyncio.ensure_future(self.guard(self.open_project(files.item(0))))
            target.value = ""
        elif target.classList.contains("teach-files"):
            entry = self.class_of(target)
            files = [target.files.item(i) for i in range(target.files.length)]
            target.value = ""
            if entry is not None and files:
                asyncio.ensure_future(self.guard(self.add_files(entry, files)))
        elif target.id == "teach-mode":
            self.show_default_epochs()

    def show_default_epochs(self):
        """The epochs field's placeholder: the chosen mode's default (the trainer's recipe)."""
        one("#teach-epochs").placeholder = str(self.run.default_epochs(one("#teach-mode").value))

    def on_dragover(self, event):
        """A class takes dropped files (marked while one is over it)."""
        entry = self.class_of(event.target)
        if entry is not None:
            event.preventDefault()
            entry.card.classList.add("drop-target")

    def on_dragleave(self, event):
        entry = self.class_of(event.target)
        if entry is not None and not entry.card.contains(event.relatedTarget):
            entry.card.classList.remove("drop-target")

    def on_drop(self, event):
        """Files dropped onto a class become its pictures (the page's own drop, showing one image, is not meant)."""
        entry = self.class_of(event.target)
        if entry is None:
            return
        event.preventDefault()
        event.stopPropagation()
        entry.card.classList.remove("drop-target")
        document.body.classList.remove("dragging")
        files = [event.dataTransfer.files.item(i) for i in range(event.dataTransfer.files.length)]
        if files:
            asyncio.ensure_future(self.guard(self.add_files(entry, files)))

    def on_paste(self, event):
        """A paste while a class has the focus adds the clipboard's images to it."""
        entry = self.class_of(event.target)
        data = event.clipboardData
        files = [data.files.item(i) for i in range(data.files.length)] if entry is not None and data is not None else []
        images = [file for file in files if file.type.startswith("image/")]
        if not images:
            return
        event.preventDefault()
        event.stopPropagation()  # the page's own paste (show the image) is not meant
        asyncio.ensure_future(self.guard(self.add_files(entry, images)))

    def on_key(self, event):
        """Escape closes the panel; Space or Enter held on a record button records."""
        if event.key == "Escape":
            event.stopPropagation()  # the explanation's own Escape (step back) is not meant
            self.toggle()
        elif event.key in (" ", "Enter") and closest(event, ".teach-record") is not None:
            event.preventDefault()
            if not event.repeat:
                self.start_recording(self.class_of(event.target))

    def on_key_up(self, event):
        if event.key in (" ", "Enter"):
            self.stop_recording()

    def on_record_down(self, event):
        """Pressing a record button records until it is released."""
        button = closest(event, ".teach-record")
        if button is not None and event.button == 0:
            event.preventDefault()
            self.start_recording(self.class_of(button))

    # the camera

    async def camera_on(self):
        """Start the panel's camera preview (or say why there is none)."""
        media = getattr(js.navigator, "mediaDevices", None)
        if media is None or not hasattr(media, "getUserMedia"):
            self.say(_("This browser offers no camera on this page (it needs https or localhost)."), "error")
            return
        try:
            stream = await media.getUserMedia(options({"video": {"facingMode": "environment"}, "audio": False}))
        except JsException as error:
            self.say(refusal(error), "error")
            return
        self.stream = stream
        one("#teach-video").srcObject = stream
        one("#teach-camera-view").hidden = False
        one("#teach-camera").setAttribute("aria-pressed", "true")
        self.camera_task = asyncio.ensure_future(self.guard(self.camera_loop()))

    def camera_off(self):
        """Turn the camera off (every track) and hide the preview."""
        self.recording = None
        if self.stream is not None:
            for track in self.stream.getTracks():
                track.stop()
        self.stream = None
        one("#teach-video").srcObject = None
        one("#teach-camera-view").hidden = True
        one("#teach-camera").setAttribute("aria-pressed", "false")
        one("#teach-live").textContent = ""

    def start_recording(self, entry):
        """Record the camera's frames into a class while its button is held (the camera starts if it is off)."""
        if entry is None:
            return
        self.recording = entry
        entry.card.classList.add("recording")
        if self.stream is None:
            asyncio.ensure_future(self.guard(self.camera_on()))

    def stop_recording(self):
        if self.recording is not None:
            self.recording.card.classList.remove("recording")
        self.recording = None

    def frame(self, project):
        """The camera's current frame as the model's input pixels (None before the first frame)."""
        video = one("#teach-video")
        width, height = video.videoWidth, video.videoHeight
        if not width or not height:
            return None
        side = min(width, height)
        out = min(side, FRAME_SIDE)
        canvas = document.createElement("canvas")
        canvas.width = canvas.height = out
        context = canvas.getContext("2d")
        context.drawImage(video, (width - side) / 2, (height - side) / 2, side, side, 0, 0, out, out)
        rgba = context.getImageData(0, 0, out, out).data.to_py()
        return project.frame_pixels(rgba, out, out, self.run.input_shape())

    async def camera_loop(self):
        """While the camera is on: record into the held class, else predict each frame with a taught model."""
        project = await project_module()
        while self.stream is not None:
            entry = self.recording
            pixels = self.frame(project)
            if pixels is not None and entry is not None and entry in self.classes:
                self.add_picture(entry, pixels, project)
                self.update_buttons()
            elif pixels is not None:
                one("#teach-live").textContent = self.run.live_prediction(pixels)
            await asyncio.sleep(RECORD_S if entry is not None else PREVIEW_S)

    # settings and project files

    def settings(self):
        """The mode, epochs (None: the mode's default), seed and model name the panel shows (TeachError for a bad seed)."""
        epochs = one("#teach-epochs").value.strip()
        return {"mode": one("#teach-mode").value, "epochs": int(epochs) if epochs.isdigit() and int(epochs) > 0 else None,
                "seed": parse_seed(one("#teach-seed").value), "name": one("#teach-model-name").value.strip() or _("my model")}

    def checked_settings(self):
        """settings(), or None after saying what is wrong with them (nothing starts, nothing is saved)."""
        try:
            return self.settings()
        except TeachError as error:
            self.say(str(error), "error")
            one("#teach-seed").focus()
            return None

    async def save_project(self):
        """Download the pictures, class names and settings as one .zip."""
        if (settings := self.checked_settings()) is None:
            return
        project = await project_module()
        settings = {key: value for key, value in settings.items() if value is not None}
        download("teach-project.zip", project.pack([(entry.name, entry.pictures) for entry in self.classes], settings))
        self.say(_("The project was saved as teach-project.zip."))

    async def open_project(self, file):
        """Replace the panel's classes and settings with a saved project's (on a bad file: one message, nothing changes)."""
        project = await project_module()
        try:
            data = await read_file(file, project.ProjectError)
            classes, settings = project.unpack(data, self.run.input_shape())
        except project.ProjectError as error:
            self.say(_("Could not open that project: {error}. Nothing was changed.").format(error=error), "error")
            return
        for entry in list(self.classes):
            entry.clear()
            entry.card.remove()
        self.classes = []
        for name, pictures in classes:
            entry = self.add_class(name)
            for pixels in pictures:
                self.add_picture(entry, pixels, project)
        one("#teach-mode").value = settings.get("mode", "quick")
        one("#teach-epochs").value = str(settings.get("epochs", ""))
        one("#teach-model-name").value = settings.get("name", one("#teach-model-name").value)
        one("#teach-seed").value = str(settings.get("seed", 0))
        self.update_buttons()
        self.say(_("Opened the project: {count} pictures.").format(count=sum(len(p) for _n, p in classes)))
