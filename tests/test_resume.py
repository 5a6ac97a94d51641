"""Training resumed from the middle of a run equals the uninterrupted run, bit for bit."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from generator.model import fast_training, rnn

Trainer = Callable[..., rnn.TrainingRun]


def setup(pattern: str, length: int, hidden: int, kind: str) -> tuple[rnn.Params, list[int], rnn.Optimizer]:
    text = (pattern * (length // len(pattern) + 1))[:length]
    vocab = sorted(set(text))
    return rnn.init_params(len(vocab), hidden, 0.1, 42), [vocab.index(c) for c in text], rnn.Optimizer(kind, 0.1)


@pytest.mark.parametrize("train", [fast_training.train, rnn.train], ids=["fast", "reference"])
@pytest.mark.parametrize(("pattern", "length", "hidden", "kind", "updates", "split"), [
    ("00101", 300, 4, "adagrad", 900, 437),   # splits mid-pass through the text
    ("011", 295, 3, "sgd", 600, 73),          # 73 updates x 4 = 292: the next window wraps to the start
    ("hello", 40, 5, "adagrad", 50, 1),
])
def test_resumed_run_equals_the_uninterrupted_run(train: Trainer, pattern: str, length: int, hidden: int,
                                                  kind: str, updates: int, split: int) -> None:
    params, encoded, optimizer = setup(pattern, length, hidden, kind)
    whole = train(params.copy(), encoded, 4, updates, optimizer.copy(), 5.0)

    first_optimizer = optimizer.copy()
    first = train(params.copy(), encoded, 4, split, first_optimizer, 5.0)
    resumed_params, resumed_optimizer, resumed_loop = first.params.copy(), first_optimizer.copy(), first.loop.copy()
    rest = train(resumed_params, encoded, 4, updates, resumed_optimizer, 5.0, resumed_loop)

    assert first.losses + rest.losses == whole.losses
    for a, b in zip(rest.params.arrays(), whole.params.arrays(), strict=True):
        assert np.array_equal(a, b)
    assert (rest.loop.position, rest.loop.updates_done) == (whole.loop.position, whole.loop.updates_done)
    assert np.array_equal(rest.loop.hidden_state, whole.loop.hidden_state)
    whole_marks = {n: (p, h) for n, p, h in whole.checkpoints}
    assert rest.checkpoints[0][0] == split
    for n, p, h in rest.checkpoints[1:]:
        assert n > split and np.array_equal(h, whole_marks[n][1])
        assert all(np.array_equal(a, b) for a, b in zip(p.arrays(), whole_marks[n][0].arrays(), strict=True))


def test_resuming_leaves_the_snapshot_alone() -> None:
    params, encoded, optimizer = setup("00101", 300, 4, "adagrad")
    first = fast_training.train(params, encoded, 4, 100, optimizer, 5.0)
    loop = first.loop.copy()
    fast_training.train(first.params.copy(), encoded, 4, 200, optimizer.copy(), 5.0, loop)
    assert loop.updates_done == 200  # the loop passed in carries on...
    assert first.loop.updates_done == 100  # ...while the original stays where it was
