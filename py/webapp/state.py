"""What the page shows, in one place: the models, the current model, its input and activations, and the colour level."""
import time

from cnn_explainer.net import weights


class State:
    """The page's data; views read the model and activations from here, the overview and explainer redraw from it."""

    def __init__(self):
        self.models = {}  # name → Model, the shipped ones first, then any the visitor opened
        self.shipped = set()  # the names of the shipped models (only they can be shared in a link)
        self.examples = {}  # examples/examples.json: {"models": {name: [entries]}, "default": {name: file}, "note": …}
        self.model = None
        self.array = None  # the input image, scaled to the model's pixel range
        self.acts = None  # every activation of the forward pass on `array`, by layer name
        self.level = "module"  # colour scale: unit | module | global
        self.example = None  # the gallery file shown, or None for the visitor's own image
        self.preview_url, self.caption = "", ""
        self.upload_name = None  # the file name of the visitor's image, when one is shown
        self.upload_bytes = None  # that image's file, so another model can prepare it for its own input
        self.renders, self.forward_ms = 0, 0.0

    def run(self, array):
        """Run the forward pass of the current model on a prepared input."""
        start = time.perf_counter()
        acts = self.model.forward(array)
        self.forward_ms = (time.perf_counter() - start) * 1000
        self.array, self.acts = array, acts

    def gallery(self, model=None):
        """The example entries of a model (the current one by default)."""
        return self.examples.get("models", {}).get(self.gallery_owner(model or self.model), [])

    def gallery_owner(self, model):
        """Whose examples a model shows: its own; for a model the visitor opened (any input it accepts can be prepared
        from an image), those of a shipped model with the same classes, else the default model's."""
        models = self.examples.get("models", {})
        if model.name in models or model.name in self.shipped:
            return model.name
        same = [name for name in self.models if name in self.shipped and self.models[name].classes == model.classes]
        return same[0] if same else weights.DEFAULT_MODEL

    def default_example(self):
        """The build's default example of the current model (or of the model whose examples it borrows), if any."""
        return self.examples.get("default", {}).get(self.gallery_owner(self.model))

    def label_of(self, example):
        """The class label of a gallery file."""
        return next((item["label"] for item in self.gallery() if item["file"] == example), "")
