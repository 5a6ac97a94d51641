"""The hidden state's space: the cloud the article's networks visit, the projections, the sentence."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from generator.model import rnn
from generator.model.state_space import CUBE, SAME, distinct, project, projection, state_space, visited_states
from generator.render.state_plot import inline_space, space_sentence

# The states each trained network settles into: 1,0 alternates between two, 1,1,0 cycles through three.
SETTLES_ON = {"alternating": 2, "useful": 3}


def _params(trace: dict[str, Any]) -> rnn.Params:
    p = trace["params"]
    return rnn.Params(*(np.array(p[name], dtype=np.float64).reshape(np.shape(p[name]) if np.ndim(p[name]) == 2
                                                                     else (-1, 1)) for name in rnn.PARAM_NAMES))


def _text(trace: dict[str, Any]) -> str:
    return str(trace["state_space"]["text"])


@pytest.mark.parametrize("name", ["untrained", "alternating", "useful"])
def test_the_cloud_is_the_data_loops_first_pass_from_zero(article_traces: dict[str, Any], name: str) -> None:
    """Every state the loop visits (179 windows of 4 in 720 characters) is one of the points, in first-visit order."""
    trace = article_traces[name]
    space, params = trace["state_space"], _params(trace)
    text, length = _text(trace), trace["spec"]["seq_length"]
    assert text == (trace["spec"]["pattern"] * 1000)[:trace["spec"]["length"]]
    h, states = np.zeros(3), []
    for position in range(0, len(text) - length - 1, length):  # the windows the loop cuts: position + L + 1 < len
        for character in text[position:position + length]:
            x = np.zeros(2)
            x[trace["vocab"].index(character)] = 1
            h = np.tanh(params.input_weights_U @ x + params.hidden_weights_W @ h + params.hidden_bias.ravel())
            states.append(h)
    assert space["visited"] == len(states) == {720: 716, 295: 292}[len(text)]
    points = np.array(space["points"])
    nearest = [int(np.argmin(np.max(np.abs(points - s), axis=1))) for s in states]
    assert max(float(np.max(np.abs(points[k] - s))) for k, s in zip(nearest, states, strict=True)) <= SAME
    assert list(dict.fromkeys(nearest)) == list(range(len(points)))  # numbered in the order of first visit
    assert space["counts"] == [nearest.count(k) for k in range(len(points))] and not space["limited"]


@pytest.mark.parametrize("name", sorted(SETTLES_ON))
def test_a_trained_network_settles_on_its_few_points(article_traces: dict[str, Any], name: str) -> None:
    """After a short way in from zero the states repeat: two points for 1,0, three for 1,1,0, each within 1e-9."""
    trace = article_traces[name]
    space = trace["state_space"]
    returning = [p for p, n in zip(space["points"], space["counts"], strict=True) if n > 1]
    assert len(returning) == SETTLES_ON[name]
    states = visited_states(_params(trace), [trace["vocab"].index(c) for c in _text(trace)], 4)
    settled = states[-12:]  # the last 12 states: whole cycles of either length
    for state in settled:
        assert min(float(np.max(np.abs(state - np.array(p)))) for p in returning) <= SAME
    transient = sum(n for n in space["counts"] if n == 1)
    assert transient < 20 and sum(space["counts"]) == space["visited"]


def test_distinct_keeps_first_visits_up_to_the_limit() -> None:
    a, b, c = np.array([0.1, 0.2]), np.array([0.3, 0.4]), np.array([-0.5, 0.5])
    near_a = a + SAME / 2
    points, counts, limited = distinct([a, b, near_a, a, c], limit=2)
    assert [list(p) for p in points] == [list(a), list(b)] and counts == [3, 1] and limited
    points, counts, limited = distinct([a, b, a + 2 * SAME], limit=5)
    assert len(points) == 3 and counts == [1, 1, 1] and not limited


def test_projections_line_plane_and_cube() -> None:
    h = np.array([0.25, -0.5, 0.75])
    assert project(h[:1], projection([h[:1]])) == (0.25, 0.0)
    assert project(h[:2], projection([h[:2]])) == (0.25, -0.5)
    cube = projection([h])
    assert cube == {"kind": "cube"}
    assert np.allclose(project(h, cube), CUBE @ h, rtol=0, atol=1e-15)
    corners = [project(np.array(v, dtype=float) * 2 - 1, cube) for v in np.ndindex(2, 2, 2)]
    assert min(min(xy) for xy in corners) == -1.0 and max(max(xy) for xy in corners) == 1.0
    assert project(np.array([1.0, -1.0, -1.0]), cube) == pytest.approx((1 / 3, -1.0))  # the front face's corner
    assert project(np.array([-1.0, -1.0, 1.0]), cube) == pytest.approx((-1 / 3, -1 / 3))  # straight behind it


def test_principal_components_of_a_larger_state() -> None:
    rng = np.random.default_rng(7)
    cloud = np.tanh(rng.normal(size=(40, 5)) @ np.diag([3, 1, 0.2, 0.1, 0.05]))
    how = projection(list(cloud))
    components, mean = np.array(how["components"]), np.array(how["mean"])
    assert how["kind"] == "components" and np.allclose(components @ components.T, np.eye(2), atol=1e-12)
    assert all(row[np.argmax(np.abs(row))] > 0 for row in components)
    assert np.allclose(mean, cloud.mean(axis=0), atol=1e-15)
    xy = np.array([project(p, how) for p in cloud])
    assert math.isclose(float(np.max(np.abs(xy))), 1.0)
    # The first component carries the most variance: the one the cloud was stretched along.
    assert np.var(xy[:, 0]) > np.var(xy[:, 1]) and abs(components[0][0]) > 0.9
    # The SVD's own first direction: the largest variance of any unit vector.
    centred = cloud - mean
    assert np.var(centred @ components[0]) >= max(np.var(centred @ v / np.linalg.norm(v))
                                                  for v in rng.normal(size=(200, 5))) - 1e-12


def test_sentence_and_what_the_page_embeds(article_traces: dict[str, Any]) -> None:
    trace = article_traces["alternating"]
    sentence = space_sentence(trace["state_space"])
    assert sentence.startswith("Reading its training text, the hidden state visits 10 points, 2 of them again and")
    assert sentence.count("(") == 2 and sentence.endswith(").")
    assert inline_space(trace) == {"projection": {"kind": "cube"}}  # the page has the text in training.replay
    assert inline_space(article_traces["untrained"]) == {"projection": {"kind": "cube"}, "text": "10" * 360}
    many = {"points": [[0.5 * k] for k in range(5)], "counts": [2, 1, 3, 4, 5], "limited": True}
    assert space_sentence(many) == ("Reading its training text, the hidden state visits more than 5 points, 4 of them "
                                    "again and again: (0.00), (1.00), (1.50), and 1 more.")
    assert space_sentence({"points": [[0.1]], "counts": [1], "limited": False}).endswith("visits 1 point, none twice.")


def test_the_trace_records_the_figures_weights_cloud() -> None:
    params = rnn.init_params(2, 3, 0.1, 42)
    space = state_space(params, "0110" * 3, ["0", "1"], 4)
    assert space["visited"] == 8 and space["text"] == "011001100110"  # windows at 0 and 4: 4 + 5 < 12, 8 + 5 > 12
