"""Which pixels mattered, for the page: the chosen class and SmoothGrad setting, and the gradient of the current
picture computed once per picture, model and setting for both the overview and the view. SmoothGrad runs one noisy
copy per task, so no task holds the page for long."""
import time

import js
import numpy as np

from cnn_explainer.net import saliency
from cnn_explainer.page import heatmap

from .dom import later

DEFAULT_SAMPLES = 8


class Saliency:
    """The settings (class: None for the top one; SmoothGrad and its samples) and the gradient they give."""

    def __init__(self):
        self.class_index, self.smooth, self.samples = None, False, DEFAULT_SAMPLES
        self.shown = False  # the overview's heat map (#saliency-toggle)
        self.on_change = lambda: None  # the settings changed: whoever shows a heat map asks again
        self.generation, self.result, self.waiting, self.ms = 0, None, [], 0.0

    def reset(self):
        """Forget the gradient (a new picture, model or setting); a SmoothGrad under way stops at its next sample."""
        self.generation += 1
        self.result, self.waiting = None, []

    def choose(self, class_index=None, smooth=None, samples=None):
        """Change a setting (None leaves it) and tell whoever shows a heat map."""
        if class_index is not None:
            self.class_index = class_index
        if smooth is not None:
            self.smooth = smooth
        if samples is not None:
            self.samples = samples
        self.reset()
        self.on_change()

    def class_for(self, model, acts):
        """The class explained: the chosen one, or the most probable when none is chosen (or it is not this model's)."""
        k = self.class_index
        return int(np.argmax(model.logits(acts))) if k is None or k >= len(model.classes) else k

    def request(self, model, acts, done):
        """Call done(gradient, class_index) once this picture's saliency is ready: now when it is known or plain,
        after the last noisy copy for SmoothGrad."""
        if self.result is not None:
            done(*self.result)
            return
        self.waiting.append(done)
        if len(self.waiting) > 1:  # already under way: done is called with the others
            return
        k, image, generation, start = self.class_for(model, acts), acts["input"], self.generation, time.perf_counter()
        if not self.smooth:
            try:
                gradient = saliency.saliency(model, image, k)
            except Exception:
                self.waiting = []  # nothing is under way: the next request tries again
                raise
            self.finish(gradient, k, start)
            return
        total = self.samples
        samples = enumerate(heatmap.smoothgrad_steps(model, image, k, total), 1)

        longest = [0.0]

        def step():
            if generation != self.generation:  # a new picture or setting came: this one is dropped
                return
            began = time.perf_counter()
            count, gradient = next(samples)
            longest[0] = max(longest[0], (time.perf_counter() - began) * 1000)
            js.document.body.dataset.saliencyStepMs = f"{longest[0]:.1f}"  # the longest task so far (bench_saliency)
            if count < total:
                later(step)
            else:
                self.finish(gradient, k, start)
        later(step)

    def finish(self, gradient, k, start):
        """Keep the gradient and hand it to everyone waiting."""
        self.ms = (time.perf_counter() - start) * 1000
        js.document.body.dataset.saliencyMs = f"{self.ms:.1f}"
        self.result, waiting, self.waiting = (gradient, k), self.waiting, []
        for done in waiting:
            done(gradient, k)
