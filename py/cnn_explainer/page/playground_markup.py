"""The convolution playground's markup: its controls, the output-size equation in MathML, the grids' number overlay."""
from . import playground as pg
from .colormap import ink
from ..i18n import N_, _
from .markup import CHANNEL_NAMES, escape
from .numbers import fixed

LABELS = {"size": (N_("Input size"), "W"), "padding": (N_("Zero padding"), "P"), "kernel": (N_("Kernel size"), "K"),
          "stride": (N_("Stride"), "S"), "dilation": (N_("Dilation"), "D")}  # shown translated: _(label)
MODES = {"grid": N_("a small grid of numbers"), "image": N_("the current image")}
NUMBERS_UP_TO = 16  # cells per side: larger grids are heat maps without numbers


def control_html(name, value, low, high):
    """One setting: a slider and a number field that move together (both labelled for screen readers)."""
    label, symbol = LABELS[name]
    label = _(label)
    return (f'<div class="pg-control"><label for="pg-{name}">{label} <var>{symbol}</var></label>'
            f'<input type="range" id="pg-{name}" data-name="{name}" min="{low}" max="{high}" value="{value}">'
            f'<input type="number" data-name="{name}" min="{low}" max="{high}" value="{value}" '
            f'aria-label="{label} {symbol}"></div>')


def kernel_options_html(learned_layer, learned_count, selected):
    """The kernel menu: the well-known kernels, random integers, and the network's own first-layer kernels."""
    def option(value, text):
        mark = " selected" if value == selected else ""
        return f'<option value="{escape(value)}"{mark}>{escape(text)}</option>'
    known = "".join(option(name, _(name)) for name in pg.PRESETS) + option("random", _("random integers"))
    learned = "".join(option(f"learned:{n}:{c}", _("neuron {number}, {colour} channel").format(number=n + 1,
                                                                                                colour=_(CHANNEL_NAMES[c])))
                      for n in range(learned_count) for c in range(3))
    by = escape(_("learned by {layer}").format(layer=learned_layer))
    group = f'<optgroup label="{by}">{learned}</optgroup>' if learned_count else ""
    well_known = escape(_("well known"))
    return f'<optgroup label="{well_known}">{known}</optgroup>{group}'


def controls_html(settings, mode, size_limit, kernel_options, channel):
    """Every control of the playground, for the given settings."""
    limits = {**pg.LIMITS, "size": size_limit}
    values = {**settings._asdict(), "padding": settings.padding[0]}
    sliders = "".join(control_html(name, values[name], *limits[name]) for name in pg.ORDER)
    modes = "".join(f'<option value="{k}"{" selected" if k == mode else ""}>{_(v)}</option>' for k, v in MODES.items())
    channels = "".join(f'<option value="{i}"{" selected" if i == channel else ""}>{_(name)}</option>'
                       for i, name in enumerate(CHANNEL_NAMES))
    settings_label, pad_label = escape(_("Convolution settings")), escape(_("Padding as Keras defines it"))
    valid_title, same_title = escape(_("no padding: the output shrinks")), escape(_("enough zeros to keep ⌈W / S⌉ outputs"))
    words = {"input": _("Input"), "channel": _("Channel"), "random": _("New random numbers"), "kernel": _("Kernel")}
    # the buttons' words "valid" and "same" stay as they are: they are Keras's own values of its padding argument
    return (f'<div class="pg-controls" role="group" aria-label="{settings_label}">{sliders}</div>'
            '<div class="pg-choices">'
            f'<span class="pg-pad" role="group" aria-label="{pad_label}">'
            f'<button type="button" data-pad="valid" title="{valid_title}">valid</button>'
            f'<button type="button" data-pad="same" title="{same_title}">same</button>'
            f'</span><label>{words["input"]} <select class="pg-mode">{modes}</select></label>'
            f'<label class="pg-channel-choice">{words["channel"]} <select class="pg-channel">{channels}</select></label>'
            f'<button type="button" class="pg-random">{words["random"]}</button>'
            f'<label>{words["kernel"]} <select class="pg-kernel">{kernel_options}</select></label></div>')


