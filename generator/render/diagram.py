"""The diagram's skeleton: the network unrolled over its window, laid out as SVG at build time."""

from __future__ import annotations

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

LABEL_SIZE = 11  # px; the stylesheet sets the same sizes
CHAR = 0.62  # advance of a monospace character in em, a little above DejaVu Sans Mono's 0.602
ROW = 22  # pitch of the cells in a column
CELL_H = 20
WEIGHT_W = 46
STEP_W = 54
STEP_GAP = 20
BAND_GAP = 28
BLOCK_GAP = 26
MARGIN = 4
WEIGHTS_ROW = 960  # weights wrap to a new line past this width, or past the network's if wider


def text_width(text: str, size: float = LABEL_SIZE) -> int:
    """A generous estimate of a monospace label's width in whole px (whole numbers compress better)."""
    return math.ceil(len(text) * CHAR * size)


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
          t: int | None = None, i: int | None = None, j: int | None = None, kind: str = "",
          gradient: bool = False) -> str:
    """One number: a tile coloured by its value's class, with its formatted text.

    `kind` adds classes: `is-clipped` adds the clipping marker (a gradient's cells sit in `g.rnn-grads`).
    """
    colour = tone(ref, value) if value is not None else ""
    css = " ".join(part for part in ("rnn-cell", kind, colour) if part)
    attributes: dict[str, object] = {"class": css, "data-ref": ref, "data-t": t, "data-i": i, "data-j": j}
    if value is not None and ref not in IN_TRACE:
        attributes["data-value"] = repr(value)  # the script sets the others' from the inline trace
    attributes["transform"] = f"translate({x:g} {y:g})"
    marker = f'<path class="rnn-clip" d="M{width - 7:g} 0h7v7z"/>' if "is-clipped" in kind else ""
    rounding = CELL_H // 2 if gradient else 3  # a gradient is a pill
    return (f"<g {_attributes(attributes)}><rect width=\"{width:g}\" height=\"{CELL_H}\" rx=\"{rounding}\"/>"
            f"<text x=\"{width / 2:g}\" y=\"14\">{escape(text)}</text>{marker}</g>")


def _group(x: float, y: float, width: float, rows: int, ref: str, cells: Sequence[str],
           t: int | None = None, shown: bool = True) -> str:
    """A whole array: its cells with a frame the stylesheet outlines when the array is in play."""
    frame = (f'<rect class="rnn-frame" x="{x - 3:g}" y="{y - 3:g}" width="{width + 6:g}" '
             f'height="{rows * ROW - 2 + 6}" rx="5"/>')
    attributes: dict[str, object] = {"class": "rnn-array", "data-ref": ref, "data-t": t,
                                     "display": None if shown else "none"}
    return f'<g {_attributes(attributes)}>{frame}{"".join(cells)}</g>'


def _label(x: float, y: float, text: str, css: str = "", ref: str | None = None, t: int | None = None,
           shown: bool = True) -> str:
    """A text label; `css` adds its anchoring (anchor-end, anchor-middle) and look (muted, rnn-input)."""
    css = f"rnn-label {css}".strip()
    attributes = _attributes({"class": css, "data-ref": ref, "data-t": t, "x": f"{x:g}", "y": f"{y:g}",
                              "display": None if shown else "none"})
    return f"<text {attributes}>{escape(text)}</text>"


def _column(x: float, y: float, ref: str, values: Sequence[float | None], t: int | None = None,
            width: float = STEP_W) -> str:
    """An array of a step (or hidden_state_prev); a step past the shown window has no values and is hidden."""
    cells = [_cell(x, y + i * ROW, width, ref, v, format_quantity(ref, v), t, i) if v is not None
             else _cell(x, y + i * ROW, width, ref, None, "", t, i, kind="is-empty") for i, v in enumerate(values)]
    return _group(x, y, width, len(values), ref, cells, t, values[0] is not None)


