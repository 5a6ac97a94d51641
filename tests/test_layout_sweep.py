"""The layout sweep: across vocabularies of 2-96, hidden sizes 1-64 and windows of 1-32 steps, in both modes, nothing
overlaps, everything sits inside the SVG's box, every text fits its cell, and no text is drawn below 11 px."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import cache
from typing import Any

import pytest

from generator.model.trace import record_trace
from generator.render.diagram import CHAR, COLLAPSE_ABOVE, HEAT_ABOVE, TOP_ROWS, render_diagram, top_rows
from generator.spec import MAX_SHOWN_STEPS, VOCAB_RANGE

from .project import REPO, valid_network
from .test_diagram import Box, _overlaps

# Newline and tab first, so that every vocabulary above 2 has a character that needs a visible mark; then ASCII.
ALPHABET = "\n\t" + "".join(map(chr, range(32, 127)))
ADVANCE = 0.602  # DejaVu Sans Mono's advance in em: a cell's text must fit at the real width, not only the estimate
TEXT_SIZES = {"rnn-input": 12.5, "rnn-heading": 12}  # every other text of the diagram is 11 px
VOCABS = (2, 5, 12, 13, 28, 61, 96)
HIDDENS = (1, 3, 12, 13, 32, 64)
WINDOWS = (1, 2, 7, 16, 32)
# Every vocabulary with every hidden size, the windows taking turns, and the corners of the range.
SHAPES = sorted({(v, h, WINDOWS[(n + m) % len(WINDOWS)]) for n, v in enumerate(VOCABS) for m, h in enumerate(HIDDENS)}
                | {(v, h, w) for v in (2, 96) for h in (1, 64) for w in (1, 32)})


@cache
def _trace(vocab: int, hidden: int, steps: int) -> Any:
    characters = ALPHABET[:vocab]
    text = (characters * (steps + 3))[: max(vocab, steps + 2) + vocab]
    options = {"text": text, "hidden-size": str(hidden), "seq-length": str(steps), "updates": "0"}
    return record_trace(valid_network("net", options))


def _numbers(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?[\d.]+", text)]


def _geometry(svg: ET.Element, gradients: bool) -> tuple[list[Box], list[tuple[str, float, float]]]:
    """Every tile, label, row name and heat map as a box; and every cell's text with its width and its cell's."""
    skipped = {id(e) for g in svg.iter("g") if "rnn-grads" in g.get("class", "").split() and not gradients
               for e in g.iter()}
    boxes: list[Box] = []
    texts: list[tuple[str, float, float]] = []
    for g in svg.iter("g"):
        classes = g.get("class", "").split()
        if id(g) in skipped:
            continue
        if "rnn-heat" in classes:
            x, y, dx, dy, rows, columns = _numbers(g.get("data-heat", ""))
            boxes.append((x, y, x + max(columns, 1) * dx - 1, y + rows * dy - 1, f"heat {g.get('data-ref')}"))
        if "rnn-cell" not in classes:
            continue
        x, y = _numbers(g.get("transform", ""))
        rect = g.find("rect")
        assert rect is not None
        width, height = float(rect.get("width", 0)), float(rect.get("height", 0))
        boxes.append((x, y, x + width, y + height, f"cell {g.get('data-ref')} {g.get('data-t')} {g.get('data-i')}"))
        value, *row = g.findall("text")
        texts.append((value.text or "", len(value.text or "") * ADVANCE * 11, width))
        for name in row:  # a collapsed column's row name, right-aligned left of the cell
            right = x + float(name.get("x", 0))
            boxes.append((right - len(name.text or "") * CHAR * 11, y + 4, right, y + 17, f"row {name.text}"))
    for text in svg.iter("text"):
        classes = text.get("class", "").split()
        if "rnn-label" not in classes or id(text) in skipped:
            continue
        size = next((s for name, s in TEXT_SIZES.items() if name in classes), 11)
        width = len(text.text or "") * CHAR * size
        x, y = float(text.get("x", 0)), float(text.get("y", 0))
        left = x - width if "anchor-end" in classes else x - width / 2 if "anchor-middle" in classes else x
        boxes.append((left, y - 10, left + width, y + 3, f"label {text.text}"))
    return boxes, texts


def test_the_sweep_covers_the_whole_range() -> None:
    assert len(ALPHABET) >= VOCAB_RANGE[1] and (min(VOCABS), max(VOCABS)) == VOCAB_RANGE
    assert max(WINDOWS) == MAX_SHOWN_STEPS and max(HIDDENS) == 64
    assert {COLLAPSE_ABOVE, COLLAPSE_ABOVE + 1} <= set(VOCABS) and {HEAT_ABOVE, HEAT_ABOVE + 1} <= set(HIDDENS)


@pytest.mark.parametrize(("vocab", "hidden", "steps"), SHAPES)
def test_nothing_overlaps_everything_is_inside_and_fits(vocab: int, hidden: int, steps: int) -> None:
    trace = _trace(vocab, hidden, steps)
    for show in ("forward", "update"):
        diagram = render_diagram(trace, show)
        svg = ET.fromstring(str(diagram.svg))
        left, top, width, height = _numbers(svg.get("viewBox", ""))
        assert height == diagram.heights[show == "update"]
        boxes, texts = _geometry(svg, gradients=show == "update")
        assert not _overlaps(boxes), (show, _overlaps(boxes)[:5])
        outside = [b for b in boxes if not (left <= b[0] and b[2] <= left + width and top <= b[1]
                                            and b[3] <= top + height)]
        assert not outside, (show, outside[:5])
        too_wide = [t for t in texts if t[1] > t[2]]
        assert not too_wide, (show, too_wide[:5])
        assert not [e for e in svg.iter() if "font-size" in e.get("style", "") or e.get("font-size")]


def test_a_collapsed_column_shows_the_target_and_the_most_probable_rows() -> None:
    trace = _trace(28, 3, 4)
    svg = ET.fromstring(str(render_diagram(trace).svg))
    for t, step in enumerate(trace["steps"]):
        group = next(g for g in svg.iter("g") if g.get("data-ref") == "probabilities" and g.get("data-t") == str(t)
                     and "rnn-array" in g.get("class", ""))
        rows = [int(cell.get("data-i", -1)) for cell in group.findall("g")]
        assert rows == top_rows(step["probabilities"], trace["targets"][t]) and len(rows) == TOP_ROWS + 1
        assert rows[0] == trace["targets"][t] and group.get("data-n") == "28" and group.get("data-top") == "6"
        ranked = sorted(range(28), key=lambda i: -step["probabilities"][i])
        assert set(rows[1:]) <= set(ranked[:TOP_ROWS + 1])
    more = [t.text for t in svg.iter("text") if (t.text or "").startswith("+ ")]
    assert more == ["+ 21 more"] * 12  # outputs, probabilities and output_grad, 4 steps each
    xs = [g for g in svg.iter("g") if g.get("data-ref") == "xs" and "rnn-cell" in g.get("class", "")]
    assert [(int(g.get("data-i", -1)), g.findtext("text")) for g in xs] == [
        (i, repr(trace["vocab"][i])) for i in trace["inputs"]]


def test_ties_go_to_the_lower_index() -> None:
    assert top_rows([0.1, 0.3, 0.1, 0.3, 0.2], 4, 3) == [4, 1, 3, 0]
    assert top_rows([0.5, 0.5], 1, 6) == [1, 0]


def test_heat_maps_carry_what_the_script_needs() -> None:
    trace = _trace(28, 32, 3)
    svg = ET.fromstring(str(render_diagram(trace, "update").svg))
    heat = {(g.get("data-ref"), g.get("data-t")): g for g in svg.iter("g") if "rnn-heat" in g.get("class", "")}
    assert _numbers(heat[("input_weights_U", None)].get("data-heat", ""))[4:] == [32, 28]
    assert _numbers(heat[("hidden_states", "0")].get("data-heat", ""))[4:] == [32, 0]
    assert heat[("hidden_weights_W", None)].get("data-v") is None  # the inline trace holds it
    grads = heat[("grads.hidden_weights_W", None)].get("data-v", "").split()
    clipped = trace["update"]["clipped"]["hidden_weights_W"]
    assert len(grads) == 32 * 32
    assert [n for n, v in enumerate(grads) if v.endswith("!")] == sorted(i * 32 + j for i, j in clipped)
    assert not [g for g in svg.iter("g") if "rnn-cell" in g.get("class", "") and g.get("data-ref") in (
        "hidden_states", "hidden_weights_W", "grads.input_weights_U", "hidden_grad")]


def test_the_stylesheet_draws_no_diagram_text_below_11_px() -> None:
    css = (REPO / "themes" / "default" / "static" / "unrolled.css").read_text(encoding="utf-8")
    found = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        if ".rnn-diagram" not in selector and ".rnn-grads" not in selector and ".rnn-cell" not in selector:
            continue
        found += [float(size) for size in re.findall(r"font(?:-size)?:[^;]*?([\d.]+)px", body)]
    assert found and min(found) >= 11, found


def test_a_big_figure_stays_within_its_weight() -> None:
    """Vocabulary 28, hidden size 32, a 16-step window: the diagram, forward and gradients, within 25 KB gzip."""
    import gzip

    vocab = ALPHABET[2:30]
    trace = record_trace(valid_network("net", {"text": vocab * 2, "hidden-size": "32", "seq-length": "16",
                                               "updates": "0"}))
    assert len(trace["vocab"]) == 28
    svg = str(render_diagram(trace, "update").svg)
    assert len(gzip.compress(svg.encode(), 9)) <= 25_000

