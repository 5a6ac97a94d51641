"""The model: a vanilla RNN in numpy, with min-char-rnn's training semantics."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
PARAM_NAMES = (
    "input_weights_U",
    "hidden_weights_W",
    "hidden_bias",
    "output_weights_V",
    "output_bias",
)


@dataclass
class Params:
    """The five learned arrays, under the names the page uses."""

    input_weights_U: Array
    hidden_weights_W: Array
    hidden_bias: Array
    output_weights_V: Array
    output_bias: Array

    def arrays(self) -> list[Array]:
        """The arrays in PARAM_NAMES order."""
        return [getattr(self, name) for name in PARAM_NAMES]

    def copy(self) -> Params:
        """A deep copy, so later updates leave it alone."""
        return Params(*(np.copy(a) for a in self.arrays()))


@dataclass
class ForwardPass:
    """Everything `forward` computed for one window."""

    xs: dict[int, Array]
    hidden_states: dict[int, Array]
    outputs: dict[int, Array]
    probabilities: dict[int, Array]
    loss: float


def init_params(vocab_size: int, hidden_size: int, init_scale: float, seed: int) -> Params:
    """Draw U, W and V from one seeded RandomState, in that order; biases start at zero."""
    rng = np.random.RandomState(seed)
    input_weights_U = rng.randn(hidden_size, vocab_size) * init_scale
    hidden_weights_W = rng.randn(hidden_size, hidden_size) * init_scale
    output_weights_V = rng.randn(vocab_size, hidden_size) * init_scale
    hidden_bias = np.zeros((hidden_size, 1))
    output_bias = np.zeros((vocab_size, 1))
    return Params(input_weights_U, hidden_weights_W, hidden_bias, output_weights_V, output_bias)


def forward(params: Params, inputs: list[int], targets: list[int],
            hidden_state_prev: Array) -> ForwardPass:
    """Run the network over one window of inputs, keeping every value it computes."""
    input_weights_U, hidden_weights_W, hidden_bias, output_weights_V, output_bias = params.arrays()
    vocab_size = output_weights_V.shape[0]
    xs, hidden_states, outputs, probabilities = {}, {}, {}, {}
    loss = 0.0
    hidden_states[-1] = np.copy(hidden_state_prev)
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))
        character = inputs[t]
        xs[t][character] = 1
        target = targets[t]
        hidden_states[t] = np.tanh(input_weights_U @ xs[t] + hidden_weights_W @ hidden_states[t - 1] + hidden_bias)
        outputs[t] = output_weights_V @ hidden_states[t] + output_bias
        probabilities[t] = np.exp(outputs[t]) / np.sum(np.exp(outputs[t]))
        loss += -np.log(probabilities[t][target, 0])
    return ForwardPass(xs, hidden_states, outputs, probabilities, float(loss))


def backward(params: Params, run: ForwardPass, targets: list[int], clip: float) -> Params:
    """Backpropagate through time and clip every gradient to [-clip, clip]."""
    grads = Params(*(np.zeros_like(a) for a in params.arrays()))
    hidden_grad_next = np.zeros_like(run.hidden_states[0])
    for t in reversed(range(len(targets))):
        output_grad = np.copy(run.probabilities[t])
        output_grad[targets[t]] -= 1
        grads.output_weights_V += output_grad @ run.hidden_states[t].T
        grads.output_bias += output_grad
        hidden_grad = params.output_weights_V.T @ output_grad + hidden_grad_next
        hidden_grad_raw = (1 - run.hidden_states[t] * run.hidden_states[t]) * hidden_grad
        grads.hidden_bias += hidden_grad_raw
        grads.input_weights_U += hidden_grad_raw @ run.xs[t].T
        grads.hidden_weights_W += hidden_grad_raw @ run.hidden_states[t - 1].T
        hidden_grad_next = params.hidden_weights_W.T @ hidden_grad_raw
    for grad in grads.arrays():
        np.clip(grad, -clip, clip, out=grad)
    return grads


@dataclass
class Optimizer:
    """Plain gradient descent ("sgd") or Adagrad, applied in place."""

    kind: str
    learning_rate: float
    memory: list[Array] = field(default_factory=list)

    def step(self, params: Params, grads: Params) -> None:
        """Move every parameter against its gradient."""
        if self.kind == "sgd":
            for param, grad in zip(params.arrays(), grads.arrays(), strict=True):
                param -= self.learning_rate * grad
            return
        if not self.memory:
            self.memory = [np.zeros_like(a) for a in params.arrays()]
        for param, grad, mem in zip(params.arrays(), grads.arrays(), self.memory, strict=True):
            mem += grad * grad
            param += -self.learning_rate * grad / np.sqrt(mem + 1e-8)


@dataclass
class Window:
    """One slice of the training text, as the data loop cuts it."""

    position: int
    inputs: list[int]
    targets: list[int]
    hidden_state_prev: Array


class DataLoop:
    """min-char-rnn's pointer over the text: windows of seq_length, reset at the end."""

    def __init__(self, encoded: list[int], seq_length: int, hidden_size: int) -> None:
        self.encoded = encoded
        self.seq_length = seq_length
        self.position = 0
        self.updates_done = 0
        self.hidden_state = np.zeros((hidden_size, 1))

    def next_window(self) -> Window:
        """The window the next update trains on, with the hidden state carried into it."""
        if self.position + self.seq_length + 1 >= len(self.encoded) or self.updates_done == 0:
            self.position = 0
            self.hidden_state = np.zeros_like(self.hidden_state)
        p, n = self.position, self.seq_length
        return Window(p, self.encoded[p:p + n], self.encoded[p + 1:p + n + 1], self.hidden_state)

    def advance(self, last_hidden_state: Array) -> None:
        """Carry the window's last hidden state and move the pointer on."""
        self.hidden_state = last_hidden_state
        self.position += self.seq_length
        self.updates_done += 1


