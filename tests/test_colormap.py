"""Colour scales: anchor colours, symmetry, and the three colour-scale levels against explicit loops."""
import numpy as np
import pytest

from cnn_explainer.page import colormap


def test_diverging_anchors_are_exact():
    values = np.array([[-2.0, 0.0, 2.0]])
    rgba = colormap.diverging_rgba(values, 2.0)
    assert rgba.shape == (1, 3, 4) and rgba.dtype == np.uint8
    np.testing.assert_array_equal(rgba[0, 0, :3], colormap.DIVERGING[0])
    np.testing.assert_array_equal(rgba[0, 1, :3], colormap.DIVERGING[2])
    np.testing.assert_array_equal(rgba[0, 2, :3], colormap.DIVERGING[-1])
    assert (rgba[..., 3] == 255).all()


def test_diverging_midpoint_between_stops_is_the_average():
    # With 5 stops, -0.5 of the limit sits exactly halfway between stop 0 and stop 1... of the left half:
    # t = (v/limit + 1) / 2 = 0.25 → position 1.0 → exactly stop 1; t = 0.125 → halfway between stops 0 and 1.
    rgba = colormap.diverging_rgba(np.array([-0.75]), 1.0)
    expected = np.rint((colormap.DIVERGING[0] + colormap.DIVERGING[1]) / 2)
    np.testing.assert_array_equal(rgba[0, :3], expected)


def test_values_beyond_the_limit_are_clipped_and_zero_limit_is_safe():
    rgba = colormap.diverging_rgba(np.array([-10.0, 10.0]), 1.0)
    np.testing.assert_array_equal(rgba[0, :3], colormap.DIVERGING[0])
    np.testing.assert_array_equal(rgba[1, :3], colormap.DIVERGING[-1])
    flat = colormap.diverging_rgba(np.zeros(3), 0.0)
    np.testing.assert_array_equal(flat[:, :3], np.repeat(colormap.DIVERGING[2][None], 3, 0))


def test_channel_rgba_runs_black_to_hue():
    rgba = colormap.channel_rgba(np.array([0.0, 1.0, 0.5]), (200, 100, 50))
    np.testing.assert_array_equal(rgba[:, :3], [[0, 0, 0], [200, 100, 50], [100, 50, 25]])


def test_input_rgba_uses_red_green_blue_hues():
    image = np.ones((4, 5, 3), np.float32)
    maps = colormap.input_rgba(image)
    assert maps.shape == (3, 4, 5, 4)
    for c in range(3):
        np.testing.assert_array_equal(maps[c, 0, 0, :3], colormap.CHANNEL_HUES[c])


def random_acts(rng):
    names = ["conv_1_1", "relu_1_1", "max_pool_1", "conv_2_1", "relu_2_1", "max_pool_2"]
    return names, {n: rng.normal(size=(6, 6, 4)).astype(np.float32) * (i + 1) for i, n in enumerate(names)}


def test_unit_limits_are_each_channels_max_abs():
    names, acts = random_acts(np.random.default_rng(0))
    limits = colormap.limits(acts, names, "unit")
    for n in names:
        for c in range(4):
            assert limits[n][c] == pytest.approx(max(abs(float(v)) for v in acts[n][:, :, c].ravel()))


def test_module_limits_share_one_value_per_block_and_global_one_overall():
    names, acts = random_acts(np.random.default_rng(1))
    module = colormap.limits(acts, names, "module")
    block1 = max(float(np.abs(acts[n]).max()) for n in names[:3])
    block2 = max(float(np.abs(acts[n]).max()) for n in names[3:])
    assert all(np.allclose(module[n], block1) for n in names[:3])
    assert all(np.allclose(module[n], block2) for n in names[3:])
    overall = colormap.limits(acts, names, "global")
    assert all(np.allclose(overall[n], max(block1, block2)) for n in names)
    with pytest.raises(ValueError):
        colormap.limits(acts, names, "layer")


def test_modules_end_at_each_pool():
    names = ["conv_1_1", "relu_1_1", "conv_1_2", "relu_1_2", "max_pool_1", "conv_2_1", "relu_2_1", "max_pool_2", "conv_3"]
    assert colormap.modules(names) == [names[:5], names[5:8], names[8:]]


def test_layer_rgba_scales_each_channel_by_its_own_limit():
    values = np.zeros((2, 2, 2), np.float32)
    values[0, 0] = [1.0, 5.0]
    maps = colormap.layer_rgba(values, np.array([1.0, 5.0]))
    assert maps.shape == (2, 2, 2, 4)
    np.testing.assert_array_equal(maps[0, 0, 0, :3], colormap.DIVERGING[-1])
    np.testing.assert_array_equal(maps[1, 0, 0, :3], colormap.DIVERGING[-1])
