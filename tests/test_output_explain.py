"""The pure parts of the flatten/dense and softmax views, checked against independent references."""
import numpy as np
import pytest
import scipy.special
import torch

from cnn_explainer.net import ops
from cnn_explainer.page import output_explain as ox
from cnn_explainer.net.model import Model
from cnn_explainer.net.weights import tiny_vgg_layers

SHAPE = (13, 13, 10)
CLASSES = [f"class {i}" for i in range(10)]


def random_model(seed=0):
    """Tiny VGG with random weights (built here: `from conftest import` is ambiguous beside tests/browser/)."""
    rng, shape, layers = np.random.default_rng(seed), (64, 64, 3), tiny_vgg_layers()
    for layer in layers:
        for param, param_shape in layer.param_shapes(shape).items():
            scale = 1.5 / np.prod(param_shape[:-1]) ** 0.5 if param == "kernel" else 0.1
            setattr(layer, param, (rng.standard_normal(param_shape) * scale).astype(np.float32))
        shape = layer.output_shape(shape)
    return Model(layers, CLASSES)


def test_flat_index_matches_numpy_ravel_and_torch_channels_last_flatten(rng):
    maps = rng.standard_normal(SHAPE).astype(np.float32)
    flat = ops.flatten(maps)
    channels_first = torch.from_numpy(maps).permute(2, 0, 1)  # how PyTorch stores it: (C, H, W)
    keras_order = channels_first.permute(1, 2, 0).flatten().numpy()
    np.testing.assert_array_equal(flat, keras_order)
    for row, col, channel in np.ndindex(*SHAPE):
        index = ox.flat_index(row, col, channel, SHAPE)
        assert index == np.ravel_multi_index((row, col, channel), SHAPE)
        assert flat[index] == maps[row, col, channel]
        assert ox.map_position(index, SHAPE) == (row, col, channel)


def test_map_position_inverts_flat_index_for_every_element_of_odd_shapes():
    shape = (3, 5, 7)
    positions = [ox.map_position(i, shape) for i in range(np.prod(shape))]
    assert positions == list(np.ndindex(*shape))
    assert [ox.flat_index(*p, shape) for p in positions] == list(range(np.prod(shape)))


def test_band_geometry_wraps_in_reading_order():
    assert ox.band_shape(1690, 130) == (13, 130)
    assert ox.band_shape(1691, 130) == (14, 130)
    cells = [ox.band_cell(i, 130) for i in range(1690)]
    assert len(set(cells)) == 1690 and max(cells) == (12, 129)
    assert all(ox.band_index(r, c, 130, 1690) == i for i, (r, c) in enumerate(cells))
    assert ox.band_index(13, 0, 130, 1690) is None and ox.band_index(0, 130, 130, 1690) is None
    assert ox.band_index(1, 4, 6, 10) is None  # past the end of a partly filled last row


def test_a_band_row_is_one_map_row_of_every_channel(rng):
    maps = rng.standard_normal(SHAPE)
    band = ox.band_values(ops.flatten(maps), SHAPE[1] * SHAPE[2])
    for row in range(SHAPE[0]):
        np.testing.assert_array_equal(band[row], maps[row].reshape(-1))


def test_band_values_pads_the_last_row():
    band = ox.band_values(np.arange(1, 8, dtype=float), 3, fill=-1)
    np.testing.assert_array_equal(band, [[1, 2, 3], [4, 5, 6], [7, -1, -1]])


@pytest.mark.parametrize("key, start, expected", [
    ("ArrowRight", 5, 6), ("ArrowLeft", 0, 0), ("ArrowRight", 1689, 1689), ("ArrowDown", 5, 135),
    ("ArrowUp", 135, 5), ("ArrowUp", 5, 5), ("ArrowDown", 1600, 1600), ("Home", 700, 0), ("End", 3, 1689), ("a", 3, None)])
def test_band_move(key, start, expected):
    assert ox.band_move(start, key, 130, 1690) == expected


def test_edge_path_runs_from_the_cell_centre_to_the_target():
    path = ox.edge_path(131, 130, (170, 6.5))
    assert path.startswith("M1.50,1.50C") and path.endswith(" 170.00,6.50")


