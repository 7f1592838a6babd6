"""Translations with the standard library's gettext: `_()` marks and translates a string for the active language.

Catalogues are .po files under locale/<language>/LC_MESSAGES/ (in version control); the build compiles them to
.mo files (tools/i18n.py, with Babel), which `use()` loads. English is the source language and needs no catalogue.
"""
import gettext
import os

DOMAIN = "pycnn"
LANGUAGES = {"en": "English", "zh": "简体中文"}  # code → its own name (what the language menu shows)
HTML_LANG = {"en": "en", "zh": "zh-Hans"}
LOCALE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "locale")

_translations = gettext.NullTranslations()
language = "en"


def use(code, localedir=LOCALE_DIR):
    """Make `code` the active language (its compiled catalogue must exist; English always does)."""
    global _translations, language
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {code!r}")
    _translations = (gettext.NullTranslations() if code == "en"
                     else gettext.translation(DOMAIN, localedir=localedir, languages=[code]))
    language = code


def choose(query_value, remembered):
    """The language to start in: ?lang= wins, then the remembered choice, else English (unknown codes ignored)."""
    for code in (query_value, remembered):
        if code in LANGUAGES:
            return code
    return "en"


def _(message):
    """The message in the active language (unchanged when the catalogue has no entry for it). An empty message stays
    empty: gettext would return the catalogue's header for it, and a model file's empty name must not become that."""
    return _translations.gettext(message) if message else message


def ngettext(singular, plural, n):
    """The singular or plural message for n, in the active language."""
    return _translations.ngettext(singular, plural, n)


def N_(message):
    """Mark a constant for translation without translating it now: translate it with _() where it is shown."""
    return message
