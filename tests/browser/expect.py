"""What the page should show, worked out independently of the generator.

The forward pass is recomputed here in numpy from the trace's `params` (generator.model.rnn is not
imported), and the page's number format is re-implemented with `decimal` on each float's exact value:
ties round half to even, as Python's f-format does and as the player's script must too.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

import numpy as np

from ..reference import reference_update

WEIGHTS = ("input_weights_U", "hidden_weights_W", "hidden_bias", "output_weights_V", "output_bias")
MATRICES = ("input_weights_U", "hidden_weights_W", "output_weights_V")
REFS = (*WEIGHTS, "xs", "hidden_states", "hidden_state_prev", "outputs", "probabilities", "target", "loss")
# Shown with the probability rules (6.2e-5, 0.99994): probabilities, and the loss, which is often tiny.
SMALL_KEEPING = ("probabilities", "loss")
TOLERANCE = 1e-12

Key = tuple[str, int | None, int | None, int | None]


def close(shown: float, expected: float) -> bool:
    """Equal to 1e-12, relative for large numbers."""
    return abs(shown - expected) <= TOLERANCE * max(1.0, abs(expected))


@dataclass
class Expected:
    """Every number of one figure's forward pass, keyed like the diagram's cells."""

    trace: dict[str, Any]
    values: dict[Key, float]
    recorded: dict[Key, float]

    @property
    def steps(self) -> int:
        """How many time steps the window has."""
        return len(self.trace["inputs"])

    @staticmethod
    def key(ref: str, t: int | None, i: int | None, j: int | None) -> Key:
        """Normalise a cell's attributes: weights have no time, hidden_states[-1] is hidden_state_prev."""
        if ref in WEIGHTS or ref == "hidden_state_prev":
            t = None
        if ref not in MATRICES and j == 0:
            j = None  # a column vector's only column
        if ref == "hidden_states" and t == -1:
            ref = "hidden_state_prev"
            t = None
        return ref, t, i, j

    def window_keys(self) -> set[Key]:
        """The cells a complete diagram must fill: every weight and every value of every step."""
        wanted = {k for k in self.values if k[0] != "target"}
        return wanted


def recompute(trace: dict[str, Any]) -> Expected:
    """Run the forward pass again from `params`, inputs, targets and hidden_state_prev."""
    params = trace["params"]
    U = np.array(params["input_weights_U"], dtype=np.float64)
    W = np.array(params["hidden_weights_W"], dtype=np.float64)
    b = np.array(params["hidden_bias"], dtype=np.float64).reshape(-1, 1)
    V = np.array(params["output_weights_V"], dtype=np.float64)
    c = np.array(params["output_bias"], dtype=np.float64).reshape(-1, 1)
    h = np.array(trace["hidden_state_prev"], dtype=np.float64).reshape(-1, 1)
    vocab = len(trace["vocab"])
    assert U.shape == (h.shape[0], vocab) and V.shape == (vocab, h.shape[0]), "params have the wrong shapes"

    values: dict[Key, float] = {}
    recorded: dict[Key, float] = {}
    for name, array in (("input_weights_U", U), ("hidden_weights_W", W), ("output_weights_V", V)):
        for i, row in enumerate(params[name]):
            for j, number in enumerate(row):
                values[(name, None, i, j)] = recorded[(name, None, i, j)] = float(number)
                assert array[i, j] == number
    for name in ("hidden_bias", "output_bias"):
        for i, number in enumerate(params[name]):
            values[(name, None, i, None)] = recorded[(name, None, i, None)] = float(number)
    for i, number in enumerate(trace["hidden_state_prev"]):
        values[("hidden_state_prev", None, i, None)] = recorded[("hidden_state_prev", None, i, None)] = float(number)

    loss = 0.0
    for t, (character, target) in enumerate(zip(trace["inputs"], trace["targets"], strict=True)):
        x = np.zeros((vocab, 1))
        x[character, 0] = 1.0
        h = np.tanh(U @ x + W @ h + b)
        o = V @ h + c
        p = np.exp(o) / np.sum(np.exp(o))
        loss += float(-np.log(p[target, 0]))
        step = trace["steps"][t]
        for ref, column in (("xs", x), ("hidden_states", h), ("outputs", o), ("probabilities", p)):
            for i in range(column.shape[0]):
                values[(ref, t, i, None)] = float(column[i, 0])
                recorded[(ref, t, i, None)] = float(step[ref][i])
        values[("loss", t, None, None)] = loss
        recorded[("loss", t, None, None)] = float(step["loss"])
        values[("target", t, None, None)] = recorded[("target", t, None, None)] = float(target)
        for i in range(vocab):
            one_hot = 1.0 if i == target else 0.0
            values[("target", t, i, None)] = recorded[("target", t, i, None)] = one_hot
    for key, number in values.items():
        assert close(recorded[key], number), f"the trace itself disagrees with numpy at {key}: " \
                                             f"{recorded[key]!r} vs {number!r}"
    return Expected(trace, values, recorded)


def _fixed(value: float, decimals: int) -> str:
    """The exact binary value to `decimals` places, ties to even ('-0.00' for small negatives)."""
    with localcontext() as context:
        context.prec = 800  # enough for every double's exact value
        return str(Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN))


