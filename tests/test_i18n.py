"""Translations: every marked message has a Chinese translation and every catalogue entry is used; the catalogue
compiles and the standard library's gettext reads it; the page template's messages are keyed for the page."""
import json
import os
import re
import sys

import pytest

from cnn_explainer import i18n
from cnn_explainer.page import markup
from helpers import ROOT

sys.path.insert(0, os.path.join(ROOT, "tools"))
import catalogues  # noqa: E402

PLACEHOLDER = re.compile(r"{\w*}")
TAG = re.compile(r"</?([a-z]+)")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """The catalogues compiled as the build compiles them (Babel), into a package-like folder."""
    folder = tmp_path_factory.mktemp("package")
    catalogues.compile_all(str(folder))
    return os.path.join(folder, "locale")


@pytest.mark.parametrize("language", catalogues.LANGUAGES)
def test_every_message_is_translated_and_every_entry_used(language):
    missing, unused = catalogues.problems(language)
    assert not missing, f"{len(missing)} messages without a {language} translation, e.g. {missing[:3]}"
    assert not unused, f"{len(unused)} {language} catalogue entries no source uses, e.g. {unused[:3]}"


@pytest.mark.parametrize("language", catalogues.LANGUAGES)
def test_translations_keep_placeholders_and_tags(language):
    for entry in catalogues.load(language):
        if not entry.id:
            continue
        # a plural entry: Chinese has one form, used for every count, so it follows the plural message
        source = entry.id[-1] if isinstance(entry.id, tuple) else entry.id
        for target in entry.string if isinstance(entry.string, tuple) else (entry.string,):
            assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(target)), source
            assert sorted(TAG.findall(source)) == sorted(TAG.findall(target)), source


def test_the_compiled_catalogue_switches_the_language(compiled):
    try:
        i18n.use("zh", compiled)
        assert i18n.language == "zh"
        assert i18n._("Explanation closed") != "Explanation closed"
        assert re.search(r"[\u4e00-\u9fff]", i18n._("Explanation closed"))
        assert i18n._("a message no catalogue has") == "a message no catalogue has"  # e.g. a user's class name
        assert i18n._("") == "" and markup.class_name("") == ""  # never the catalogue's header
        assert re.search(r"[\u4e00-\u9fff]", markup.cell_text((2, 6)))
    finally:
        i18n.use("en")
    assert markup.cell_text((2, 6)) == "row 3, column 7"
    with pytest.raises(ValueError):
        i18n.use("xx")


def test_the_language_comes_from_the_address_then_the_remembered_choice():
    assert i18n.choose("zh", "en") == "zh"
    assert i18n.choose(None, "zh") == "zh"
    assert i18n.choose("klingon", None) == "en" and i18n.choose("", "<b>") == "en"


def test_the_template_messages_are_keyed_for_the_page(compiled):
    with open(catalogues.TEMPLATE, encoding="utf-8") as f:
        template = f.read()
    marked = len(re.findall(r"\sdata-i18n(?:-attrs)?[\s=>]", template))
    page, table = catalogues.keyed_template(template)
    keys = re.findall(r'data-i18n="([0-9a-f]{10})"', page)
    assert keys and set(keys) == set(table) and len(keys) >= marked // 2
    with open(os.path.join(compiled, "html.json"), encoding="utf-8") as f:
        assert json.load(f) == table
    messages = [m for entry in table.values() for m in entry.values()]
    assert "What a CNN is" in messages and "Softmax" in " ".join(messages)


def test_the_template_parser_finds_nested_and_attribute_only_elements():
    text = ('<p data-i18n class="x">Hello <em>big</em>\n   world</p>'
            '<button data-i18n-attrs="aria-label" aria-label="Close it">✕</button>'
            '<div><p data-i18n>Nested <span>a <b>b</b></span> end</p><img data-i18n-attrs="alt" alt="A picture"></div>')
    found = [m for _s, _e, m in catalogues.template_messages(text)]
    assert found == [{"html": "Hello <em>big</em> world"}, {"aria-label": "Close it"},
                     {"html": "Nested <span>a <b>b</b></span> end"}, {"alt": "A picture"}]
    page, table = catalogues.keyed_template(text)
    assert page.count('data-i18n="') == 4 and ">✕</button>" in page


def test_the_build_s_gallery_notes_are_shown_translated_with_their_values(compiled):
    note = markup.note_of(markup.GALLERY_NOTES[0], datasets="tiny-imagenet-10-32px.tar", count=3)
    english = markup.GALLERY_NOTES[0].format(datasets="tiny-imagenet-10-32px.tar", count=3)
    try:
        i18n.use("zh", compiled)
        shown = markup.translated_note(note)
        assert shown != english and "tiny-imagenet-10-32px.tar" in shown and "3" in shown
        assert re.search(r"[\u4e00-\u9fff]", shown)
        assert markup.translated_note("a note of someone else's build") == "a note of someone else's build"
    finally:
        i18n.use("en")
    assert markup.translated_note(note) == english


@pytest.mark.parametrize("note", [{"message": "{missing}"}, {"values": {}}, {"message": "{0}", "values": {}}, 7, None])
def test_a_malformed_gallery_note_shows_nothing_rather_than_failing(note):
    assert markup.translated_note(note) == ""


def test_chinese_terms_are_the_usual_ones_and_used_consistently():
    """Playground is 交互演示 and dilation 扩张率 everywhere (not 演练场, 膨胀), and the phrases that read awkwardly
    were rewritten."""
    entries = {entry.id: entry.string for entry in catalogues.load("zh") if entry.id and isinstance(entry.id, str)}
    for message, text in entries.items():
        assert "演练场" not in text and "膨胀" not in text, (message, text)
    assert entries["Dilation"] == "扩张率"
    assert entries["Convolution playground"] == "卷积交互演示"
    assert entries["forward pass (intermediate map) at this cell:"] == "该单元格在前向传播中的值（中间图）："
    assert entries["One output cell"] == "单个输出单元格的计算"
    assert entries[markup.PREVIEW_ALT] and not re.search("[A-Za-z]", entries[markup.PREVIEW_ALT])


def test_a_taught_model_s_description_names_its_mode_in_the_page_s_language(compiled):
    import numpy as np
    from cnn_explainer.net.training import Trainer
    from cnn_explainer.net.weights import resolve_model
    pixels, labels = np.zeros((6, 64, 64, 3), np.uint8), [0, 0, 0, 1, 1, 1]
    try:
        i18n.use("zh", compiled)
        described = Trainer(resolve_model("tinyvgg-tin10"), ["a", "b"], pixels, labels).model.meta["description"]
        assert "快速" in described and "quick" not in described
    finally:
        i18n.use("en")
