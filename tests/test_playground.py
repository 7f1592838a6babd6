"""The playground's numbers against independent references: torch's conv2d for every setting the controls allow,
scipy's correlation for the image mode, and the output-size formula written out by hand."""
import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from cnn_explainer.page import playground as pg
from cnn_explainer.net.weights import load_model
from helpers import ROOT
from scipy import signal

ALL = list(itertools.product(range(3, 10), range(4), range(1, 6), range(1, 5), range(1, 3)))


@pytest.fixture(scope="module")
def model_and_image():
    """The shipped TIN-10 model and a photo-like input (smooth random values in its pixel range)."""
    model = load_model(f"{ROOT}/weights/tinyvgg-tin10.json")
    coarse = np.random.default_rng(5).uniform(-1, 1, (8, 8, 3))
    return model, np.kron(coarse, np.ones((8, 8, 1))) + np.random.default_rng(6).normal(0, 0.05, (64, 64, 3))


def torch_conv(grid, kernel, padding, stride, dilation):
    """torch's own convolution (zero padding, stride, dilation) of one channel by one kernel."""
    x = torch.from_numpy(grid)[None, None]
    w = torch.from_numpy(np.asarray(kernel, dtype=float))[None, None]
    return F.conv2d(x, w, padding=padding, stride=stride, dilation=dilation)[0, 0].numpy()


def test_every_setting_the_controls_allow_matches_torch():
    checked = 0
    for size, padding, kernel, stride, dilation in ALL:
        s = pg.Settings(size, (padding, padding), kernel, stride, dilation)
        if not pg.fits(s):
            continue
        grid, weights = pg.random_grid(size, seed=size), pg.random_kernel(kernel, seed=kernel * 7 + stride)
        out = pg.convolve(grid, weights, s)
        reference = torch_conv(grid, weights, padding, stride, dilation)
        np.testing.assert_allclose(out, reference, atol=1e-9, err_msg=str(s))
        # the size the page writes out: ⌊(W − K' + 2P) / S⌋ + 1, with K' = D(K − 1) + 1
        expected = (size - (dilation * (kernel - 1) + 1) + 2 * padding) // stride + 1
        assert out.shape == (expected, expected) == (pg.output_size(*s),) * 2
        checked += 1
    assert checked > 900  # most combinations fit; the others are constrained away (next test)


def test_settings_that_do_not_fit_are_constrained_never_refused():
    for size, padding, kernel, stride, dilation in ALL:
        for changed in (None, *pg.ORDER):
            s = pg.constrain(pg.Settings(size, (padding, padding), kernel, stride, dilation), changed)
            assert pg.fits(s) and pg.output_size(*s) >= 1
            if changed == "size":
                assert s.size == size
            if changed == "stride":
                assert s.stride == stride
            if pg.fits(pg.Settings(size, (padding, padding), kernel, stride, dilation)):
                assert s == (size, (padding, padding), kernel, stride, dilation)
    # a big kernel on a small input gets the padding it needs, as long as padding can grow
    assert pg.constrain(pg.Settings(3, (0, 0), 5, 1, 2), "kernel") == (3, (3, 3), 5, 1, 2)  # 3 + 6 = 9 = 2·4 + 1
    assert pg.constrain(pg.Settings(3, (0, 0), 5, 1, 2), "size") == (3, (0, 0), 2, 1, 2)  # the kernel gives way first
    assert pg.constrain(pg.Settings(3, (0, 0), 5, 1, 1), "kernel") == (3, (1, 1), 5, 1, 1)
    assert pg.constrain(pg.Settings(99, (-4, 9), 0, 9, 7)) == (9, (0, 3), 1, 4, 2)