def _exponential(value: float) -> str:
    """Two significant digits, ties to even, as '6.2e-5' (no '+', no leading zeros in the exponent)."""
    exact = Decimal(value)
    exponent = exact.adjusted()
    with localcontext() as context:
        context.prec = 800
        mantissa = exact.scaleb(-exponent).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)
        if mantissa >= 10:
            exponent += 1
            mantissa = exact.scaleb(-exponent).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)
    return f"{mantissa}e{exponent}"


def cell_text(ref: str, value: float) -> str:
    """What a diagram cell of `ref` holding `value` shows (a tiny gradient keeps its digits, either sign)."""
    gradient = ref in ("output_grad", "hidden_grad", "hidden_grad_next") or ref.startswith("grads.")
    if gradient and 0 < abs(value) < 0.005:
        return ("-" if value < 0 else "") + _exponential(abs(value))
    return format_number(value, probability=ref in SMALL_KEEPING)


def format_number(value: float, probability: bool = False) -> str:
    """The cell format: two decimals ('-0.00' shown as '0.00'); probabilities near 0 or 1 keep digits."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if probability and 0 < value < 0.005:
        return _exponential(value)
    if probability and 0.995 <= value < 1:
        gap = 1 - Decimal(value)
        decimals = next((d for d in range(1, 6) if gap >= Decimal(10) ** -d), 6)  # shows 1 - p's first digit
        text = _fixed(value, decimals)
        return "1.00" if text.startswith("1") else text
    text = _fixed(value, 2)
    return "0.00" if text == "-0.00" else text


@dataclass
class ListingRun:
    """What the page's code listing did when run: its line events and its results."""

    lines: list[int]
    xs: dict[int, Any]
    hidden_states: dict[int, Any]
    outputs: dict[int, Any]
    probabilities: dict[int, Any]
    loss: float


def run_listing(source: str, trace: dict[str, Any]) -> ListingRun:
    """Execute the listing's text (the page's `forward`) on the trace's window, tracing its lines.

    Line numbers count from the listing's first line, as `data-line` does.
    """
    class Params:
        def __init__(self, arrays: list[Any]) -> None:
            self._arrays = arrays

        def arrays(self) -> list[Any]:
            return self._arrays

    namespace: dict[str, Any] = {"np": np, "Params": Params, "Array": object,
                                 "ForwardPass": lambda *parts: parts}
    compiled = compile(source, "<listing>", "exec", dont_inherit=True)  # its annotations name what namespace has
    exec(compiled, namespace)
    functions = [v for v in namespace.values() if getattr(getattr(v, "__code__", None), "co_filename", "") ==
                 "<listing>"]
    assert len(functions) == 1, f"the listing defines {len(functions)} functions"
    function = functions[0]
    p = trace["params"]
    arrays = [np.array(p["input_weights_U"]), np.array(p["hidden_weights_W"]),
              np.array(p["hidden_bias"]).reshape(-1, 1), np.array(p["output_weights_V"]),
              np.array(p["output_bias"]).reshape(-1, 1)]
    lines: list[int] = []

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code is not function.__code__:
            return None
        if event == "line":
            lines.append(frame.f_lineno)
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        result = function(Params(arrays), list(trace["inputs"]), list(trace["targets"]),
                          np.array(trace["hidden_state_prev"]).reshape(-1, 1))
    finally:
        sys.settrace(previous)
    xs, hidden_states, outputs, probabilities, loss = result
    return ListingRun(lines, xs, hidden_states, outputs, probabilities, float(loss))


@dataclass
class ExpectedUpdate:
    """The training step's numbers, by numpy alone: per-step gradients, the weights' gradients, the new weights."""

    steps: dict[Key, float]  # output_grad, hidden_grad, hidden_grad_next (what step t sends back; t = T: zeros)
    sums: dict[Key, float]  # grads.X summed over the window, before clipping
    grads: dict[Key, float]  # grads.X after clipping
    before: dict[Key, float]  # the weights before the optimizer's step
    after: dict[Key, float]  # and after it


def recompute_update(trace: dict[str, Any]) -> ExpectedUpdate:
    """min-char-rnn's backward pass and sgd step on the trace's window, from `params` (tests/reference.py's; sgd
    only: the page's trace does not carry adagrad's memory)."""
    spec = trace["spec"]
    assert spec["optimizer"] == "sgd", "recompute_update knows plain gradient descent only"
    found = reference_update(trace, spec["clip"])
    p, d = found["p"], found["unclipped"]
    T = len(trace["inputs"])
    steps: dict[Key, float] = {("hidden_grad_next", T, i, None): 0.0 for i in range(len(trace["hidden_state_prev"]))}
    for t, grads in found["steps"].items():
        for ref in ("output_grad", "hidden_grad", "hidden_grad_next"):
            for i, v in enumerate(grads[ref].ravel()):
                steps[(ref, t, i, None)] = float(v)

    def keyed(arrays: dict[str, np.ndarray], prefix: str) -> dict[Key, float]:  # a bias's cells have no data-j
        return {(prefix + n, None, i, j if n in MATRICES else None): float(a[i, j])
                for n, a in arrays.items() for i, j in np.ndindex(a.shape)}

    clipped = found["grads"]
    after = {n: p[n] - spec["learning_rate"] * clipped[n] for n in WEIGHTS}
    return ExpectedUpdate(steps, keyed(d, "grads."), keyed(clipped, "grads."), keyed(p, ""), keyed(after, ""))
