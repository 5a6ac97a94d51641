"""The colour scale: which class a value's cell gets, defined once here and shipped to the player's script."""

from __future__ import annotations

import math
from bisect import bisect_right

from ..refs import UNIT_SCALE, UNTONED

TONES = 8  # colour steps on each side of zero
SQUASH = 0.6  # signed values are squashed by v / (|v| + SQUASH), so 0.1 and 4 both read


def _breakpoints(squashed: list[float]) -> tuple[float, ...]:
    """Where the class changes, to 4 significant digits (plenty for a colour, and short on the page)."""
    return tuple(float(f"{point:.4g}") for point in squashed)


# Class k covers the values that round to k on its scale: q0..q8 for 0..1, s-8..s8 for squashed signed values.
UNIT_BREAKS = _breakpoints([(k + 0.5) / TONES for k in range(TONES)])
SIGNED_BREAKS = _breakpoints([SQUASH * s / (1 - abs(s)) for s in ((k + 0.5) / TONES for k in range(-TONES, TONES))])


def tone(ref: str, value: float) -> str:
    """The colour class of a value: s-8..s8 on the signed scale, q0..q8 on the 0..1 scale, "" for none.

    A value on a breakpoint takes the upper class; NaN, the loss and the target have no colour. The script
    reads the breakpoints from the page (see figure.number_rules) and counts the same way.
    """
    if ref in UNTONED or math.isnan(value):
        return ""
    if ref in UNIT_SCALE:
        return f"q{bisect_right(UNIT_BREAKS, value)}"
    return f"s{bisect_right(SIGNED_BREAKS, value) - TONES}"
