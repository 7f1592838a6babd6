"""The page's state in its address (the part after #), so that a link reopens exactly what was on screen.

    #model=tinyvgg-tin10&example=examples/…/red-panda-1.png&level=unit&lang=zh&view=conv_1_2:3,channel:2&at=4,7
    #view=input:0,saliency:7   (the saliency view, for class 7; without a number, for the predicted class)

Only things anyone can open are shared: a shipped model, a gallery example, the colour level, the language, the
open explanation (its neuron and the views stacked on it) and the position of its animation. A visitor's own image
or model never goes into the address. Reading is strict: anything unknown or malformed is dropped, never obeyed.
"""
import re
from urllib.parse import parse_qsl, quote, urlencode

KEYS = ("model", "example", "level", "lang", "view", "at")
LEVELS = ("unit", "module", "global")
SUBVIEWS = ("channel", "softmax", "playground", "saliency")  # views opened on top of a neuron's view
NUMBERED = {"channel": True, "saliency": False}  # the subviews that take a number: {name: whether it must have one}
LONGEST = 300  # characters of one value: longer ones are not ours
# ASCII digits only: str.isdigit() also accepts "²" or "٣", which int() then refuses (or reads as another number)
NUMBER = re.compile(r"[0-9]{1,6}")


def small_number(text, limit=None):
    """The number an address writes as plain ASCII digits (at most 6, below limit if given); None for anything else."""
    if not isinstance(text, str) or NUMBER.fullmatch(text) is None:
        return None
    value = int(text)
    return value if limit is None or value < limit else None


def encode(fields):
    """The address fragment ("#…", or "" for nothing to share) of the fields that have a value, in a fixed order."""
    pairs = [(key, str(fields[key])) for key in KEYS if fields.get(key) not in (None, "")]
    return "#" + urlencode(pairs, quote_via=quote, safe=":/,") if pairs else ""


def decode(fragment):
    """The known fields of an address fragment, as strings (unknown keys, repeats and overlong values dropped)."""
    fields = {}
    try:
        pairs = parse_qsl(fragment.lstrip("#"), keep_blank_values=False, max_num_fields=len(KEYS) * 2)
    except ValueError:  # more fields than ours could ever make
        return fields
    for key, value in pairs:
        if key in KEYS and key not in fields and 0 < len(value) <= LONGEST:
            fields[key] = value
    return fields


def view_text(steps):
    """The view field for a stack of views: [(layer, index), ("channel", 2), ("playground",)] → "conv_1_2:3,channel:2,playground"."""
    return ",".join(":".join(str(part) for part in step) for step in steps)


def parse_view(text, columns):
    """The stack of views a view field asks for, checked against the model's {layer: (kind, neurons)}; None if invalid."""
    first, *rest = text.split(",")
    layer, _, index = first.rpartition(":")
    if layer not in columns or len(rest) > 2:
        return None
    index = small_number(index, columns[layer][1])
    if index is None:
        return None
    steps = [(layer, index)]
    for part in rest:
        name, _, number = part.partition(":")
        if name not in SUBVIEWS or (number and name not in NUMBERED) or (not number and NUMBERED.get(name)):
            return None
        if number:
            number = small_number(number)
            if number is None:
                return None
            steps.append((name, number))
        else:
            steps.append((name,))
    return steps


def parse_at(text):
    """A (row, column) position from "4,7" (counted from 0, as the code counts); None if it is not two small numbers."""
    parts = text.split(",")
    numbers = [small_number(p, 10_000) for p in parts]
    if len(numbers) != 2 or None in numbers:
        return None
    return numbers[0], numbers[1]
