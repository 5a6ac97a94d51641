"""Train a network, run its shown window and record every number as a trace (schema 2)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..spec import Network
from ..tracefile import SCHEMA, Trace
from . import health, replay, rnn

LOSS_HISTORY_POINTS = 200
LOSS_KIND = "cross-entropy summed over the update's window, before the update"


class TrainingDiverged(ArithmeticError):
    """Training made the weights infinite; the message says which network and what to change."""


def _column(vector: rnn.Array) -> list[float]:
    return [float(x) for x in vector.ravel()]


def _matrix(matrix: rnn.Array) -> list[list[float]]:
    return [[float(x) for x in row] for row in matrix]


def params_json(params: rnn.Params) -> dict[str, Any]:
    """The five weights under their code names: matrices as rows, column vectors flat."""
    return {
        "input_weights_U": _matrix(params.input_weights_U),
        "hidden_weights_W": _matrix(params.hidden_weights_W),
        "hidden_bias": _column(params.hidden_bias),
        "output_weights_V": _matrix(params.output_weights_V),
        "output_bias": _column(params.output_bias),
    }


def _sampled_history(losses: list[float]) -> tuple[list[int], list[float]]:
    if len(losses) <= LOSS_HISTORY_POINTS:
        picks = list(range(len(losses)))
    else:
        picks = sorted({round(i * (len(losses) - 1) / (LOSS_HISTORY_POINTS - 1))
                        for i in range(LOSS_HISTORY_POINTS)})
    return [i + 1 for i in picks], [losses[i] for i in picks]


def _check_finite(name: str, run: rnn.TrainingRun, shown: rnn.ForwardPass) -> None:
    """Raise TrainingDiverged when a weight or a loss is NaN or infinite: the page would print NaN."""
    bad_loss = next((n for n, loss in enumerate(run.losses, 1) if not math.isfinite(loss)), None)
    where = f" (the loss of update {bad_loss:,} is {run.losses[bad_loss - 1]})" if bad_loss else ""
    if bad_loss or not all(np.all(np.isfinite(a)) for a in run.params.arrays()) or not math.isfinite(shown.loss):
        raise TrainingDiverged(f"training of '{name}' diverged: NaN or infinity in the weights or the loss{where}; "
                               "lower learning-rate or clip")


def record_trace(network: Network, progress: health.Progress | None = None) -> Trace:
    """Train the network as its spec says and record the forward pass of its shown window.

    `progress(done, total)` hears how training goes, every health.CHUNK updates.
    """
    spec, vocab = network.spec, network.vocab
    encoded = [vocab.index(c) for c in network.text]
    params = rnn.init_params(len(vocab), spec.hidden_size, spec.init_scale, spec.seed)
    optimizer = rnn.Optimizer(spec.optimizer, spec.learning_rate)
    initial, initial_optimizer = params.copy(), optimizer.copy()
    # A diverging run overflows; that is reported below as a problem, not printed as numpy's warnings.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        run, growth = health.train_checked(params, encoded, spec.seq_length, spec.updates, optimizer, spec.clip,
                                           progress)
        if spec.inputs is not None and spec.targets is not None:
            inputs = [vocab.index(c) for c in spec.inputs]
            targets = [vocab.index(c) for c in spec.targets]
            hidden_state_prev = np.zeros((spec.hidden_size, 1))
            position = None
        else:
            window = run.loop.next_window()
            inputs, targets, hidden_state_prev = window.inputs, window.targets, window.hidden_state_prev
            position = window.position
        shown = rnn.forward(run.params, inputs, targets, hidden_state_prev)
    _check_finite(spec.name, run, shown)
    replayed = replay.replay_record(initial, encoded, spec.seq_length, spec.updates, initial_optimizer, spec.clip,
                                    growth) if spec.updates else None
    steps = []
    loss = 0.0
    for t in range(len(inputs)):
        loss += -np.log(shown.probabilities[t][targets[t], 0])
        steps.append({
            "xs": _column(shown.xs[t]),
            "hidden_states": _column(shown.hidden_states[t]),
            "outputs": _column(shown.outputs[t]),
            "probabilities": _column(shown.probabilities[t]),
            "target_probability": float(shown.probabilities[t][targets[t], 0]),
            "loss": float(loss),
        })
    history_updates, history = _sampled_history(run.losses)
    return {
        "schema": SCHEMA,
        "name": spec.name,
        "vocab": vocab,
        "spec": spec.options(),
        "params": params_json(run.params),
        "hidden_state_prev": _column(hidden_state_prev),
        "inputs": inputs,
        "targets": targets,
        "window_position": position,
        "steps": steps,
        "training": {
            "updates": spec.updates,
            "text_length": len(network.text),
            "final_loss": run.losses[-1] if run.losses else None,
            "recent_loss": health.recent_loss(run.losses),
            "chance_loss": health.chance_loss(spec.seq_length, len(vocab)),
            "window_correct": health.correct_steps([shown.probabilities[t] for t in range(len(inputs))], targets),
            "rounding_growth": growth,
            "loss_kind": LOSS_KIND,
            "loss_history_updates": history_updates,
            "loss_history": history,
            "shown_update": spec.updates,
            "replay": replayed and {**replayed, "text": network.text},
            "checkpoints": [
                {"update": n, "params": params_json(p), "hidden_state_prev": _column(h)}
                for n, p, h in run.checkpoints
            ],
        },
    }
