"""Both training paths give the results they claim: numpy's bit for bit `rnn.train`'s, the unrolled one's
within 1e-9 of it; a network and its twin trained together give what each gives alone; and the cost model
picks the faster path."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from generator.model import fast_training, health, rnn

TOLERANCE = 1e-9
PATHS = ("unrolled", "numpy")
ENGLISH = "the quick brown fox jumps over the lazy dog. a small bird sang in the old oak tree."

# No updates; the article's longest training run (its 'useful' network is the same shape with fewer
# updates); hello with fewer updates, to keep the numpy reference quick; and shapes the article does
# not use: a wider vocabulary, more units, a longer window, and Adagrad; one unit (its sums over the
# window have nothing else to add along); English text at hidden size 24 and a 32-step window.
CASES = [
    ("untrained", "10", 720, 0, 3, 4, "sgd"),
    ("alternating", "10", 720, 6400, 3, 4, "sgd"),
    ("hello", "hello", 200, 400, 3, 5, "adagrad"),
    ("wide", "abcdefgh", 97, 60, 16, 12, "sgd"),
    ("wide-adagrad", "0110a", 120, 60, 16, 12, "adagrad"),
    ("one-unit", "0010111", 60, 300, 1, 3, "adagrad"),
    ("one-unit-long-window", "0010111", 90, 40, 1, 32, "sgd"),
    ("english", ENGLISH, 0, 10, 24, 32, "adagrad"),  # before its chaos grows (see test_health)
]
IDS = [case[0] for case in CASES]


def _setup(pattern: str, length: int, hidden: int, kind: str) -> tuple[rnn.Params, list[int], rnn.Optimizer]:
    text = (pattern * (length // len(pattern) + 1))[:length] if length else pattern
    vocab = sorted(set(text))
    return rnn.init_params(len(vocab), hidden, 0.1, 42), [vocab.index(c) for c in text], rnn.Optimizer(kind, 0.1)


def _train(pattern: str, length: int, updates: int, hidden: int, seq_length: int, kind: str,
           fast: bool) -> rnn.TrainingRun:
    params, encoded, optimizer = _setup(pattern, length, hidden, kind)
    train = fast_training.train if fast else rnn.train
    return train(params, encoded, seq_length, updates, optimizer, 5.0)


def _on_path(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    monkeypatch.setattr(fast_training, "choose_path", lambda *shape: path)


def _compare(got: rnn.TrainingRun, reference: rnn.TrainingRun, tolerance: float) -> None:
    """Weights, losses, loop and checkpoints equal (tolerance 0: bit for bit)."""
    def close(left: list[rnn.Array], right: list[rnn.Array]) -> None:
        assert len(left) == len(right)
        for a, b in zip(left, right, strict=True):
            assert a.shape == b.shape
            if tolerance:
                np.testing.assert_allclose(a, b, rtol=0, atol=tolerance)
            else:
                np.testing.assert_array_equal(a, b)

    close(got.params.arrays(), reference.params.arrays())
    if tolerance:
        np.testing.assert_allclose(got.losses, reference.losses, rtol=0, atol=tolerance)
    else:
        assert got.losses == [float(x) for x in reference.losses]
    assert (got.loop.position, got.loop.updates_done) == (reference.loop.position, reference.loop.updates_done)
    close([got.loop.hidden_state], [reference.loop.hidden_state])
    assert [n for n, _, _ in got.checkpoints] == [n for n, _, _ in reference.checkpoints]
    for (_, got_params, got_hidden), (_, ref_params, ref_hidden) in zip(got.checkpoints, reference.checkpoints,
                                                                        strict=True):
        close([*got_params.arrays(), got_hidden], [*ref_params.arrays(), ref_hidden])


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("name", "pattern", "length", "updates", "hidden", "seq_length", "kind"), CASES, ids=IDS)
def test_each_path_matches_the_numpy_reference(monkeypatch: pytest.MonkeyPatch, path: str, name: str, pattern: str,
                                               length: int, updates: int, hidden: int, seq_length: int,
                                               kind: str) -> None:
    _on_path(monkeypatch, path)
    if path == "numpy":
        updates = min(updates, 700)  # bit for bit from the first update; the long run only slows the suite
    fast = _train(pattern, length, updates, hidden, seq_length, kind, fast=True)
    reference = _train(pattern, length, updates, hidden, seq_length, kind, fast=False)
    assert len(fast.losses) == updates
    _compare(fast, reference, TOLERANCE if path == "unrolled" else 0.0)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("pattern", "length", "hidden", "kind", "updates", "split"), [
    ("00101", 300, 4, "adagrad", 900, 437),  # splits mid-pass through the text
    ("011", 295, 3, "sgd", 600, 73),  # 73 updates x 4 = 292: the next window wraps to the start
    (ENGLISH, 0, 24, "adagrad", 30, 1),
])
def test_a_resumed_run_equals_the_uninterrupted_run_on_each_path(monkeypatch: pytest.MonkeyPatch, path: str,
                                                                 pattern: str, length: int, hidden: int, kind: str,
                                                                 updates: int, split: int) -> None:
    _on_path(monkeypatch, path)
    params, encoded, optimizer = _setup(pattern, length, hidden, kind)
    whole = fast_training.train(params.copy(), encoded, 4, updates, optimizer.copy(), 5.0)
    first_optimizer = optimizer.copy()
    first = fast_training.train(params.copy(), encoded, 4, split, first_optimizer, 5.0, checkpoints_for=updates)
    rest = fast_training.train(first.params.copy(), encoded, 4, updates, first_optimizer.copy(), 5.0,
                               first.loop.copy(), checkpoints_for=updates)
    assert first.losses + rest.losses == whole.losses
    resumed = rnn.TrainingRun(rest.params, rest.loop, whole.losses, first.checkpoints + rest.checkpoints[1:])
    _compare(resumed, whole, 0.0)


@pytest.mark.parametrize("path", PATHS)
def test_a_network_and_its_twin_trained_together_give_what_each_gives_alone(monkeypatch: pytest.MonkeyPatch,
                                                                           path: str) -> None:
    _on_path(monkeypatch, path)
    params, encoded, optimizer = _setup(ENGLISH, 0, 8, "adagrad")
    twin = health.nudged(params)
    alone = [fast_training.train(p.copy(), encoded, 6, 120, optimizer.copy(), 5.0) for p in (params, twin)]
    runs = [(p, optimizer.copy(), rnn.DataLoop(encoded, 6, 8)) for p in (params, twin)]
    together = fast_training.train_together(runs, encoded, 6, 120, 5.0)
    for got, expected in zip(together, alone, strict=True):
        _compare(got, expected, 0.0)
    assert not np.array_equal(together[0].params.output_bias, together[1].params.output_bias)
    assert together[0].params is params and runs[1][2].updates_done == 120  # changed in place, as `train` does


def test_twins_too_big_to_sum_at_once_are_summed_step_by_step_bit_for_bit() -> None:
    # Two runs at hidden 48 over 16 steps make 2 x 16 x 48 x 48 outer products per update, past ALL_AT_ONCE: the
    # summer that multiplies a step at a time. Each run must still equal `rnn.train`'s.
    params, encoded, optimizer = _setup(ENGLISH, 0, 48, "adagrad")
    assert fast_training.ALL_AT_ONCE < 2 * 16 * 48 * 48
    twin = health.nudged(params)
    runs = [(p.copy(), optimizer.copy(), rnn.DataLoop(encoded, 16, 48)) for p in (params, twin)]
    together = fast_training.train_together(runs, encoded, 16, 12, 5.0)
    for got, start in zip(together, (params, twin), strict=True):
        _compare(got, rnn.train(start.copy(), encoded, 16, 12, optimizer.copy(), 5.0), 0.0)


def test_runs_trained_together_stand_at_the_same_update() -> None:
    params, encoded, optimizer = _setup("0110", 40, 3, "sgd")
    ahead = rnn.DataLoop(encoded, 4, 3)
    ahead.updates_done = 5
    with pytest.raises(ValueError, match="same update"):
        fast_training.train_together([(params, optimizer, rnn.DataLoop(encoded, 4, 3)),
                                      (params.copy(), optimizer.copy(), ahead)], encoded, 4, 10, 5.0)


@pytest.mark.parametrize("path", PATHS)
def test_a_diverging_network_falls_back_to_numpy(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    # A huge learning rate overflows; the reference's infinities and NaNs must come out as before, and a twin
    # trained together with the diverging run too.
    _on_path(monkeypatch, path)
    encoded = [int(c) for c in "01" * 40]
    params = rnn.init_params(2, 3, 0.1, 42)
    runs = [(p, rnn.Optimizer("sgd", 1e6), rnn.DataLoop(encoded, 4, 3)) for p in (params, health.nudged(params))]
    with np.errstate(all="ignore"):
        trained = fast_training.train_together(runs, encoded, 4, 50, 1e6)
        reference = [rnn.train(p, encoded, 4, 50, rnn.Optimizer("sgd", 1e6), 1e6)
                     for p in (rnn.init_params(2, 3, 0.1, 42), health.nudged(rnn.init_params(2, 3, 0.1, 42)))]
    assert not np.all(np.isfinite(reference[0].params.output_weights_V))
    for run, expected in zip(trained, reference, strict=True):
        for a, b in zip(run.params.arrays(), expected.params.arrays(), strict=True):
            np.testing.assert_array_equal(a, b)
        assert run.loop.updates_done == 50


# Measured with tests/bench/paths.py (CPU microseconds per update of a network and its twin: the unrolled path
# one after the other, the numpy path side by side), where one path was more than 15% faster than the other.
MEASURED = [
    # hidden, vocab, steps, optimizer, unrolled, numpy
    (3, 2, 4, "sgd", 42, 159), (3, 2, 16, "sgd", 102, 505), (3, 2, 16, "adagrad", 97, 368),
    (3, 29, 4, "sgd", 162, 315), (3, 29, 16, "adagrad", 573, 452), (8, 2, 4, "sgd", 184, 309),
    (16, 2, 4, "sgd", 429, 263), (16, 8, 4, "adagrad", 828, 195), (16, 29, 16, "adagrad", 2941, 795),
    (1, 96, 32, "sgd", 1755, 760),
]


@pytest.mark.parametrize(("hidden", "vocab", "steps", "kind", "unrolled_us", "numpy_us"), MEASURED)
def test_the_cost_model_picks_the_path_that_was_measured_faster(hidden: int, vocab: int, steps: int, kind: str,
                                                                unrolled_us: float, numpy_us: float) -> None:
    faster = "unrolled" if unrolled_us < numpy_us else "numpy"
    assert fast_training.choose_path(hidden, vocab, steps, kind) == faster


def test_the_path_choice_over_a_grid_of_shapes() -> None:
    # The article's networks and other small ones stay unrolled; English text and big networks go to numpy.
    assert fast_training.choose_path(3, 2, 4, "sgd") == "unrolled"
    assert fast_training.choose_path(3, 4, 5, "adagrad") == "unrolled"
    for hidden, steps, kind in itertools.product((16, 32, 64), (4, 16, 32), ("sgd", "adagrad")):
        assert fast_training.choose_path(hidden, 28, steps, kind) == "numpy"
    # More of anything costs the unrolled loop more than the stacked one: once numpy, numpy from there on.
    for hidden, vocab, steps, kind in itertools.product(range(1, 65, 3), range(2, 97, 7), (1, 4, 12, 32),
                                                        ("sgd", "adagrad")):
        if fast_training.choose_path(hidden, vocab, steps, kind) == "numpy":
            assert fast_training.choose_path(hidden + 1, vocab, steps, kind) == "numpy"
            assert fast_training.choose_path(hidden, vocab + 1, steps, kind) == "numpy"
