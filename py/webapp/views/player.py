"""The animation player of the explanation views: position, phase, timer, play/pause, speed and keys."""
import time

import js

from cnn_explainer.page import markup, steps
from cnn_explainer.i18n import N_, _

from ..dom import Listeners, destroy_proxy, make_proxy, reduced_motion

SPEEDS = {N_("slow"): 600, N_("normal"): 140, N_("fast"): 30}  # ms per phase (the menu shows the names translated)


def controls_html(label):
    """Play/pause, step buttons and speed control for one view."""
    options = "".join(f'<option value="{k}"{" selected" if k == "normal" else ""}>{_(k)}</option>' for k in SPEEDS)
    group = _("{view}: animation controls").format(view=markup.escape(label))
    play, step, speed = _("Play"), _("Step"), _("Speed")
    back, forward = _("Step back to the previous position"), _("Step forward to the next position")
    return (f'<div class="player" role="group" aria-label="{group}">'
            f'<button type="button" class="play" aria-pressed="false">{play}</button>'
            f'<button type="button" class="step-back" aria-label="{back}">◀ {step}</button>'
            f'<button type="button" class="step-forward" aria-label="{forward}">{step} ▶</button>'
            f'<label>{speed} <select class="speed">{options}</select></label>'
            '<span class="position" aria-live="polite"></span></div>')


class Player:
    """Walks the cells of an output grid; each cell has `phases` sub-steps; calls show(position, phase)."""

    on_move = None  # called after every move the visitor makes (not the timer's): the address records the position

    def __init__(self, root, shape, phases, show):
        self.root, self.shape, self.phases, self.show = root, shape, phases, show
        self.position, self.phase = (0, 0), phases - 1
        self.timer, self.speed = None, "normal"
        self.tick_proxy = make_proxy(lambda *_: self.tick())
        self.listeners = Listeners()
        self.listen(".play", "click", lambda e: self.toggle())
        self.listen(".step-forward", "click", lambda e: self.step(1))
        self.listen(".step-back", "click", lambda e: self.step(-1))
        self.listen(".speed", "change", lambda e: self.set_speed(e.target.value))

    def listen(self, selector, event, handler):
        """Attach a listener to a control inside this view, remembered so destroy() can drop it."""
        self.listeners.add(self.root.querySelector(selector), event, handler)

    def follow(self, grid):
        """Let the output grid drive the player: pointing at a cell jumps there and pauses; keys step."""
        self.listeners.add(grid.canvas, "pointermove", lambda event: self.point(grid.cell_at(event)))
        self.listeners.add(grid.canvas, "keydown", self.on_key)

    def point(self, cell):
        """Pause and show a cell complete (unless it is already shown so)."""
        self.pause()
        if cell != self.position or self.phase != self.phases - 1:
            self.go(cell)

    def on_key(self, event):
        """Arrow keys, Home and End step; Space plays or pauses."""
        if self.key(event):
            event.preventDefault()
            event.stopPropagation()

    def render(self):
        """Show the current position and phase, say where we are, and record the Python time it took."""
        start = time.perf_counter()
        self.show(self.position, self.phase)
        label = self.root.querySelector(".position")
        label.innerHTML = _("{cell} · in the code {index}").format(cell=markup.cell_text(self.position, self.shape),
                                                                    index=markup.code_index("output", *self.position))
        js.document.body.dataset.stepMs = f"{(time.perf_counter() - start) * 1000:.2f}"

    def tick(self):
        """One timer tick: the next phase, or the first phase of the next cell."""
        if self.phase + 1 < self.phases:
            self.phase += 1
        else:
            self.position, self.phase = steps.advance(self.position, self.shape), 0
        self.render()

    def step(self, cells):
        """Move whole cells (keyboard or step buttons) and pause."""
        self.pause()
        self.go(steps.advance(self.position, self.shape, cells))

    def go(self, position):
        """Jump to a cell and show it complete."""
        self.position, self.phase = tuple(position), self.phases - 1
        self.render()
        if Player.on_move is not None:
            Player.on_move()

    def key(self, event):
        """Arrow keys / Home / End move the cell, Space plays or pauses; True if the key was used."""
        if event.key == " ":
            self.toggle()
            return True
        target = steps.move(self.position, event.key, self.shape)
        if target is None:
            return False
        self.pause()
        self.go(target)
        return True

    def play(self):
        """Start the timer."""
        if self.timer is None:
            self.timer = js.setInterval(self.tick_proxy, SPEEDS[self.speed])
        button = self.root.querySelector(".play")
        button.textContent, button.ariaPressed = _("Pause"), "true"

    def pause(self):
        """Stop the timer."""
        if self.timer is not None:
            js.clearInterval(self.timer)
            self.timer = None
        button = self.root.querySelector(".play")
        button.textContent, button.ariaPressed = _("Play"), "false"

    def toggle(self):
        """Play if paused, pause if playing."""
        self.pause() if self.timer is not None else self.play()

    def set_speed(self, speed):
        """Change the speed, restarting the timer if it runs."""
        self.speed = speed if speed in SPEEDS else "normal"
        if self.timer is not None:
            self.pause()
            self.play()

    def start(self):
        """First frame; auto-play unless the visitor prefers reduced motion."""
        self.render()
        if not reduced_motion():
            self.play()

    def destroy(self):
        """Stop and release every JavaScript proxy."""
        self.pause()
        self.listeners.clear()
        destroy_proxy(self.tick_proxy)
