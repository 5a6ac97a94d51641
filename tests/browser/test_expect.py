"""The suite's own yardsticks: the independent re-implementation of the cell format, on known cases."""

from __future__ import annotations

import pytest

from .expect import cell_text, format_number


@pytest.mark.parametrize(("value", "probability", "text"), [
    (-0.001, False, "0.00"),  # never "-0.00"
    (-0.006, False, "-0.01"),
    (0.125, False, "0.12"),  # an exact tie rounds half to even, as in Python (toFixed would give 0.13)
    (-0.125, False, "-0.12"),
    (0.375, False, "0.38"),
    (0.015, False, "0.01"),  # 0.015 is a little below 0.015: not a tie
    (float("nan"), True, "NaN"),
    (float("-inf"), False, "-∞"),
    (1e21, False, "1000000000000000000000.00"),
    (5e-324, True, "4.9e-324"),
    (1.0, False, "1.00"),
    (6.2e-5, True, "6.2e-5"),  # one decimal of mantissa, no '+' or leading zero in the exponent
    (0.00499, True, "5.0e-3"),
    (9.96e-4, True, "1.0e-3"),
    (0.0, True, "0.00"),
    (0.5, True, "0.50"),
    (0.9951, True, "0.995"),
    (0.99994, True, "0.99994"),  # ceil(-log10(1 - p)) decimals
    (0.9999996, True, "1.00"),  # up to 6 decimals; what would round to 1 reads 1.00
    (6.2e-5, False, "0.00"),  # only probabilities (and the loss) keep small digits
])
def test_format_number(value: float, probability: bool, text: str) -> None:
    assert format_number(value, probability) == text


def test_cell_text_uses_the_probability_rules_for_probabilities_and_loss() -> None:
    assert cell_text("probabilities", 3e-4) == "3.0e-4"
    assert cell_text("loss", 3e-4) == "3.0e-4"
    assert cell_text("outputs", 3e-4) == "0.00"
