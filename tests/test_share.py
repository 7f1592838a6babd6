"""The address fragment: what a link shares, read back strictly (hostile fragments are dropped, never obeyed)."""
from urllib.parse import parse_qs

from cnn_explainer.page import share

COLUMNS = {"input": ("input", 3), "conv_1_2": ("conv2d", 10), "output": ("output", 10)}


def test_fields_round_trip_in_a_fixed_order():
    fields = {"view": "conv_1_2:3,channel:2", "model": "tinyvgg-tin10", "level": "unit", "lang": "zh",
              "example": "examples/tinyvgg-tin10/red-panda-1.png", "at": "4,7", "other": "dropped"}
    text = share.encode(fields)
    assert text.startswith("#model=tinyvgg-tin10&example=examples/tinyvgg-tin10/red-panda-1.png&level=unit&lang=zh")
    assert parse_qs(text[1:]) == {k: [v] for k, v in fields.items() if k != "other"}  # the standard library agrees
    assert share.decode(text) == {k: v for k, v in fields.items() if k != "other"}
    assert share.encode({"model": "", "view": None}) == ""


def test_hostile_fragments_are_dropped():
    assert share.decode("#model=a&model=b") == {"model": "a"}
    assert share.decode("#" + "x=1&" * 50 + "model=a") == {}  # too many fields: not ours
    assert share.decode("#example=" + "a" * 400) == {}
    assert share.decode("#lang=%3Cscript%3E")["lang"] == "<script>"  # kept as text; the page checks it against its list
    assert share.decode("garbage") == {} and share.decode("") == {}


def test_views_are_checked_against_the_model():
    assert share.parse_view("conv_1_2:3", COLUMNS) == [("conv_1_2", 3)]
    assert share.parse_view("conv_1_2:3,channel:2,playground", COLUMNS) == [("conv_1_2", 3), ("channel", 2), ("playground",)]
    assert share.parse_view("output:9,softmax", COLUMNS) == [("output", 9), ("softmax",)]
    assert share.parse_view("input:0,saliency", COLUMNS) == [("input", 0), ("saliency",)]
    assert share.parse_view("input:0,saliency:7", COLUMNS) == [("input", 0), ("saliency", 7)]  # a chosen class
    for bad in ("input:0,saliency:x", "input:0,saliency:²", "input:0,saliency:-1", "input:0,softmax:1,saliency"):
        assert share.parse_view(bad, COLUMNS) is None, bad
    for bad in ("conv_1_2:10", "conv_9_9:0", "conv_1_2:-1", "conv_1_2", "conv_1_2:3,channel", "conv_1_2:3,softmax:2",
                "conv_1_2:3,evil", "conv_1_2:3,channel:x", "conv_1_2:1,playground,playground,playground", ":"):
        assert share.parse_view(bad, COLUMNS) is None, bad
    steps = [("conv_1_2", 3), ("channel", 2), ("playground",)]
    assert share.parse_view(share.view_text(steps), COLUMNS) == steps


def test_positions_are_two_small_numbers():
    assert share.parse_at("4,7") == (4, 7)
    for bad in ("4", "4,7,1", "-1,2", "a,b", "99999,1", ""):
        assert share.parse_at(bad) is None, bad


def test_only_ascii_digits_are_numbers():
    """Unicode digits ("²", "¹", Arabic-Indic "٣") pass str.isdigit() but not int(): a link holding one is dropped."""
    for bad in ("conv_1_2:²", "conv_1_2:0,channel:¹", "conv_1_2:٣", "conv_1_2:0,channel:٣", "conv_1_2:" + "9" * 400,
                "conv_1_2:0,channel:" + "9" * 50, "conv_1_2:+1", "conv_1_2: 1", "conv_1_2:1_0", "conv_1_2:0,channel:-1"):
        assert share.parse_view(bad, COLUMNS) is None, bad
    for bad in ("²,1", "1,¹", "٣,٣", "1_0,2", " 1,2", "+1,2", "9" * 300 + ",1"):
        assert share.parse_at(bad) is None, bad
    assert share.small_number("٣") is None and share.small_number("²") is None and share.small_number("07") == 7
    assert share.small_number("12", limit=12) is None and share.small_number("11", limit=12) == 11
    assert share.decode("#view=conv_1_1:%C2%B2&model=tinyvgg-tin10") == {"view": "conv_1_1:²", "model": "tinyvgg-tin10"}
