"""The diagram's skeleton: the network unrolled over its window, laid out as SVG at build time.

Three forms keep a big network readable without shrinking its text (never below 11 px):
- a vocabulary above COLLAPSE_ABOVE characters collapses `xs` to the character read, and shows `outputs`,
  `probabilities` and `output_grad` as the target's row and the TOP_ROWS most probable others (top_rows);
- an array with a side longer than HEAT_ABOVE is a heat map: its frame and geometry (`data-heat`) are drawn here,
  its tiles by the script, one coloured tile per value from the inline trace, a path per colour class (a
  gradient's values, which the inline trace lacks, ride in `data-v`); without the script the frame points to All
  numbers;
- every other value is a numbered cell.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from ..refs import INPUTS, PARAM_NAMES, STEPWISE
from ..tracefile import Trace
from ..values import character_label, format_quantity
from .tones import tone

# Quantities whose every drawn value the inline trace holds: their cells carry no data-value in the page (the
# script sets it from the trace, at full precision); a gradient's cells, whose values the page's trace lacks, do.
IN_TRACE = frozenset({*PARAM_NAMES, "hidden_state_prev", *STEPWISE, "loss"})

LABEL_SIZE = 11  # px; the stylesheet sets the same sizes, and no text of the diagram is smaller
CHAR = 0.62  # advance of a monospace character in em, a little above DejaVu Sans Mono's 0.602
ROW = 22  # pitch of the cells in a column
CELL_H = 20
WEIGHT_W = 46
GRADIENT_W = 54  # a gradient's pill in a weight: room for -6.2e-5 at 11 px
STEP_W = 54
STEP_GAP = 20
BAND_GAP = 28
BLOCK_GAP = 26
MARGIN = 4
WEIGHTS_ROW = 960  # weights wrap to a new line past this width, or past the network's if wider
COLLAPSE_ABOVE = 12  # a larger vocabulary collapses xs and shows the top rows of the vocabulary's columns
TOP_ROWS = 6  # besides the target's row
HEAT_ABOVE = 12  # an array with more rows or columns than this is a heat map
HEAT = 12  # pitch of a heat map's tiles (each a pixel smaller)
VOCAB_COLUMNS = ("xs", "outputs", "probabilities", "output_grad")


def text_width(text: str, size: float = LABEL_SIZE) -> int:
    """A generous estimate of a monospace label's width in whole px (whole numbers compress better)."""
    return math.ceil(len(text) * CHAR * size)


def top_rows(probabilities: Sequence[float], target: int, top: int = TOP_ROWS) -> list[int]:
    """The rows a collapsed column shows: the target's, then the `top` most probable others (ties: lower index first).

    The player's script repeats this rule (topRows in unrolled.js) when a replay changes the probabilities.
    """
    others = sorted((i for i in range(len(probabilities)) if i != target), key=lambda i: (-probabilities[i], i))
    return [target, *others[:top]]


@dataclass(frozen=True)
class Diagram:
    """The SVG and its natural size in CSS pixels (its height in the mode drawn; the other mode's too)."""

    svg: Markup
    width: int
    height: int
    heights: tuple[int, int] = (0, 0)  # forward mode (the gradients cut off), update mode


def _attributes(pairs: dict[str, object]) -> str:
    return " ".join(f'{key}="{escape(str(value))}"' for key, value in pairs.items() if value is not None)


def _cell(x: float, y: float, width: float, ref: str, value: float | None, text: str,
          i: int | None = None, j: int | None = None, kind: str = "",
          gradient: bool = False, row: str | None = None) -> str:
    """One number: a tile coloured by its value's class, with its formatted text (and `row`, its row's name, left).

    `kind` adds classes: `is-clipped` adds the clipping marker (a gradient's cells sit in `g.rnn-grads`). Its time
    step is its array's `data-t` (the script copies it onto the cell: the page is lighter without it).
    """
    colour = tone(ref, value) if value is not None else ""
    css = " ".join(part for part in ("rnn-cell", kind, colour) if part)
    attributes: dict[str, object] = {"class": css, "data-ref": ref, "data-i": i, "data-j": j}
    if value is not None and ref not in IN_TRACE:
        attributes["data-value"] = repr(value)  # the script sets the others' from the inline trace
    attributes["transform"] = f"translate({x:g} {y:g})"
    marker = f'<path class="rnn-clip" d="M{width - 7:g} 0h7v7z"/>' if "is-clipped" in kind else ""
    rounding = CELL_H // 2 if gradient else 3  # a gradient is a pill
    name = f'<text class="rnn-row" x="-5" y="14">{escape(row)}</text>' if row is not None else ""
    return (f"<g {_attributes(attributes)}><rect width=\"{width:g}\" height=\"{CELL_H}\" rx=\"{rounding}\"/>"
            f"<text x=\"{width / 2:g}\" y=\"14\">{escape(text)}</text>{name}{marker}</g>")


