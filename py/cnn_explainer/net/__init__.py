"""The network and its files: the operations, the model, weights formats, images, data sets."""
