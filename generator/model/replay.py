"""What the page needs to replay training: anchors to resume from, and the text training cut its windows from.

The page recomputes the network at update n by training forward from the nearest anchor at or before n, with
a JavaScript port of fast_training's loop (same operations, same order). Only Math.tanh, exp, log and sqrt
can round differently from CPython's libm, by a unit in the last place now and then; in a stable network that
difference stays small as it is carried forward. Measured in Chromium on the article's networks, training
all the way from update 0 (no anchor but the first) ends within 1.2e-15 of the numpy reference (`rnn.train`)
at every checkpoint: alternating 4.4e-16 after 6,400 updates, useful 1.1e-15 after 4,700. That is six orders
of magnitude inside the 1e-9 the replay is held to, so anchors can be sparse: ANCHOR_EVERY = 25 checkpoints
gives three (updates 0, half-way, the end), which keeps any stretch the page trains to half the run (a few
milliseconds) and the drift at the measured size; tests/browser/test_replay.py holds every checkpoint to 1e-9.
A network flagged as depending on rounding (learning.ROUNDING_LIMIT) gets an anchor at every checkpoint, and
the page shows only the checkpoints (`snap`), so nothing is recomputed across a stretch where rounding grows.
"""

from __future__ import annotations

from typing import Any

from ..learning import ROUNDING_LIMIT
from . import fast_training
from .rnn import DataLoop, Optimizer, Params, checkpoint_updates

ANCHOR_EVERY = 25  # checkpoints between two anchors (about 50 checkpoints: 3 anchors)


def _flat(arrays: list[Any]) -> list[float]:
    return [float(x) for a in arrays for x in a.ravel()]


def anchor_updates(updates: int, snap: bool) -> list[int]:
    """The updates the page resumes from: every ANCHOR_EVERY-th checkpoint (every one when snapping)."""
    every = 1 if snap else ANCHOR_EVERY
    return checkpoint_updates(updates)[::every]


def replay_record(params: Params, encoded: list[int], seq_length: int, updates: int, optimizer: Optimizer,
                  clip: float, rounding_growth: float) -> dict[str, Any]:
    """Train again from `params` (left as they were), stopping at each anchor to record what resuming needs."""
    snap = rounding_growth >= ROUNDING_LIMIT
    params, optimizer = params.copy(), optimizer.copy()
    loop = DataLoop(encoded, seq_length, params.hidden_bias.shape[0])
    anchors = []
    for update in anchor_updates(updates, snap):
        if update:
            loop = fast_training.train(params, encoded, seq_length, update, optimizer, clip, loop,
                                       checkpoints_for=updates).loop
        anchors.append({"update": update, "params": _flat(params.arrays()),
                        "memory": _flat(optimizer.memory) if optimizer.kind == "adagrad" and update else [],
                        "position": loop.position, "hidden": _flat([loop.hidden_state])})
    return {"checkpoints": checkpoint_updates(updates), "snap": snap, "anchors": anchors}
