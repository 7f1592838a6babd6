"""Numbers as people read them: significant digits, fixed decimals, signs, percentages, all with a real minus sign."""
import math

SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def number(value, digits=3):
    """A readable number: `digits` significant digits, a real minus sign, powers of ten written as ×10ⁿ."""
    value = float(value)
    if not math.isfinite(value):
        return "−∞" if value < 0 else ("∞" if value > 0 else "NaN")
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        text = f"{value:.{digits}g}"
        if "e" in text:  # e.g. 1e+04 from .3g
            text = f"{value:.0f}"
    else:
        exponent = math.floor(math.log10(abs(value)))
        mantissa = value / 10**exponent
        if round(abs(mantissa), digits - 1) >= 10:
            mantissa, exponent = mantissa / 10, exponent + 1
        text = f"{mantissa:.{digits - 1}f}×10{str(exponent).translate(SUPERSCRIPT)}"
    return text.replace("-", "−")


def fixed(value, digits=2):
    """A number with a fixed count of decimals and a real minus sign (for aligned tables); never "−0.00"."""
    value = float(value)
    if not math.isfinite(value):
        return number(value)
    text = f"{value:.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace("-", "−")


def signed(value, digits=3):
    """A number with its sign always written (+ or −), for terms of a sum."""
    text = number(value, digits)
    return text if text.startswith("−") else "+" + text


def percent(probability):
    """A probability as a percentage with one decimal that never rounds a tiny share to 0% or a near-certain one to 100%."""
    if 0 < probability < 0.0005:
        return "< 0.1%"
    if 0.9995 < probability < 1:
        return "> 99.9%"
    return f"{100 * probability:.1f}%"


def count(n):
    """A whole number with thin-space thousands separators, e.g. 1 690."""
    return f"{int(n):,}".replace(",", "\u2009")
