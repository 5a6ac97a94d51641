"""The unrolled training path gives the numpy reference loop's numbers, to 1e-9."""

from __future__ import annotations

import numpy as np
import pytest

from generator.model import fast_training, rnn

TOLERANCE = 1e-9

# No updates; the article's longest training run (its 'useful' network is the same shape with fewer
# updates); hello with fewer updates, to keep the numpy reference quick; and shapes the article does
# not use: a wider vocabulary, more units, a longer window, and Adagrad.
CASES = [
    ("untrained", "10", 720, 0, 3, 4, "sgd"),
    ("alternating", "10", 720, 6400, 3, 4, "sgd"),
    ("hello", "hello", 200, 400, 3, 5, "adagrad"),
    ("wide", "abcdefgh", 97, 60, 16, 12, "sgd"),
    ("wide-adagrad", "0110a", 120, 60, 16, 12, "adagrad"),
    ("one-unit", "0010111", 60, 300, 1, 3, "adagrad"),
]


def _train(pattern: str, length: int, updates: int, hidden: int, seq_length: int, kind: str,
           fast: bool) -> rnn.TrainingRun:
    text = (pattern * (length // len(pattern) + 1))[:length]
    vocab = sorted(set(text))
    params = rnn.init_params(len(vocab), hidden, 0.1, 42)
    optimizer = rnn.Optimizer(kind, 0.1)
    train = fast_training.train if fast else rnn.train
    return train(params, [vocab.index(c) for c in text], seq_length, updates, optimizer, 5.0)


def _close(left: list[rnn.Array], right: list[rnn.Array]) -> None:
    assert len(left) == len(right)
    for a, b in zip(left, right, strict=True):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize(("name", "pattern", "length", "updates", "hidden", "seq_length", "kind"), CASES,
                         ids=[case[0] for case in CASES])
def test_fast_training_matches_numpy_reference(name: str, pattern: str, length: int, updates: int,
                                               hidden: int, seq_length: int, kind: str) -> None:
    fast = _train(pattern, length, updates, hidden, seq_length, kind, fast=True)
    reference = _train(pattern, length, updates, hidden, seq_length, kind, fast=False)
    _close(fast.params.arrays(), reference.params.arrays())
    np.testing.assert_allclose(fast.losses, reference.losses, rtol=0, atol=TOLERANCE)
    assert len(fast.losses) == updates
    assert (fast.loop.position, fast.loop.updates_done) == (reference.loop.position, reference.loop.updates_done)
    _close([fast.loop.hidden_state], [reference.loop.hidden_state])
    assert [n for n, _, _ in fast.checkpoints] == [n for n, _, _ in reference.checkpoints]
    for (_, fast_params, fast_hidden), (_, ref_params, ref_hidden) in zip(fast.checkpoints, reference.checkpoints,
                                                                          strict=True):
        _close([*fast_params.arrays(), fast_hidden], [*ref_params.arrays(), ref_hidden])


def test_a_diverging_network_falls_back_to_numpy() -> None:
    # A huge learning rate overflows math.exp; the reference's infinities must come out as before.
    text = "01" * 40
    params = rnn.init_params(2, 3, 0.1, 42)
    with np.errstate(all="ignore"):
        run = fast_training.train(params, [int(c) for c in text], 4, 50, rnn.Optimizer("sgd", 1e6), 1e6)
        reference = rnn.train(rnn.init_params(2, 3, 0.1, 42), [int(c) for c in text], 4, 50,
                              rnn.Optimizer("sgd", 1e6), 1e6)
    for a, b in zip(run.params.arrays(), reference.params.arrays(), strict=True):
        np.testing.assert_array_equal(a, b)
