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
