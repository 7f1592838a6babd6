"""Overview geometry: the columns, neurons and edges of Tiny VGG, checked against its architecture."""
import re

import numpy as np

from cnn_explainer import layout
from cnn_explainer.model import Model
from cnn_explainer.weights import tiny_vgg_layers

CNN_EXPLAINER_COLUMNS = ["input", "conv_1_1", "relu_1_1", "conv_1_2", "relu_1_2", "max_pool_1",
                         "conv_2_1", "relu_2_1", "conv_2_2", "relu_2_2", "max_pool_2", "output"]


def tiny_vgg():
    return Model(tiny_vgg_layers(), [f"class {i}" for i in range(10)])


def test_twelve_columns_in_cnn_explainer_order_left_to_right():
    columns = layout.columns_of(tiny_vgg())
    assert [c.name for c in columns] == CNN_EXPLAINER_COLUMNS
    xs = [c.x for c in columns]
    assert xs == sorted(xs) and len(set(xs)) == 12
    assert columns[-1].x + layout.OUTPUT_LABEL_WIDTH <= layout.WIDTH + 1e-6


def test_neurons_fit_inside_and_never_overlap():
    columns, nodes, edges, size = layout.overview(tiny_vgg())
    assert len(nodes) == 3 + 10 * 10 + 10
    for n in nodes:
        assert 0 <= n.x and n.x + n.size <= layout.WIDTH and layout.TOP <= n.y and n.y + n.size <= layout.HEIGHT
    for col in columns:
        ys = sorted(n.y for n in nodes if n.layer == col.name)
        column_nodes = [n for n in nodes if n.layer == col.name]
        assert all(b - a >= column_nodes[0].size for a, b in zip(ys, ys[1:]))


def test_edges_follow_the_connectivity_of_each_layer_type():
    columns, nodes, edges, size = layout.overview(tiny_vgg())
    # conv: all 3 or 10 inputs; relu / pool: one; output (dense over the flatten): all 10 pooled maps
    assert len(edges) == 30 + 10 + 100 + 10 + 10 + 100 + 10 + 100 + 10 + 10 + 100
    into = {}
    for e in edges:
        into.setdefault(e.target, set()).add(e.source)
    assert into[("conv_1_2", 4)] == {("relu_1_1", j) for j in range(10)}
    assert into[("relu_1_2", 4)] == {("conv_1_2", 4)}
    assert into[("max_pool_2", 7)] == {("relu_2_2", 7)}
    assert into[("output", 0)] == {("max_pool_2", j) for j in range(10)}


def test_edge_paths_run_from_source_right_side_to_target_left_side():
    columns, nodes, edges, size = layout.overview(tiny_vgg())
    by_key = {(n.layer, n.index): n for n in nodes}
    for e in edges[::37]:
        numbers = [float(v) for v in re.findall(r"-?\d+\.?\d*", e.path)]
        src, dst = by_key[e.source], by_key[e.target]
        assert np.allclose(numbers[:2], [src.x + src.size, src.y + src.size / 2], atol=0.06)
        assert np.allclose(numbers[-2:], [dst.x, dst.y + dst.size / 2], atol=0.06)


def test_arrow_keys_move_between_neighbours_and_stop_at_the_edges():
    columns = layout.columns_of(tiny_vgg())
    assert layout.neighbour(columns, "conv_1_1", 3, "ArrowDown") == ("conv_1_1", 4)
    assert layout.neighbour(columns, "conv_1_1", 0, "ArrowUp") == ("conv_1_1", 0)
    assert layout.neighbour(columns, "conv_1_1", 9, "ArrowLeft") == ("input", 2)  # clamped to 3 channels
    assert layout.neighbour(columns, "max_pool_2", 5, "ArrowRight") == ("output", 5)
    assert layout.neighbour(columns, "output", 5, "ArrowRight") is None
    assert layout.neighbour(columns, "input", 0, "ArrowLeft") is None
    assert layout.neighbour(columns, "input", 0, "Enter") is None
