"""Numbers as the page writes them: one formatter for significant digits, one for fixed decimals, signs, percentages."""
import math

import pytest

from cnn_explainer.page import numbers


@pytest.mark.parametrize("value, text", [
    (0, "0"), (2.19939, "2.2"), (-6.028, "−6.03"), (0.00241, "0.00241"), (9.17e-11, "9.17×10⁻¹¹"),
    (-1.49e-9, "−1.49×10⁻⁹"), (11635.2, "11635"), (4.85e8, "4.85×10⁸"), (0.00099999, "1.00×10⁻³"), (-0.5, "−0.5"),
    (math.inf, "∞"), (-math.inf, "−∞"), (math.nan, "NaN")])
def test_number(value, text):
    assert numbers.number(value) == text


def test_fixed_decimals_never_show_a_negative_zero():
    assert [numbers.fixed(v) for v in (1.005, -0.4, -0.001, 0.0, -12.345)] == ["1.00", "−0.40", "0.00", "0.00", "−12.35"]
    assert numbers.fixed(-0.00049, 3) == "0.000" and numbers.fixed(2, 0) == "2"


def test_signs_percentages_and_counts():
    assert (numbers.signed(0.274), numbers.signed(-0.2), numbers.signed(0)) == ("+0.274", "−0.2", "+0")
    assert [numbers.percent(p) for p in (0.0, 1.5e-5, 0.0312, 0.1234, 0.99999, 1.0)] == [
        "0.0%", "< 0.1%", "3.1%", "12.3%", "> 99.9%", "100.0%"]
    assert numbers.count(1690) == "1\u2009690" and numbers.count(12) == "12"
