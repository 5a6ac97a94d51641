"""The hidden state's space: every state the network visits reading its training text, and how a plot projects them.

The cloud is what min-char-rnn's data loop visits in its first pass over the text with the given weights: windows
at positions 0, L, 2L, … (L = seq-length) while position + L + 1 < len(text), the hidden state starting at zero and
carried from each window's last step into the next, so the states are hidden_states[t] for the inputs
text[0], text[1], …, text[W·L - 1] (W windows), in that order; the zero state it starts from is not one of them.
Distinct states are kept, in the order of their first visit, up to MAX_POINTS: a state within SAME (largest
difference of an element) of one kept already is that point again (the first such point), and counts for it.
The page's script (StatePlot in unrolled.js) runs the same loop, in the same order, to draw the cloud, and again
whenever the replay changes the weights.

A plot has two coordinates (x, y) per state, each in [-1, 1] for states in the cube [-1, 1]^H:
- hidden size 1: x = h[0], y = 0 (a line);
- hidden size 2: x = h[0], y = h[1] (the plane);
- hidden size 3: the fixed oblique projection CUBE, x = h[0] + CUBE_DEPTH·h[2], y = h[1] + CUBE_DEPTH·h[2], over
  1 + CUBE_DEPTH so the cube's corners land in [-1, 1] (the cube's twelve edges are drawn);
- larger: the first two principal components of the cloud (the rows of `components`, unit vectors, taken from
  numpy's SVD of the centred distinct points, each signed so its largest element is positive), x and y the
  projections of h - mean on them, over `scale` (the largest |coordinate| of the cloud), so the cloud fills
  [-1, 1]. The page projects replayed and typed states with the same mean, components and scale.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import rnn
from .rnn import Array, Params

MAX_POINTS = 200  # distinct states kept at most (the first visits)
SAME = 1e-9  # states closer than this in every element are one point
CUBE_DEPTH = 0.5  # the oblique projection's receding axis h[2] goes up and to the right by half its length
CUBE = np.array([[1.0, 0.0, CUBE_DEPTH], [0.0, 1.0, CUBE_DEPTH]]) / (1 + CUBE_DEPTH)


def visited_states(params: Params, encoded: list[int], seq_length: int) -> list[Array]:
    """The hidden states of the data loop's first pass over the text, from a zero state, in order (flat arrays).

    Each window is run by `rnn.forward`, as training runs it (the page's script runs its port of forward).
    """
    hidden_state = np.zeros((params.hidden_bias.shape[0], 1))
    states = []
    position = 0
    while position + seq_length + 1 < len(encoded):
        window = encoded[position:position + seq_length + 1]
        run = rnn.forward(params, window[:-1], window[1:], hidden_state)
        states += [run.hidden_states[t].ravel() for t in range(seq_length)]
        hidden_state = run.hidden_states[seq_length - 1]
        position += seq_length
    return states


def distinct(states: list[Array], limit: int = MAX_POINTS) -> tuple[list[Array], list[int], bool]:
    """The states with repeats (within SAME) left out, in the order of first visit, at most `limit` of them.

    Also how many of the states each point stands for, and whether a state was left out for the limit.
    """
    kept: list[Array] = []
    counts: list[int] = []
    limited = False
    for state in states:
        near = np.flatnonzero(np.max(np.abs(np.array(kept) - state), axis=1) <= SAME) if kept else np.array([], int)
        if len(near):
            counts[near[0]] += 1
        elif len(kept) < limit:
            kept.append(state)
            counts.append(1)
        else:
            limited = True
    return kept, counts, limited


def principal_components(points: Array) -> tuple[Array, Array]:
    """The cloud's mean and its first two principal components (rows), each signed so its largest element is > 0."""
    mean = points.mean(axis=0)
    _, _, vt = np.linalg.svd(points - mean, full_matrices=False)
    components = np.zeros((2, points.shape[1]))
    components[:len(vt)] = vt[:2]
    for row in components:
        if row[np.argmax(np.abs(row))] < 0:
            row *= -1
    return mean, components


def projection(points: list[Array]) -> dict[str, Any]:
    """How the plot maps a state to (x, y): the kind, and for principal components their mean, rows and scale."""
    size = len(points[0])
    if size <= 3:
        return {"kind": ("line", "plane", "cube")[size - 1]}
    cloud = np.array(points)
    mean, components = principal_components(cloud)
    scale = float(np.max(np.abs((cloud - mean) @ components.T))) or 1.0
    return {"kind": "components", "mean": [float(v) for v in mean],
            "components": [[float(v) for v in row] for row in components], "scale": scale}


def project(state: Array, how: dict[str, Any]) -> tuple[float, float]:
    """Where the plot puts one state, in [-1, 1]² (see the module's docstring)."""
    h = np.asarray(state, dtype=np.float64)
    kind = how["kind"]
    if kind == "line":
        return float(h[0]), 0.0
    if kind == "plane":
        return float(h[0]), float(h[1])
    if kind == "cube":  # CUBE @ h, written as the page's script computes it
        depth = CUBE_DEPTH * h[2]
        return float((h[0] + depth) / (1 + CUBE_DEPTH)), float((h[1] + depth) / (1 + CUBE_DEPTH))
    x, y = (np.array(how["components"]) @ (h - np.array(how["mean"]))) / how["scale"]
    return float(x), float(y)


def state_space(params: Params, text: str, vocab: list[str], seq_length: int) -> dict[str, Any]:
    """The trace's `state_space`: the text read, how many states it visits, the distinct ones (`points`), how often."""
    states = visited_states(params, [vocab.index(c) for c in text], seq_length)
    points, counts, limited = distinct(states)
    return {"text": text, "visited": len(states), "points": [[float(v) for v in p] for p in points], "counts": counts,
            "limited": limited, "projection": projection(points)}
