"""The page's translations: find every translatable message, keep the .po catalogues in step, compile them.

Messages come from two places:
- Python: strings marked with _(), N_() or ngettext() in py/cnn_explainer and py/webapp (Babel's extractor);
- the page template: every element with a `data-i18n` attribute (its inner HTML is the message) and the attributes
  named in `data-i18n-attrs` (e.g. "aria-label title"; an element may have only this one). The build writes each such element's key into `data-i18n` and the
  messages by key into locale/html.json, which the page uses to translate its static text.

    python tools/catalogues.py update     # add new messages to every catalogue (empty), drop unused ones
    python tools/catalogues.py check      # exit 1 if a message lacks a translation or a catalogue entry is unused
    python tools/catalogues.py messages FILE...   # the messages of some files, as JSON
"""
import hashlib
import html.parser
import json
import os
import re
import sys

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(REPO_ROOT, "py", "cnn_explainer")
SOURCES = [os.path.join(REPO_ROOT, "py", "cnn_explainer"), os.path.join(REPO_ROOT, "py", "webapp")]
TEMPLATE = os.path.join(REPO_ROOT, "index.html")
DOMAIN = "pycnn"
LANGUAGES = ("zh",)  # every language but the source language, English
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
ATTRIBUTE = "data-i18n"


def catalogue_path(language, root=PACKAGE):
    return os.path.join(root, "locale", language, "LC_MESSAGES", f"{DOMAIN}.po")


KEY_ATTRIBUTE = re.compile(r'\bdata-i18n(?:="[^"]*")?(?=[\s/>])')


def attrs_of(tag):
    """The attribute names of one start tag."""
    return set(re.findall(r'\s([\w-]+)(?==|[\s/>])', tag))


def normalise(text):
    """Whitespace collapsed to single spaces (how the template's indentation does not become part of a message)."""
    return " ".join(text.split())


def key_of(message):
    """A short stable key for a template message."""
    return hashlib.sha256(message.encode()).hexdigest()[:10]


class TemplateMessages(html.parser.HTMLParser):
    """Finds the elements marked data-i18n in a page template: their inner HTML's place in the source, and attributes."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, text):
        super().__init__(convert_charrefs=False)
        self.text, self.found, self.open = text, [], []  # open: [tag, depth, start of inner html, attrs, tag start]
        self.depth = 0
        self.line_starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self.line_starts.append(i + 1)
        self.feed(text)

    def position(self):
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        start = self.position()
        end = start + len(self.get_starttag_text())
        attrs = dict(attrs)
        marked = ATTRIBUTE in attrs or f"{ATTRIBUTE}-attrs" in attrs
        if tag in self.VOID:
            if marked:
                self.found.append((start, end, None, attrs))
            return
        self.depth += 1
        if marked:
            self.open.append([tag, self.depth, end, attrs, start])

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if self.open and self.open[-1][0] == tag and self.open[-1][1] == self.depth:
            _, _, inner_start, attrs, start = self.open.pop()
            self.found.append((start, inner_start, self.text[inner_start:self.position()], attrs))
        self.depth -= 1


def template_messages(text):
    """[(tag start, tag end, {"html": message, attribute: message, ...})] for every data-i18n element, in order."""
    result = []
    for start, end, inner, attrs in sorted(TemplateMessages(text).found):
        with_html = ATTRIBUTE in attrs and inner is not None and normalise(inner)
        messages = {"html": normalise(inner)} if with_html else {}
        for name in (attrs.get("data-i18n-attrs") or "").split():
            messages[name] = normalise(attrs.get(name) or "")
        result.append((start, end, messages))
    return result


def keyed_template(text):
    """The template with each data-i18n element's key written in, and the {key: messages} table the page reads."""
    table, pieces, last = {}, [], 0
    for start, end, messages in template_messages(text):
        key = key_of(json.dumps(messages, sort_keys=True, ensure_ascii=False))
        table[key] = messages
        tag = text[start:end]
        if ATTRIBUTE in attrs_of(tag):  # data-i18n (empty, or a key from an earlier build): set its key
            marked = KEY_ATTRIBUTE.sub(f'{ATTRIBUTE}="{key}"', tag, count=1)
        else:  # only attributes are messages: add the key
            marked = tag.replace(f"{ATTRIBUTE}-attrs", f'{ATTRIBUTE}="{key}" {ATTRIBUTE}-attrs', 1)
        pieces += [text[last:start], marked]
        last = end
    pieces.append(text[last:])
    return "".join(pieces), table


