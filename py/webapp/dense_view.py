"""Flatten and dense explained (placeholder until the full view lands)."""
from cnn_explainer.markup import number


class DenseView:
    """The output neuron of one class."""

    def __init__(self, app, index):
        self.app, self.index = app, index
        self.title = f"Output · {app.model.classes[index]}"

    def mount(self, body):
        """Draw the view."""
        p = float(self.app.acts[self.app.model.layers[-1].name][self.index])
        body.innerHTML = f'<p class="lede">Probability {number(p)}.</p>'

    def destroy(self):
        """Nothing to release."""
