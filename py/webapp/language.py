"""The page's language: load the catalogue, translate the template's text, say it in <html lang>, remember it."""
import json
import os

import js

from cnn_explainer import i18n
from cnn_explainer.page import share
from cnn_explainer.i18n import _

from .dom import every

STORAGE_KEY = "pycnn-lang"
TABLE = os.path.join(i18n.LOCALE_DIR, "html.json")  # the template's messages by key (written by the build)


def remembered():
    """The language the visitor chose last time (None if none, or if storage is unavailable)."""
    try:
        return js.localStorage.getItem(STORAGE_KEY)
    except Exception:  # storage can be blocked (privacy settings): then nothing is remembered
        return None


def remember(code):
    """Keep the choice for the next visit (silently skipped when storage is blocked)."""
    try:
        js.localStorage.setItem(STORAGE_KEY, code)
    except Exception:
        pass


def starting_language():
    """A choice made in the menu while Python was starting, else the address's (#lang= or ?lang=), else the remembered one."""
    menu = js.document.querySelector("#lang-select")
    if menu is not None and menu.value != "en":
        return i18n.choose(menu.value, None)
    query = share.decode(js.location.hash).get("lang") or js.URLSearchParams.new(js.location.search).get("lang")
    return i18n.choose(query, remembered())


def template_table():
    """{key: {"html": message, attribute: message}} of the page template's translatable elements."""
    if not os.path.exists(TABLE):
        return {}
    with open(TABLE, encoding="utf-8") as f:
        return json.load(f)


def translate_template(table):
    """Put every data-i18n element of the page in the active language (its text and its marked attributes)."""
    for element in every("[data-i18n]"):
        messages = table.get(element.getAttribute("data-i18n")) or {}
        for name, message in messages.items():
            if name == "html":
                element.innerHTML = _(message)  # our own catalogue's text: trusted markup, never a user's
            else:
                element.setAttribute(name, _(message))


def switch(code, table):
    """Make code the page's language: catalogue, template text, <html lang>, the menu, the remembered choice."""
    i18n.use(code)
    translate_template(table)
    js.document.documentElement.lang = i18n.HTML_LANG[code]
    select = js.document.querySelector("#lang-select")
    if select is not None:
        select.value = code
    remember(code)