def _group(ref: str, cells: Sequence[str], t: int | None = None, extra: dict[str, object] | None = None) -> str:
    """A whole array: its cells (the script draws the frame it outlines when the array is in play: without the
    script nothing is ever in play, and the page is lighter)."""
    attributes = _attributes({"class": "rnn-array", "data-ref": ref, "data-t": t, **(extra or {})})
    return f'<g {attributes}>{"".join(cells)}</g>'


def _heat(x: float, y: float, ref: str, rows: list[list[float]], matrix: bool, t: int | None = None,
          width: float = HEAT - 1, clipped: Sequence[object] | None = None) -> str:
    """An array as a heat map: its frame and geometry; the script draws a tile per value (see the module's notes)."""
    pitch = width + 1
    columns = len(rows[0])
    w, h = columns * pitch - 1, len(rows) * HEAT - 1
    geometry = f"{x:g} {y:g} {pitch:g} {HEAT} {len(rows)} {columns if matrix else 0}"
    attributes: dict[str, object] = {"class": "rnn-array rnn-heat", "data-ref": ref, "data-t": t, "data-heat": geometry}
    if ref not in IN_TRACE:  # a gradient: its values as the page writes them, `!` after a clipped one
        def clip(i: int, j: int) -> str:
            return "!" if clipped and ([i, j] if matrix else i) in clipped else ""

        attributes["data-v"] = " ".join(format_quantity(ref, v) + clip(i, j)
                                        for i, row in enumerate(rows) for j, v in enumerate(row))
    frame = (f'<rect class="rnn-frame" x="{x - 3:g}" y="{y - 3:g}" width="{w + 6:g}" height="{h + 6:g}" rx="5"/>'
             f'<rect class="rnn-heat-ground" x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}"/>')
    return f"<g {_attributes(attributes)}>{frame}</g>"


def _label(x: float, y: float, text: str, css: str = "", ref: str | None = None, t: int | None = None,
           shown: bool = True) -> str:
    """A text label; `css` adds its anchoring (anchor-end, anchor-middle) and look (muted, rnn-input)."""
    css = f"rnn-label {css}".strip()
    attributes = _attributes({"class": css, "data-ref": ref, "data-t": t, "x": f"{x:g}", "y": f"{y:g}",
                              "display": None if shown else "none"})
    return f"<text {attributes}>{escape(text)}</text>"


def _matrix(x: float, y: float, ref: str, rows: list[list[float]], columns: bool,
            clipped: Sequence[object] | None = None) -> str:
    """A weight (or its gradient): a grid of cells, data-j on each when it is a matrix (not a flat bias)."""
    def css(i: int, j: int) -> str:
        return "is-clipped" if clipped and ([i, j] if columns else i) in clipped else ""

    pitch = GRADIENT_W + 2 if clipped is not None else WEIGHT_W
    cells = [_cell(x + j * pitch, y + i * ROW, pitch - 2, ref, v, format_quantity(ref, v), i,
                   j if columns else None, css(i, j), bool(clipped is not None))
             for i, row in enumerate(rows) for j, v in enumerate(row)]
    return _group(ref, cells)


def _is_heat(rows: int, columns: int = 1) -> bool:
    return rows > HEAT_ABOVE or columns > HEAT_ABOVE


def _height(rows: int, heat: bool = False) -> int:
    return rows * HEAT - 1 if heat else rows * ROW - 2


