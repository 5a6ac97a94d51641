"""The diagram's layout: every value a cell in the right place, nothing overlapping, for every shape."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from generator.model.trace import record_trace
from generator.render.diagram import CHAR, render_diagram
from generator.render.tones import tone
from generator.values import format_quantity

from .project import valid_network

Box = tuple[float, float, float, float, str]


def _trace(hidden: int, vocab: str, steps: int) -> dict[str, Any]:
    text = (vocab * (steps + 3))[: max(len(vocab), steps + 2) + len(vocab)]
    options = {"text": text, "hidden-size": str(hidden), "seq-length": str(steps), "updates": "0"}
    return record_trace(valid_network("net", options))


def _boxes(svg: ET.Element, gradients: bool = True) -> tuple[list[Box], list[Box]]:
    """The cells' tiles and the labels' estimated extents, in viewBox units (without the gradients if told)."""
    cells, labels = [], []
    hidden = {id(e) for g in svg.iter("g") if "rnn-grads" in g.get("class", "").split() and not gradients
              for e in g.iter()}
    for g in svg.iter("g"):
        if id(g) in hidden:
            continue
        if "rnn-cell" in g.get("class", "").split():
            x, y = (float(v) for v in re.findall(r"-?[\d.]+", g.get("transform", "")))
            rect = g.find("rect")
            assert rect is not None
            right, bottom = x + float(rect.get("width", 0)), y + float(rect.get("height", 0))
            cells.append((x, y, right, bottom, g.get("data-ref", "")))
    for text in svg.iter("text"):
        classes = text.get("class", "").split()
        if "rnn-label" not in classes or id(text) in hidden:
            continue
        size = 12.5 if "rnn-input" in classes else 11
        width = len(text.text or "") * CHAR * size
        x, y = float(text.get("x", 0)), float(text.get("y", 0))
        left = x - width if "anchor-end" in classes else x - width / 2 if "anchor-middle" in classes else x
        labels.append((left, y - 10, left + width, y + 3, text.text or ""))
    return cells, labels


def _cells(svg: ET.Element) -> list[tuple[ET.Element, str | None]]:
    """Every cell with its time step, which the build writes on the cell's array."""
    return [(g, array.get("data-t")) for array in svg.iter("g") if "rnn-array" in array.get("class", "").split()
            for g in array.findall("g") if "rnn-cell" in g.get("class", "").split()]


def _overlaps(boxes: list[Box]) -> list[tuple[str, str]]:
    found = []
    ordered = sorted(boxes)
    for n, a in enumerate(ordered):
        for b in ordered[n + 1:]:
            if b[0] >= a[2]:
                break
            if a[1] < b[3] and b[1] < a[3]:
                found.append((a[4], b[4]))
    return found


SHAPES = [(h, v, t) for h in (1, 3, 16) for v in ("ab", "ehlo", "abcdefgh", '</script><b>&"') for t in (1, 4, 12)]


@pytest.mark.parametrize(("hidden", "vocab", "steps"), SHAPES)
@pytest.mark.parametrize("show", ["forward", "update"])
def test_nothing_overlaps_and_everything_is_inside(hidden: int, vocab: str, steps: int, show: str) -> None:
    trace = _trace(hidden, vocab, steps)
    diagram = render_diagram(trace, show)
    svg = ET.fromstring(str(diagram.svg))
    left, top, width, height = (float(v) for v in svg.get("viewBox", "").split())
    assert (width, height) == (diagram.width, diagram.height)
    assert svg.get("data-heights") == " ".join(str(h) for h in diagram.heights)
    assert height == diagram.heights[show == "update"] and diagram.heights[0] < diagram.heights[1]
    cells, labels = _boxes(svg, gradients=show == "update")
    assert not _overlaps(cells), _overlaps(cells)[:5]
    assert not _overlaps(cells + labels), _overlaps(cells + labels)[:5]
    for box in cells + labels:
        assert left <= box[0] and box[2] <= left + width and top <= box[1] and box[3] <= top + height, box


def test_every_value_of_the_window_is_a_cell_with_its_number() -> None:
    trace = _trace(3, "ehlo", 5)
    svg = ET.fromstring(str(render_diagram(trace).svg))
    seen = set()
    gradients = {id(e) for g in svg.iter("g") if g.get("class") == "rnn-grads" for e in g.iter()}
    for g, t in _cells(svg):
        if id(g) in gradients:
            continue
        ref, i, j = g.get("data-ref"), g.get("data-i"), g.get("data-j")
        text = g.find("text")
        assert text is not None and ref is not None
        if ref == "target":
            assert g.get("data-value") is None and text.text == repr(trace["vocab"][trace["targets"][int(t or 0)]])
            seen.add((ref, t))
            continue
        if ref in trace["params"]:
            row = trace["params"][ref][int(i or 0)]
            value = row[int(j)] if j is not None else row
        elif ref == "hidden_state_prev":
            value = trace["hidden_state_prev"][int(i or 0)]
        elif ref == "loss":
            value = trace["steps"][int(t or 0)]["loss"]
        else:
            value = trace["steps"][int(t or 0)][ref][int(i or 0)]
        assert g.get("data-value") is None  # the inline trace holds it: the script sets it at start
        assert text.text == format_quantity(ref, value)
        seen.add((ref, t, i, j))
    assert len(seen) == 3 * 4 + 9 + 3 + 4 * 3 + 4 + 3 + 5 * (4 + 3 + 4 + 4 + 1 + 1)


