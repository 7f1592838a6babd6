"""Which pixels mattered, natively: the heat map's strengths, scaling and colours, SmoothGrad a copy at a time, the
forward-pass check and the view's markup; gradients are checked against PyTorch autograd (tests/torch_saliency.py)."""
import numpy as np
import pytest

from cnn_explainer.net.model import Layer
from cnn_explainer.page import colormap, console, heatmap, snippets, steps
from cnn_explainer.page import saliency_markup as sm
from helpers import random_model
from torch_saliency import torch_saliency


def strided_model():
    """'same' padding, stride 2, a 3×3 pool with stride 2 and a one-channel input: every backward path but plain."""
    layers = [Layer("conv_a", "conv2d", {"filters": 4, "kernel_size": [5, 5], "strides": [2, 2], "padding": "same"}),
              Layer("relu_a", "relu"),
              Layer("pool_a", "max_pool2d", {"pool_size": [3, 3], "strides": [2, 2], "padding": "valid"}),
              Layer("flatten", "flatten"), Layer("dense", "dense", {"units": 3}), Layer("output", "softmax")]
    return random_model(layers, classes=["a", "b", "c"], input_shape=(21, 21, 1), seed=3)


def test_strength_is_the_largest_absolute_value_over_channels_and_scaling_keeps_its_order(rng):
    gradient = rng.normal(size=(5, 4, 3)).astype(np.float32)
    by_hand = np.array([[max(abs(v) for v in gradient[r, c]) for c in range(4)] for r in range(5)])
    np.testing.assert_allclose(heatmap.strength(gradient), by_hand)
    t, top = heatmap.normalise(heatmap.strength(gradient))
    assert top == pytest.approx(by_hand.max()) and t.max() == 1.0 and t.min() >= 0
    np.testing.assert_allclose(t, by_hand / by_hand.max(), rtol=1e-6)
    assert np.array_equal(np.argsort(t, axis=None), np.argsort(by_hand, axis=None))


def test_scaling_survives_zeros_and_non_finite_values():
    t, top = heatmap.normalise(np.zeros((3, 3)))
    assert top == 0.0 and not t.any()
    t, top = heatmap.normalise(np.array([[np.nan, 2.0], [-4.0, np.inf]]))
    assert top == 4.0 and t[0, 0] == 0.0 and t[1, 0] == 1.0 and t[0, 1] == 0.5 and t[1, 1] == 1.0


def test_the_colours_come_from_the_house_scale_and_darken_with_the_strength():
    ends = heatmap.heat_rgba(np.array([0.0, 1.0]))
    np.testing.assert_array_equal(ends[:, :3], [colormap.DIVERGING[2], colormap.DIVERGING[4]])
    assert (ends[:, 3] == 255).all()
    pixels = np.array([0, 128, 255] * 3, np.uint8).reshape(3, 3)
    plain = heatmap.overlay_rgba(pixels, np.zeros((3, 3)))
    grey = 255 - (255 - pixels.astype(float)) * heatmap.PICTURE_SHADE  # the picture, lightened
    np.testing.assert_allclose(plain[..., 0], np.rint(grey * 247 / 255), atol=1)
    ramp = heatmap.overlay_rgba(np.full((1, 11), 200, np.uint8), np.linspace(0, 1, 11)[None])
    brightness = ramp[0, :, :3].astype(int).sum(-1)
    assert (np.diff(brightness) < 0).all()  # a larger gradient is always darker


def test_each_input_channel_shares_one_scale_in_the_overview(rng):
    pixels = rng.integers(0, 256, (6, 6, 3)).astype(np.uint8)
    gradient = np.zeros((6, 6, 3), np.float32)
    gradient[1, 2, 0], gradient[4, 4, 2] = 0.5, -0.25
    rgba, top = heatmap.channel_overlays(pixels, gradient)
    assert rgba.shape == (3, 6, 6, 4) and top == 0.5
    np.testing.assert_array_equal(rgba[1], heatmap.overlay_rgba(pixels[..., 1], np.zeros((6, 6))))  # nothing mattered
    np.testing.assert_array_equal(rgba[2][4, 4], heatmap.overlay_rgba(pixels[4:5, 4:5, 2], np.full((1, 1), 0.5))[0, 0])


