"""Fast training for small networks: min-char-rnn's loop written out over plain Python floats.

numpy spends microseconds per call, and a 3-unit network does only a few dozen multiplications per
step, so `rnn.train` is nearly all call overhead. For a network of up to UNROLLED_MAX_HIDDEN hidden
units this module writes the whole training loop out as Python source, unrolled over units, with
every weight a local float (`W_0_1` is hidden_weights_W[0, 1]), compiles it once per shape and runs
it. Each line does what the numpy line it replaces does, in the same order; only the rounding of a
few sums can differ in the last bit. That stays far inside the 1e-9 the tests hold it to, except in a
network whose training amplifies rounding, which `health.py` detects and the build flags as chaotic.
`rnn.train` stays the reference, and takes over for bigger networks and for a network whose training
overflows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from .rnn import Array, DataLoop, Optimizer, Params, TrainingRun, checkpoint_updates
from .rnn import train as reference_train

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
        "def run(weights, memory, encoded, seq_length, first, updates, learning_rate, clip, wanted, position,"
        " hidden):",
        f"    {tup(names)} = weights",
        f"    {tup(memory)} = memory" if adagrad else "",
        "    losses, checkpoints = [], []",
        f"    {tup(h)} = hidden",
        "    for n in range(first, updates + 1):",
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
                    optimizer: Optimizer, clip: float, loop: DataLoop, checkpoints_for: int) -> TrainingRun:
    """`train`'s result, computed by the unrolled loop; params, optimizer and loop are updated in place."""
    arrays = params.arrays()
    hidden_size, vocab_size = params.hidden_weights_W.shape[0], params.output_weights_V.shape[0]
    adagrad = optimizer.kind == "adagrad"
    memory = optimizer.memory or [np.zeros_like(a) for a in arrays]
    flat = tuple(float(x) for a in arrays for x in a.ravel())
    flat_memory = tuple(float(x) for a in memory for x in a.ravel()) if adagrad else ()
    run = _unrolled(hidden_size, vocab_size, adagrad)
    start = loop.updates_done
    weights, new_memory, hidden, position, losses, marks = run(
        flat, flat_memory, encoded, seq_length, start + 1, updates, optimizer.learning_rate, clip,
        set(checkpoint_updates(checkpoints_for)), loop.position, tuple(float(x) for x in loop.hidden_state.ravel()))
    checkpoints = [(start, params.copy(), np.copy(loop.hidden_state))]
    for n, marked, marked_hidden in marks:
        checkpoints.append((n, Params(*_unflatten(marked, arrays)), np.array(marked_hidden).reshape(-1, 1)))
    for array, trained in zip(arrays, _unflatten(weights, arrays), strict=True):
        array[...] = trained
    if adagrad:
        optimizer.memory = _unflatten(new_memory, arrays)
    loop.position, loop.updates_done = position, max(updates, start)
    loop.hidden_state = np.array(hidden, dtype=np.float64).reshape(-1, 1)
    return TrainingRun(params, loop, losses, checkpoints)


def train(params: Params, encoded: list[int], seq_length: int, updates: int,
          optimizer: Optimizer, clip: float, loop: DataLoop | None = None,
          checkpoints_for: int | None = None) -> TrainingRun:
    """`rnn.train`'s result, on the unrolled path when the network is small enough; params change in place.

    Resuming works as in `rnn.train`: pass the `loop` (and the params and optimizer) an earlier run left, and
    training carries on to update `updates`, bit for bit as one uninterrupted run on this path (with
    `checkpoints_for` set to the whole run's updates, its checkpoints too).
    """
    if params.hidden_bias.shape[0] <= UNROLLED_MAX_HIDDEN:
        try:  # the unrolled loop changes params, optimizer and loop only once it has finished
            return _train_unrolled(params, encoded, seq_length, updates, optimizer, clip,
                                   loop or DataLoop(encoded, seq_length, params.hidden_bias.shape[0]),
                                   checkpoints_for or updates)
        except (OverflowError, ValueError, ZeroDivisionError):
            pass  # a diverging network: let numpy produce its infinities, as the reference does
    return reference_train(params, encoded, seq_length, updates, optimizer, clip, loop, checkpoints_for)
