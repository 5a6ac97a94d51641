"""Train a network, run its shown window and record every number as a trace (schema 3: its hidden state's space)."""

from __future__ import annotations

import math
from types import FrameType
from typing import Any

import numpy as np

from ..refs import PARAM_NAMES, STEP_GRADIENTS
from ..spec import Network
from ..tracefile import SCHEMA, Trace
from . import health, replay, rnn
from .state_space import state_space
from .tracing import run_traced

LOSS_HISTORY_POINTS = 200
LOSS_KIND = "cross-entropy summed over the update's window, before the update"
# The parameters that are matrices (the biases are column vectors, written flat).
MATRICES = ("input_weights_U", "hidden_weights_W", "output_weights_V")


class TrainingDiverged(ArithmeticError):
    """Training made the weights infinite; the message says which network and what to change."""


def _column(vector: rnn.Array) -> list[float]:
    column: list[float] = vector.ravel().tolist()  # Python floats, equal to numpy's (tolist converts, never rounds)
    return column


def _matrix(matrix: rnn.Array) -> list[list[float]]:
    rows: list[list[float]] = matrix.tolist()
    return rows


def params_arrays(params: rnn.Params) -> dict[str, rnn.Array]:
    """The five weights under their code names as params_json has them, left as numpy arrays (a checkpoint's: the
    trace writes them as the same lists, without making a Python float of each)."""
    return {name: np.ascontiguousarray(array.ravel() if name.endswith("_bias") else array)
            for name, array in zip(PARAM_NAMES, params.arrays(), strict=True)}


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


def backward_by_step(params: rnn.Params, run: rnn.ForwardPass, targets: list[int],
                     clip: float) -> tuple[rnn.Params, dict[int, dict[str, rnn.Array]]]:
    """`rnn.backward`'s gradients, and per time step the STEP_GRADIENTS it computed, read from its locals."""
    by_step: dict[int, dict[str, rnn.Array]] = {}
    code = rnn.backward.__code__

    def local(frame: FrameType, event: str, arg: object) -> Any:
        names = frame.f_locals
        if event in ("line", "return") and "t" in names:  # the last event of an iteration sees all it computed
            by_step[int(names["t"])] = {name: np.copy(names[name]) for name in STEP_GRADIENTS if name in names}
        return local

    grads = run_traced(lambda: rnn.backward(params, run, targets, clip), lambda c: local if c is code else None)
    return grads, by_step


def _positions(mask: rnn.Array, matrix: bool) -> list[Any]:
    """The positions where `mask` holds: [i, j] in a matrix, i in a column vector."""
    return [[int(i), int(j)] if matrix else int(i) for i, j in zip(*np.nonzero(mask), strict=True)]


def next_update(spec_clip: float, number: int, params: rnn.Params, optimizer: rnn.Optimizer, inputs: list[int],
                targets: list[int], hidden_state_prev: rnn.Array) -> dict[str, Any]:
    """The update training would make next on this window: gradients (clipped, and per step), new weights."""
    run = rnn.forward(params, inputs, targets, hidden_state_prev)
    grads, by_step = backward_by_step(params, run, targets, spec_clip)
    unclipped = rnn.backward(params, run, targets, math.inf)
    optimizer = optimizer.copy()
    if optimizer.kind == "adagrad" and not optimizer.memory:
        optimizer.memory = [np.zeros_like(a) for a in params.arrays()]
    memory_before = [np.copy(m) for m in optimizer.memory]
    after = params.copy()
    optimizer.step(after, grads)
    update: dict[str, Any] = {
        "number": number,
        "clip": spec_clip,
        "grads": params_json(grads),
        "clipped": {name: _positions(np.abs(getattr(unclipped, name)) > spec_clip, name in MATRICES)
                    for name in PARAM_NAMES},
        "params_after": params_json(after),
        "steps": [{name: _column(by_step[t][name]) for name in STEP_GRADIENTS} for t in range(len(inputs))],
    }
    if optimizer.kind == "adagrad":
        update["memory_before"] = params_json(rnn.Params(*memory_before))
        update["memory_after"] = params_json(rnn.Params(*optimizer.memory))
    return update


def _check_finite(name: str, run: rnn.TrainingRun, shown: rnn.ForwardPass) -> None:
    """Raise TrainingDiverged when a weight or a loss is NaN or infinite: the page would print NaN."""
    bad_loss = next((n for n, loss in enumerate(run.losses, 1) if not math.isfinite(loss)), None)
    where = f" (the loss of update {bad_loss:,} is {run.losses[bad_loss - 1]})" if bad_loss else ""
    if bad_loss or not all(np.all(np.isfinite(a)) for a in run.params.arrays()) or not math.isfinite(shown.loss):
        raise TrainingDiverged(f"training of '{name}' diverged: NaN or infinity in the weights or the loss{where}; "
                               "lower learning-rate or clip")


def record_trace(network: Network, progress: health.Progress | None = None, spare_core: bool = False) -> Trace:
    """Train the network as its spec says and record the forward pass of its shown window.

    `progress(done, total)` hears how training goes, every health.CHUNK updates; with a `spare_core`, the
    rounding check's twin may train in a process of its own (health.train_checked).
    """
    spec, vocab = network.spec, network.vocab
    encoded = [vocab.index(c) for c in network.text]
    params = rnn.init_params(len(vocab), spec.hidden_size, spec.init_scale, spec.seed)
    optimizer = rnn.Optimizer(spec.optimizer, spec.learning_rate)
    anchorable = rnn.checkpoint_updates(spec.updates)[:-1]  # every update a replay anchor may sit at
    # A diverging run overflows; that is reported below as a problem, not printed as numpy's warnings.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        run, growth, reached = health.train_checked(params, encoded, spec.seq_length, spec.updates, optimizer,
                                                    spec.clip, progress, anchorable, spare_core)
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
    replayed = replay.replay_record(reached, spec.updates, growth) if spec.updates else None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        update = next_update(spec.clip, spec.updates + 1, run.params, optimizer, inputs, targets, hidden_state_prev)
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
        "update": update,
        "state_space": state_space(run.params, network.text, vocab, spec.seq_length),
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
                {"update": n, "params": params_arrays(p), "hidden_state_prev": h.ravel()}
                for n, p, h in run.checkpoints
            ],
        },
    }
