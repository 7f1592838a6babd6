"""The saliency view's markup: its controls (class, SmoothGrad), its three pictures and the gradient's check line."""
from ..i18n import _
from . import colormap
from .markup import cell_text, channel_name, class_name, escape
from .numbers import number, percent

SAMPLES = (4, 8, 16, 32)  # SmoothGrad's choices of noisy copies (each is one more backward pass)


def class_options_html(classes, probabilities, chosen):
    """The class menu, most probable first, each with its probability; `chosen` is selected."""
    order = sorted(range(len(classes)), key=lambda k: -float(probabilities[k]))
    return "".join(f'<option value="{k}"{" selected" if k == chosen else ""}>'
                   f'{escape(class_name(classes[k]))} · {percent(float(probabilities[k]))}</option>' for k in order)


def controls_html(classes, probabilities, chosen, smooth, samples):
    """The class chooser, the SmoothGrad checkbox and its sample count."""
    sample_options = "".join(f'<option value="{n}"{" selected" if n == samples else ""}>{n}</option>' for n in SAMPLES)
    words, copies = escape(_("Class")), escape(_("noisy copies"))  # (Babel reads no _() inside an f-string)
    return (f'<div class="sal-controls"><label for="saliency-class">{words}</label>'
            f'<select id="saliency-class">{class_options_html(classes, probabilities, chosen)}</select>'
            f'<span class="sal-smooth"><label class="toggle"><input id="saliency-smooth" type="checkbox"'
            f'{" checked" if smooth else ""}> SmoothGrad</label> '
            f'<select id="saliency-samples" aria-label="{copies}"{"" if smooth else " disabled"}>'
            f'{sample_options}</select> <span aria-hidden="true">{copies}</span></span></div>')


def picture_html(name, shape, label, caption):
    """One of the view's pictures: a canvas of the input's size, scaled up by CSS, with its caption."""
    h, w = shape
    return (f'<figure class="sal-fig {name}"><div class="grid" style="aspect-ratio:{w} / {h}">'
            f'<canvas width="{w}" height="{h}" role="img" aria-label="{escape(label)}"></canvas></div>'
            f'<figcaption>{escape(caption)}</figcaption></figure>')


def view_html(lede, shape, controls):
    """The whole view but its numbers: lede, controls, picture → heat map → both together, the check, the legend."""
    ramp, none, most = colormap.magnitude_gradient(), escape(_("no effect")), escape(_("the most"))
    pictures = (picture_html("sal-picture", shape, _("the network's input"), _("the input"))
                + picture_html("sal-heat", shape, _("how much each pixel mattered"), _("how much each pixel mattered"))
                + picture_html("sal-over", shape, _("the heat map over the picture"), _("both together")))
    return (f'<p class="lede">{lede}</p>{controls}'
            f'<div class="sal-figs backdrop">{pictures}</div>'
            f'<p class="sal-key"><span>{none}</span> <span class="key-ramp" aria-hidden="true" '
            f'style="background:linear-gradient(90deg, {ramp})"></span> <span>{most}</span></p>'
            '<div class="sal-check" aria-live="polite"></div>')


def check_html(position, channels, gradient_value, slope, top, class_label, samples=0):
    """The strongest input value: its gradient (the backward pass) beside the slope the forward pass shows when
    that one value is nudged (the same number, found without any backward pass). SmoothGrad's mean (samples > 0) has
    no such check: it is an average over noisy copies, not the slope at this picture."""
    row, col, channel = position
    where = _("{cell}, {channel} channel").format(cell=cell_text((row, col)), channel=channel_name(channel, channels))
    gradient_words = _("Strongest pixel, {where}: the score of {name} changes by").format(
        where=escape(where), name=escape(class_name(class_label)))
    per_unit = _("per unit of this input value")
    if samples:
        check = escape(_("That is the mean over {count} noisy copies; nudging this picture alone checks the plain "
                         "gradient (SmoothGrad off).").format(count=samples))
    else:
        nudged = escape(_("nudged in the forward pass alone:"))
        check = f'{nudged} <span class="forward-value" data-value="{float(slope)!r}">≈ {number(slope)}</span>'
    scale = escape(_("The darkest blue is {top}; white is 0.").format(top=number(top)))
    return (f'<p class="eq">{gradient_words} <span class="result" data-value="{float(gradient_value)!r}">'
            f'{number(gradient_value)}</span> {escape(per_unit)}</p><p class="check">{check}</p>'
            f'<p class="help">{scale}</p>')


def saliency_button():
    """The input view's button that opens the saliency view (the explanation panel handles its click)."""
    text = escape(_("Which pixels mattered?"))
    return f'<button type="button" class="to-saliency">{text}</button>'


def overview_note_html(class_label, smooth, samples):
    """The line over the network while the input column shows the heat map: for which class, how, and a way in."""
    text = _("Input column: how much each pixel moves the score of {name}").format(name=escape(class_name(class_label)))
    if smooth:
        text += " " + escape(_("(SmoothGrad, {count} noisy copies)").format(count=samples))
    ramp = colormap.magnitude_gradient()
    how = escape(_("How is this computed?"))
    return (f'<span class="sal-words">{text}</span> <span class="key-ramp" aria-hidden="true" '
            f'style="background:linear-gradient(90deg, {ramp})"></span> '
            f'<button type="button" id="saliency-explain" class="button quiet">{how}</button>')
