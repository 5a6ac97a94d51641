"""The reference for the cold-build row: a plain min-char-rnn numpy loop, as a user would write it.

It does not import `generator`. It reads a JSON list of networks (the options of the `{rnn}`
blocks, defaults applied), trains each one in turn exactly as Karpathy's min-char-rnn does (same
initialisation as unrolled, so the final weights can be compared), and writes the final weights
as JSON: `python minchar.py networks.json weights.json`.
"""

from __future__ import annotations

import json
import sys

import numpy as np


def loss_fun(inputs, targets, hprev, Wxh, Whh, Why, bh, by, vocab_size, clip):
    """Forward and backward over one window, as in min-char-rnn."""
    xs, hs, ys, ps = {}, {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
        ys[t] = np.dot(Why, hs[t]) + by
        ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
        loss += -np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        dWhy += np.dot(dy, hs[t].T)
        dby += dy
        dh = np.dot(Why.T, dy) + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh += np.dot(dhraw, xs[t].T)
        dWhh += np.dot(dhraw, hs[t - 1].T)
        dhnext = np.dot(Whh.T, dhraw)
    for dparam in [dWxh, dWhh, dWhy, dbh, dby]:
        np.clip(dparam, -clip, clip, out=dparam)
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]


def train(network):
    """min-char-rnn's main loop, stopped after `updates` updates."""
    data = network["text"]
    chars = sorted(set(data))
    vocab_size, hidden_size = len(chars), network["hidden_size"]
    seq_length, learning_rate, clip = network["seq_length"], network["learning_rate"], network["clip"]
    char_to_ix = {ch: i for i, ch in enumerate(chars)}
    rng = np.random.RandomState(network["seed"])
    Wxh = rng.randn(hidden_size, vocab_size) * network["init_scale"]
    Whh = rng.randn(hidden_size, hidden_size) * network["init_scale"]
    Why = rng.randn(vocab_size, hidden_size) * network["init_scale"]
    bh = np.zeros((hidden_size, 1))
    by = np.zeros((vocab_size, 1))
    mWxh, mWhh, mWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    mbh, mby = np.zeros_like(bh), np.zeros_like(by)
    n, p = 0, 0
    hprev = np.zeros((hidden_size, 1))
    while n < network["updates"]:
        if p + seq_length + 1 >= len(data) or n == 0:
            hprev = np.zeros((hidden_size, 1))
            p = 0
        inputs = [char_to_ix[ch] for ch in data[p:p + seq_length]]
        targets = [char_to_ix[ch] for ch in data[p + 1:p + seq_length + 1]]
        _loss, dWxh, dWhh, dWhy, dbh, dby, hprev = loss_fun(
            inputs, targets, hprev, Wxh, Whh, Why, bh, by, vocab_size, clip)
        for param, dparam, mem in zip([Wxh, Whh, Why, bh, by], [dWxh, dWhh, dWhy, dbh, dby],
                                      [mWxh, mWhh, mWhy, mbh, mby], strict=True):
            if network["optimizer"] == "adagrad":
                mem += dparam * dparam
                param += -learning_rate * dparam / np.sqrt(mem + 1e-8)
            else:
                param -= learning_rate * dparam
        p += seq_length
        n += 1
    return {"input_weights_U": Wxh.tolist(), "hidden_weights_W": Whh.tolist(), "hidden_bias": bh.ravel().tolist(),
            "output_weights_V": Why.tolist(), "output_bias": by.ravel().tolist()}


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        networks = json.load(handle)
    weights = {network["name"]: train(network) for network in networks}
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w", encoding="utf-8") as handle:
            json.dump(weights, handle)


if __name__ == "__main__":
    main()
