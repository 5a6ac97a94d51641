"""The writing reference: mulberry32's draws, the inverse-CDF pick, and continuations of the article's networks."""

from __future__ import annotations

import math
import re
from itertools import islice
from typing import Any

import numpy as np
import pytest

from generator.model.sampling import MASK, continuation, draw, mulberry32
from generator.model.trace import record_trace

from .project import REPO, valid_network

# The first five draws times 2**32, from the original JavaScript mulberry32 (Tommy Ettinger's, as bryc
# publishes it: `a |= 0; a = a + 0x6D2B79F5 | 0; var t = Math.imul(a ^ a >>> 15, 1 | a); ...`), run in Node.
FIRST_DRAWS = {
    0: [1144304738, 1416247, 958946056, 627933444, 2007157716],
    1: [2693262067, 11749833, 2265367787, 4213581821, 4159151403],
    42: [2581720956, 1925393290, 3661312704, 2876485805, 750819978],
    MASK: [3850105811, 813802916, 3073704848, 4054706436, 3630262831],
}


@pytest.mark.parametrize("seed", sorted(FIRST_DRAWS))
def test_mulberry32_draws_what_the_javascript_original_draws(seed: int) -> None:
    assert [u * 2**32 for u in islice(mulberry32(seed), 5)] == FIRST_DRAWS[seed]


def test_mulberry32_draws_lie_in_the_unit_interval_and_look_uniform() -> None:
    draws = list(islice(mulberry32(7), 20_000))
    assert all(0 <= u < 1 for u in draws)
    counts = np.histogram(draws, bins=10, range=(0, 1))[0]
    assert counts.min() > 1_850 and counts.max() < 2_150, counts


@pytest.mark.parametrize("seed", [-1, MASK + 1])
def test_a_seed_outside_32_bits_is_refused_at_once(seed: int) -> None:
    with pytest.raises(ValueError, match="whole number from 0 to 4294967295"):
        mulberry32(seed)


@pytest.mark.parametrize(("outputs", "temperature", "uniform", "picked"), [
    ([0.0, 0.0], 1.0, 0.0, 0),
    ([0.0, 0.0], 1.0, 0.4999, 0),
    ([0.0, 0.0], 1.0, 0.5, 1),  # 0.5 * 2 is not below the first weight, 1
    ([0.0, 0.0], 1.0, 1 - 2**-32, 1),
    ([0.0, math.log(3)], 1.0, 0.24, 0),  # probabilities 1/4, 3/4
    ([0.0, math.log(3)], 1.0, 0.26, 1),
    ([0.0, math.log(3)], 0.5, 0.09, 0),  # at temperature 1/2: 1/10, 9/10
    ([0.0, math.log(3)], 0.5, 0.11, 1),
    ([0.0, math.log(3)], 2.0, 0.36, 0),  # at temperature 2: 1/(1+√3) = 0.366
    ([0.0, math.log(3)], 2.0, 0.37, 1),
    ([-1000.0, 0.0, -1000.0], 1.0, 0.0, 1),  # a character of weight 0 is never picked
    ([-1000.0, 0.0, -1000.0], 1.0, 1 - 2**-32, 1),
    ([800.0, 800.0, 0.0], 0.2, 0.7, 1),  # large outputs do not overflow: the largest is taken off first
])
def test_draw_inverts_the_cdf_of_softmax_over_temperature(outputs: list[float], temperature: float,
                                                          uniform: float, picked: int) -> None:
    assert draw(outputs, temperature, uniform) == picked


def _greedy_by_hand(trace: dict[str, Any], count: int) -> list[tuple[int, float]]:
    """numpy's argmax chain, written out here without the model's code."""
    p = {k: np.array(v, dtype=np.float64) for k, v in trace["params"].items()}
    h = np.array(trace["hidden_state_prev"], dtype=np.float64)
    for x in [*trace["inputs"], trace["targets"][-1]]:
        h = np.tanh(p["input_weights_U"][:, x] + p["hidden_weights_W"] @ h + p["hidden_bias"])
        e = np.exp(p["output_weights_V"] @ h + p["output_bias"])
        probabilities = e / e.sum()
    chain = []
    for _ in range(count):
        x = int(np.argmax(probabilities))
        chain.append((x, float(probabilities[x])))
        h = np.tanh(p["input_weights_U"][:, x] + p["hidden_weights_W"] @ h + p["hidden_bias"])
        e = np.exp(p["output_weights_V"] @ h + p["output_bias"])
        probabilities = e / e.sum()
    return chain