def test_dense_summary_against_a_plain_python_loop(rng):
    flat = np.maximum(rng.standard_normal(1690), 0).astype(np.float32)
    weights = (rng.standard_normal(1690) * 0.1).astype(np.float32)
    bias = np.float32(0.25)
    s = ox.dense_summary(flat, weights, bias, top=8)
    products = [float(x) * float(w) for x, w in zip(flat, weights)]
    logit = sum(products) + float(bias)
    assert s["logit"] == pytest.approx(logit, abs=1e-4)
    assert s["total"] == pytest.approx(sum(products), abs=1e-4)
    biggest = sorted(range(1690), key=lambda k: -abs(products[k]))[:8]
    assert [c.index for c in s["top"]] == biggest
    for c in s["top"]:
        assert (c.value, c.weight) == (float(flat[c.index]), float(weights[c.index]))
        assert c.product == pytest.approx(products[c.index], rel=1e-6)
    assert s["rest_count"] == 1682
    assert sum(c.product for c in s["top"]) + s["rest_sum"] == pytest.approx(s["total"], abs=1e-5)
    assert s["positive"] == pytest.approx(sum(p for p in products if p > 0), abs=1e-4)
    assert s["negative"] == pytest.approx(sum(p for p in products if p < 0), abs=1e-4)
    assert s["zeros"] == sum(1 for x in flat if x == 0) and s["bias"] == 0.25


def test_dense_summary_of_the_model_equals_the_forward_logits(rng):
    model = random_model()
    acts = model.forward(rng.random((64, 64, 3), dtype=np.float32))
    maps, dense = ox.output_chain(model)
    assert maps == "max_pool_2" and dense.name == "dense"
    for i in range(len(model.classes)):
        s = ox.dense_summary(acts["flatten"], dense.kernel[:, i], dense.bias[i])
        assert s["logit"] == pytest.approx(float(model.logits(acts)[i]), abs=1e-4)


def test_output_chain_without_a_flatten_of_maps():
    model = random_model()
    assert ox.output_chain(model)[0] == "max_pool_2"
    model.layers = [layer for layer in model.layers if layer.type != "dense"]  # flatten straight into softmax
    assert ox.output_chain(model) is None


def test_softmax_table_matches_torch_and_scipy(rng):
    logits = (rng.standard_normal(10) * 6).astype(np.float32)
    terms, total = ox.softmax_table(logits, CLASSES)
    expected = torch.softmax(torch.from_numpy(logits).double(), dim=0).numpy()
    np.testing.assert_allclose([t.share for t in terms], expected, rtol=1e-12)
    np.testing.assert_allclose([t.share for t in terms], scipy.special.softmax(logits.astype(np.float64)), rtol=1e-12)
    np.testing.assert_allclose([t.share for t in terms], ops.softmax(logits), rtol=1e-5)
    assert total == pytest.approx(float(np.exp(logits.astype(np.float64)).sum()))
    assert [t.name for t in terms] == CLASSES and [t.index for t in terms] == list(range(10))
    assert [t.exp for t in terms] == pytest.approx(np.exp(logits.astype(np.float64)).tolist())


def test_softmax_formula_writes_the_real_numbers():
    logits = np.array([2.0, 0.0, -1.0])
    terms, total = ox.softmax_table(logits, ["cat", "dog", "fox"])
    text = ox.softmax_formula(terms, total, 0)
    share = np.exp(2) / (np.exp(2) + 1 + np.exp(-1))
    assert text == f"p(cat) = e^(2) / (e^(2) + e^(0) + e^(−1)) = 7.39 / 8.76 = {share:.4g}"


def test_the_softmax_formula_of_many_classes_writes_the_shown_terms_and_counts_the_rest():
    logits = np.zeros(100)
    logits[[5, 99]] = 0.5, 1.0
    terms, total = ox.softmax_table(logits, [f"c{i}" for i in range(100)])
    text = ox.softmax_formula(terms, total, 5, shown=[terms[99], terms[5]])
    share = np.exp(0.5) / np.exp(logits).sum()
    assert total == pytest.approx(np.exp(logits).sum())
    assert text == f"p(c5) = e^(0.5) / (e^(1) + e^(0.5) + 98 more terms) = 1.65 / {total:.3g} = {share:.4g}"


def test_exp_texts():
    assert ox.exp_html(-1.76) == "e<sup>−1.76</sup>" and ox.exp_text(9.36) == "e^(9.36)"