@dataclass
class TrainingRun:
    """What training leaves behind: final weights, the loop's state and its history."""

    params: Params
    loop: DataLoop
    losses: list[float]
    checkpoints: list[tuple[int, Params, Array]]


def checkpoint_updates(updates: int, count: int = 50) -> list[int]:
    """About `count` evenly spaced update numbers from 0 to `updates`, both ends included."""
    return sorted({round(i * updates / count) for i in range(count + 1)})


def train(params: Params, encoded: list[int], seq_length: int, updates: int,
          optimizer: Optimizer, clip: float, *, fast: bool = True) -> TrainingRun:
    """Run `updates` steps of the data loop, recording losses and checkpoints.

    With `fast` (the default) a small network trains on the unrolled float path below, which does
    the same arithmetic as `forward`, `backward` and `Optimizer.step` about fifteen times faster;
    the numpy loop here stays the reference, and takes over if the fast path overflows.
    """
    if fast and params.hidden_bias.shape[0] <= UNROLLED_MAX_HIDDEN:
        try:
            return _train_unrolled(params, encoded, seq_length, updates, optimizer, clip)
        except (OverflowError, ValueError, ZeroDivisionError):
            pass  # a diverging network: let numpy produce its infinities, as the reference does
    loop = DataLoop(encoded, seq_length, params.hidden_bias.shape[0])
    wanted = set(checkpoint_updates(updates))
    checkpoints = [(0, params.copy(), np.copy(loop.hidden_state))]
    losses: list[float] = []
    for n in range(1, updates + 1):
        window = loop.next_window()
        run = forward(params, window.inputs, window.targets, window.hidden_state_prev)
        grads = backward(params, run, window.targets, clip)
        optimizer.step(params, grads)
        losses.append(run.loss)
        loop.advance(run.hidden_states[len(window.inputs) - 1])
        if n in wanted:
            checkpoints.append((n, params.copy(), np.copy(loop.hidden_state)))
    return TrainingRun(params, loop, losses, checkpoints)


