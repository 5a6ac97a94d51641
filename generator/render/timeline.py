"""A trained figure's training timeline: the loss curve, drawn at build time from the trace's loss history."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

from ..tracefile import Trace
from ..values import format_quantity

CURVE_W = 600  # the curve's drawing box (the stylesheet stretches it to the timeline's width)
CURVE_H = 64
PAD = 3


@dataclass(frozen=True)
class LossCurve:
    """The loss curve as one SVG path on a log scale (whole pixels, relative moves: it compresses well) and its name."""

    path: str
    label: str
    first: str  # the first and last losses of the history, as the page writes losses
    last: str
    width: int
    height: int


def curve_x(update: int, updates: int) -> float:
    """Where update n sits across the curve's box."""
    return round(PAD + (CURVE_W - 2 * PAD) * update / updates, 1)


def loss_curve(trace: Trace) -> LossCurve | None:
    """The curve of a trained figure's window loss against the update (log scale), None when untrained."""
    training = trace["training"]
    updates, history = training["updates"], training["loss_history"]
    if not updates or not history:
        return None
    logs = [math.log10(max(loss, 1e-300)) for loss in history]
    top, bottom = max(logs), min(logs)
    span = top - bottom or 1.0
    points = [(round(PAD + (CURVE_W - 2 * PAD) * n / updates), round(PAD + (CURVE_H - 2 * PAD) * (top - y) / span))
              for n, y in zip(training["loss_history_updates"], logs, strict=True)]
    moves = [f"{x - px} {y - py}" for (px, py), (x, y) in pairwise(points)]
    label = (f"Loss during training, on a log scale: {format_quantity('loss', history[0])} at update "
             f"{training['loss_history_updates'][0]:,}, {format_quantity('loss', history[-1])} at update "
             f"{training['loss_history_updates'][-1]:,}")
    return LossCurve(f"M{points[0][0]} {points[0][1]}l" + " ".join(moves), label,
                     format_quantity("loss", history[0]), format_quantity("loss", history[-1]), CURVE_W, CURVE_H)