class _Layout:
    """The unrolled network on top, the weights it shares across steps below.

    Each band's name (`rnn-band`) and its rows' characters (`rnn-vocab`) label its rows; on a stage scrolled
    sideways the script pins copies of them at its left edge.

    Columns: row labels, then `hidden_states[-1]` (the carried-in hidden_state_prev) as step -1, then the steps:
    as many as the widest window the figure may show (its seq-length), those past the shown window hidden, so that
    the page can show a reader's own window of any length. A collapsed or heat-mapped figure draws the shown window
    only (its columns' rows depend on their values), so a reader's window there is at most as long as the author's.
    """

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.vocab = [character_label(c) for c in trace["vocab"]]
        self.hidden = len(trace["hidden_state_prev"])
        self.steps = len(trace["steps"])
        self.parts: list[str] = []
        self.arrows: list[str] = []
        self.labels_x = max(map(text_width, ("probabilities", "inputs")))
        self.collapsed = len(self.vocab) > COLLAPSE_ABOVE
        self.heat_hidden = _is_heat(self.hidden)
        big = self.collapsed or self.heat_hidden
        self.columns = self.steps if big else max(self.steps, int(trace["spec"]["seq_length"]))
        # A collapsed column names its rows itself, left of its cells: the gap between steps makes room for them.
        self.gap = max(STEP_GAP, max(map(text_width, self.vocab)) + 9) if self.collapsed else STEP_GAP
        self.shown = [top_rows(step["probabilities"], target) for step, target in zip(
            trace["steps"], trace["targets"], strict=True)] if self.collapsed else []

    def step_x(self, t: int) -> float:
        """The left edge of time step t's column; step -1 holds hidden_state_prev."""
        return self.labels_x + 12 + (t + 1) * (STEP_W + self.gap)

    def band_height(self, ref: str) -> int:
        """How tall a step's column of `ref` is drawn."""
        if ref == "hidden_states" or ref.startswith("hidden_grad"):
            return _height(self.hidden, self.heat_hidden)
        if not self.collapsed:
            return _height(len(self.vocab))
        return _height(1) if ref == "xs" else _height(TOP_ROWS + 2)  # the shown rows and "+ N more"

    def column(self, x: float, y: float, ref: str, values: Sequence[float | None], t: int | None = None) -> str:
        """A step's array (or hidden_state_prev, or a gradient per step) in its column, in the form its size asks.

        A step past the shown window (only in a figure drawn with numbers) has no values: empty and hidden.
        """
        if values and values[0] is None:
            cells = [_cell(x, y + i * ROW, STEP_W, ref, None, "", i, kind="is-empty") for i in range(len(values))]
            return _group(ref, cells, t, {"display": "none"})
        numbers = [float(v) for v in values if v is not None]
        if ref not in VOCAB_COLUMNS and self.heat_hidden:
            return _heat(x, y, ref, [[v] for v in numbers], False, t, STEP_W)
        if ref not in VOCAB_COLUMNS or not self.collapsed:
            cells = [_cell(x, y + i * ROW, STEP_W, ref, v, format_quantity(ref, v), i)
                     for i, v in enumerate(numbers)]
            return _group(ref, cells, t)
        size: dict[str, object] = {"data-n": len(numbers)}  # the cells' data-i say where they sit in the whole array
        if ref == "xs":
            index = self.trace["inputs"][t or 0]
            return _group(ref, [_cell(x, y, STEP_W, ref, numbers[index], self.vocab[index], index)], t, size)
        rows = self.shown[t or 0]
        cells = [_cell(x, y + n * ROW, STEP_W, ref, numbers[i], format_quantity(ref, numbers[i]), i,
                       kind="is-target" if n == 0 else "", row=self.vocab[i]) for n, i in enumerate(rows)]
        more = _label(x + STEP_W / 2, y + len(rows) * ROW + 14, f"+ {len(numbers) - len(rows)} more",
                      "anchor-middle muted", None, t)
        top = {**size, "data-top": TOP_ROWS} if ref in IN_TRACE else size  # the script re-picks them on a replay
        return _group(ref, cells, t, top) + more

    def network(self) -> tuple[float, float]:
        """Draw the unrolled network; return its width and height."""
        trace, steps = self.trace, self.trace["steps"]
        for t in range(-1, self.columns):
            middle, shown = self.step_x(t) + STEP_W / 2, t < self.steps
            self.parts.append(_label(middle, 12, f"t = {t}", "anchor-middle muted", None, None if t < 0 else t, shown))
            if t >= 0:
                character = self.vocab[trace["inputs"][t]] if shown else ""
                self.parts.append(_label(middle, 31, character, "anchor-middle rnn-input", INPUTS, t, shown))
        self.parts.append(_label(self.labels_x, 31, INPUTS, "anchor-end muted rnn-band", INPUTS))
        y = 44.0
        tops: dict[str, float] = {}
        for ref in ("xs", "hidden_states", "outputs", "probabilities"):
            tops[ref] = y
            self.parts.append(_label(self.labels_x, y + 14, ref, "anchor-end rnn-band", ref))
            for t in range(self.columns):
                values = steps[t][ref] if t < self.steps else [None] * len(steps[0][ref])
                self.parts.append(self.column(self.step_x(t), y, ref, values, t))
            if ref != "hidden_states" and not self.collapsed:
                self.parts.extend(_label(self.step_x(0) - 7, y + i * ROW + 14, char, "anchor-end muted rnn-vocab")
                                  for i, char in enumerate(self.vocab))
            y += self.band_height(ref) + BAND_GAP
        self._previous_state(tops["hidden_states"])
        self._arrows(tops)
        y += 12 - BAND_GAP
        for ref in ("target", "loss"):
            self.parts.append(_label(self.labels_x, y + 14, ref, "anchor-end rnn-band", ref))
            for t in range(self.columns):
                shown = t < self.steps
                value = steps[t]["loss"] if ref == "loss" and shown else None
                text = (format_quantity(ref, value) if value is not None
                        else self.vocab[trace["targets"][t]] if ref == "target" and shown else "")
                cell = _cell(self.step_x(t), y, STEP_W, ref, value, text, kind="" if shown else "is-empty")
                self.parts.append(_group(ref, [cell], t, None if shown else {"display": "none"}))
            y += ROW + 4
        return self.step_x(self.steps - 1) + STEP_W, y

    def _previous_state(self, top: float) -> None:
        x = self.step_x(-1)
        self.parts.append(self.column(x, top, "hidden_state_prev", self.trace["hidden_state_prev"]))
        self.parts.append(_label(x + STEP_W, top - 9, "hidden_state_prev", "anchor-end", "hidden_state_prev"))

    def _arrows(self, tops: dict[str, float]) -> None:
        bottoms = {ref: tops[ref] + self.band_height(ref) for ref in ("xs", "hidden_states", "outputs")}
        middle = tops["hidden_states"] + self.band_height("hidden_states") / 2
        for t in range(self.columns):  # each step's arrows together: the path is cut after the shown steps
            x = self.step_x(t) + STEP_W / 2
            for upper, lower in (("xs", "hidden_states"), ("hidden_states", "outputs"), ("outputs", "probabilities")):
                start, end = bottoms[upper] + 6, tops[lower] - 6
                self.arrows.append(f"M{x:g} {start:g}V{end:g}m-4-5l4 5 4-5")
            start = self.step_x(t) - self.gap + 5
            end = self.step_x(t) - 5
            self.arrows.append(f"M{start:g} {middle:g}H{end:g}m-5-4l5 4-5 4")

    def gradients(self, top: float, right: float) -> float:
        """Draw the update's gradients below the weights, in `g.rnn-grads`: per step, then per weight; the bottom."""
        update, parts = self.trace["update"], self.parts
        self.parts = []
        self.parts.append(_label(0, top + 11, f"update {update['number']:,}: the gradients", "rnn-heading"))
        y = top + 26
        hidden = self.hidden
        for ref in ("output_grad", "hidden_grad", "hidden_grad_next"):
            self.parts.append(_label(self.step_x(-1), y + 11, ref, "rnn-band", ref))
            y += 18
            columns = [(t, update["steps"][t][ref]) for t in range(self.steps)]
            if ref == "hidden_grad_next":  # sent back to step t - 1: drawn in that step's column
                columns.append((self.steps, [0.0] * hidden))
            for t, values in columns:
                x = self.step_x(t - 1 if ref == "hidden_grad_next" else t)
                self.parts.append(self.column(x, y, ref, values, t))
            y += self.band_height(ref) + BAND_GAP
        _, bottom = self.weights(y - BAND_GAP + 18, "grads.", right)
        grads, self.parts = "".join(self.parts), parts
        self.parts.append(f'<g class="rnn-grads">{grads}</g>')
        return bottom

    def weights(self, top: float, prefix: str = "", limit: float = 0) -> tuple[float, float]:
        """Draw the five weights (or with prefix `grads.` their gradients) in two rows; return their extent."""
        update = self.trace.get("update", {})
        params = update["grads"] if prefix else self.trace["params"]
        limit = limit or max(self.step_x(self.columns - 1) + STEP_W, WEIGHTS_ROW)
        right, y = 0.0, top
        for row in (("input_weights_U", "hidden_weights_W", "hidden_bias"), ("output_weights_V", "output_bias")):
            x, height = 0.0, 0.0
            for ref in row:
                values = params[ref]
                matrix = isinstance(values[0], list)
                rows = values if matrix else [[v] for v in values]
                clipped = update["clipped"][ref] if prefix else None
                heat = _is_heat(len(rows), len(rows[0]))
                pitch = HEAT if heat else GRADIENT_W + 2 if prefix else WEIGHT_W
                width = max(len(rows[0]) * pitch - 2, text_width(prefix + ref))
                if x > 0 and x + width > limit:
                    x, y, height = 0.0, y + height + BLOCK_GAP, 0.0
                self.parts.append(_label(x, y + 11, prefix + ref, ref=prefix + ref))
                self.parts.append(_heat(x, y + 18, prefix + ref, rows, matrix, clipped=clipped) if heat
                                  else _matrix(x, y + 18, prefix + ref, rows, matrix, clipped))
                right = max(right, x + width)
                height = max(height, 18 + _height(len(rows), heat))
                x += width + BLOCK_GAP
            y += height + BLOCK_GAP
        return right, y - BLOCK_GAP


