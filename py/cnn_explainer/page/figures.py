"""The article's live figures as markup, drawn from the model and the current image's activations."""
import numpy as np

from . import colormap, layout
from ..net import ops
from ..i18n import N_, _, ngettext
from .markup import class_name, escape, number_grid_html
from .numbers import fixed, number, percent


SPLITS = {"train": N_("train"), "holdout": N_("holdout"), "val": N_("val")}  # the weights file's split names


def crop_box(width, height):
    """The centred square the input keeps of a width × height picture (image.fit_square): (left, top, side) in pixels."""
    side = min(width, height)
    return (width - side) / 2, (height - side) / 2, side


def first_of_kind(model, kind):
    """The name of the model's first layer of a kind (conv2d, relu, max_pool2d, dense), or None."""
    return next((layer.name for layer in model.layers if layer.type == kind), None)


def sample(values, count, seed=0):
    """Up to `count` of the values, picked evenly at random (the same ones for the same input)."""
    flat = np.asarray(values, dtype=float).ravel()
    if flat.size <= count:
        return flat
    return flat[np.sort(np.random.default_rng(seed).choice(flat.size, count, replace=False))]


def relu_svg(values, count=240, size=(320, 200)):
    """The graph of y = max(0, x) with `count` of a map's values plotted on it (negative ones land on zero)."""
    xs = sample(values, count)
    top = max(float(np.abs(xs).max()) if xs.size else 1.0, 1e-6)
    width, height = size
    pad = 28

    def sx(x):
        return pad + (x + top) / (2 * top) * (width - 2 * pad)

    def sy(y):
        return height - pad - y / top * (height - 2 * pad)
    points = "".join(f'<circle cx="{sx(x):.1f}" cy="{sy(max(x, 0.0)):.1f}" r="2.4" class="{"neg" if x < 0 else "pos"}"/>'
                     for x in xs)
    line = f"M{sx(-top):.1f},{sy(0):.1f} L{sx(0):.1f},{sy(0):.1f} L{sx(top):.1f},{sy(top):.1f}"
    label = _("y = max(0, x) with {count} values of the map: {negatives} negative ones become 0").format(
        count=xs.size, negatives=int((xs < 0).sum()))
    return (f'<svg class="relu-graph" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
            f'<line x1="{pad}" y1="{sy(0):.1f}" x2="{width - pad}" y2="{sy(0):.1f}" class="axis"/>'
            f'<line x1="{sx(0):.1f}" y1="{pad - 8}" x2="{sx(0):.1f}" y2="{height - pad}" class="axis"/>'
            f'<path d="{line}" class="relu-line"/>{points}'
            f'<text x="{width - pad}" y="{sy(0) + 16:.1f}" text-anchor="end">x = {number(top)}</text>'
            f'<text x="{sx(-top):.1f}" y="{sy(0) + 16:.1f}">x = {number(-top)}</text>'
            f'<text x="{sx(0) + 6:.1f}" y="{pad:.1f}">y = {number(top)}</text></svg>')


