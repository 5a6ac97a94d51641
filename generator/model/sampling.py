"""The network writing on, as the page's Continue and Sample buttons do it: the reference for tests and docs.

A continuation starts from the figure's sequence (its inputs followed by its last target): `forward` runs the
window from `hidden_state_prev`, then each written character is fed back as the next input. Greedy writing
takes the most likely character (numpy's argmax: the first of equals); sampling draws from the softmax of
outputs / temperature with mulberry32, a 32-bit PRNG the page's script implements the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import numpy as np

from ..refs import PARAM_NAMES
from . import rnn

MASK = 0xFFFFFFFF  # every operation of mulberry32 is on unsigned 32-bit integers, modulo 2**32
MOST_WRITTEN = 50  # the most characters the page writes at once


@dataclass(frozen=True)
class Written:
    """One written character: its position in the vocabulary and the probability the network gave it."""

    index: int
    probability: float


def mulberry32(seed: int) -> Iterator[float]:
    """Uniform draws in [0, 1) from a seed in [0, 2**32): mulberry32, exactly as the page's script draws them."""
    if not 0 <= seed <= MASK:
        raise ValueError(f"a seed is a whole number from 0 to {MASK}, not {seed}")
    return _draws(seed)


def _draws(state: int) -> Iterator[float]:
    while True:
        state = (state + 0x6D2B79F5) & MASK
        mixed = ((state ^ (state >> 15)) * (state | 1)) & MASK
        mixed ^= (mixed + ((mixed ^ (mixed >> 7)) * (mixed | 61))) & MASK
        yield (mixed ^ (mixed >> 14)) / 2**32


def draw(outputs: Sequence[float], temperature: float, uniform: float) -> int:
    """The character a uniform draw picks from softmax(outputs / temperature), by the inverse of its CDF.

    With z[k] = outputs[k] / temperature and m the largest z: e[k] = exp(z[k] - m), total = e[0] + e[1] + ...
    summed left to right, and the pick is the first k with uniform * total < e[0] + ... + e[k] (the same sum,
    so the last character always qualifies and a character of weight 0 is never picked).
    """
    scaled = [float(o) / temperature for o in outputs]
    top = max(scaled)
    running = list(accumulate(math.exp(z - top) for z in scaled))  # plain additions, left to right
    target = uniform * running[-1]
    return next(k for k, below in enumerate(running) if target < below)


def params_of(trace: Mapping[str, Any]) -> rnn.Params:
    """A trace's `params` (biases and vectors flat, as the JSON writes them) as the model's column arrays."""
    arrays = [np.array(trace["params"][name], dtype=np.float64) for name in PARAM_NAMES]
    return rnn.Params(*(a if a.ndim == 2 else a.reshape(-1, 1) for a in arrays))


def continuation(trace: Mapping[str, Any], count: int, temperature: float | None = None,
                 seed: int = 0) -> list[Written]:
    """What the network writes after the trace's sequence: greedy without a temperature, else sampled from `seed`."""
    params, inputs, targets = params_of(trace), list(trace["inputs"]), list(trace["targets"])
    hidden = np.array(trace["hidden_state_prev"], dtype=np.float64).reshape(-1, 1)
    hidden = rnn.forward(params, inputs, targets, hidden).hidden_states[len(inputs) - 1]
    uniforms = mulberry32(seed)
    character, written = targets[-1], []
    for _ in range(count):
        run = rnn.forward(params, [character], [character], hidden)
        hidden, probabilities = run.hidden_states[0], run.probabilities[0][:, 0]
        if temperature is None:
            character = int(np.argmax(probabilities))
        else:
            character = draw(run.outputs[0][:, 0].tolist(), temperature, next(uniforms))
        written.append(Written(character, float(probabilities[character])))
    return written
