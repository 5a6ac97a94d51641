"""The trace's `update`: the next training update, recomputed here by numpy alone and by finite differences."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from generator.model.trace import record_trace
from generator.tracefile import SCHEMA, trace_json

from .project import valid_network
from .reference import arrays, forward, reference_update

NAMES = ("input_weights_U", "hidden_weights_W", "hidden_bias", "output_weights_V", "output_bias")


def network_trace(options: dict[str, object]) -> dict[str, Any]:
    """A trace through JSON, as the page and traces/NAME.json hold it."""
    trace: dict[str, Any] = json.loads(trace_json(record_trace(valid_network("net", options))))
    return trace


@pytest.mark.parametrize("name", ["untrained", "alternating", "useful"])
def test_update_equals_numpy(article_traces: dict[str, Any], name: str) -> None:
    trace = json.loads(trace_json(article_traces[name]))
    update, spec = trace["update"], trace["spec"]
    assert trace["schema"] == SCHEMA == 3
    assert update["number"] == spec["updates"] + 1
    mine = reference_update(trace, spec["clip"])
    for key in NAMES:
        grad = mine["grads"][key]
        assert np.allclose(np.array(update["grads"][key]).reshape(grad.shape), grad, rtol=0, atol=1e-12), key
        after = mine["p"][key] - spec["learning_rate"] * grad
        assert np.allclose(np.array(update["params_after"][key]).reshape(after.shape), after, rtol=0, atol=1e-12)
    for t, stored in enumerate(update["steps"]):
        for key, value in mine["steps"][t].items():
            assert np.allclose(stored[key], value.ravel(), rtol=0, atol=1e-12), (t, key)
    assert "memory_before" not in update  # sgd keeps nothing


def test_untrained_update_is_the_first_on_the_first_window(article_traces: dict[str, Any]) -> None:
    update = article_traces["untrained"]["update"]
    assert update["number"] == 1 and update["clip"] == 5.0


def test_adagrad_update_uses_the_trained_memory() -> None:
    options = {"pattern": "0110", "length": "40", "updates": "7", "optimizer": "adagrad", "learning-rate": "0.3"}
    trace = network_trace(options)
    update, lr = trace["update"], 0.3
    mine = reference_update(trace, trace["spec"]["clip"])
    # The memory training left: every squared gradient of updates 1..7, replayed here by numpy.
    network = valid_network("net", options)
    vocab = network.vocab
    encoded = [vocab.index(c) for c in network.text]
    p = arrays(trace["training"]["checkpoints"][0]["params"])
    memory = {k: np.zeros_like(v) for k, v in p.items()}
    h = np.zeros((3, 1))
    for n in range(7):
        position = 4 * n
        window = {"vocab": vocab, "inputs": encoded[position:position + 4],
                  "targets": encoded[position + 1:position + 5], "hidden_state_prev": h.ravel().tolist(),
                  "params": {k: v.ravel().tolist() if "bias" in k else v.tolist() for k, v in p.items()}}
        step = reference_update(window, 5.0)
        h = forward(step["p"], window)[1][-1]
        for k in NAMES:
            memory[k] += step["grads"][k] ** 2
            p[k] += -lr * step["grads"][k] / np.sqrt(memory[k] + 1e-8)
    for k in NAMES:
        before = np.array(update["memory_before"][k]).reshape(memory[k].shape)
        assert np.allclose(before, memory[k], rtol=0, atol=1e-12), k
        grad = mine["grads"][k]
        after_memory = memory[k] + grad * grad
        after = mine["p"][k] - lr * grad / np.sqrt(after_memory + 1e-8)
        assert np.allclose(np.array(update["memory_after"][k]).reshape(after.shape), after_memory, rtol=0, atol=1e-12)
        assert np.allclose(np.array(update["params_after"][k]).reshape(after.shape), after, rtol=0, atol=1e-12), k


def test_clipped_positions_are_the_gradients_beyond_clip() -> None:
    trace = network_trace({"pattern": "011", "length": "40", "init-scale": "3", "clip": "0.3"})
    update, clip = trace["update"], 0.3
    mine = reference_update(trace, clip)
    some = 0
    for key in NAMES:
        beyond = np.abs(mine["unclipped"][key]) > clip
        expected = [[int(i), int(j)] for i, j in zip(*np.nonzero(beyond), strict=True)] if "bias" not in key else [
            int(i) for i in np.nonzero(beyond)[0]]
        assert update["clipped"][key] == expected, key
        some += len(expected)
        assert np.max(np.abs(update["grads"][key])) <= clip
    assert some > 0


def _tail_loss(p: dict[str, np.ndarray], trace: dict[str, Any], t: int, h: np.ndarray) -> float:
    """The loss of steps t, t+1, ... when the hidden state before step t is h."""
    loss = 0.0
    for x_index, target in zip(trace["inputs"][t:], trace["targets"][t:], strict=True):
        x = np.zeros((len(trace["vocab"]), 1))
        x[x_index] = 1
        h = np.tanh(p["input_weights_U"] @ x + p["hidden_weights_W"] @ h + p["hidden_bias"])
        y = p["output_weights_V"] @ h + p["output_bias"]
        loss += -math.log((np.exp(y) / np.exp(y).sum())[target, 0])
    return loss


def _numeric(f: Any, point: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    result = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        up, down = np.copy(point), np.copy(point)
        up[index] += eps
        down[index] -= eps
        result[index] = (f(up) - f(down)) / (2 * eps)
    return result


@pytest.mark.parametrize("name", ["untrained", "useful"])
def test_update_gradients_match_finite_differences(article_traces: dict[str, Any], name: str) -> None:
    trace = json.loads(trace_json(article_traces[name]))
    update = trace["update"]
    p = arrays(trace["params"])
    _, h, ps = forward(p, trace)
    T = len(trace["inputs"])

    def whole(key: str) -> Any:
        def loss(value: np.ndarray) -> float:
            return _tail_loss({**p, key: value}, trace, 0, h[0])
        return loss

    for key in NAMES:
        numeric = np.clip(_numeric(whole(key), p[key]), -5.0, 5.0)
        assert np.allclose(np.array(update["grads"][key]).reshape(numeric.shape), numeric, rtol=1e-5, atol=1e-7), key
    for t in range(T):
        _check_step(p, trace, t, h, ps, update["steps"][t])


def _step_loss(p: dict[str, np.ndarray], target: int, h: np.ndarray) -> float:
    """Step t's own loss when its hidden state is h."""
    y = p["output_weights_V"] @ h + p["output_bias"]
    return -math.log((np.exp(y) / np.exp(y).sum())[target, 0])


def _check_step(p: dict[str, np.ndarray], trace: dict[str, Any], t: int, h: list[np.ndarray],
                ps: list[np.ndarray], steps: dict[str, list[float]]) -> None:
    target = trace["targets"][t]
    # What reaches the hidden state before step t from steps t, t+1, ...: hidden_grad_next of step t.
    carried = _numeric(lambda value: _tail_loss(p, trace, t, value), h[t])
    assert np.allclose(steps["hidden_grad_next"], carried.ravel(), rtol=1e-5, atol=1e-8), t
    # hidden_states[t] reaches the loss through its own output and through every later step.
    total = _numeric(lambda value: _tail_loss(p, trace, t + 1, value) + _step_loss(p, target, value), h[t + 1])
    assert np.allclose(steps["hidden_grad"], total.ravel(), rtol=1e-5, atol=1e-8), t
    output = _numeric(lambda value: -math.log((np.exp(value) / np.exp(value).sum())[target, 0]), np.log(ps[t]))
    assert np.allclose(steps["output_grad"], output.ravel(), rtol=1e-5, atol=1e-8), t
