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


def _boxes(svg: ET.Element) -> tuple[list[Box], list[Box]]:
    """The cells' tiles and the labels' estimated extents, in viewBox units."""
    cells, labels = [], []
    for g in svg.iter("g"):
        if "c" in g.get("class", "").split():
            x, y = (float(v) for v in re.findall(r"-?[\d.]+", g.get("transform", "")))
            rect = g.find("rect")
            assert rect is not None
            right, bottom = x + float(rect.get("width", 0)), y + float(rect.get("height", 0))
            cells.append((x, y, right, bottom, g.get("data-ref", "")))
    for text in svg.iter("text"):
        if "l" not in text.get("class", "").split():
            continue
        size = 12.5 if "in" in text.get("class", "").split() else 11
        width = len(text.text or "") * CHAR * size
        x, y = float(text.get("x", 0)), float(text.get("y", 0))
        classes = text.get("class", "").split()
        left = x - width if "e" in classes else x - width / 2 if "x" in classes else x
        labels.append((left, y - 10, left + width, y + 3, text.text or ""))
    return cells, labels


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
def test_nothing_overlaps_and_everything_is_inside(hidden: int, vocab: str, steps: int) -> None:
    trace = _trace(hidden, vocab, steps)
    diagram = render_diagram(trace)
    svg = ET.fromstring(str(diagram.svg))
    left, top, width, height = (float(v) for v in svg.get("viewBox", "").split())
    assert (width, height) == (diagram.width, diagram.height)
    cells, labels = _boxes(svg)
    assert not _overlaps(cells), _overlaps(cells)[:5]
    assert not _overlaps(cells + labels), _overlaps(cells + labels)[:5]
    for box in cells + labels:
        assert left <= box[0] and box[2] <= left + width and top <= box[1] and box[3] <= top + height, box


def test_every_value_of_the_window_is_a_cell_with_its_number() -> None:
    trace = _trace(3, "ehlo", 5)
    svg = ET.fromstring(str(render_diagram(trace).svg))
    seen = set()
    for g in svg.iter("g"):
        if "c" not in g.get("class", "").split():
            continue
        ref, t, i, j = g.get("data-ref"), g.get("data-t"), g.get("data-i"), g.get("data-j")
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
        assert g.get("data-value") == repr(value)
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