# The fast path. numpy spends microseconds per call, and a 3-unit network does only a few dozen
# multiplications per step, so the reference loop above is nearly all call overhead. For a small
# network we instead write the whole training loop out as Python source, unrolled over units, with
# every weight a local float (`W_0_1` is hidden_weights_W[0, 1]), compile it once per shape and run
# it. Each line does what the numpy line it replaces does, in the same order; only the rounding of
# a few sums can differ in the last bit (BLAS may fuse multiply-adds), far inside the 1e-9 the
# tests hold it to.

UNROLLED_MAX_HIDDEN = 16  # above this numpy's vector arithmetic is the faster of the two


def _unrolled_source(hidden_size: int, vocab_size: int, adagrad: bool) -> str:
    """The training loop's source for one shape of network (print it to read it)."""
    units, letters = range(hidden_size), range(vocab_size)
    U = [[f"U_{i}_{k}" for k in letters] for i in units]
    W = [[f"W_{i}_{j}" for j in units] for i in units]
    V = [[f"V_{k}_{i}" for i in units] for k in letters]
    b, c = [f"b_{i}" for i in units], [f"c_{k}" for k in letters]
    names = [*(x for row in U for x in row), *(x for row in W for x in row), *b, *(x for row in V for x in row), *c]
    h, a, q, r, dn = ([f"{p}_{i}" for i in units] for p in ("h", "a", "q", "r", "dn"))
    dy, e = ([f"{p}_{k}" for k in letters] for p in ("dy", "e"))
    memory = [f"m{x}" for x in names]

    def tup(items: list[str]) -> str:
        return "(" + "".join(f"{x}, " for x in items) + ")"

    def dot(left: list[str], right: list[str]) -> str:
        return "(" + " + ".join(f"{x} * {y}" for x, y in zip(left, right, strict=True)) + ")"

    def optimizer_step(name: str) -> list[str]:
        clipped = [f"g = d{name}", "g = clip if g > clip else -clip if g < -clip else g"]
        if adagrad:
            return [*clipped, f"m{name} += g * g", f"{name} += -learning_rate * g / sqrt(m{name} + 1e-8)"]
        return [*clipped, f"{name} -= learning_rate * g"]

    body = [
        "def run(weights, memory, encoded, seq_length, updates, learning_rate, clip, wanted):",
        f"    {tup(names)} = weights",
        f"    {tup(memory)} = memory" if adagrad else "",
        "    losses, checkpoints = [], []",
        "    position = 0",
        f"    {' = '.join(h)} = 0.0",
        "    for n in range(1, updates + 1):",
        "        if position + seq_length + 1 >= len(encoded) or n == 1:",  # DataLoop.next_window
        "            position = 0",
        f"            {' = '.join(h)} = 0.0",
        "        window = encoded[position:position + seq_length + 1]",
        f"        columns = {tup([tup([U[i][k] for i in units]) for k in letters])}",  # U @ one-hot
        f"        hs, ps = [{tup(h)}], []",
        "        loss = 0.0",
        "        for t in range(seq_length):",  # forward
        f"            {tup(a)} = columns[window[t]]",
        f"            {tup(h)} = {tup([f'tanh({a[i]} + {dot(W[i], h)} + {b[i]})' for i in units])}",
        *(f"            {e[k]} = exp({dot(V[k], h)} + {c[k]})" for k in letters),
        f"            total = {' + '.join(e)}",
        f"            probabilities = {tup([f'{x} / total' for x in e])}",
        "            loss += -log(probabilities[window[t + 1]])",
        f"            hs.append({tup(h)})",
        "            ps.append(probabilities)",
        f"        {' = '.join('d' + x for x in names)} = 0.0",  # backward
        f"        {' = '.join(dn)} = 0.0",
        "        for t in range(seq_length - 1, -1, -1):",
        f"            {tup(a)} = hs[t + 1]",
        f"            {tup(q)} = hs[t]",
        "            gradient = list(ps[t])",
        "            gradient[window[t + 1]] -= 1",
        f"            {tup(dy)} = gradient",
        *(f"            d{V[k][i]} += {dy[k]} * {a[i]}" for k in letters for i in units),
        *(f"            d{c[k]} += {dy[k]}" for k in letters),
        *(f"            {r[i]} = (1 - {a[i]} * {a[i]}) * ({dot([V[k][i] for k in letters], dy)} + {dn[i]})"
          for i in units),
        *(f"            d{b[i]} += {r[i]}" for i in units),
        "            character = window[t]",
        *(line for k in letters for line in (f"            {'el' if k else ''}if character == {k}:",
                                             *(f"                d{U[i][k]} += {r[i]}" for i in units))),
        *(f"            d{W[i][j]} += {r[i]} * {q[j]}" for i in units for j in units),
        f"            {tup(dn)} = {tup([dot([W[i][j] for i in units], r) for j in units])}",
        *(f"        {line}" for name in names for line in optimizer_step(name)),
        "        losses.append(loss)",
        f"        {tup(h)} = hs[-1]",  # DataLoop.advance
        "        position += seq_length",
        "        if n in wanted:",
        f"            checkpoints.append((n, {tup(names)}, {tup(h)}))",
        f"    return {tup(names)}, {tup(memory) if adagrad else '()'}, {tup(h)}, position, losses, checkpoints",
    ]
    return "\n".join(line for line in body if line) + "\n"


