"""How a quantity is written: one rule by quantity name, Python's rounding, characters a reader can see."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator.model.trace import record_trace
from generator.render.diagram import render_diagram
from generator.render.figure import number_rows
from generator.render.program import record_program
from generator.values import SMALL_BELOW, character_label, format_quantity, format_vector, resolve

from .project import valid_network

REPO = Path(__file__).resolve().parent.parent


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


def test_prose_diagram_sentence_and_table_write_a_quantity_alike() -> None:
    network = valid_network("net", {"pattern": "10", "length": "720", "updates": "6400"})
    trace = record_trace(network)
    last = len(trace["steps"]) - 1
    loss = trace["steps"][last]["loss"]
    assert loss < SMALL_BELOW, "the case where prose used to print 0.00 beside the figure's digits"
    written = format_quantity("loss", loss)
    svg = ET.fromstring(str(render_diagram(trace).svg))
    cells = {(g.get("data-ref"), array.get("data-t"), g.get("data-i")): g.findtext("text")  # a step is its array's
             for array in svg.iter("g") for g in array.findall("g") if "rnn-cell" in g.get("class", "").split()}
    assert cells[("loss", str(last), None)] == written
    assert number_rows(trace)[last]["loss"] == written
    assert record_program(trace)[-1].sentence.endswith(f"loss = {written}")
    assert resolve({"net": trace}, "net.steps[-1].loss") == written
    final_loss = trace["training"]["final_loss"]
    assert resolve({"net": trace}, "net.training.final_loss") == format_quantity("loss", final_loss)
    probabilities = trace["steps"][0]["probabilities"]
    shown = [cells[("probabilities", "0", str(i))] for i in range(len(probabilities))]
    assert resolve({"net": trace}, "net.steps[0].probabilities") == f"[{', '.join(shown)}]"
    assert number_rows(trace)[0]["probabilities"] == format_vector("probabilities", probabilities)
    inputs = [t.text for t in svg.iter("text") if "rnn-input" in t.get("class", "").split()]
    assert resolve({"net": trace}, "net.inputs") == f"[{', '.join(inputs)}]" == "['1', '0', '1', '0']"
