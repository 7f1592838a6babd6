"""The per-cell step functions the views animate agree with independent references at every position."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.signal import correlate2d

from cnn_explainer.net import ops
from cnn_explainer.page import steps


@pytest.fixture
def rng():
    return np.random.default_rng(7)


@pytest.mark.parametrize("stride", [1, 2])
def test_conv_cell_matches_scipy_correlate_everywhere(rng, stride):
    x = rng.normal(size=(11, 9)).astype(np.float32)
    kernel = rng.normal(size=(3, 3)).astype(np.float32)
    reference = correlate2d(x, kernel, mode="valid")[::stride, ::stride]
    for row, col in steps.raster(reference.shape):
        window, products, total = steps.conv_cell(x, kernel, row, col, (stride, stride))
        assert window.shape == (3, 3)
        np.testing.assert_allclose(products, x[row * stride:row * stride + 3, col * stride:col * stride + 3] * kernel, rtol=1e-6)
        assert total == pytest.approx(reference[row, col], abs=1e-5)


def test_conv_total_sums_channels_and_adds_bias(rng):
    x = rng.normal(size=(7, 7, 4)).astype(np.float32)
    kernel = rng.normal(size=(3, 3, 4, 2)).astype(np.float32)
    bias = np.array([0.3, -0.2], np.float32)
    reference = F.conv2d(torch.from_numpy(x).permute(2, 0, 1)[None], torch.from_numpy(kernel).permute(3, 2, 0, 1),
                         torch.from_numpy(bias))[0].permute(1, 2, 0).numpy()
    for row, col in [(0, 0), (2, 3), (4, 4)]:
        contributions = [steps.conv_cell(x[..., c], kernel[:, :, c, 1], row, col)[2] for c in range(4)]
        assert steps.conv_total(contributions, bias[1]) == pytest.approx(reference[row, col, 1], abs=1e-5)


def test_relu_cell_matches_torch_relu(rng):
    x = rng.normal(size=(5, 6)).astype(np.float32)
    reference = torch.relu(torch.from_numpy(x)).numpy()
    for row, col in steps.raster(x.shape):
        value, result = steps.relu_cell(x, row, col)
        assert value == x[row, col] and result == pytest.approx(reference[row, col])


@pytest.mark.parametrize("size,stride", [((2, 2), (2, 2)), ((3, 3), (2, 2)), ((2, 2), (1, 1))])
def test_pool_cell_matches_torch_max_pool(rng, size, stride):
    x = rng.normal(size=(9, 8)).astype(np.float32)
    reference = F.max_pool2d(torch.from_numpy(x)[None, None], size, stride)[0, 0].numpy()
    for row, col in steps.raster(reference.shape):
        window, result, where = steps.pool_cell(x, row, col, size, stride)
        assert result == reference[row, col]
        assert window[where] == result


def test_dense_cell_matches_torch_linear(rng):
    flat = rng.normal(size=50).astype(np.float32)
    kernel = rng.normal(size=(50, 3)).astype(np.float32)
    bias = rng.normal(size=3).astype(np.float32)
    reference = F.linear(torch.from_numpy(flat), torch.from_numpy(kernel.T), torch.from_numpy(bias)).numpy()
    for i in range(3):
        products, logit = steps.dense_cell(flat, kernel[:, i], bias[i])
        assert logit == pytest.approx(reference[i], abs=1e-4)
        assert products.shape == (50,)


def test_softmax_terms_match_torch_softmax():
    logits = np.array([2.0, -1.0, 0.5, 7.0], np.float32)
    exps, total, probabilities = steps.softmax_terms(logits)
    np.testing.assert_allclose(probabilities, torch.softmax(torch.tensor(logits, dtype=torch.float64), 0).numpy(), rtol=1e-12)
    assert total == pytest.approx(sum(np.exp(float(v)) for v in logits))
    np.testing.assert_allclose(probabilities, ops.softmax(logits), rtol=1e-5)


def test_raster_advance_and_move_walk_the_grid():
    assert steps.raster((2, 3)) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    assert steps.advance((0, 2), (2, 3)) == (1, 0)
    assert steps.advance((1, 2), (2, 3)) == (0, 0)
    assert steps.advance((0, 0), (2, 3), -1) == (1, 2)
    assert steps.move((0, 0), "ArrowLeft", (2, 3)) == (0, 0)
    assert steps.move((0, 0), "ArrowDown", (2, 3)) == (1, 0)
    assert steps.move((1, 1), "End", (2, 3)) == (1, 2)
    assert steps.move((1, 1), "Home", (2, 3)) == (0, 0)
    assert steps.move((1, 1), "a", (2, 3)) is None


def test_code_lines_are_found_in_the_real_source():
    lines, first = steps.source(steps.conv_cell)
    assert lines[0].startswith("def conv_cell") and first > 1
    assert lines[steps.line_of(steps.conv_cell, "products =")].strip() == "products = window * kernel"
    with pytest.raises(ValueError):
        steps.line_of(steps.conv_cell, "no such line")
