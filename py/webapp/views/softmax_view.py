"""Softmax explained: the ten logits, e to the power of each, and each one's share of their sum."""
import numpy as np

from cnn_explainer.page import colormap, layout, steps
from cnn_explainer.net import ops
from cnn_explainer.page import output_explain as ox
from cnn_explainer.i18n import _
from cnn_explainer.page.markup import class_name, code_panels_html, escape
from cnn_explainer.page.numbers import number, percent

from ..dom import Listeners, mark_code_line

CODE = (steps.softmax_terms, ops.softmax)  # the written-out softmax, then the forward pass's
# the softmax_terms line behind each part of the formula
CODE_LINES = {"exp": "exps =", "sum": "total =", "share": "return"}
FOUND = 8  # classes a search lists


def bar_html(fraction, negative=False, centred=False):
    """A horizontal bar of width fraction (0..1); centred bars grow from the middle, left when negative."""
    width = 50 * fraction if centred else 100 * fraction
    left = (50 - width if negative else 50) if centred else 0
    kind = "neg" if negative else "pos"
    return (f'<span class="sm-track{" centred" if centred else ""}" aria-hidden="true">'
            f'<span class="sm-fill {kind}" style="left:{left:.3f}%;width:{width:.3f}%"></span></span>')


class SoftmaxView:
    """Logits → e^logit → share of the sum, for every class; the formula written out for one chosen class."""

    section = "softmax"  # its article section (explain.SECTIONS)

    focus_first = ".sm-row.chosen"

    def __init__(self, model, acts, nav, index):
        self.chosen = index
        logits = model.logits(acts)
        self.terms = ox.SoftmaxTerms(logits, model.classes)  # each term made when needed: there may be 10,000
        self.total = self.terms.total
        self.forward = acts[model.layers[-1].name]
        self.many = len(self.terms) > layout.COMPACT_OVER  # list the top classes and find the others by name
        self.names = None  # every class's shown name in lower case, for the search (made on its first use)
        self.logits = self.terms.logits  # the whole column, for NumPy (a class at a time is slow)
        order = np.argsort(-self.logits, kind="stable")[:layout.OUTPUT_SHOWN] if self.many else []
        self.top = [self.terms[int(i)] for i in order]
        self.listeners = Listeners()

    def listed(self):
        """The classes the table and formula write out: every one, or the most probable and the chosen one."""
        if not self.many:
            return self.terms
        top = list(self.top)
        if all(t.index != self.chosen for t in top):
            top.append(self.terms[self.chosen])
        return top

    @property
    def title(self):
        """The view's title, in the active language."""
        return _("Softmax · from logits to probabilities")

    def mount(self, body):
        """Draw the table, the formula and the code, and listen for pointing and focus."""
        self.body = body
        lede = _("The dense layer gives every class a score, its <em>logit</em>: any number, positive or negative. "
                 "Softmax turns the scores into probabilities in two moves: raise e (≈ 2.718) to the power of each "
                 "logit, which makes every score positive and makes the large ones much larger, then divide each by "
                 "the sum of all of them, so that the shares add up to 1.")
        table = escape(_("Every class: logit, e to the logit, probability"))
        note = _("The forward pass (<code>ops.softmax</code>) first subtracts the largest logit ({largest}) from every "
                 "logit. Every e-power shrinks by the same factor, so the shares do not change, but e never overflows "
                 "for huge logits.").format(largest=number(float(self.logits.max())))
        body.innerHTML = (
            f'<div class="sm-view backdrop"><p class="lede">{lede}</p>'
            f'{self.find_html()}'
            f'<div class="sm-table backdrop" role="group" aria-label="{table}">{self.rows_html()}</div>'
            '<div class="sm-formula backdrop" aria-live="polite"></div>'
            f'<p class="sm-note">{note}</p>'
            f'{code_panels_html(CODE)}</div>')
        self.show_formula()
        for event, handler in (("pointerover", self.on_point), ("focusin", self.on_point),
                               ("pointerout", self.on_leave), ("focusout", self.on_leave), ("click", self.on_click),
                               ("input", self.on_find)):
            self.listeners.add(body, event, handler)

    def find_html(self):
        """With many classes: how many the table lists, and a search box that finds any class by name."""
        if not self.many:
            return ""
        listed = _("The {shown} most probable of {count} classes are listed (and the one you picked); find any other by "
                   "name:").format(shown=layout.OUTPUT_SHOWN, count=len(self.terms))
        placeholder = _("class name")
        return (f'<div class="sm-find"><label for="sm-find-input">{listed}</label> '
                '<input id="sm-find-input" class="sm-find-input" type="search" autocomplete="off" spellcheck="false" '
                f'placeholder="{escape(placeholder)}">'
                '<div class="sm-found" role="group" aria-live="polite"></div></div>')

    def on_find(self, event):
        """Typing in the search box lists the first classes whose name holds the text (each one picks its class)."""
        target = event.target
        if not hasattr(target, "matches") or not target.matches(".sm-find-input"):
            return
        text = str(target.value).strip().lower()[:200]
        if self.names is None:
            self.names = [class_name(name).lower() for name in self.terms.classes]
        found = [i for i, name in enumerate(self.names) if text in name][:FOUND] if text else []
        buttons = "".join(
            f'<button type="button" class="sm-pick button quiet" data-class="{i}">{escape(class_name(self.terms[i].name))} '
            f'<span class="muted">{percent(self.terms[i].share)}</span></button>' for i in found)
        none = "" if found or not text else '<span class="muted">' + escape(_("No class has that in its name.")) + "</span>"
        self.body.querySelector(".sm-found").innerHTML = buttons + none


    def rows_html(self):
        """A header and one button per class: logit bar, e^logit bar and probability bar."""
        widest_logit = colormap.limit_of(self.logits)
        widest_exp = colormap.limit_of(self.terms.exps)
        rows = ['<div class="sm-head" aria-hidden="true"><span>' + _("class") + '</span><span>' + _("logit z")
                + '</span><span class="sm-arrow"></span><span>e<sup>z</sup></span><span class="sm-arrow"></span><span>'
                + _("probability = e<sup>z</sup> / Σ") + '</span></div>']
        for t in self.listed():
            label = _("{name}: logit {logit}, e to the logit {power}, probability {probability}. Show its formula").format(
                name=class_name(t.name), logit=number(t.logit), power=number(t.exp), probability=percent(t.share))
            rows.append(
                f'<button type="button" class="sm-row{" chosen" if t.index == self.chosen else ""}" data-class="{t.index}" '
                f'data-logit="{t.logit!r}" data-exp="{t.exp!r}" data-probability="{t.share!r}" '
                f'title="{escape(label)}" aria-pressed="{"true" if t.index == self.chosen else "false"}">'
                f'<span class="sm-name">{escape(class_name(t.name))}</span>'
                f'<span class="sm-bar sm-logit">{bar_html(abs(t.logit) / widest_logit, t.logit < 0, True)}'
                f'<span class="sm-num">{number(t.logit)}</span></span><span class="sm-arrow">→</span>'
                f'<span class="sm-bar sm-exp">{bar_html(t.exp / widest_exp)}<span class="sm-num">{number(t.exp)}</span></span>'
                f'<span class="sm-arrow">→</span>'
                f'<span class="sm-bar sm-share">{bar_html(t.share)}<span class="sm-num">{percent(t.share)}</span></span></button>')
        return "".join(rows)

    def term(self, t, html, code):
        """One focusable term of the formula, tied to its class's row."""
        chosen = " chosen" if t.index == self.chosen else ""
        label = _("the {name} term: {power} = {value}").format(
            name=escape(class_name(t.name)), power=escape(ox.exp_text(t.logit)), value=number(t.exp))
        return (f'<button type="button" class="sm-term{chosen}" data-class="{t.index}" data-code="{code}" '
                f'title="{label}">{html}</button>')  # named by what it shows; the title says whose term it is

    def show_formula(self):
        """Write the chosen class's softmax with the real numbers, and the result beside the forward pass's."""
        t = self.terms[self.chosen]
        listed = self.listed()
        rest = len(self.terms) - len(listed)
        more = "" if not rest else ' + <span class="sm-rest">' + escape(_("{count} more terms").format(count=rest)) + "</span>"
        powers = " + ".join(self.term(u, ox.exp_html(u.logit), "exp") for u in listed) + more
        values = " + ".join(self.term(u, number(u.exp), "sum") for u in listed) + more
        forward = float(self.forward[self.chosen])
        name = escape(class_name(t.name))
        value = f'<span class="forward-value" data-value="{forward!r}">{number(forward, 4)}</span>'
        check = _("The forward pass gives {value}. Point at or focus a term to find its class; pick a class to see its "
                  "formula.").format(value=value)
        self.body.querySelector(".sm-formula").innerHTML = (
            '<h3>' + _("The probability of “{name}”").format(name=name) + '</h3>'
            f'<div class="sm-eq" role="group" aria-label="{escape(ox.softmax_formula(self.terms, self.total, self.chosen, listed))}">'
            f'<span class="sm-lhs">p({name}) =</span>'
            f'<span class="sm-frac"><span class="sm-top">{self.term(t, ox.exp_html(t.logit), "exp")}</span>'
            f'<span class="sm-bottom">{powers}</span></span>'
            f'<span class="sm-lhs">=</span>'
            f'<span class="sm-frac"><span class="sm-top">{self.term(t, number(t.exp), "sum")}</span>'
            f'<span class="sm-bottom">{values}</span></span>'
            f'<span class="sm-lhs">=</span><span class="sm-last"><span class="sm-frac" data-code="sum"><span class="sm-top">'
            f'{number(t.exp)}</span><span class="sm-bottom">{number(self.total)}</span></span>'
            f'<span data-code="share">= <span class="result" data-value="{t.share!r}">{number(t.share, 4)}</span>'
            f' ({percent(t.share)})</span></span></div>'
            f'<p class="check">{check}</p>')
        self.mark_code("share")

    def highlight(self, index):
        """Light up one class everywhere: its row and its terms (None clears)."""
        for element in self.body.querySelectorAll(".sm-view .lit"):
            element.classList.remove("lit")
        if index is not None:
            for element in self.body.querySelectorAll(f'[data-class="{index}"]'):
                element.classList.add("lit")

    def mark_code(self, part):
        """Highlight the softmax_terms line that computes one part of the formula."""
        mark_code_line(self.body, 0, steps.line_of(steps.softmax_terms, CODE_LINES[part]))

    def on_point(self, event):
        """Pointing at or focusing a row or a term lights its class up and its line of code."""
        target = event.target
        if not hasattr(target, "closest"):
            return
        owner = target.closest("[data-class]")
        self.highlight(int(owner.getAttribute("data-class")) if owner is not None else None)
        part = target.closest("[data-code]")
        if part is not None:
            self.mark_code(part.dataset.code)
        elif owner is not None:
            self.mark_code("exp")

    def on_leave(self, event):
        """Leaving a row or term clears the highlight (unless another one is entered)."""
        related = event.relatedTarget
        if related is None or not hasattr(related, "closest") or related.closest("[data-class]") is None:
            self.highlight(None)

    def on_click(self, event):
        """Picking a class (its row or one of its terms) writes out its formula."""
        target = event.target
        owner = target.closest("[data-class]") if hasattr(target, "closest") else None
        if owner is None:
            return
        self.chosen = int(owner.getAttribute("data-class"))
        if self.many:  # the picked class may not be listed yet
            self.body.querySelector(".sm-table").innerHTML = self.rows_html()
        for row in self.body.querySelectorAll(".sm-row"):
            chosen = int(row.getAttribute("data-class")) == self.chosen
            row.classList.toggle("chosen", chosen)
            row.setAttribute("aria-pressed", "true" if chosen else "false")
        self.show_formula()
        self.highlight(self.chosen)
        if owner.classList.contains("sm-term"):  # the clicked term was redrawn: keep the focus in the formula
            self.body.querySelector(".sm-top .sm-term").focus()

    def destroy(self):
        """Drop every listener and its proxy."""
        self.listeners.clear()
