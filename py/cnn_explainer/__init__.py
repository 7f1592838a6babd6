"""PyCNN Explainer: Tiny VGG in NumPy, its weights format, image input, and the pure parts of the app."""
