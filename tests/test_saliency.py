"""Saliency is the gradient of one logit: central finite differences of the forward pass at every input position
(float64, a small model), and PyTorch autograd on Tiny VGG; SmoothGrad is the mean over its noisy copies."""
import numpy as np
import pytest
import torch

import torch_ref
from cnn_explainer.net import saliency
from cnn_explainer.net.model import Layer, Model
from helpers import random_model


def small_model(padding="valid"):
    """8×8×3 → conv 3×3 (4) → relu → max pool 2×2 → flatten → dense 3 → softmax, float64 weights."""
    rng = np.random.default_rng(5)
    layers = [Layer("conv", "conv2d", {"filters": 4, "kernel_size": 3, "strides": 1, "padding": padding},
                    rng.standard_normal((3, 3, 3, 4)) * 0.5, rng.standard_normal(4) * 0.1),
              Layer("relu", "relu"), Layer("pool", "max_pool2d", {"pool_size": 2, "strides": 2, "padding": padding}),
              Layer("flatten", "flatten")]
    features = 4 * 4 * 4 if padding == "same" else 3 * 3 * 4
    layers += [Layer("dense", "dense", {"units": 3}, rng.standard_normal((features, 3)) * 0.3, rng.standard_normal(3) * 0.1),
               Layer("output", "softmax")]
    return Model(layers, ["a", "b", "c"], (8, 8, 3))


def logits_float64(model, image):
    """The logits of one image by the single-image forward pass, in float64 (no float32 conversion)."""
    x = np.asarray(image, np.float64)
    for layer in model.layers[:-1]:
        x = layer(x)
    return x


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("class_index", [0, 2])
def test_saliency_is_the_finite_difference_of_the_logit_at_every_position(padding, class_index):
    model = small_model(padding)
    image = np.random.default_rng(1).uniform(0, 1, (8, 8, 3))
    grad = saliency.saliency_batch(model, image[None], class_index)[0]
    h = 1e-6
    numeric = np.zeros_like(image)
    for index in np.ndindex(image.shape):  # all 192 positions
        step = np.zeros_like(image)
        step[index] = h
        numeric[index] = (logits_float64(model, image + step)[class_index]
                          - logits_float64(model, image - step)[class_index]) / (2 * h)
    assert np.max(np.abs(grad - numeric)) <= 1e-6 * max(np.max(np.abs(numeric)), 1.0)
    assert np.count_nonzero(numeric) > 20  # the check is not vacuous
    single = saliency.saliency(model, image.astype(np.float32), class_index)
    assert single.dtype == np.float32 and single.shape == (8, 8, 3)
    assert np.allclose(single, grad, atol=1e-4)


def test_tiny_vgg_saliency_matches_autograd_at_sampled_positions():
    model = random_model(seed=4)
    for layer in model.layers:
        if layer.kernel is not None:
            layer.kernel, layer.bias = layer.kernel.astype(np.float64), layer.bias.astype(np.float64)
    image = np.random.default_rng(2).uniform(0, 1, (64, 64, 3))
    grad = saliency.saliency_batch(model, image[None], 6)[0]
    tx = torch_ref.nchw(image[None], True)
    torch_ref.forward(model, torch_ref.params(model), tx, stop=-1)[0, 6].backward()
    reference = torch_ref.nhwc(tx.grad)[0]
    positions = np.random.default_rng(3).integers(0, [64, 64, 3], (200, 3))
    rows, cols, chans = positions.T
    assert torch_ref.rel_error(grad[rows, cols, chans], reference[rows, cols, chans]) <= 1e-6
    assert torch_ref.rel_error(grad, reference) <= 1e-6  # and everywhere


def test_smoothgrad_is_the_mean_gradient_over_noisy_copies():
    model = small_model()
    image = np.random.default_rng(1).uniform(0, 1, (8, 8, 3)).astype(np.float32)
    smooth = saliency.smoothgrad(model, image, 1, samples=5, noise=0.2, seed=9, batch=2)
    rng = np.random.default_rng(9)
    noisy = [image + rng.standard_normal((k, 8, 8, 3)).astype(np.float32) * np.float32(0.2) for k in (2, 2, 1)]
    expected = np.mean([saliency.saliency(model, x, 1) for x in np.concatenate(noisy)], axis=0)
    assert smooth.dtype == np.float32 and np.allclose(smooth, expected, atol=1e-6)
    assert np.array_equal(smooth, saliency.smoothgrad(model, image, 1, samples=5, noise=0.2, seed=9, batch=2))
    assert not np.allclose(smooth, saliency.saliency(model, image, 1))
