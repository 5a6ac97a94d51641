"""How training went: train with a check for numbers that depend on rounding, and measure what it learned.

The rounding check. Training is a long chain of floating-point operations; in some networks (a learning
rate too high for the problem, say) the chain amplifies any difference exponentially, so the last bit of
one rounding decides the trained weights' leading digits: another libm, another numpy, or the numpy
reference next to the unrolled loop gives other numbers. To see it cheaply, training stops
ROUNDING_STRETCH updates before the end, and the last stretch runs twice from that checkpoint: as is
(that is the real run), and with every weight nudged by one unit in the last place (np.nextafter). In a
network whose numbers can be trusted the two stay within a few units in the last place of the largest
weight; in a chaotic one the difference grows by orders of magnitude. `rounding_growth` is that final
difference in units in the last place of the largest weight.

Calibration (2-core machine, numbers after 1,000 re-run updates): the known chaotic network (pattern
00101, length 300, hidden size 4, adagrad, learning rate 0.1, 3,000 updates) grows to 1.5e5; English text
at hidden size 32 with sgd at 0.1 to 7e14. Every network in content/ and tests/cases stays at 1 to 8; long
stable runs (100,000 updates at hidden size 3, sgd and adagrad; hidden 8 and 16) at 1 to 2; the largest
stable value found, 30, is a transient (pattern 00101 at hidden size 3, adagrad, 20,000 updates), which
does not grow with a longer stretch as chaos does. ROUNDING_LIMIT sits between, a factor of 30 from each.
"""

from __future__ import annotations

import math

import numpy as np

from . import fast_training
from .rnn import Array, Optimizer, Params, TrainingRun

ROUNDING_STRETCH = 1000  # updates re-run from the checkpoint
ROUNDING_LIMIT = 1000.0  # growth, in units in the last place, that marks the numbers as rounding-dependent
RECENT_UPDATES = 100  # the final loss is the mean window loss over this many last updates


def nudged(params: Params) -> Params:
    """A copy with every weight moved one unit in the last place (towards +infinity)."""
    return Params(*(np.nextafter(a, np.inf) for a in params.arrays()))


def rounding_growth(run: Params, other: Params) -> float:
    """The largest difference between two sets of weights, in units in the last place of the largest weight."""
    with np.errstate(all="ignore"):
        difference = max(float(np.max(np.abs(a - b))) for a, b in zip(run.arrays(), other.arrays(), strict=True))
        top = max(float(np.max(np.abs(a))) for a in run.arrays())
    if not (math.isfinite(difference) and math.isfinite(top)):
        return math.inf
    return difference / float(np.spacing(top)) if top else 0.0


def train_checked(params: Params, encoded: list[int], seq_length: int, updates: int, optimizer: Optimizer,
                  clip: float) -> tuple[TrainingRun, float]:
    """`fast_training.train`'s run, bit for bit, and the rounding growth of its last stretch (0 when untrained)."""
    if updates == 0:
        return fast_training.train(params, encoded, seq_length, 0, optimizer, clip), 0.0
    split = max(0, updates - ROUNDING_STRETCH)
    first = fast_training.train(params, encoded, seq_length, split, optimizer, clip, checkpoints_for=updates)
    other_params, other_optimizer, other_loop = nudged(first.params), optimizer.copy(), first.loop.copy()
    rest = fast_training.train(first.params, encoded, seq_length, updates, optimizer, clip, first.loop,
                               checkpoints_for=updates)
    with np.errstate(all="ignore"):
        other = fast_training.train(other_params, encoded, seq_length, updates, other_optimizer, clip, other_loop,
                                    checkpoints_for=updates)
    run = TrainingRun(rest.params, rest.loop, first.losses + rest.losses,
                      first.checkpoints + [c for c in rest.checkpoints if c[0] > split])
    return run, rounding_growth(rest.params, other.params)


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