def _matrix(x: float, y: float, ref: str, rows: list[list[float]], columns: bool,
            clipped: Sequence[object] | None = None) -> str:
    """A weight (or its gradient): a grid of cells, data-j on each when it is a matrix (not a flat bias)."""
    def css(i: int, j: int) -> str:
        return "is-clipped" if clipped and ([i, j] if columns else i) in clipped else ""

    cells = [_cell(x + j * WEIGHT_W, y + i * ROW, WEIGHT_W - 2, ref, v, format_quantity(ref, v), None, i,
                   j if columns else None, css(i, j), bool(clipped is not None))
             for i, row in enumerate(rows) for j, v in enumerate(row)]
    return _group(x, y, len(rows[0]) * WEIGHT_W - 2, len(rows), ref, cells)


def _height(rows: int) -> int:
    return rows * ROW - 2


class _Layout:
    """The unrolled network on top, the weights it shares across steps below.

    Columns: row labels, then `hidden_states[-1]` (the carried-in hidden_state_prev) as step -1, then the steps:
    as many as the widest window the figure may show (its seq-length), those past the shown window hidden, so that
    the page can show a reader's own window of any length.
    """

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.vocab = [character_label(c) for c in trace["vocab"]]
        self.hidden = len(trace["hidden_state_prev"])
        self.steps = len(trace["steps"])
        self.columns = max(self.steps, int(trace["spec"]["seq_length"]))
        self.parts: list[str] = []
        self.arrows: list[str] = []
        self.labels_x = max(map(text_width, ("probabilities", "inputs")))

    def step_x(self, t: int) -> float:
        """The left edge of time step t's column; step -1 holds hidden_state_prev."""
        return self.labels_x + 12 + (t + 1) * (STEP_W + STEP_GAP)

    def network(self) -> tuple[float, float]:
        """Draw the unrolled network; return its width and height."""
        trace, steps = self.trace, self.trace["steps"]
        for t in range(-1, self.columns):
            middle, shown = self.step_x(t) + STEP_W / 2, t < self.steps
            self.parts.append(_label(middle, 12, f"t = {t}", "anchor-middle muted", None, None if t < 0 else t, shown))
            if t >= 0:
                character = self.vocab[trace["inputs"][t]] if shown else ""
                self.parts.append(_label(middle, 31, character, "anchor-middle rnn-input", INPUTS, t, shown))
        self.parts.append(_label(self.labels_x, 31, INPUTS, "anchor-end muted", INPUTS))
        y = 44.0
        bands = [("xs", len(self.vocab)), ("hidden_states", self.hidden), ("outputs", len(self.vocab)),
                 ("probabilities", len(self.vocab))]
        tops: dict[str, float] = {}
        for ref, rows in bands:
            tops[ref] = y
            self.parts.append(_label(self.labels_x, y + 14, ref, "anchor-end", ref))
            for t in range(self.columns):
                values = steps[t][ref] if t < self.steps else [None] * rows
                self.parts.append(_column(self.step_x(t), y, ref, values, t))
            if ref != "hidden_states":
                self.parts.extend(_label(self.step_x(0) - 7, y + i * ROW + 14, char, "anchor-end muted")
                                  for i, char in enumerate(self.vocab))
            y += _height(rows) + BAND_GAP
        self._previous_state(tops["hidden_states"])
        self._arrows(tops)
        y += 12 - BAND_GAP
        for ref in ("target", "loss"):
            self.parts.append(_label(self.labels_x, y + 14, ref, "anchor-end", ref))
            for t in range(self.columns):
                shown = t < self.steps
                value = steps[t]["loss"] if ref == "loss" and shown else None
                text = (format_quantity(ref, value) if value is not None
                        else self.vocab[trace["targets"][t]] if ref == "target" and shown else "")
                cell = _cell(self.step_x(t), y, STEP_W, ref, value, text, t, kind="" if shown else "is-empty")
                self.parts.append(_group(self.step_x(t), y, STEP_W, 1, ref, [cell], t, shown))
            y += ROW + 4
        return self.step_x(self.steps - 1) + STEP_W, y

    def _previous_state(self, top: float) -> None:
        x = self.step_x(-1)
        self.parts.append(_column(x, top, "hidden_state_prev", self.trace["hidden_state_prev"]))
        self.parts.append(_label(x + STEP_W, top - 9, "hidden_state_prev", "anchor-end", "hidden_state_prev"))

    def _arrows(self, tops: dict[str, float]) -> None:
        bottoms = {"xs": tops["xs"] + _height(len(self.vocab)),
                   "hidden_states": tops["hidden_states"] + _height(self.hidden),
                   "outputs": tops["outputs"] + _height(len(self.vocab))}
        middle = tops["hidden_states"] + _height(self.hidden) / 2
        for t in range(self.columns):  # each step's arrows together: the path is cut after the shown steps
            x = self.step_x(t) + STEP_W / 2
            for upper, lower in (("xs", "hidden_states"), ("hidden_states", "outputs"), ("outputs", "probabilities")):
                start, end = bottoms[upper] + 6, tops[lower] - 6
                self.arrows.append(f"M{x:g} {start:g}V{end:g}m-4-5l4 5 4-5")
            start = self.step_x(t) - STEP_GAP + 5
            end = self.step_x(t) - 5
            self.arrows.append(f"M{start:g} {middle:g}H{end:g}m-5-4l5 4-5 4")

    def gradients(self, top: float, right: float) -> float:
        """Draw the update's gradients below the weights, in `g.rnn-grads`: per step, then per weight; the bottom."""
        update, parts = self.trace["update"], self.parts
        self.parts = []
        self.parts.append(_label(0, top + 11, f"update {update['number']:,}: the gradients", "rnn-heading"))
        y = top + 26
        hidden = self.hidden
        for ref, rows in (("output_grad", len(self.vocab)), ("hidden_grad", hidden), ("hidden_grad_next", hidden)):
            self.parts.append(_label(self.step_x(-1), y + 11, ref, ref=ref))
            y += 18
            columns = [(t, update["steps"][t][ref]) for t in range(self.steps)]
            if ref == "hidden_grad_next":  # sent back to step t - 1: drawn in that step's column
                columns.append((self.steps, [0.0] * hidden))
            for t, values in columns:
                x = self.step_x(t - 1 if ref == "hidden_grad_next" else t)
                cells = [_cell(x, y + i * ROW, STEP_W, ref, v, format_quantity(ref, v), t, i, )
                         for i, v in enumerate(values)]
                self.parts.append(_group(x, y, STEP_W, len(values), ref, cells, t))
            y += _height(rows) + BAND_GAP
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
                width = max(len(rows[0]) * WEIGHT_W - 2, text_width(prefix + ref))
                if x > 0 and x + width > limit:
                    x, y, height = 0.0, y + height + BLOCK_GAP, 0.0
                self.parts.append(_label(x, y + 11, prefix + ref, ref=prefix + ref))
                clipped = update["clipped"][ref] if prefix else None
                self.parts.append(_matrix(x, y + 18, prefix + ref, rows, matrix, clipped))
                right = max(right, x + width)
                height = max(height, 18 + _height(len(rows)))
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
    per_step = len(layout.arrows) // layout.columns
    arrows = "".join(layout.arrows[:per_step * layout.steps])
    every = "" if layout.steps == layout.columns else f' data-d="{"".join(layout.arrows)}"'
    svg = (f'<svg class="rnn-diagram" viewBox="{-MARGIN} {-MARGIN} {width} {height}" width="{width}" '
           f'height="{height}" data-heights="{heights[0]} {heights[1]}" data-widths="{" ".join(map(str, widths))}" '
           f'role="img" aria-label="{escape(label)}"><path class="rnn-arrows" d="{arrows}"{every}/>'
           f'{"".join(layout.parts)}</svg>')
    return Diagram(Markup(svg), width, height, heights)