def python_messages(sources=SOURCES):
    """{message: [file:line, ...]} of every marked string in the Python sources."""
    found = {}
    paths = sorted(os.path.join(parent, name) for source in sources for parent, _dirs, names in os.walk(source)
                   for name in names if name.endswith(".py"))
    for path in paths:
        for line, message, _comments, _context in extract_from_file("python", path, keywords=KEYWORDS):
            if message and all(message):  # a plural message is a (singular, plural) pair
                found.setdefault(message, []).append(f"{os.path.relpath(path, REPO_ROOT)}:{line}")
    return found


def all_messages(template=TEMPLATE, sources=SOURCES):
    """{message: [where, ...]} from the Python sources and the page template."""
    found = python_messages(sources)
    with open(template, encoding="utf-8") as f:
        for _start, _end, messages in template_messages(f.read()):
            for message in messages.values():
                found.setdefault(message, []).append("index.html")
    return found


def load(language, root=PACKAGE):
    """The catalogue of a language (empty if it has none yet)."""
    path = catalogue_path(language, root)
    if not os.path.exists(path):
        return Catalog(locale=language, domain=DOMAIN)
    with open(path, "rb") as f:
        return read_po(f, locale=language, domain=DOMAIN)


def problems(language, messages=None, root=PACKAGE):
    """(missing translations, unused entries) of a language's catalogue against the messages in the sources."""
    messages = all_messages() if messages is None else messages
    catalogue = load(language, root)
    entries = {m.id: m for m in catalogue if m.id}
    def translated(message):
        entry = entries.get(message)
        strings = entry.string if entry and isinstance(entry.string, tuple) else (entry.string if entry else "",)
        return all(strings)
    missing = sorted((m for m in messages if not translated(m)), key=str)
    unused = sorted((m for m in entries if m not in messages), key=str)
    return missing, unused


def update(language, root=PACKAGE):
    """Add every new message (untranslated) to a catalogue and drop the ones no source uses any more."""
    messages = all_messages()
    old = load(language, root)
    catalogue = Catalog(locale=language, domain=DOMAIN, project="PyCNN Explainer", fuzzy=False)
    for message, places in sorted(messages.items(), key=lambda item: str(item[0])):
        previous = old.get(message)
        empty = ("",) * catalogue.num_plurals if isinstance(message, tuple) else ""
        catalogue.add(message, previous.string if previous else empty, locations=[(p, None) for p in places[:3]])
    path = catalogue_path(language, root)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        write_po(f, catalogue, width=0, omit_header=False, sort_output=True, include_lineno=False)
    return problems(language, messages, root)


def compile_all(out_package, template=TEMPLATE, root=PACKAGE):
    """Write out_package/locale/<language>/LC_MESSAGES/pycnn.mo for every language, and the template's html.json."""
    for language in LANGUAGES:
        path = os.path.join(out_package, "locale", language, "LC_MESSAGES", f"{DOMAIN}.mo")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            write_mo(f, load(language, root), use_fuzzy=False)
    with open(template, encoding="utf-8") as f:
        _, table = keyed_template(f.read())
    with open(os.path.join(out_package, "locale", "html.json"), "w", encoding="utf-8") as f:
        json.dump(table, f, ensure_ascii=False, sort_keys=True, indent=0)


def file_messages(paths):
    """The messages of some files only (Python sources or the page template), in order of appearance."""
    found = []
    for path in paths:
        if path.endswith(".html"):
            with open(path, encoding="utf-8") as f:
                found += [m for _s, _e, messages in template_messages(f.read()) for m in messages.values()]
        else:
            for _line, message, _c, _x in extract_from_file("python", path, keywords=KEYWORDS):
                found += [t for t in (message if isinstance(message, tuple) else (message,)) if t]
    return list(dict.fromkeys(found))


def main(argv=None):
    argv = argv or sys.argv[1:] or ["check"]
    command = argv[0]
    if command == "messages":  # python tools/catalogues.py messages FILE... : their messages as a JSON list
        print(json.dumps(file_messages(argv[1:]), ensure_ascii=False, indent=1))
        return 0
    status = 0
    for language in LANGUAGES:
        missing, unused = update(language) if command == "update" else problems(language)
        print(f"{language}: {len(missing)} without a translation, {len(unused)} unused")
        for message in missing[:20]:
            print(f"  missing: {message[:100]!r}")
        for message in unused[:20]:
            print(f"  unused: {message[:100]!r}")
        status |= bool(missing or unused)
    return status if command == "check" else 0


if __name__ == "__main__":
    sys.exit(main())