@lru_cache(maxsize=32)
def _unrolled(hidden_size: int, vocab_size: int, adagrad: bool) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"tanh": math.tanh, "exp": math.exp, "log": math.log, "sqrt": math.sqrt}
    source = _unrolled_source(hidden_size, vocab_size, adagrad)
    exec(compile(source, f"<unrolled training {hidden_size}x{vocab_size}>", "exec"), namespace)
    run: Callable[..., Any] = namespace["run"]
    return run


def _unflatten(flat: tuple[float, ...], like: list[Array]) -> list[Array]:
    arrays, start = [], 0
    for array in like:
        arrays.append(np.array(flat[start:start + array.size], dtype=np.float64).reshape(array.shape))
        start += array.size
    return arrays


def _train_unrolled(params: Params, encoded: list[int], seq_length: int, updates: int,
                    optimizer: Optimizer, clip: float) -> TrainingRun:
    """`train`'s result, computed by the unrolled loop; params and optimizer are updated in place."""
    arrays = params.arrays()
    hidden_size, vocab_size = params.hidden_weights_W.shape[0], params.output_weights_V.shape[0]
    adagrad = optimizer.kind == "adagrad"
    memory = optimizer.memory or [np.zeros_like(a) for a in arrays]
    flat = tuple(float(x) for a in arrays for x in a.ravel())
    flat_memory = tuple(float(x) for a in memory for x in a.ravel()) if adagrad else ()
    run = _unrolled(hidden_size, vocab_size, adagrad)
    weights, new_memory, hidden, position, losses, marks = run(
        flat, flat_memory, encoded, seq_length, updates, optimizer.learning_rate, clip,
        set(checkpoint_updates(updates)))
    loop = DataLoop(encoded, seq_length, hidden_size)
    checkpoints = [(0, params.copy(), np.copy(loop.hidden_state))]
    for n, marked, marked_hidden in marks:
        checkpoints.append((n, Params(*_unflatten(marked, arrays)), np.array(marked_hidden).reshape(-1, 1)))
    for array, trained in zip(arrays, _unflatten(weights, arrays), strict=True):
        array[...] = trained
    if adagrad:
        optimizer.memory = _unflatten(new_memory, arrays)
    loop.position, loop.updates_done = position, updates
    loop.hidden_state = np.array(hidden, dtype=np.float64).reshape(-1, 1)
    return TrainingRun(params, loop, losses, checkpoints)
