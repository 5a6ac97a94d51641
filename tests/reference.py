"""Independent numpy computations the tests compare the build and the page with (min-char-rnn's own arithmetic)."""

from __future__ import annotations

from typing import Any

import numpy as np


def window_trace(trace: dict[str, Any], codes: list[int]) -> dict[str, Any]:
    """The trace of another window (inputs all but the last code, targets all but the first): its steps computed
    here with numpy, as min-char-rnn's forward does, from the trace's params and hidden_state_prev."""
    p = {k: np.array(v, dtype=np.float64) for k, v in trace["params"].items()}
    h = np.array(trace["hidden_state_prev"], dtype=np.float64).reshape(-1, 1)
    inputs, targets, steps, loss = codes[:-1], codes[1:], [], 0.0
    for x, y in zip(inputs, targets, strict=True):
        xs = np.zeros((len(trace["vocab"]), 1))
        xs[x] = 1
        h = np.tanh(p["input_weights_U"] @ xs + p["hidden_weights_W"] @ h + p["hidden_bias"].reshape(-1, 1))
        o = p["output_weights_V"] @ h + p["output_bias"].reshape(-1, 1)
        pr = np.exp(o) / np.sum(np.exp(o))
        loss += -np.log(pr[y, 0])
        steps.append({"xs": xs.ravel().tolist(), "hidden_states": h.ravel().tolist(), "outputs": o.ravel().tolist(),
                      "probabilities": pr.ravel().tolist(), "target_probability": float(pr[y, 0]),
                      "loss": float(loss)})
    return {**trace, "inputs": inputs, "targets": targets, "steps": steps}


def arrays(params: dict[str, Any]) -> dict[str, np.ndarray]:
    """The trace's params as numpy arrays, biases as columns."""
    return {k: np.array(v, dtype=np.float64).reshape(-1, 1) if "bias" in k else np.array(v, dtype=np.float64)
            for k, v in params.items()}


def forward(p: dict[str, np.ndarray], trace: dict[str, Any]) -> tuple[list[np.ndarray], list[np.ndarray],
                                                                      list[np.ndarray]]:
    """The window's one-hot inputs, hidden states (index 0 = hidden_state_prev) and probabilities."""
    h = [np.array(trace["hidden_state_prev"]).reshape(-1, 1)]
    xs, ps = [], []
    for x_index in trace["inputs"]:
        x = np.zeros((len(trace["vocab"]), 1))
        x[x_index] = 1
        h.append(np.tanh(p["input_weights_U"] @ x + p["hidden_weights_W"] @ h[-1] + p["hidden_bias"]))
        y = p["output_weights_V"] @ h[-1] + p["output_bias"]
        xs.append(x)
        ps.append(np.exp(y) / np.exp(y).sum())
    return xs, h, ps


def reference_update(trace: dict[str, Any], clip: float) -> dict[str, Any]:
    """min-char-rnn's lossFun on the trace's window, from its params: the weights `p`, the clipped `grads`, the
    `unclipped` sums, and each step's gradients by time step (`steps`)."""
    p = arrays(trace["params"])
    xs, h, ps = forward(p, trace)
    d = {k: np.zeros_like(v) for k, v in p.items()}
    dhnext = np.zeros_like(h[0])
    steps: dict[int, dict[str, np.ndarray]] = {}
    for t in reversed(range(len(xs))):
        dy = np.copy(ps[t])
        dy[trace["targets"][t]] -= 1
        d["output_weights_V"] += dy @ h[t + 1].T
        d["output_bias"] += dy
        dh = p["output_weights_V"].T @ dy + dhnext
        dhraw = (1 - h[t + 1] * h[t + 1]) * dh
        d["hidden_bias"] += dhraw
        d["input_weights_U"] += dhraw @ xs[t].T
        d["hidden_weights_W"] += dhraw @ h[t].T
        dhnext = p["hidden_weights_W"].T @ dhraw
        steps[t] = {"output_grad": dy, "hidden_grad": dh, "hidden_grad_raw": dhraw, "hidden_grad_next": dhnext}
    unclipped = {k: np.copy(v) for k, v in d.items()}
    for v in d.values():
        np.clip(v, -clip, clip, out=v)
    return {"p": p, "grads": d, "unclipped": unclipped, "steps": steps}


def as_lists(value: Any) -> Any:
    """A trace as it is written: its numpy arrays (the checkpoints' weights, the replay's anchors) as lists."""
    if isinstance(value, dict):
        return {key: as_lists(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_lists(item) for item in value]
    return value.tolist() if isinstance(value, np.ndarray) else value