def render_diagram(trace: Trace, show: str = "forward") -> Diagram:
    """The figure's SVG at the trace's final state: every value shown, as the page is without JavaScript.

    The update's gradients are drawn below the weights; in forward mode the view box ends above them.
    """
    layout = _Layout(trace)
    _, network_height = layout.network()
    weights_width, bottom = layout.weights(network_height + 26)
    # The width for a window of each length the figure may show (the page's script resizes to a reader's own).
    widths = [round(max(layout.step_x(n - 1) + STEP_W, weights_width) + 2 * MARGIN)
              for n in range(1, layout.columns + 1)]
    width = widths[layout.steps - 1]
    heights = (round(bottom + 2 * MARGIN), round(layout.gradients(bottom + BLOCK_GAP + 10, width - 2 * MARGIN)
                                                 + 2 * MARGIN))
    height = heights[show == "update"]
    vocab = ", ".join(layout.vocab)
    label = (f"The network {trace['name']} unrolled over {layout.steps} steps: {layout.hidden} hidden units, "
             f"vocabulary {vocab}. Every value is listed under All numbers.")
    rows = f' data-rows="{escape(json.dumps(layout.vocab))}"' if layout.collapsed else ""
    per_step = len(layout.arrows) // layout.columns
    arrows = "".join(layout.arrows[:per_step * layout.steps])
    every = "" if layout.steps == layout.columns else f' data-d="{"".join(layout.arrows)}"'
    svg = (f'<svg class="rnn-diagram" viewBox="{-MARGIN} {-MARGIN} {width} {height}" width="{width}" '
           f'height="{height}" data-heights="{heights[0]} {heights[1]}" data-widths="{" ".join(map(str, widths))}"'
           f'{rows} role="img" aria-label="{escape(label)}"><path class="rnn-arrows" d="{arrows}"{every}/>'
           f'{"".join(layout.parts)}</svg>')
    return Diagram(Markup(svg), width, height, heights)
