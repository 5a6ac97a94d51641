"""The model: a vanilla RNN in numpy, with min-char-rnn's training semantics."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ..refs import PARAM_NAMES

Array = NDArray[np.float64]


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
    # One zero array per parameter, shaped like it: every time step adds its share of the gradient in.
    grads = Params(*(np.zeros_like(a) for a in params.arrays()))
    # The gradient that reaches a hidden state from the steps after it; after the last step there are none.
    hidden_grad_next = np.zeros_like(run.hidden_states[0])
    # Walk the window backwards: a step needs the gradient its successor sends back through the hidden state.
    for t in reversed(range(len(targets))):
        # The loss's gradient with respect to outputs[t]: for softmax followed by cross-entropy it is the
        # probabilities minus the one-hot target. Copy first, so the forward pass's probabilities stay as they were.
        output_grad = np.copy(run.probabilities[t])
        # Subtract the one-hot target: only the entry of the character that came next changes.
        output_grad[targets[t]] -= 1
        # outputs[t] = V @ hidden_states[t] + output_bias, so V's gradient is output_grad times hidden_states[t]
        # transposed: entry (i, j) is output_grad[i] * hidden_states[t][j].
        grads.output_weights_V += output_grad @ run.hidden_states[t].T
        # The output bias is added straight into outputs[t], so its gradient is output_grad itself.
        grads.output_bias += output_grad
        # hidden_states[t] reaches the loss two ways: through this step's outputs (V transposed carries
        # output_grad back) and through the next step's hidden state (hidden_grad_next).
        hidden_grad = params.output_weights_V.T @ output_grad + hidden_grad_next
        # hidden_states[t] is tanh of a sum, and tanh's derivative is 1 - tanh², so this is the gradient with
        # respect to that sum (U @ xs[t] + W @ hidden_states[t - 1] + hidden_bias), before the squashing.
        hidden_grad_raw = (1 - run.hidden_states[t] * run.hidden_states[t]) * hidden_grad
        # The hidden bias is added straight into that sum, so its gradient is hidden_grad_raw itself.
        grads.hidden_bias += hidden_grad_raw
        # The sum holds U @ xs[t]; xs[t] is one-hot, so only the column of this step's input character changes.
        grads.input_weights_U += hidden_grad_raw @ run.xs[t].T
        # The sum holds W @ hidden_states[t - 1]; at t = 0 that is hidden_states[-1], the dict entry forward
        # filled with hidden_state_prev (a key, not Python's last-item index).
        grads.hidden_weights_W += hidden_grad_raw @ run.hidden_states[t - 1].T
        # What the previous step's hidden state receives through W: its hidden_grad_next on the next pass.
        hidden_grad_next = params.hidden_weights_W.T @ hidden_grad_raw
    # Clip every gradient, in place, to [-clip, clip], so one large gradient cannot throw the weights far off.
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
        """Move every parameter against its gradient: sgd by learning_rate, adagrad scaled by the gradients so far."""
        if self.kind == "adagrad" and not self.memory:
            self.memory = [np.zeros_like(a) for a in params.arrays()]
        for k, name in enumerate(PARAM_NAMES):
            # The parameter and its gradient, by name: this pass changes `params.<name>` in place.
            param, grad = getattr(params, name), getattr(grads, name)
            if self.kind == "sgd":
                # Plain gradient descent: a step of learning_rate against the gradient.
                param -= self.learning_rate * grad
                continue
            # Adagrad keeps the sum of every squared gradient this parameter has had ...
            memory = self.memory[k]
            memory += grad * grad
            # ... and divides the step by its square root: parameters that got large gradients move less.
            param += -self.learning_rate * grad / np.sqrt(memory + 1e-8)

    def copy(self) -> Optimizer:
        """A deep copy (memory included), to resume from later."""
        return Optimizer(self.kind, self.learning_rate, [np.copy(m) for m in self.memory])


def make_update(params: Params, optimizer: Optimizer, inputs: list[int], targets: list[int],
                hidden_state_prev: Array, clip: float) -> tuple[ForwardPass, Params]:
    """One update, as min-char-rnn's main loop makes it: the forward pass, backward, then the optimizer's step."""
    run = forward(params, inputs, targets, hidden_state_prev)
    grads = backward(params, run, targets, clip)
    optimizer.step(params, grads)
    return run, grads


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

    def copy(self) -> DataLoop:
        """A copy at the same position, with the same carried hidden state, to resume from later."""
        loop = DataLoop(self.encoded, self.seq_length, self.hidden_state.shape[0])
        loop.position, loop.updates_done = self.position, self.updates_done
        loop.hidden_state = np.copy(self.hidden_state)
        return loop

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
          optimizer: Optimizer, clip: float, loop: DataLoop | None = None,
          checkpoints_for: int | None = None) -> TrainingRun:
    """Run the data loop up to update `updates`, recording losses and checkpoints (the reference loop).

    Given the `loop` of an earlier run (with the params and optimizer that run left), training resumes after
    its `loop.updates_done` updates, as if it had never stopped; losses then cover only the updates run here.
    Checkpoints follow the plan of a run of `checkpoints_for` updates (default `updates`), so a run split in
    parts records the checkpoints of the whole.
    """
    loop = loop or DataLoop(encoded, seq_length, params.hidden_bias.shape[0])
    start = loop.updates_done
    wanted = set(checkpoint_updates(checkpoints_for or updates))
    checkpoints = [(start, params.copy(), np.copy(loop.hidden_state))]
    losses: list[float] = []
    for n in range(start + 1, updates + 1):
        window = loop.next_window()
        run, _ = make_update(params, optimizer, window.inputs, window.targets, window.hidden_state_prev, clip)
        losses.append(run.loss)
        loop.advance(run.hidden_states[len(window.inputs) - 1])
        if n in wanted:
            checkpoints.append((n, params.copy(), np.copy(loop.hidden_state)))
    return TrainingRun(params, loop, losses, checkpoints)
