"""Overview geometry: the columns, neurons and edges of Tiny VGG, checked against its architecture."""
import re

import numpy as np
import pytest

from cnn_explainer.page import layout
from cnn_explainer.net.model import Model
from cnn_explainer.net.weights import tiny_vgg_layers

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
    for col in columns:  # labels stay inside the overview (anything outside would widen the page)
        label = layout.wide_label(col, size)
        assert 0 <= label.x and label.x + label.w <= layout.WIDTH and label.y + label.h <= layout.TOP
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
    assert layout.neighbour(columns, "conv_1_2", 3, "ArrowRight", last=3) is None  # nothing past an explained column
    assert layout.neighbour(columns, "conv_1_2", 3, "ArrowLeft", last=3) == ("relu_1_1", 3)


def overlap(a, b):
    """True when two boxes share some area."""
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def test_tall_bands_run_top_to_bottom_inside_a_phone_width_with_44_px_targets():
    columns = layout.columns_of(tiny_vgg())
    boxes, labels, height = layout.tall(columns)
    assert len(boxes) == 113 and list(labels) == CNN_EXPLAINER_COLUMNS
    tops = [labels[c.name].y for c in columns]
    assert tops == sorted(tops) and len(set(tops)) == 12
    everything = list(boxes.values()) + list(labels.values())
    for box in everything:
        assert 0 <= box.x and box.x + box.w <= layout.TALL_WIDTH + 1e-9 and 0 <= box.y and box.y + box.h <= height + 1e-9
    for i, a in enumerate(everything):
        for b in everything[i + 1:]:
            assert not overlap(a, b), (a, b)
    phone = 370  # px: the overview's width at 390 px minus the page's margins
    assert min(min(b.w, b.h) for b in boxes.values()) * phone / layout.TALL_WIDTH >= 44
    for col in columns:  # a band holds its neurons in reading order, five to a row
        band = [boxes[(col.name, i)] for i in range(col.shape[-1])]
        label = labels[col.name]
        assert all(label.y - 1e-9 <= b.y and b.y + b.h <= label.y + label.h + 1e-9 for b in band)
        assert [(round(b.y), round(b.x)) for b in band] == sorted((round(b.y), round(b.x)) for b in band)


def test_the_tall_cut_ends_just_below_a_band():
    columns = layout.columns_of(tiny_vgg())
    _, labels, height = layout.tall(columns)
    cuts = [layout.tall_cut(columns, i) for i in range(12)]
    assert cuts == sorted(cuts) and cuts[-1] == pytest.approx(height)
    for i, col in enumerate(columns[:-1]):
        assert labels[col.name].y + labels[col.name].h <= cuts[i] <= labels[columns[i + 1].name].y + 1e-9


def test_the_rail_keeps_the_explained_column_and_its_source_in_view_left_of_the_panel():
    columns, nodes, edges, size = layout.overview(tiny_vgg())
    for position in range(12):
        rail = layout.rail(columns, size, position)
        assert layout.RAIL_SMALLEST <= rail.scale <= 1 and rail.shift <= 0
        assert rail.panel_left <= layout.RAIL_SHARE * layout.WIDTH + 1e-9
        for col in columns[max(position - 1, 0):position + 1]:
            assert col.x * rail.scale + rail.shift >= 0, (position, col.name)  # its left edge is on screen
            right = (col.x + layout.OUTPUT_NAME_WIDTH if col.kind == "output"  # a class row's swatch and name
                     else layout.wide_label(col, size).x + layout.wide_label(col, size).w)
            assert right * rail.scale + rail.shift <= rail.panel_left  # neurons and label clear of the panel
    assert layout.rail(columns, size, 1).scale == 1 and layout.rail(columns, size, 1).panel_left < 200  # room to spare