def _mrow(*parts):
    return "<mrow>" + "".join(parts) + "</mrow>"


def _mn(value):
    return f"<mn>{value}</mn>"


def size_math(settings):
    """⌊(W − K′ + P_before + P_after) / S⌋ + 1 = out, in MathML, first with letters, then with this setting's numbers."""
    size, (before, after), kernel, stride, dilation = settings
    reach = pg.span(kernel, dilation)
    out = pg.output_size(*settings)
    k_name = "<msup><mi>K</mi><mo>′</mo></msup>" if dilation > 1 else "<mi>K</mi>"
    pad_letters = "<mn>2</mn><mi>P</mi>" if before == after else (
        "<msub><mi>P</mi><mtext>" + _("before") + "</mtext></msub><mo>+</mo><msub><mi>P</mi><mtext>" + _("after")
        + "</mtext></msub>")
    pad_numbers = f"<mn>2</mn><mo>·</mo>{_mn(before)}" if before == after else f"{_mn(before)}<mo>+</mo>{_mn(after)}"

    def floor(top):
        return _mrow("<mo>⌊</mo>", f"<mfrac>{_mrow(*top)}<mi>S</mi></mfrac>", "<mo>⌋</mo>")
    letters = _mrow("<mi>out</mi><mo>=</mo>", floor(["<mi>W</mi><mo>−</mo>", k_name, "<mo>+</mo>", pad_letters]), "<mo>+</mo><mn>1</mn>")
    numbers = _mrow("<mo>=</mo><mo>⌊</mo>",
                    f"<mfrac>{_mrow(_mn(size), '<mo>−</mo>', _mn(reach), '<mo>+</mo>', pad_numbers)}{_mn(stride)}</mfrac>",
                    "<mo>⌋</mo><mo>+</mo><mn>1</mn><mo>=</mo>", f'<mn class="pg-out-size">{out}</mn>')
    spread = ("" if dilation == 1 else
              f'<mspace width="1em"/>{_mrow(k_name, "<mo>=</mo><mi>D</mi><mo>(</mo><mi>K</mi><mo>−</mo><mn>1</mn><mo>)</mo><mo>+</mo><mn>1</mn><mo>=</mo>", _mn(reach))}')
    text = _("out = floor(({size} − {reach} + {padding}) / {stride}) + 1 = {out}").format(
        size=size, reach=reach, padding=before + after, stride=stride, out=out)
    # three equations that wrap on a narrow screen; read aloud as one sentence
    parts = "".join(f'<math display="block" aria-hidden="true">{part}</math>' for part in (letters, numbers, spread) if part)
    return f'<div class="pg-size-math" role="img" aria-label="{escape(text)}">{parts}</div>'


def grid_html(name, shape, label, overlay=""):
    """A heat-map grid (canvas scaled up by CSS) with its window box and, for small grids, the numbers over it."""
    h, w = shape
    return (f'<div class="grid pg-grid {name}" style="aspect-ratio:{w} / {h}">'
            f'<canvas width="{w}" height="{h}" tabindex="0" role="img" aria-label="{escape(label)}"></canvas>'
            f'{overlay}<div class="window-box" aria-hidden="true"></div></div>')


def overlay_html(values, padding, used, rgba):
    """The numbers over a small grid's canvas, inked to read on their cell's colour (padding zeros faint, unread
    cells hatched); nothing for big grids, which are heat maps only."""
    h, w = values.shape
    if max(h, w) > NUMBERS_UP_TO:
        return ""
    digits = 0 if all(float(v).is_integer() for v in values.ravel()) else 1
    cells = []
    for r in range(h):
        for c in range(w):
            kind = (" pad" if padding[r, c] else "") + ("" if used[r, c] else " unused")
            red, green, blue = (int(v) for v in rgba[r, c, :3])
            cells.append(f'<span class="pg-cell{kind}" style="color:{ink(red, green, blue)}">{fixed(values[r, c], digits)}</span>')
    return f'<div class="pg-nums" aria-hidden="true" style="--cols:{w}">{"".join(cells)}</div>'
