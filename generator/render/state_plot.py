"""The hidden state's plot: its text alternative, and what the page embeds for it.

The build writes `div.rnn-space` holding one sentence, where the hidden state goes; the script (StatePlot in
unrolled.js) draws the plot beside it from the inline trace (an SVG is the same few hundred bytes in every
figure, and gzip does not reach back across the page's figures), and rewrites the sentence when the weights change.
"""

from __future__ import annotations

from typing import Any

from ..tracefile import Trace
from ..values import format_vector

LISTED = 3  # points the sentence names; it says how many more there are


def inline_space(trace: Trace) -> dict[str, Any]:
    """`state_space` as the page embeds it: the projection, and the text only where `training.replay` lacks it.

    The script recomputes the points and their counts from the text and the weights, as the replay needs to.
    """
    space = trace["state_space"]
    return {"projection": space["projection"], **({} if trace["training"].get("replay") else {"text": space["text"]})}


def space_sentence(space: dict[str, Any]) -> str:
    """Where the hidden state goes, in words: the plot's text alternative, which the script writes the same way."""
    returns = [point for point, count in zip(space["points"], space["counts"], strict=True) if count > 1]
    named = [format_vector("hidden_states", point).replace("[", "(").replace("]", ")") for point in returns[:LISTED]]
    if len(returns) > LISTED:
        named.append(f"and {len(returns) - LISTED} more")
    more = "more than " if space["limited"] else ""
    back = f"{len(returns)} of them again and again: {', '.join(named)}" if returns else "none twice"
    points = f"{more}{len(space['points'])} point{'s' if len(space['points']) > 1 else ''}"
    return f"Reading its training text, the hidden state visits {points}, {back}."