@pytest.mark.parametrize("name", ["untrained", "alternating", "useful"])
def test_greedy_continuation_is_numpys_argmax_chain(article_traces: dict[str, dict[str, Any]], name: str) -> None:
    got = [(w.index, w.probability) for w in continuation(article_traces[name], 50)]
    want = _greedy_by_hand(article_traces[name], 50)
    assert [x for x, _ in got] == [x for x, _ in want]
    assert np.allclose([p for _, p in got], [p for _, p in want], rtol=0, atol=1e-12)


def test_the_trained_networks_write_on_their_pattern(article_traces: dict[str, dict[str, Any]]) -> None:
    for name, period in (("alternating", "10"), ("useful", "011")):
        trace = article_traces[name]
        sequence = "".join(trace["vocab"][x] for x in [*trace["inputs"], trace["targets"][-1]])
        written = "".join(trace["vocab"][w.index] for w in continuation(trace, 30))
        whole = sequence + written
        assert all(whole[i] == whole[i - len(period)] for i in range(len(period), len(whole))), (name, whole)


def test_sampling_is_seeded_and_cold_sampling_is_greedy(article_traces: dict[str, dict[str, Any]]) -> None:
    trace = article_traces["untrained"]  # a coin toss at every step: the seed decides everything
    texts = {seed: [w.index for w in continuation(trace, 50, 1.0, seed)] for seed in (1, 2, 3)}
    assert texts[1] == [w.index for w in continuation(trace, 50, 1.0, 1)]
    assert len({tuple(t) for t in texts.values()}) == 3
    assert 10 < sum(texts[1]) < 40  # both characters, about as often
    useful = article_traces["useful"]
    assert continuation(useful, 50, 0.2, 9) == continuation(useful, 50)


def test_sampled_characters_carry_the_networks_own_probability(article_traces: dict[str, dict[str, Any]]) -> None:
    trace = article_traces["untrained"]
    written = continuation(trace, 5, 2.0, 5)
    chain = [*trace["inputs"], trace["targets"][-1], *(w.index for w in written)]
    p = {k: np.array(v, dtype=np.float64) for k, v in trace["params"].items()}
    h = np.array(trace["hidden_state_prev"], dtype=np.float64)
    for t, x in enumerate(chain[:-1]):
        h = np.tanh(p["input_weights_U"][:, x] + p["hidden_weights_W"] @ h + p["hidden_bias"])
        e = np.exp(p["output_weights_V"] @ h + p["output_bias"])
        if t >= len(trace["inputs"]):
            written_here = written[t - len(trace["inputs"])]
            assert abs(written_here.probability - e[written_here.index] / e.sum()) < 1e-12


def test_the_authoring_page_says_what_the_reference_does() -> None:
    page = (REPO / "content" / "authoring.md").read_text(encoding="utf-8")
    drawn = re.search(r"Seed 1 draws `u` = ([\d.]+), ([\d.]+), ([\d.]+)", page)
    assert drawn is not None
    assert [float(u) for u in drawn.groups()] == list(islice(mulberry32(1), 3))
    cycle = record_trace(valid_network("cycle", {"pattern": "abc", "length": "60", "updates": "300",
                                                 "inputs": "abca", "targets": "bcab"}))
    shown = {call: "".join(cycle["vocab"][w.index] for w in written) for call, written in (
        ("continue(6)", continuation(cycle, 6)), ("sample(12, {seed: 7, temperature: 2})",
                                                  continuation(cycle, 12, 2.0, 7)))}
    for call, text in shown.items():
        assert re.search(re.escape(f"figure.{call}.text;") + r' +// "' + text + '"', page), (call, text)