def test_class_rows_stay_readable_beside_layers_of_many_neurons():
    from cnn_explainer.net.model import Layer
    from helpers import random_model
    wide = [Layer("conv_1_1", "conv2d", {"filters": 80, "kernel_size": 3}), Layer("relu_1_1", "relu"),
            Layer("max_pool_1", "max_pool2d", {"pool_size": 2}), Layer("flatten", "flatten"),
            Layer("output", "dense", {"units": 10}), Layer("softmax", "softmax")]
    model = random_model(wide, [f"c{i}" for i in range(10)])
    columns, nodes, _edges, _size = layout.overview(model)
    rows = [layout.wide_box(columns[-1], n) for n in nodes if n.layer == columns[-1].name]
    assert all(b.y + b.h <= c.y + 0.01 for b, c in zip(rows, rows[1:]))  # class rows never overlap
    assert min(c.y - b.y for b, c in zip(rows, rows[1:])) >= layout.OUTPUT_PITCH - 0.01
    assert all(layout.TOP <= b.y and b.y + b.h <= layout.HEIGHT for b in rows)
    maps = [n for n in nodes if n.layer == "conv_1_1"]
    assert len(maps) == layout.COMPACT_SHOWN and all(a.y + a.size <= b.y for a, b in zip(maps, maps[1:]))


@pytest.mark.parametrize("filters", [64, 65, 256])
def test_a_layer_of_more_than_64_neurons_draws_its_first_32_and_a_note_below(filters):
    model = Model(tiny_vgg_layers(filters=filters), [f"class {i}" for i in range(10)])
    columns, nodes, edges, size = layout.overview(model)
    compact = filters > 64
    shown = 32 if compact else filters
    for col in columns[1:-1]:
        column_nodes = [n for n in nodes if n.layer == col.name]
        assert [n.index for n in column_nodes] == list(range(shown))
        assert all(a.y + a.size <= b.y for a, b in zip(column_nodes, column_nodes[1:]))
        if compact:  # the note sits under the last neuron, inside the overview
            note = layout.more_box(col, nodes)
            assert note.y >= column_nodes[-1].y + column_nodes[-1].size and note.y + note.h <= layout.HEIGHT + 0.01
    assert all(layout.TOP - 0.01 <= n.y and n.y + n.size <= layout.HEIGHT + 0.01 for n in nodes)
    # edges only between drawn neurons: a conv column reads every drawn neuron of the column before
    assert sum(1 for e in edges if e.target[0] == "conv_1_2") == shown * shown
    assert layout.neighbour(columns, "conv_1_1", shown - 1, "ArrowDown") == ("conv_1_1", shown - 1)
    boxes, _labels, _height = layout.tall(columns)
    assert (("conv_1_1", "more") in boxes) == compact and ("conv_1_1", shown) not in boxes


def test_the_overview_markup_says_how_many_neurons_a_compact_column_leaves_out():
    from cnn_explainer.page import markup
    model = Model(tiny_vgg_layers(filters=100), [f"class {i}" for i in range(10)])
    html = markup.overview_html(model, *layout.overview(model))
    assert html.count('class="col-more"') == 10 and html.count(">+68 more</div>") == 10
    assert "Only the first 32 of 100 neurons are drawn here; every one is computed." in html
    assert html.count('class="node map"') == 3 + 10 * 32


def test_an_output_of_10000_classes_draws_ten_class_rows_and_a_note_in_either_geometry():
    from cnn_explainer.page import markup
    model = Model(tiny_vgg_layers(classes=10000), [f"class {i}" for i in range(10000)])
    columns, nodes, edges, size = layout.overview(model)
    output = columns[-1]
    rows = [layout.wide_box(output, n) for n in nodes if n.layer == output.name]
    assert len(rows) == layout.OUTPUT_SHOWN and all(b.y + b.h <= c.y + 0.01 for b, c in zip(rows, rows[1:]))
    note = layout.more_box(output, nodes)
    assert note.y >= rows[-1].y + rows[-1].h and note.y + note.h <= layout.HEIGHT and note.x == output.x
    assert sum(1 for e in edges if e.target[0] == output.name) == 10 * 10
    boxes, labels, height = layout.tall(columns)
    assert boxes[(output.name, "more")].y >= boxes[(output.name, 9)].y + boxes[(output.name, 9)].h
    assert (output.name, 10) not in boxes and height >= boxes[(output.name, "more")].y + layout.MORE_HEIGHT
    html = markup.overview_html(model, columns, nodes, edges, size)
    assert html.count('class="node out') == 10 and ">+9990 more</div>" in html and len(html) < 100000
    assert "The 10 most probable of 10000 classes for this image are drawn here" in html
