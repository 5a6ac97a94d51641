"""How a quantity is written: one rule by quantity name, Python's rounding, characters a reader can see."""

from __future__ import annotations

import math

import pytest

from generator.values import character_label, format_quantity, format_vector


@pytest.mark.parametrize(("ref", "value", "text"), [
    ("hidden_states", 0.7213, "0.72"), ("outputs", -0.76, "-0.76"), ("outputs", 1.0, "1.00"),
    ("outputs", -0.004, "0.00"), ("outputs", -0.0, "0.00"), ("outputs", 6.2e-5, "0.00"),
    # Exact binary ties round half to even, as Python's f-format does: 0.125 is exact, 0.015 is below 0.015.
    ("outputs", 0.125, "0.12"), ("outputs", 0.375, "0.38"), ("outputs", -0.125, "-0.12"), ("outputs", 2.5, "2.50"),
    ("outputs", 0.015, "0.01"), ("outputs", 0.005, "0.01"),
    ("outputs", 1e21, "1000000000000000000000.00"), ("outputs", -1e22, "-10000000000000000000000.00"),
    ("outputs", 5e-324, "0.00"), ("outputs", math.nan, "NaN"), ("outputs", math.inf, "∞"),
    ("outputs", -math.inf, "-∞"),
    # Small-keeping quantities keep the digits that matter near 0 and 1.
    ("probabilities", 6.2e-5, "6.2e-5"), ("probabilities", 0.004999, "5.0e-3"), ("probabilities", 9.96e-4, "1.0e-3"),
    ("probabilities", 5e-324, "4.9e-324"), ("probabilities", 0.005, "0.01"), ("probabilities", 0.0, "0.00"),
    ("probabilities", 0.5021, "0.50"), ("probabilities", 0.9949999999999999, "0.99"), ("probabilities", 0.995, "0.995"),
    ("probabilities", 0.9998, "0.9998"), ("probabilities", 0.99994, "0.99994"), ("probabilities", 1 - 1e-9, "1.00"),
    ("probabilities", 1.0, "1.00"), ("probabilities", math.nan, "NaN"),
    ("loss", 0.0046, "4.6e-3"), ("loss", 2.5, "2.50"), ("loss", math.inf, "∞"),
])
def test_format_quantity(ref: str, value: float, text: str) -> None:
    assert format_quantity(ref, value) == text


@pytest.mark.parametrize("name", ["loss", "final_loss", "loss_history", "probabilities"])
def test_every_name_of_a_small_keeping_quantity_keeps_small_digits(name: str) -> None:
    assert format_quantity(name, 6.2e-5) == "6.2e-5"


@pytest.mark.parametrize("name", ["outputs", "hidden_states", "xs", "input_weights_U", "target", "targets", "x"])
def test_other_quantities_get_two_decimals(name: str) -> None:
    assert format_quantity(name, 6.2e-5) == "0.00"


def test_format_vector_writes_each_number_by_its_quantity() -> None:
    assert format_vector("probabilities", [6.2e-5, 0.99994]) == "[6.2e-5, 0.99994]"
    assert format_vector("outputs", [6.2e-5, 0.125]) == "[0.00, 0.12]"


@pytest.mark.parametrize(("character", "label"), [
    ("a", "'a'"), (" ", "' '"), ("\n", "'\\n'"), ("\t", "'\\t'"), ("0", "'0'"), ("'", '"\'"'), ("\\", "'\\\\'"),
    ("é", "'é'"), ("\u200b", "'\\u200b'"), ("<", "'<'"),
])
def test_character_label_shows_every_character(character: str, label: str) -> None:
    assert character_label(character) == label
