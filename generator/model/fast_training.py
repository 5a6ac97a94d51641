"""Fast training: min-char-rnn's loop on whichever of two paths is faster for the network's shape.

The unrolled path. numpy spends microseconds per call, and a 3-unit network does only a few dozen
multiplications per step, so `rnn.train` is nearly all call overhead. This path writes the whole training loop
out as Python source, unrolled over units, with every weight a local float (`W_0_1` is hidden_weights_W[0, 1]),
compiles it once per shape and runs it. Each line does what the numpy line it replaces does, in the same order;
only the rounding of a few sums can differ in the last bit. That stays far inside the 1e-9 the tests hold it to,
except in a network whose training amplifies rounding, which `health.py` detects and the build flags as chaotic.

The numpy path (`_train_stacked`) is `rnn.train` bit for bit, with only the calls the arithmetic needs: U's
column instead of U @ xs[t], the output layer for the whole window in one call, and every network trained
alongside stacked into the same arrays. The build trains every network twice (`health.py`'s rounding check),
and on this path the twin shares the run's numpy calls, though not its arithmetic: on English text with a
16-step window (adagrad, 3,000 updates), the pair took 1.2, 1.7 and 1.8 times one network's CPU time at
hidden 16, 32 and 64 (the larger the network, the more the arithmetic weighs). Where a core is spare, health.py
trains the twin in a process of its own instead.

Choosing. The unrolled path's cost grows with the number of multiplications, the numpy path's mostly with the
number of calls, so neither hidden size nor vocabulary alone decides. `choose_path` compares two cost formulas
for a network and its twin: per update, the unrolled path (twice) costs about
    2 x [steps x (0.102 H^2 + 0.106 H V + 0.125 V - 1.04) + k P + 8] microseconds,
with P = (2 V + H + 1) H + V weights and k = 0.165 for sgd, 0.384 for adagrad (each weight's step is a few
Python lines), and the numpy path, both networks at once, about
    steps x (22 + 0.0048 H (H + 2 V)) + 153 + 0.028 P microseconds.
The coefficients are a least-squares fit to 150 shapes measured on both paths with tests/bench/paths.py
(hidden 1 to 32, vocabulary 2 to 96, windows 4, 16 and 32, both optimizers, wherever H (H + 2 V) <= 3,000: past
that the unrolled loop is several times slower) and 44 more on the numpy path alone, up to hidden 64; CPU time
per update, best of three, on a 2-core machine under heavy other load, so the formulas are off by 14% at the
median. Some of the points, microseconds per update of the pair (unrolled / numpy): hidden 3, vocabulary 2,
window 4, sgd 42 / 159; hidden 3, vocabulary 29, window 16, adagrad 573 / 452; hidden 16, vocabulary 2, window
4, sgd 429 / 263; hidden 16, vocabulary 29, window 16, adagrad 2,941 / 795; hidden 1, vocabulary 96, window 32,
sgd 1,755 / 760. The model picks the faster path at 144 of the 150; at the other six, shapes where the two paths
are close and the load decides, its pick took 1.04x to 1.31x the faster one's time. So the article's
networks (hidden 3, vocabulary 2 to 4) stay unrolled, and English text (vocabulary 28) or a hidden size of 16
goes to numpy. The choice depends on the shape only, never on the number of updates, so a run resumed in parts
takes the path the whole run would. (The points were measured before the numpy path's last three changes:
15 to 20% faster at hidden 16 and 64, then outer products in one call and buffers made once, 1.1 to 1.8
times faster again on English text at hidden 16 to 64: the model now sends some shapes near the line to the
unrolled path that numpy would train faster; `tests/bench/paths.py` measures them again.) The unrolled
loop's compilation (once per shape and process; at most 50 ms for a shape this path is chosen for) is left
out of the model.

`rnn.train` stays the reference, and takes over for a network whose training overflows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from .rnn import Array, DataLoop, Optimizer, Params, TrainingRun, checkpoint_updates
from .rnn import train as reference_train

Run = tuple[Params, Optimizer, DataLoop]  # what one training run changes in place


def unrolled_cost(hidden_size: int, vocab_size: int, seq_length: int, optimizer: str) -> float:
    """Microseconds per update of one network on the unrolled path (the fit in the module's notes)."""
    weights = (2 * vocab_size + hidden_size + 1) * hidden_size + vocab_size
    per_step = 0.102 * hidden_size * hidden_size + 0.106 * hidden_size * vocab_size + 0.125 * vocab_size - 1.04
    return seq_length * per_step + (0.384 if optimizer == "adagrad" else 0.165) * weights + 8


def stacked_cost(hidden_size: int, vocab_size: int, seq_length: int, optimizer: str) -> float:
    """Microseconds per update of a network and its twin, side by side on the numpy path (fitted likewise)."""
    weights = (2 * vocab_size + hidden_size + 1) * hidden_size + vocab_size
    per_step = 22.0 + 0.0048 * hidden_size * (hidden_size + 2 * vocab_size)
    return seq_length * per_step + 153 + 0.028 * weights


def choose_path(hidden_size: int, vocab_size: int, seq_length: int, optimizer: str) -> str:
    """"unrolled" or "numpy": the faster path for a network and its twin (the build always trains both)."""
    twice_unrolled = 2 * unrolled_cost(hidden_size, vocab_size, seq_length, optimizer)
    return "unrolled" if twice_unrolled <= stacked_cost(hidden_size, vocab_size, seq_length, optimizer) else "numpy"


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


def _unflatten(flat: Any, like: list[Array]) -> list[Array]:
    arrays, start = [], 0
    for array in like:
        arrays.append(np.array(flat[start:start + array.size], dtype=np.float64).reshape(array.shape))
        start += array.size
    return arrays


def _train_unrolled(run: Run, encoded: list[int], seq_length: int, updates: int, clip: float,
                    checkpoints_for: int) -> TrainingRun:
    """`train`'s result, computed by the unrolled loop; params, optimizer and loop are updated in place."""
    params, optimizer, loop = run
    arrays = params.arrays()
    hidden_size, vocab_size = params.hidden_weights_W.shape[0], params.output_weights_V.shape[0]
    adagrad = optimizer.kind == "adagrad"
    memory = optimizer.memory or [np.zeros_like(a) for a in arrays]
    flat = tuple(float(x) for a in arrays for x in a.ravel())
    flat_memory = tuple(float(x) for a in memory for x in a.ravel()) if adagrad else ()
    unrolled = _unrolled(hidden_size, vocab_size, adagrad)
    start = loop.updates_done
    weights, new_memory, hidden, position, losses, marks = unrolled(
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


def _summed(terms: Array) -> Array:
    """The sum over axis 1 (steps), added in index order as `backward` adds them; one flat row per run."""
    np.add.accumulate(terms, axis=1, out=terms)
    return terms[:, -1].reshape(terms.shape[0], -1)


ALL_AT_ONCE = 65_536  # products (over every run and step) up to which an outer summer makes them in one call


def _outer_summer(count: int, steps: int, rows: int, columns: int) -> Callable[[Array, Array], Array]:
    """A function giving the sum over axis 1 (steps) of the outer products left[:, t] @ right[:, t], in index order,
    a flat row per run, into buffers of its own (made once; each call overwrites the last call's result).

    Each product is one rounding, as in `backward`'s np.dot of a column and a row. Up to ALL_AT_ONCE of them are made
    in one call and then added step by step: 1.5 to 2.5 times faster than a product per step (16 steps, hidden 16 to
    64, one run), and 10 to 20% faster again into buffers made once than into new arrays. Past that, a step at a
    time keeps them in the cache (two stacked runs at hidden 64: 170 against 200 microseconds)."""
    total = np.empty((count, rows, columns))
    flat = total.reshape(count, -1)
    if count * steps * rows * columns <= ALL_AT_ONCE:
        products = np.empty((count, steps, rows, columns))
        by_step = [products[:, t] for t in range(steps)]

        def all_at_once(left: Array, right: Array) -> Array:
            np.multiply(left, right, out=products)
            np.copyto(total, by_step[0])
            for product in by_step[1:]:
                np.add(total, product, out=total)
            return flat
        return all_at_once
    product = np.empty((count, rows, columns))

    def step_by_step(left: Array, right: Array) -> Array:
        np.multiply(left[:, 0], right[:, 0], out=total)
        for t in range(1, steps):
            np.multiply(left[:, t], right[:, t], out=product)
            np.add(total, product, out=total)
        return flat
    return step_by_step


def _train_stacked(runs: list[Run], encoded: list[int], seq_length: int, updates: int, clip: float,
                   checkpoints_for: int) -> list[TrainingRun]:
    """`rnn.train`'s results, bit for bit, for networks of one shape trained side by side on the same windows.

    Every run's arrays are a row of one stacked array, so each numpy call below does the work of all of them.
    Each value is computed by the operation `rnn.forward`, `rnn.backward` and `Optimizer.step` use for it, in
    their order: a matrix times a vector is a stacked `matmul` (numpy calls the same BLAS gemv for every
    matrix of a stack as for one matrix), or for one run `np.dot`, the very call `forward` and `backward`
    make; U @ xs[t] is U's column (a one-hot sum is exact). The gradients that `backward` sums step by step,
    from the last step back, are summed in that order: the outer products one step at a time, the biases' as
    running sums (`np.add.accumulate`, in index order by definition, where `np.sum` may add pairwise), U's onto
    the column of each step's character (the one-hot product adds zeros everywhere else). The softmax's sum
    over the vocabulary is `np.sum` over a contiguous row in both. Params, optimizers and loops are updated in
    place once every run has finished.
    """
    loop = runs[0][2]
    hidden_size, vocab_size = runs[0][0].hidden_weights_W.shape[0], runs[0][0].output_weights_V.shape[0]
    count, steps, learning_rate = len(runs), seq_length, runs[0][1].learning_rate
    adagrad = runs[0][1].kind == "adagrad"
    like = runs[0][0].arrays()
    flat = np.stack([np.concatenate([a.ravel() for a in params.arrays()]) for params, _, _ in runs])
    memory = np.stack([np.concatenate([m.ravel() for m in optimizer.memory]) if optimizer.memory
                       else np.zeros(flat.shape[1]) for _, optimizer, _ in runs])
    edges = np.cumsum([0, *(a.size for a in like)])
    U, W, b, V, c = (flat[:, start:end].reshape(count, *a.shape)
                     for start, end, a in zip(edges[:-1], edges[1:], like, strict=True))
    W_T, V_T = W.transpose(0, 2, 1), V.transpose(0, 2, 1)[:, None]
    text = np.array(encoded, dtype=np.intp)
    at = np.arange(steps)
    position, start = loop.position, loop.updates_done
    hidden = np.stack([run_loop.hidden_state for _, _, run_loop in runs])
    wanted = set(checkpoint_updates(checkpoints_for))
    losses: list[list[float]] = [[] for _ in runs]
    states, raw_back = np.empty((count, steps + 1, hidden_size, 1)), np.empty((count, steps, hidden_size, 1))
    summed = np.empty((count, hidden_size, 1))  # a step's sum before its tanh, or before its product
    # Buffers every update writes into, and their views by step, made once: a view costs as much as a small call.
    columns, through_V = np.empty((count, hidden_size, steps)), np.empty((count, steps, hidden_size, 1))
    squashed, hidden_grad_next = np.empty((count, steps, hidden_size, 1)), np.empty((count, hidden_size, 1))
    # One run alone (a twin trained apart, or a resumed run): 2-D views and np.dot, as `forward` and `backward`
    # call it, which costs half a stack-of-one matmul's call at hidden 16. Two runs: their stacks and matmul.
    lane: Callable[[Array], Array] = (lambda a: a[0]) if count == 1 else (lambda a: a)
    product = np.dot if count == 1 else np.matmul
    W_lane, W_T_lane, b_lane, summed_lane, next_lane = (lane(a) for a in (W, W_T, b, summed, hidden_grad_next))
    state_at = [lane(states[:, t]) for t in range(steps + 1)]
    column_at = [lane(columns[:, :, t:t + 1]) for t in range(steps)]
    backward_at = [(lane(through_V[:, t]), lane(squashed[:, t]), lane(raw_back[:, back]))
                   for back, t in enumerate(range(steps - 1, -1, -1))]
    hidden_states = states[:, 1:]
    hidden_outer = _outer_summer(count, steps, hidden_size, hidden_size)  # W's gradient
    output_outer = _outer_summer(count, steps, vocab_size, hidden_size)  # V's gradient
    checkpoints = [[(start, params.copy(), np.copy(run_loop.hidden_state))] for params, _, run_loop in runs]
    for n in range(start + 1, updates + 1):
        if position + steps + 1 >= len(encoded) or n == 1:  # DataLoop.next_window
            position, hidden = 0, np.zeros_like(hidden)
        inputs, targets = text[position:position + steps], text[position + 1:position + steps + 1]
        np.take(U, inputs, axis=2, out=columns)
        state_at[0][...] = hidden  # hidden_state_prev, then each step's hidden state
        for t in range(steps):  # forward: the recurrence, step by step: tanh((U x + W h) + b), into states
            product(W_lane, state_at[t], out=summed_lane)
            np.add(column_at[t], summed_lane, out=summed_lane)
            np.add(summed_lane, b_lane, out=summed_lane)
            np.tanh(summed_lane, out=state_at[t + 1])
        exps = np.exp(np.matmul(V[:, None], hidden_states) + c[:, None])
        probabilities = exps / np.sum(exps, axis=2, keepdims=True)
        step_losses = -np.log(probabilities[:, at, targets, 0])
        output_grads = probabilities  # backward: the softmax's gradient, then the recurrence back in time
        output_grads[:, at, targets, 0] -= 1
        np.matmul(V_T, output_grads, out=through_V)
        np.multiply(hidden_states, hidden_states, out=squashed)
        np.subtract(1, squashed, out=squashed)
        hidden_grad_next.fill(0)
        for through, squash, raw in backward_at:  # raw_back: hidden_grad_raw, last step first
            np.add(through, next_lane, out=summed_lane)
            np.multiply(squash, summed_lane, out=raw)
            product(W_T_lane, raw, out=next_lane)
        output_back = np.ascontiguousarray(output_grads[:, ::-1])
        grad_U = np.zeros((vocab_size, count, hidden_size))  # U's columns, one added to per step (one-hot xs),
        np.add.at(grad_U, inputs[::-1], raw_back[..., 0].transpose(1, 0, 2))  # in the order of the steps
        states_back = states[:, ::-1].transpose(0, 1, 3, 2)  # as rows, last step first
        grads = np.concatenate([grad_U.transpose(1, 2, 0).reshape(count, -1),
                                hidden_outer(raw_back, states_back[:, 1:]), _summed(raw_back),
                                output_outer(output_back, states_back[:, :-1]), _summed(output_back)], axis=1)
        np.clip(grads, -clip, clip, out=grads)
        if adagrad:  # Optimizer.step
            memory += grads * grads
            flat += -learning_rate * grads / np.sqrt(memory + 1e-8)
        else:
            flat -= learning_rate * grads
        for k, total in enumerate(np.add.accumulate(step_losses, axis=1)[:, -1].tolist()):  # forward's loss
            losses[k].append(total)
        hidden = np.copy(states[:, steps])
        position += steps
        if n in wanted:
            for k, marks in enumerate(checkpoints):
                marks.append((n, Params(*_unflatten(flat[k], like)), np.copy(hidden[k])))
    if not (np.all(np.isfinite(flat)) and all(math.isfinite(x) for run_losses in losses for x in run_losses)):
        raise FloatingPointError("training diverged")
    trained = []
    for k, (params, optimizer, run_loop) in enumerate(runs):
        for array, value in zip(params.arrays(), _unflatten(flat[k], like), strict=True):
            array[...] = value
        if adagrad:
            optimizer.memory = _unflatten(memory[k], like)
        run_loop.position, run_loop.updates_done = position, max(updates, start)
        run_loop.hidden_state = np.copy(hidden[k])
        trained.append(TrainingRun(params, run_loop, losses[k], checkpoints[k]))
    return trained


def train_together(runs: list[Run], encoded: list[int], seq_length: int, updates: int, clip: float,
                   checkpoints_for: int | None = None) -> list[TrainingRun]:
    """`rnn.train`'s result for each run, for networks of one shape whose loops stand at the same update (a network
    and its rounding check's twin): side by side on the numpy path, one after the other on the unrolled one.

    Each run's params, optimizer and loop change in place, as `train` changes them.
    """
    params, optimizer, loop = runs[0]
    if any((other.position, other.updates_done) != (loop.position, loop.updates_done) for _, _, other in runs):
        raise ValueError("runs trained together must stand at the same update of the same text")
    hidden_size, vocab_size = params.hidden_weights_W.shape[0], params.output_weights_V.shape[0]
    whole = checkpoints_for or updates
    before = [(p.copy(), o.copy(), run_loop.copy()) for p, o, run_loop in runs]
    with np.errstate(all="ignore"):
        try:  # both paths change params, optimizers and loops only once they have finished
            if choose_path(hidden_size, vocab_size, seq_length, optimizer.kind) == "numpy":
                return _train_stacked(runs, encoded, seq_length, updates, clip, whole)
            return [_train_unrolled(run, encoded, seq_length, updates, clip, whole) for run in runs]
        except (OverflowError, ValueError, ZeroDivisionError, FloatingPointError):
            pass  # a diverging network: let numpy produce its infinities, as the reference does
    for (p, o, run_loop), (p_before, o_before, loop_before) in zip(runs, before, strict=True):
        for array, value in zip(p.arrays(), p_before.arrays(), strict=True):  # undo the runs that did finish
            array[...] = value
        o.memory, run_loop.position, run_loop.updates_done, run_loop.hidden_state = (
            o_before.memory, loop_before.position, loop_before.updates_done, loop_before.hidden_state)
    return [reference_train(p, encoded, seq_length, updates, o, clip, run_loop, checkpoints_for)
            for p, o, run_loop in runs]


def train(params: Params, encoded: list[int], seq_length: int, updates: int,
          optimizer: Optimizer, clip: float, loop: DataLoop | None = None,
          checkpoints_for: int | None = None) -> TrainingRun:
    """`rnn.train`'s result, on the path `choose_path` picks for the network's shape; params change in place.

    Resuming works as in `rnn.train`: pass the `loop` (and the params and optimizer) an earlier run left, and
    training carries on to update `updates`, bit for bit as one uninterrupted run (with `checkpoints_for` set to
    the whole run's updates, its checkpoints too).
    """
    run = (params, optimizer, loop or DataLoop(encoded, seq_length, params.hidden_bias.shape[0]))
    return train_together([run], encoded, seq_length, updates, clip, checkpoints_for)[0]
