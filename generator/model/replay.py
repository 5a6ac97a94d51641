"""What the page needs to replay training: anchors to resume from, and the text training cut its windows from.

The page recomputes the network at update n by training on from the nearest anchor at or before n (or from
where its last move left it), with a JavaScript port of fast_training's loop: the same operations in the
same order. Only Math.tanh, exp and sqrt can round differently from CPython's libm, by a unit in the last
place now and then, and training carries such a difference forward.

Measured in Chromium on the article's networks, training all the way from update 0 ends within 1.2e-15 of
the numpy reference (`rnn.train`) at every checkpoint: alternating 4.4e-16 over 6,400 updates, useful 1.1e-15
over 4,700; six orders of magnitude inside the 1e-9 the replay is held to. That is what the rounding check
predicts: a network not flagged as chaotic grows a one-ulp difference less than learning.ROUNDING_LIMIT-fold
over its whole run. So the anchors are chosen for speed, not for accuracy: the page trains about 200 updates
a millisecond (3,200 in 15 ms, repainting included), and an anchor every ANCHOR_SPAN updates bounds a move
to about 50 ms. Every network of the site has one anchor, update 0 (30 floats); the last update needs none,
the page shows the build's own figure there. A network flagged as depending on rounding gets an anchor at
every checkpoint and the page shows only the checkpoints (`snap`): nothing is recomputed across a stretch
where rounding grows, so every position shown is the build's own checkpoint, bit for bit. (In such a network
numpy's reference loop itself ends away from the build's run: 7e-9 at update 270 of health.py's pattern
0010111; that is the build's `chaotic` warning, and the 1e-9 promise does not cover it.)
tests/browser/test_replay.py holds every checkpoint, and updates between, to 1e-9 against the reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..learning import ROUNDING_LIMIT
from .health import Reached
from .rnn import checkpoint_updates

ANCHOR_SPAN = 10_000  # at most this many updates between two anchors (about 50 ms of training in the page)


def _flat(arrays: list[Any]) -> Any:
    """The arrays end to end, one float64 array (the trace writes it as a list), or [] for none."""
    return np.concatenate([a.ravel() for a in arrays]) if arrays else []


def anchor_updates(updates: int, snap: bool) -> list[int]:
    """The checkpoints the page resumes from: at most ANCHOR_SPAN updates apart (all when snapping), not the last."""
    checkpoints = checkpoint_updates(updates)
    if snap:
        return checkpoints[:-1]
    anchors, previous = [0], 0
    for update in checkpoints[1:]:
        if update - anchors[-1] > ANCHOR_SPAN and previous > anchors[-1]:
            anchors.append(previous)
        previous = update
    return anchors


def replay_record(reached: Mapping[int, Reached], updates: int, rounding_growth: float) -> dict[str, Any]:
    """The anchors the page resumes from, taken from where the build's own run stood at those updates."""
    snap = rounding_growth >= ROUNDING_LIMIT
    anchors = []
    for update in anchor_updates(updates, snap):
        state = reached[update]
        adagrad = state.optimizer.kind == "adagrad" and update
        anchors.append({"update": update, "params": _flat(state.params.arrays()),
                        "memory": _flat(state.optimizer.memory) if adagrad else [],
                        "position": state.loop.position, "hidden": _flat([state.loop.hidden_state])})
    return {"snap": snap, "anchors": anchors}  # the checkpoints the page works out: rnn.checkpoint_updates

