"""How training went: train with a check for numbers that depend on rounding, and measure what it learned.

The rounding check. Training is a long chain of floating-point operations; in some networks the chain
amplifies any difference exponentially for a while, so the last bit of one rounding decides the trained
weights' leading digits: another libm, another numpy, or the numpy reference next to the unrolled loop
gives other numbers. To see it, the network trains twice: as is, and from weights each nudged by one unit
in the last place (np.nextafter). In a network whose numbers can be trusted the two end within a few units
in the last place of the largest weight; in one whose numbers depend on rounding they end orders of
magnitude apart. `rounding_growth` is that final difference, in units in the last place of the largest
weight; the build warns from learning.ROUNDING_LIMIT (1,000) up.

Why the whole run and not just its last stretch: chaos is often a phase. Pattern 0010111 (length 200,
hidden size 3, sgd, learning rate 0.1) is chaotic between updates 200 and 300 and stable afterwards: after
3,000 updates a re-run of the last 1,000 from a nudged checkpoint grows only 6-fold, while the unrolled
loop and the numpy reference disagree by 5e-3, as do the run and its nudged twin (7.8e13 units).

Calibration (the figure is the growth): the known chaotic network (pattern 00101, length 300, hidden size
4, adagrad, learning rate 0.1, 3,000 updates) 9e13; that pattern at hidden size 3, adagrad, 20,000 updates,
1.4e13; pattern 0010111 with sgd, 300 updates, 2.5e8 (the reference differs by 8.7e-9). Every network in
content/ and tests/cases 1 to 8; 100,000 updates at hidden size 3 with sgd (patterns 011, 10, hello) 1 to
3.3; hidden sizes 4 to 16 with sgd and adagrad, 5,000 to 30,000 updates, 4 to 66.5.

A build that trains one network on a machine with two cores or more trains the twin at the same time in a
forked process (`twin_apart`), where its training is worth a process; everywhere else the twin trains together
with the run (`fast_training.train_together`). Either way each is trained on the path the network's shape takes:
on the numpy path the two are stacked into one set of arrays, and each is `rnn.train`'s run bit for bit. The
verdicts are those of the unrolled path: tests/test_health.py forces the numpy path on its cases and gets the
same ones. At hidden size 16 with a small vocabulary (5,000 updates, window 4), which now takes the numpy path:
pattern 011 sgd 1.5, adagrad 1.6e4 (1.8e4 on the unrolled path: flagged either way); 0110a adagrad 32; hello
sgd 5; 10 with sgd and 10,000 updates 3.3. English text at adagrad and learning rate 0.1 (the bench's paragraph,
28 characters, window 16, 3,000 updates) is flagged at hidden sizes 16, 32 and 64 (5e14 to 4e15), and the numpy
reference alone, run twice from the two starting points, grows as much: the chaos is the network's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from ..forked import Forked, fork_safe
from ..learning import RECENT_UPDATES
from . import fast_training
from .rnn import Array, DataLoop, Optimizer, Params, TrainingRun

CHUNK = 1000  # updates trained between two progress reports (about 15 ms for a small network)

Progress = Callable[[int, int], None]  # (updates done, updates in all)


def nudged(params: Params) -> Params:
    """A copy with every weight moved one unit in the last place (towards +infinity)."""
    return Params(*(np.nextafter(a, np.inf) for a in params.arrays()))


def rounding_growth(run: Params, other: Params) -> float:
    """The largest difference between two sets of weights, in units in the last place of the largest weight."""
    if not all(np.all(np.isfinite(a)) for a in (*run.arrays(), *other.arrays())):
        return math.inf
    difference = max(float(np.max(np.abs(a - b))) for a, b in zip(run.arrays(), other.arrays(), strict=True))
    top = max(float(np.max(np.abs(a))) for a in run.arrays())
    return difference / float(np.spacing(top)) if top else 0.0


@dataclass(frozen=True)
class Reached:
    """What training had reached after some update (copies): enough to resume it from there, bit for bit."""

    params: Params
    optimizer: Optimizer
    loop: DataLoop


def train_checked(params: Params, encoded: list[int], seq_length: int, updates: int, optimizer: Optimizer,
                  clip: float, progress: Progress | None = None, keep: Collection[int] = (),
                  spare_core: bool = False) -> tuple[TrainingRun, float, dict[int, Reached]]:
    """`fast_training.train`'s run, bit for bit, its rounding growth (0 when untrained), and where it stood at
    each update in `keep` (the replay's anchors come from there, so nothing is trained a third time).

    The twin trains together with the run (`fast_training.train_together`: side by side in one stack of arrays
    on the numpy path) or, given a `spare_core` and enough work to repay a process (`twin_apart`), at the same
    time in a forked process: each is trained on the path its shape takes either way, so the verdict is the
    same. `progress(done, total)` is called after every CHUNK updates, counting both runs' updates (total =
    twice `updates`; a twin apart is counted as keeping pace with the run: its process reports nothing).
    """
    if updates == 0:
        run = fast_training.train(params, encoded, seq_length, 0, optimizer, clip)
        return run, 0.0, {}
    report = progress or (lambda done, total: None)
    twin = (nudged(params), optimizer.copy(), DataLoop(encoded, seq_length, params.hidden_bias.shape[0]))
    if spare_core and twin_apart(params, seq_length, updates, optimizer.kind):
        with Forked(_train_twin, twin, encoded, seq_length, updates, clip) as apart:
            run, _, reached = train_in_chunks(params, None, encoded, seq_length, updates, optimizer, clip,
                                              lambda done: report(2 * done, 2 * updates), keep)
            twin_arrays = apart.result()
        if twin_arrays is None:  # the process failed to hand its weights back: trained here, slower, same verdict
            twin_arrays = _train_twin(twin, encoded, seq_length, updates, clip)
        return run, rounding_growth(run.params, Params(*twin_arrays)), reached
    run, other, reached = train_in_chunks(params, twin, encoded, seq_length, updates, optimizer, clip,
                                          lambda done: report(2 * done, 2 * updates), keep)
    assert other is not None
    return run, rounding_growth(run.params, other.params), reached


APART_ABOVE = 0.2  # seconds of the twin's training (by fast_training's cost model) that repay forking a process


def twin_apart(params: Params, seq_length: int, updates: int, optimizer: str) -> bool:
    """Whether the twin is worth training in a process of its own: its training, as fast_training's cost model
    estimates it, takes over APART_ABOVE seconds (forking and handing back the weights take a few ms), and the
    process may fork safely (forked.fork_safe)."""
    hidden_size, vocab_size = params.hidden_weights_W.shape[0], params.output_weights_V.shape[0]
    if fast_training.choose_path(hidden_size, vocab_size, seq_length, optimizer) == "numpy":
        per_update = fast_training.stacked_cost(hidden_size, vocab_size, seq_length, optimizer) / 2
    else:
        per_update = fast_training.unrolled_cost(hidden_size, vocab_size, seq_length, optimizer)
    return fork_safe() and per_update * updates / 1e6 > APART_ABOVE


def _train_twin(twin: fast_training.Run, encoded: list[int], seq_length: int, updates: int,
                clip: float) -> list[Array]:
    params, optimizer, loop = twin
    fast_training.train(params, encoded, seq_length, updates, optimizer, clip, loop, checkpoints_for=updates)
    return params.arrays()


def train_in_chunks(params: Params, twin: fast_training.Run | None, encoded: list[int], seq_length: int,
                    updates: int, optimizer: Optimizer, clip: float, progress: Callable[[int], None],
                    keep: Collection[int] = ()) -> tuple[TrainingRun, TrainingRun | None, dict[int, Reached]]:
    """`fast_training.train`'s run and its twin's (if any), bit for bit, trained CHUNK updates at a time
    (`progress(done)` after each), stopping also at each update in `keep` to note what the run had reached there."""
    loop = DataLoop(encoded, seq_length, params.hidden_bias.shape[0])
    runs = [(params, optimizer, loop), *([twin] if twin else [])]
    losses: list[float] = []
    checkpoints: list[tuple[int, Params, Array]] = []
    reached: dict[int, Reached] = {}
    if 0 in keep:
        reached[0] = Reached(params.copy(), optimizer.copy(), loop.copy())
    stops = sorted({*range(CHUNK, updates, CHUNK), *(n for n in keep if 0 < n < updates), updates})
    done = 0
    other = None
    for stop in stops:
        part, *others = fast_training.train_together(runs, encoded, seq_length, stop, clip, checkpoints_for=updates)
        other = others[0] if others else None
        losses += part.losses
        checkpoints += [c for c in part.checkpoints if not checkpoints or c[0] > done]
        done = stop
        if stop in keep:
            reached[stop] = Reached(part.params.copy(), optimizer.copy(), loop.copy())
        if stop % CHUNK == 0 or stop == updates:
            progress(done)
    return TrainingRun(params, loop, losses, checkpoints), other, reached


def recent_loss(losses: list[float]) -> float | None:
    """The mean window loss over the last RECENT_UPDATES updates (None before any update)."""
    recent = losses[-RECENT_UPDATES:]
    return sum(recent) / len(recent) if recent else None


def chance_loss(seq_length: int, vocab_size: int) -> float:
    """A window's loss when every character gets the same probability: seq-length × log(vocabulary size)."""
    return seq_length * math.log(vocab_size)


def correct_steps(probabilities: list[Array], targets: list[int]) -> int:
    """How many of the window's targets get the highest probability of their step."""
    return sum(1 for p, target in zip(probabilities, targets, strict=True) if p[target, 0] >= np.max(p))