@pytest.mark.parametrize("mode", ["valid", "same"])
def test_valid_and_same_pad_as_keras_does(mode):
    for size, kernel, stride, dilation in itertools.product(range(3, 10), range(1, 6), range(1, 5), range(1, 3)):
        padding = pg.keras_padding(mode, size, kernel, stride, dilation)
        s = pg.Settings(size, padding, kernel, stride, dilation)
        if not pg.fits(s):
            continue
        if mode == "same":  # Keras's definition: ⌈W / S⌉ outputs, the odd zero after
            assert pg.output_size(*s) == -(-size // stride)
            assert padding[1] - padding[0] in (0, 1)
        else:
            assert padding == (0, 0) and pg.output_size(*s) == (size - pg.span(kernel, dilation)) // stride + 1
        grid, weights = pg.random_grid(size, seed=1), pg.random_kernel(kernel, seed=2)
        padded = np.pad(grid, ((padding[0], padding[1]),) * 2)
        reference = torch_conv(padded, weights, 0, stride, dilation)
        np.testing.assert_allclose(pg.convolve(grid, weights, s), reference, atol=1e-9)


def test_an_uneven_stride_is_reported_and_its_unreached_cells_marked():
    s = pg.Settings(8, (0, 0), 3, 2, 1)  # windows start at 0, 2, 4: the last reads cells 4..6, cell 7 is never read
    assert pg.leftover(s) == 1 and pg.output_size(*s) == 3
    used = pg.used_cells(s)
    assert not used[7].any() and not used[:, 7].any() and used[:7, :7].all()
    assert "does not fit evenly" in pg.uneven_text(s) and "last row and column" in pg.uneven_text(s)
    even = pg.Settings(7, (0, 0), 3, 2, 1)
    assert pg.leftover(even) == 0 and pg.used_cells(even).all() and pg.uneven_text(even) == ""
    holes = pg.Settings(7, (0, 0), 2, 2, 2)  # taps on even cells only
    assert pg.leftover(holes) == 0 and not pg.used_cells(holes)[1].any() and "dilation" in pg.uneven_text(holes)


def test_the_used_cells_are_exactly_those_some_window_weighs():
    for size, padding, kernel, stride, dilation in ALL[::7]:
        s = pg.Settings(size, (padding, padding), kernel, stride, dilation)
        if not pg.fits(s):
            continue
        full = size + 2 * padding
        # independent: a cell is read if its own one-hot input changes the output under an all-ones kernel
        read = np.zeros((full, full), bool)
        for r, c in itertools.product(range(full), range(full)):
            probe = np.zeros((full, full))
            probe[r, c] = 1.0
            read[r, c] = torch_conv(probe, np.ones((kernel, kernel)), 0, stride, dilation).any()
        np.testing.assert_array_equal(pg.used_cells(s), read)
        assert pg.padding_mask(s).sum() == full * full - size * size


@pytest.mark.parametrize("name", list(pg.PRESETS))
def test_the_image_mode_equals_a_scipy_correlation(name, model_and_image):
    model, array = model_and_image
    channel = array[..., 1]
    kernel = np.asarray(pg.PRESETS[name], dtype=float)
    for size, padding, stride, dilation in [(64, 0, 1, 1), (64, 1, 1, 1), (40, 2, 3, 2), (17, 0, 2, 1)]:
        s = pg.Settings(size, (padding, padding), 3, stride, dilation)
        crop = pg.crop(channel, size)
        assert crop.shape == (size, size)
        padded = np.pad(crop, padding)
        reference = signal.correlate2d(padded, pg.dilate(kernel, dilation), mode="valid")[::stride, ::stride]
        np.testing.assert_allclose(pg.convolve(crop, kernel, s), reference, atol=1e-9)
    # the network's own first-layer kernels work the same way
    learned = model.layer("conv_1_1").kernel[:, :, 1, 0]
    s = pg.Settings(64, (0, 0), 3, 1, 1)
    np.testing.assert_allclose(pg.convolve(channel, learned, s), signal.correlate2d(channel, learned, "valid"), atol=1e-9)


def test_a_dilated_kernel_spreads_its_weights_with_zeros_between():
    spread = pg.dilate([[1, 2], [3, 4]], 2)
    np.testing.assert_array_equal(spread, [[1, 0, 2], [0, 0, 0], [3, 0, 4]])
    assert pg.span(3, 2) == 5 and pg.span(1, 2) == 1