def strongest_window(values, size=(2, 2)):
    """The (row, col) of the pooling window that holds the map's largest value (the first, on ties)."""
    row, col = np.unravel_index(np.argmax(values[: values.shape[0] // size[0] * size[0], : values.shape[1] // size[1] * size[1]]),
                                (values.shape[0] // size[0] * size[0], values.shape[1] // size[1] * size[1]))
    return row // size[0], col // size[1]


def pool_html(values, position, size=(2, 2)):
    """One max-pool window of a real map: its numbers, the largest marked, and the result."""
    row, col = position
    window = values[row * size[0]:(row + 1) * size[0], col * size[1]:(col + 1) * size[1]]
    where = np.unravel_index(np.argmax(window), window.shape)
    best = float(window.max())
    table = number_grid_html(window, colormap.limit_of(values), _("the pooling window"), tuple(int(i) for i in where))
    return (f'{table}'
            f'<span class="op">→</span><span class="fig-result" data-value="{best!r}">{fixed(best)}</span>')


def flatten_html(maps, count=12):
    """The first values of a stack of maps in flatten order: the channel changes fastest, then the column, then the row."""
    flat = ops.flatten(maps)
    channels, width = maps.shape[2], maps.shape[1]
    items = []
    for i in range(min(count, flat.size)):
        row, rest = divmod(i, width * channels)
        col, channel = divmod(rest, channels)
        where = _("map {map}, row {row}, column {column}:").format(map=channel + 1, row=row + 1, column=col + 1)
        items.append(f'<li data-value="{float(flat[i])!r}"><code>x[{i}]</code> = {where} <b>{fixed(flat[i])}</b></li>')
    rest = _("… and so on to {last}: {count} values in all.").format(last=f"<code>x[{flat.size - 1}]</code>",
                                                                      count=f"{flat.size:,}")
    return f'<ul class="flatten-list">{"".join(items)}</ul><p class="fig-note">{rest}</p>'


def softmax_html(logits, classes):
    """The softmax of the current logits, class by class: logit, e^logit, share (with a bar)."""
    logits = np.asarray(logits, dtype=np.float64)
    exps = np.exp(logits - logits.max())
    shares = exps / exps.sum()
    rows, order = [], np.argsort(-shares, kind="stable")
    shown = order if len(order) <= layout.COMPACT_OVER else order[:layout.OUTPUT_SHOWN]  # many classes: the top ones
    for k in shown:
        rows.append(f'<tr data-class-index="{int(k)}"><th scope="row">{escape(class_name(classes[k]))}</th>'
                    f'<td class="num">{fixed(logits[k])}</td><td class="num">{number(np.exp(logits[k]))}</td>'
                    f'<td class="share" data-value="{float(shares[k])!r}"><span class="bar" style="width:{100 * shares[k]:.1f}%"></span>'
                    f'<span class="num">{percent(shares[k])}</span></td></tr>')
    if len(shown) < len(order):
        rest = float(shares[order[len(shown):]].sum())
        rows.append('<tr class="rest"><td colspan="4">' + escape(_("… {count} more classes, together {share}").format(
            count=f"{len(order) - len(shown):,}", share=percent(rest))) + "</td></tr>")
    heads = _("class"), _("logit z"), _("share")
    return (f'<table class="softmax-figure"><thead><tr><th scope="col">{heads[0]}</th><th scope="col">{heads[1]}</th>'
            f'<th scope="col">e<sup>z</sup></th><th scope="col">{heads[2]}</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def curve_svg(history, size=(360, 180)):
    """A small line chart of a training history: train and holdout loss, holdout accuracy (no chart library)."""
    width, height = size
    pad = 30
    epochs = len(history)

    def path(values, low, high):
        span = max(high - low, 1e-9)
        return " ".join(f"{'M' if i == 0 else 'L'}{pad + i / max(epochs - 1, 1) * (width - 2 * pad):.1f},"
                        f"{height - pad - (v - low) / span * (height - 2 * pad):.1f}" for i, v in enumerate(values))
    losses = [e["train_loss"] for e in history] + [e["holdout_loss"] for e in history]
    low, high = min(losses), max(losses)
    accuracy = [e["holdout_accuracy"] for e in history]
    label = _("training curve over {epochs} epochs: holdout accuracy from {first} to {last}").format(
        epochs=epochs, first=percent(accuracy[0]), last=percent(accuracy[-1]))
    first, last = (_("epoch {number}").format(number=n) for n in (1, epochs))
    keys = _("training loss"), _("holdout loss"), _("holdout accuracy (0–100 %)")
    return (f'<svg class="curve" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
            f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" class="axis"/>'
            f'<path d="{path([e["train_loss"] for e in history], low, high)}" class="train"/>'
            f'<path d="{path([e["holdout_loss"] for e in history], low, high)}" class="holdout"/>'
            f'<path d="{path(accuracy, 0.0, 1.0)}" class="accuracy"/>'
            f'<text x="{pad}" y="{height - 8}">{first}</text>'
            f'<text x="{width - pad}" y="{height - 8}" text-anchor="end">{last}</text></svg>'
            f'<p class="fig-note"><span class="key train"></span>{keys[0]} <span class="key holdout"></span>'
            f'{keys[1]} <span class="key accuracy"></span>{keys[2]}</p>')


def training_html(model):
    """How a model was trained, from its weights file: data, split sizes, recipe, accuracy, and its curve if recorded."""
    training = model.meta.get("training") or {}
    if not training:
        return "<p>" + _("This model's file says nothing about how it was trained.") + "</p>"
    facts = []
    if "dataset" in training:
        facts.append((_("data"), training["dataset"]))
    splits = training.get("splits") or {}
    if splits:  # the split names (train, holdout, val) are the weights file's own words
        facts.append((_("images"), ", ".join(f"{count:,} {_(SPLITS.get(name, name))}" for name, count in splits.items())))
    recipe = training.get("recipe") or {}
    keys = (("epochs", N_("epochs")), ("batch", N_("batch size")), ("lr", N_("learning rate")),
            ("weight_decay", N_("weight decay")))
    made = [f"{_(label)} {recipe[key]}" for key, label in keys if key in recipe]
    if made:
        facts.append((_("recipe"), "AdamW, " + ", ".join(made)))
    for key, label in (("holdout_accuracy", N_("holdout accuracy")), ("val_accuracy", N_("accuracy on held-out val images")),
                       ("val_accuracy_sharpened", N_("on sharpened val images"))):
        if isinstance(training.get(key), (int, float)):
            facts.append((_(label), percent(training[key])))
    seeds = training.get("seeds")
    if isinstance(seeds, list) and len(seeds) > 1 and isinstance(training.get("val_accuracy_mean"), (int, float)):
        facts.append((_("seeds"), _("{count} trained, mean {mean} on val (sd {sd}); this one was best on the holdout").format(
            count=len(seeds), mean=percent(training["val_accuracy_mean"]),
            sd=percent(training.get("val_accuracy_sd") or 0.0))))
    if "minutes" in training:
        threads = training.get("threads")
        spent = (ngettext("{minutes} minutes on {threads} CPU thread", "{minutes} minutes on {threads} CPU threads", threads)
                 if isinstance(threads, int) and threads > 0 else _("{minutes} minutes on a 2-core CPU"))
        facts.append((_("training time"), spent.format(minutes=training["minutes"], threads=threads)))
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in facts)
    history = training.get("history")
    curve = (curve_svg(history) if isinstance(history, list) and history
             else '<p class="fig-note">' + _("The per-epoch history of this model was not recorded, so there is no curve "
                                             "to draw.") + "</p>")
    return f'<dl class="facts">{rows}</dl>{curve}'


def receptive_field(model):
    """The side of the input patch that one value reaching the first flatten or dense layer depends on (every conv
    and pooling window on the way, each widened by the strides before it)."""
    side, jump = 1, 1
    for layer in model.layers:
        if layer.type in ("flatten", "dense"):
            break
        if layer.type in ("conv2d", "max_pool2d"):
            (kernel, _width), (stride, _across) = layer.window_and_stride()
            side, jump = side + (kernel - 1) * jump, jump * stride
    return side


def first_block_sizes(model):
    """The map's height at the input and after each convolution up to the first layer that is not a conv or ReLU."""
    sizes = [model.input_shape[0]]
    for layer, (_name, shape) in zip(model.layers, model.shapes()[1:]):
        if layer.type not in ("conv2d", "relu"):
            break
        if layer.type == "conv2d":
            sizes.append(shape[0])
    return sizes
