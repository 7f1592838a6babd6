"""The Teach panel's pure drawings: the live loss and accuracy curves, the progress line, the confusion matrix."""
import numpy as np

from ..i18n import _, ngettext
from .markup import class_name, escape
from .numbers import number, percent

CURVE_SIZE = (300, 120)  # one chart's viewBox; the page scales it to the panel's width
CURVE_PAD = (34, 10, 8, 20)  # left (tick labels), right, top, bottom (epoch labels)
SERIES = (("loss", "train"), ("held_loss", "held"))  # (history key, css class) of the loss chart
ACCURACY_SERIES = (("accuracy", "train"), ("held_accuracy", "held"))
MAX_NAME_LENGTH = 60  # weights.MAX_CLASS_NAME


def plot_box(size=CURVE_SIZE, pad=CURVE_PAD):
    """The (left, top, right, bottom) of the area the lines are drawn in."""
    left, right, top, bottom = pad
    return left, top, size[0] - right, size[1] - bottom


def curve_points(values, epochs, low, high, size=CURVE_SIZE):
    """Points (x, y) of values for epochs 1, 2, …: x spreads epochs 1..epochs over the box, y maps low..high upwards."""
    left, top, right, bottom = plot_box(size)
    steps, span = max(epochs - 1, 1), (high - low) or 1.0
    return [(left + i / steps * (right - left), bottom - (min(max(v, low), high) - low) / span * (bottom - top))
            for i, v in enumerate(values)]


def path_d(points):
    """An SVG path through points (one dot's worth of line for a single point)."""
    if not points:
        return ""
    if len(points) == 1:
        (x, y), = points
        return f"M{x - 1.5:.1f},{y:.1f}h3"
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))


def loss_ceiling(history):
    """The loss chart's top: the largest finite loss so far (at least a small positive number)."""
    values = [e[key] for e in history for key, _css in SERIES if np.isfinite(e.get(key, np.nan))]
    return max(values + [1e-3])


def chart_svg(history, epochs, series, low, high, title, ticks, size=CURVE_SIZE):
    """One chart: a frame, two tick labels, one line per (key, class) series, and its accessible title."""
    left, top, right, bottom = plot_box(size)
    lines = "".join(f'<path class="{css}" d="{path_d(curve_points([e[key] for e in history], epochs, low, high, size))}"/>'
                    for key, css in series)
    first, last = (escape(_("epoch {number}").format(number=n)) for n in (1, epochs))
    return (f'<svg class="teach-chart" viewBox="0 0 {size[0]} {size[1]}" role="img" aria-label="{escape(title)}">'
            f'<rect class="frame" x="{left}" y="{top}" width="{right - left}" height="{bottom - top}"/>'
            f'<text x="{left - 4}" y="{top + 8}" text-anchor="end">{escape(ticks[1])}</text>'
            f'<text x="{left - 4}" y="{bottom}" text-anchor="end">{escape(ticks[0])}</text>'
            f'<text x="{left}" y="{size[1] - 5}">{first}</text>'
            f'<text x="{right}" y="{size[1] - 5}" text-anchor="end">{last}</text>{lines}</svg>')


def curves_html(history, epochs):
    """The loss chart and the accuracy chart of a training so far (epochs: how many it will run), with their key."""
    epochs = max(epochs, len(history), 1)
    if history:
        last = history[-1]
        loss_title = _("Loss after epoch {epoch}: training {train}, held-out {held}").format(
            epoch=last["epoch"], train=number(last["loss"]), held=number(last["held_loss"]))
        accuracy_title = _("Accuracy after epoch {epoch}: training {train}, held-out {held}").format(
            epoch=last["epoch"], train=percent(last["accuracy"]), held=percent(last["held_accuracy"]))
    else:
        loss_title = accuracy_title = _("No epoch has finished yet")
    ceiling = loss_ceiling(history)
    loss = chart_svg(history, epochs, SERIES, 0.0, ceiling, loss_title, ("0", number(ceiling, 2)))
    accuracy = chart_svg(history, epochs, ACCURACY_SERIES, 0.0, 1.0, accuracy_title, ("0 %", "100 %"))
    words = [escape(word) for word in (_("training"), _("held-out"), _("loss"), _("accuracy"))]  # (Babel reads no f-string)
    key = (f'<p class="teach-key"><span class="key train"></span>{words[0]} '
           f'<span class="key held"></span>{words[1]}</p>')
    return (f'<figure class="teach-curve"><figcaption>{words[2]}</figcaption>{loss}</figure>'
            f'<figure class="teach-curve"><figcaption>{words[3]}</figcaption>{accuracy}</figure>{key}')


def seconds_left(history, epochs, info):
    """Seconds the training should still take: the mean epoch time times what is left of this epoch and the rest
    (None before the first epoch has finished)."""
    if not history:
        return None
    per_epoch = sum(e["seconds"] for e in history) / len(history)
    finished = len(history)
    inside = info.get("done", 0) / (info.get("total") or 1) if info.get("phase") == "train" and info.get("epoch", 0) > finished else 0.0
    return per_epoch * max(epochs - finished - inside, 0.0)