def test_markup_in_the_vocabulary_is_escaped() -> None:
    svg = str(render_diagram(_trace(2, '</script><b>&"', 2)).svg)
    assert "<b>" not in svg and "</script>" not in svg
    root = ET.fromstring(svg)
    labels = {t.text for t in root.iter("text")}
    assert {"'<'", "'&'", "'\"'", "'/'"} <= labels


@pytest.mark.parametrize(("ref", "value", "expected"), [
    ("hidden_states", 0.0, "s0"), ("hidden_states", -0.0, "s0"), ("hidden_states", -0.0001, "s0"),
    ("hidden_weights_W", 0.6, "s4"), ("outputs", -0.6, "s-4"), ("outputs", 1e9, "s8"), ("outputs", -1e9, "s-8"),
    ("outputs", 0.04, "s1"), ("outputs", -0.04, "s0"), ("outputs", math.inf, "s8"), ("outputs", -math.inf, "s-8"),
    ("probabilities", 0.0625, "q1"), ("probabilities", 0.0624, "q0"), ("xs", 1.0, "q8"), ("xs", 0.0, "q0"),
    ("probabilities", 1.5, "q8"), ("probabilities", -0.5, "q0"), ("probabilities", math.inf, "q8"),
    ("outputs", math.nan, ""), ("probabilities", math.nan, ""), ("loss", 2.0, ""), ("target", 1.0, ""),
])
def test_tones_take_the_upper_class_on_a_breakpoint(ref: str, value: float, expected: str) -> None:
    assert tone(ref, value) == expected


TONE_CLASS = re.compile(r"^[sq]-?\d$")


def test_classes_say_what_they_are_and_the_inputs_have_their_own_name() -> None:
    trace = _trace(3, "ehlo", 4)
    svg = ET.fromstring(str(render_diagram(trace).svg))
    classes = {name for e in svg.iter() for name in e.get("class", "").split()}
    assert {"rnn-diagram", "rnn-cell", "rnn-array", "rnn-label", "rnn-input", "rnn-arrows"} <= classes
    assert not [name for name in classes if len(name) <= 2 and not TONE_CLASS.match(name)], sorted(classes)
    inputs = [t for t in svg.iter("text") if "rnn-input" in t.get("class", "").split()]
    assert [(t.get("data-ref"), t.get("data-t"), t.text) for t in inputs] == [
        ("inputs", str(n), repr(trace["vocab"][index])) for n, index in enumerate(trace["inputs"])]
    assert not [e for e in svg.iter() if e.get("data-ref") == "xs" and e.tag == "text" and e.get("data-t")]


def test_every_gradient_is_a_cell_where_its_quantity_sits() -> None:
    trace = _trace(3, "ehlo", 5)
    update = trace["update"]
    svg = ET.fromstring(str(render_diagram(trace, "update").svg))
    column_x = {}  # t -> x of the step's column in the forward pass
    seen = set()
    for g, t in _cells(svg):
        classes = g.get("class", "").split()
        ref, i, j = g.get("data-ref"), g.get("data-i"), g.get("data-j")
        if ref is None:
            continue
        x = float(re.findall(r"-?[\d.]+", g.get("transform", ""))[0])
        if ref == "hidden_states":
            column_x[int(t or 0)] = x
        if ref == "hidden_state_prev":
            column_x[-1] = x
        if ref not in ("output_grad", "hidden_grad", "hidden_grad_next") and not ref.startswith("grads."):
            continue
        assert ref is not None and i is not None
        if ref.startswith("grads."):
            name = ref.removeprefix("grads.")
            row = update["grads"][name][int(i)]
            value = row[int(j)] if j is not None else row
            position: object = [int(i), int(j)] if j is not None else int(i)
            assert ("is-clipped" in classes) == (position in update["clipped"][name])
        elif ref == "hidden_grad_next" and int(t or 0) == 5:
            value = 0.0  # what the last step receives from after the window: nothing
        else:
            value = update["steps"][int(t or 0)][ref][int(i)]
        assert g.get("data-value") == repr(value) and g.find("text").text == format_quantity(ref, value)  # type: ignore[union-attr]
        seen.add((ref, t, i, j, x))
    for ref, t, _, _, x in seen:  # per step: in the step's column; what is sent back, in the column it goes to
        if t is not None:
            assert x == column_x[int(t) - (ref == "hidden_grad_next")], (ref, t)
    assert len(seen) == 3 * 4 + 9 + 3 + 4 * 3 + 4 + 5 * (4 + 3) + 6 * 3


def test_a_window_shorter_than_seq_length_has_its_other_columns_laid_out_and_hidden() -> None:
    options = {"pattern": "10", "length": "40", "updates": "0", "inputs": "10", "targets": "01"}
    short = record_trace(valid_network("net", options))
    full = record_trace(valid_network("net", {**options, "inputs": "1010", "targets": "0101"}))
    drawn, whole = render_diagram(short), render_diagram(full)
    svg = ET.fromstring(str(drawn.svg))
    hidden = [e for e in svg if e.get("display") == "none"]
    assert {int(e.get("data-t", -1)) for e in hidden} == {2, 3} and all(e.get("data-t") for e in hidden)
    assert all("is-empty" in c.get("class", "") for e in hidden for c in e.iter("g") if c.get("data-i") is not None)
    widths = [int(w) for w in svg.get("data-widths", "").split()]
    assert len(widths) == 4 and widths[1] == drawn.width and widths[3] == whole.width
    arrows = svg.find("path")
    assert arrows is not None and arrows.get("d") and whole.svg.count(f'd="{arrows.get("data-d")}"') == 1
    assert str(arrows.get("data-d")).startswith(str(arrows.get("d")))
