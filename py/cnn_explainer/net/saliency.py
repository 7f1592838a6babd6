"""Which pixels mattered: the gradient of one class's score (its logit, before the softmax) with respect to the
input image, and SmoothGrad, its average over noisy copies of the image."""
import numpy as np

from . import backprop


def logit_stop(model):
    """The layer index where the logits come out (the final softmax is left out)."""
    return len(model.layers) - 1 if model.layers[-1].type == "softmax" else len(model.layers)


def saliency(model, image, class_index):
    """d logit[class_index] / d image: an (H, W, C) float32 array, for an image scaled as the model reads it."""
    return saliency_batch(model, np.asarray(image)[None], class_index)[0].astype(np.float32)


def saliency_batch(model, images, class_index):
    """The logit gradient for each image of a batch (N, H, W, C), in the images' dtype (float32 unless float64)."""
    dtype = np.float64 if np.asarray(images).dtype == np.float64 else np.float32
    x = np.asarray(images, dtype)
    caches, logits = backprop.forward_batch(model, x, stop=logit_stop(model))
    dlogits = np.zeros_like(logits)
    dlogits[:, class_index] = 1.0
    return backprop.backward(model, caches, dlogits, need_input_grad=True)[1]


def smoothgrad(model, image, class_index, samples=16, noise=0.15, seed=0, batch=8):
    """The mean saliency over samples copies of the image with Gaussian noise (its standard deviation noise × the
    model's pixel range), seeded: sharper maps than one gradient gives."""
    image = np.asarray(image, np.float32)
    low, high = model.pixel_range
    rng = np.random.default_rng(seed)
    total = np.zeros(image.shape, np.float64)
    for begin in range(0, samples, batch):
        count = min(batch, samples - begin)
        noisy = image + rng.standard_normal((count, *image.shape)).astype(np.float32) * np.float32(noise * (high - low))
        total += saliency_batch(model, noisy, class_index).sum(axis=0)
    return (total / samples).astype(np.float32)