def wall_clock(history, walls, images):
    """The history with each epoch's seconds as the page took them (walls) and images per second from those."""
    return [dict(entry, seconds=wall, images_per_s=images / wall if wall > 0 else entry["images_per_s"])
            for entry, wall in zip(history, walls)]


def progress_text(history, info):
    """The line under the curves: the phase or epoch, images per second and time left."""
    epochs = info.get("epochs", 0)
    if info.get("phase") == "features":
        return _("Reading the pictures: {done} of {total}").format(done=info["done"], total=info["total"])
    parts = [_("Epoch {epoch} of {epochs}").format(epoch=max(info.get("epoch", 1), 1), epochs=epochs)]
    if history and info.get("phase") == "end":
        parts.append(_("{seconds} s in all").format(seconds=f"{sum(e['seconds'] for e in history):.1f}"))
    elif history:
        parts.append(_("{rate} images/s").format(rate=f"{history[-1]['images_per_s']:,.0f}"))
        left = seconds_left(history, epochs, info)
        parts.append(_("about {seconds} s left").format(seconds=f"{left:.0f}" if left >= 1 else "<1"))
    return " · ".join(parts)


def confusion_html(matrix, classes):
    """The held-out confusion matrix (rows: true class, columns: predicted) with each class's accuracy."""
    matrix = np.asarray(matrix)
    names = [escape(class_name(c)) for c in classes]
    peak = max(int(matrix.max()), 1)
    head = "".join(f'<th scope="col">{name}</th>' for name in names)
    rows = []
    for i, name in enumerate(names):
        total = int(matrix[i].sum())
        cells = "".join(
            f'<td class="{"hit" if i == j else "miss"}" data-count="{int(v)}" '
            f'style="--share:{int(v) / peak:.3f}">{int(v)}</td>' for j, v in enumerate(matrix[i]))
        accuracy = percent(matrix[i, i] / total) if total else "–"
        rows.append(f'<tr><th scope="row">{name}</th>{cells}<td class="num accuracy">{accuracy}</td></tr>')
    total = int(matrix.sum())
    overall = percent(np.trace(matrix) / total) if total else "–"
    right = escape(_("right"))
    caption = _("Held-out pictures: {count}, {share} right. Rows: the true class; columns: what the model said.").format(
        count=total, share=overall)
    return (f'<table class="teach-confusion"><caption>{escape(caption)}</caption>'
            f'<thead><tr><td></td>{head}<th scope="col">{right}</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def default_class_name(number):
    """The name a new class starts with (people count from 1)."""
    return _("class {number}").format(number=number)


def class_labels(number):
    """The words of class number's card (plain text): its group, name field and remove button labels, its buttons."""
    return {"group": _("Class {number}: choose, drop or paste pictures here").format(number=number),
            "name": _("Name of class {number}").format(number=number),
            "remove": _("Remove class {number}").format(number=number),
            "choose": _("Pictures…"), "record": _("Hold to record")}


def class_card_html(serial, number, name):
    """One class of the Teach panel: its name field, picture count, thumbnails, file picker and record button.
    serial makes the ids unique for the page's life; number is its place (from 1) in the list."""
    words = {key: escape(text) for key, text in class_labels(number).items()}
    group, label, remove, choose, record = (words[k] for k in ("group", "name", "remove", "choose", "record"))
    return (f'<div class="teach-class" role="group" tabindex="0" aria-label="{group}" data-serial="{int(serial)}">'
            f'<div class="teach-class-head">'
            f'<input class="teach-name" type="text" maxlength="{MAX_NAME_LENGTH}" autocomplete="off" spellcheck="false" '
            f'value="{escape(name)}" aria-label="{label}">'
            f'<span class="teach-count">{escape(picture_count(0))}</span>'
            f'<button type="button" class="button quiet teach-remove-class" aria-label="{remove}">×</button></div>'
            f'<div class="teach-thumbs" role="list"></div>'
            f'<div class="teach-class-tools">'
            f'<input id="teach-files-{int(serial)}" class="teach-files visually-hidden" type="file" accept="image/*" multiple>'
            f'<label class="button quiet" for="teach-files-{int(serial)}">{choose}</label>'
            f'<button type="button" class="button quiet teach-record">{record}</button></div></div>')


def picture_count(count):
    """How many pictures a class has, in words."""
    return ngettext("{count} picture", "{count} pictures", count).format(count=count)


def live_text(probabilities, classes, count=3):
    """A taught model's guess for a camera frame: its most probable classes with their shares."""
    order = np.argsort(-np.asarray(probabilities), kind="stable")[:count]
    return " · ".join(f"{class_name(classes[k])} {percent(float(probabilities[k]))}" for k in order)


def forward_from(model, acts, start):
    """The activations of a picture with every layer from index start on computed again (the frozen layers before it
    keep theirs): what a training changed, without the cost of the whole forward pass."""
    acts = dict(acts)
    x = model.input_of(model.layers[start].name, acts)
    for layer in model.layers[start:]:
        x = layer(x)
        acts[layer.name] = x
    return acts