@pytest.mark.parametrize("model", [random_model(), strided_model()], ids=["tiny-vgg", "strided-grey"])
def test_the_forward_pass_nudged_agrees_with_the_torch_gradient(model):
    image = np.random.default_rng(4).uniform(0, 1, model.input_shape).astype(np.float32)
    for k in (0, len(model.classes) - 1):
        reference = torch_saliency(model, image, k)
        at = heatmap.strongest(reference)
        assert at == tuple(np.unravel_index(np.argmax(np.abs(reference)), reference.shape))
        assert steps.nudge_slope(model, image, k, at) == pytest.approx(reference[at], rel=1e-3, abs=1e-6)


@pytest.mark.parametrize("model", [random_model(), strided_model()], ids=["tiny-vgg", "strided-grey"])
def test_smoothgrad_a_copy_at_a_time_without_noise_is_the_torch_gradient(model):
    image = np.random.default_rng(5).uniform(0, 1, model.input_shape).astype(np.float32)
    means = list(heatmap.smoothgrad_steps(model, image, 1, samples=3, noise=0.0))
    assert len(means) == 3
    for mean in means:
        np.testing.assert_allclose(mean, torch_saliency(model, image, 1), rtol=1e-4, atol=1e-6)
    noisy = list(heatmap.smoothgrad_steps(model, image, 1, samples=3))
    assert not np.allclose(noisy[0], noisy[-1])  # each copy has noise of its own; the mean moves as it averages
    again = list(heatmap.smoothgrad_steps(model, image, 1, samples=3))
    np.testing.assert_array_equal(noisy[-1], again[-1])  # a fixed seed: the same map every time


@pytest.mark.parametrize("smooth", [False, True])
def test_the_console_snippet_runs_and_its_two_numbers_agree(smooth):
    model = random_model()
    image = np.random.default_rng(6).uniform(0, 1, model.input_shape).astype(np.float32)
    shell = console.Console({"model": model, "acts": model.forward(image), "image": image, "np": np})
    code = snippets.saliency_code(model, 7, smooth, samples=4)
    text, failed = shell.run(code)
    assert not failed, (code, text)
    first, second = shell.namespace["_"]
    assert "class 8: red panda" in code
    reference = torch_saliency(model, image, 7)
    if smooth:  # SmoothGrad's mean at its strongest value, and the plain gradient there
        mean = list(heatmap.smoothgrad_steps(model, image, 7, 4))[-1]
        at = heatmap.strongest(mean)
        assert first == pytest.approx(mean[at], rel=1e-6) and second == pytest.approx(reference[at], rel=1e-4, abs=1e-7)
    else:  # the backward pass's value and the forward pass nudged
        assert first == pytest.approx(reference[heatmap.strongest(reference)], rel=1e-4)
        assert second == pytest.approx(first, rel=1e-3, abs=1e-6)


HOSTILE = '<img src=x onerror=alert(1)>"&'


def test_the_markup_lists_classes_by_probability_escapes_names_and_carries_both_values():
    classes = ["cat", HOSTILE, "dog"]
    html = sm.controls_html(classes, np.array([0.2, 0.7, 0.1]), 0, smooth=False, samples=8)
    assert "<img" not in html and "&lt;img" in html
    values = [part.split('"')[1] for part in html.split('<option value=')[1:4]]
    assert values == ["1", "0", "2"]  # most probable first
    assert '<option value="0" selected>' in html and 'id="saliency-samples"' in html and "disabled" in html
    assert "disabled" not in sm.controls_html(classes, np.array([0.2, 0.7, 0.1]), 0, smooth=True, samples=8)
    check = sm.check_html((3, 4, 2), 3, -0.25, -0.2497, 0.25, HOSTILE)
    smooth = sm.check_html((3, 4, 2), 3, -0.25, None, 0.25, "cat", samples=8)
    assert "forward-value" not in smooth and "8 noisy copies" in smooth and "result" in smooth
    assert "<img" not in check and "row 4, column 5, blue channel" in check
    assert 'class="result" data-value="-0.25"' in check and 'class="forward-value" data-value="-0.2497"' in check
    note = sm.overview_note_html(HOSTILE, True, 16)
    assert "<img" not in note and "16 noisy copies" in note and 'id="saliency-explain"' in note
