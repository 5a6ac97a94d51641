"""The model: gradients against finite differences, the data loop by hand, the optimisers."""

from __future__ import annotations

import numpy as np
import pytest

from generator.model import rnn


def _loss(params: rnn.Params, inputs: list[int], targets: list[int], h0: np.ndarray) -> float:
    return rnn.forward(params, inputs, targets, h0).loss


@pytest.mark.parametrize("seed", range(8))
def test_gradients_match_central_differences(seed: int) -> None:
    rng = np.random.RandomState(100 + seed)
    vocab, hidden, steps = rng.randint(2, 5), rng.randint(1, 6), rng.randint(1, 6)
    params = rnn.init_params(vocab, hidden, 0.5, seed)
    params.hidden_bias += rng.randn(hidden, 1) * 0.1
    params.output_bias += rng.randn(vocab, 1) * 0.1
    inputs = list(rng.randint(0, vocab, steps))
    targets = list(rng.randint(0, vocab, steps))
    h0 = rng.randn(hidden, 1) * 0.3
    grads = rnn.backward(params, rnn.forward(params, inputs, targets, h0), targets, clip=1e9)
    eps = 1e-5
    for name in rnn.PARAM_NAMES:
        param, grad = getattr(params, name), getattr(grads, name)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + eps
            up = _loss(params, inputs, targets, h0)
            param[index] = saved - eps
            down = _loss(params, inputs, targets, h0)
            param[index] = saved
            numeric = (up - down) / (2 * eps)
            scale = max(abs(numeric), abs(grad[index]), 1e-8)
            assert abs(numeric - grad[index]) / scale < 1e-6 or abs(numeric - grad[index]) < 1e-10, (
                name, index, numeric, grad[index])


def test_gradients_are_clipped() -> None:
    params = rnn.init_params(2, 3, 5.0, 1)
    run = rnn.forward(params, [0, 1, 0, 1], [1, 0, 1, 0], np.zeros((3, 1)))
    unclipped = rnn.backward(params, run, [1, 0, 1, 0], clip=1e9)
    clipped = rnn.backward(params, run, [1, 0, 1, 0], clip=0.05)
    assert max(np.abs(g).max() for g in unclipped.arrays()) > 0.05
    for grad in clipped.arrays():
        assert np.abs(grad).max() <= 0.05


def test_init_draws_u_then_w_then_v_and_zero_biases() -> None:
    rng = np.random.RandomState(42)
    u, w, v = rng.randn(3, 2) * 0.1, rng.randn(3, 3) * 0.1, rng.randn(2, 3) * 0.1
    params = rnn.init_params(2, 3, 0.1, 42)
    assert np.array_equal(params.input_weights_U, u)
    assert np.array_equal(params.hidden_weights_W, w)
    assert np.array_equal(params.output_weights_V, v)
    assert not params.hidden_bias.any() and params.hidden_bias.shape == (3, 1)
    assert not params.output_bias.any() and params.output_bias.shape == (2, 1)


def test_data_loop_pointer_windows_and_resets_by_hand() -> None:
    # A 10-character text with seq_length 4: windows at p = 0 and 4; at p = 8, 8 + 4 + 1 >= 10 resets.
    encoded = list(range(10))
    loop = rnn.DataLoop(encoded, seq_length=4, hidden_size=2)
    seen = []
    for update in range(5):
        window = loop.next_window()
        seen.append((window.position, window.inputs, window.targets, window.hidden_state_prev.ravel().tolist()))
        loop.advance(np.full((2, 1), float(update + 1)))
    assert seen == [
        (0, [0, 1, 2, 3], [1, 2, 3, 4], [0.0, 0.0]),
        (4, [4, 5, 6, 7], [5, 6, 7, 8], [1.0, 1.0]),
        (0, [0, 1, 2, 3], [1, 2, 3, 4], [0.0, 0.0]),
        (4, [4, 5, 6, 7], [5, 6, 7, 8], [3.0, 3.0]),
        (0, [0, 1, 2, 3], [1, 2, 3, 4], [0.0, 0.0]),
    ]


def test_first_update_always_starts_at_zero_with_zero_state() -> None:
    loop = rnn.DataLoop(list(range(20)), seq_length=3, hidden_size=1)
    loop.position, loop.hidden_state = 9, np.ones((1, 1))
    window = loop.next_window()
    assert window.position == 0 and not window.hidden_state_prev.any()


def test_sgd_and_adagrad_steps() -> None:
    params = rnn.init_params(2, 2, 1.0, 0)
    grads = rnn.Params(*(np.full_like(a, 0.5) for a in params.arrays()))
    before = params.copy()
    rnn.Optimizer("sgd", 0.1).step(params, grads)
    for a, b in zip(params.arrays(), before.arrays(), strict=True):
        assert np.allclose(a, b - 0.05)
    adagrad = rnn.Optimizer("adagrad", 0.1)
    adagrad.step(params, grads)
    adagrad.step(params, grads)
    expected_second = 0.1 * 0.5 / np.sqrt(0.5 + 1e-8)
    expected_first = 0.1 * 0.5 / np.sqrt(0.25 + 1e-8)
    for a, b in zip(params.arrays(), before.arrays(), strict=True):
        assert np.allclose(a, b - 0.05 - expected_first - expected_second)


def test_checkpoints_are_even_and_include_both_ends() -> None:
    assert rnn.checkpoint_updates(0) == [0]
    points = rnn.checkpoint_updates(6400)
    assert points[0] == 0 and points[-1] == 6400 and len(points) == 51
    assert rnn.checkpoint_updates(7) == list(range(8))
