"""The trace contract: every number recomputed here, independently, from the stored params."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from generator.tracefile import script_safe_json, trace_json

from .reference import as_lists


def recompute(trace: dict[str, Any]) -> list[dict[str, Any]]:
    """A forward pass written for the test, from the trace's params only (no generator code)."""
    p = {k: np.array(v, dtype=np.float64) for k, v in trace["params"].items()}
    u, w, v = p["input_weights_U"], p["hidden_weights_W"], p["output_weights_V"]
    bh, by = p["hidden_bias"].reshape(-1, 1), p["output_bias"].reshape(-1, 1)
    h = np.array(trace["hidden_state_prev"]).reshape(-1, 1)
    total, steps = 0.0, []
    for x_index, target in zip(trace["inputs"], trace["targets"], strict=True):
        x = np.zeros((len(trace["vocab"]), 1))
        x[x_index] = 1
        h = np.tanh(u @ x + w @ h + bh)
        y = v @ h + by
        prob = np.exp(y) / np.exp(y).sum()
        total += -math.log(prob[target, 0])
        steps.append({"xs": x.ravel(), "hidden_states": h.ravel(), "outputs": y.ravel(),
                      "probabilities": prob.ravel(), "loss": total})
    return steps


@pytest.mark.parametrize("name", ["untrained", "alternating", "useful"])
def test_every_number_recomputes_from_params(article_traces: dict[str, Any], name: str) -> None:
    trace = json.loads(trace_json(article_traces[name]))
    expected = recompute(trace)
    assert len(trace["steps"]) == len(expected) == 4
    for stored, mine in zip(trace["steps"], expected, strict=True):
        for key in ("xs", "hidden_states", "outputs", "probabilities"):
            assert np.allclose(stored[key], mine[key], rtol=0, atol=1e-12), key
        assert abs(stored["loss"] - mine["loss"]) < 1e-12


def test_schema_keys_and_orientation(article_traces: dict[str, Any]) -> None:
    trace = article_traces["useful"]
    assert trace["schema"] == 3 and trace["name"] == "useful" and trace["vocab"] == ["0", "1"]
    assert trace["spec"] == {"name": "useful", "pattern": "011", "length": 295, "hidden_size": 3, "seq_length": 4,
                             "learning_rate": 0.1, "optimizer": "sgd", "init_scale": 0.1, "clip": 5.0,
                             "seed": 42, "updates": 4700}
    params = trace["params"]
    assert np.shape(params["input_weights_U"]) == (3, 2)
    assert np.shape(params["hidden_weights_W"]) == (3, 3)
    assert np.shape(params["output_weights_V"]) == (2, 3)
    assert len(params["hidden_bias"]) == 3 and len(params["output_bias"]) == 2
    assert set(trace["steps"][0]) == {"xs", "hidden_states", "outputs", "probabilities", "target_probability", "loss"}
    update = trace["update"]
    assert set(update) == {"number", "clip", "grads", "clipped", "params_after", "steps"}  # sgd: no memory
    for key in ("grads", "params_after"):
        assert {k: np.shape(v) for k, v in update[key].items()} == {k: np.shape(v) for k, v in params.items()}
    assert set(update["steps"][0]) == {"output_grad", "hidden_grad", "hidden_grad_raw", "hidden_grad_next"}


def test_target_probability_is_the_probability_of_the_target(article_traces: dict[str, Any]) -> None:
    for trace in article_traces.values():
        for target, step in zip(trace["targets"], trace["steps"], strict=True):
            assert step["target_probability"] == step["probabilities"][target]


def test_article_windows(article_traces: dict[str, Any]) -> None:
    untrained, alternating, useful = (article_traces[n] for n in ("untrained", "alternating", "useful"))
    assert (untrained["inputs"], untrained["targets"]) == ([1, 0, 1, 0], [0, 1, 0, 1])
    assert not any(untrained["hidden_state_prev"])
    assert (alternating["inputs"], alternating["targets"]) == ([1, 0, 1, 0], [0, 1, 0, 1])
    assert (useful["inputs"], useful["targets"]) == ([1, 1, 0, 1], [1, 0, 1, 1])
    assert useful["window_position"] == 112 and any(useful["hidden_state_prev"])


def test_trained_networks_are_sure_and_the_untrained_one_is_not(article_traces: dict[str, Any]) -> None:
    for name in ("alternating", "useful"):
        trace = article_traces[name]
        for step, target in zip(trace["steps"], trace["targets"], strict=True):
            assert step["probabilities"][target] > 0.999, name
    for step in article_traces["untrained"]["steps"]:
        assert all(0.49 < p < 0.51 for p in step["probabilities"])


def test_the_original_authors_hidden_states(article_traces: dict[str, Any]) -> None:
    steps = article_traces["useful"]["steps"]
    assert np.round(steps[0]["hidden_states"], 2).tolist() == [0.72, 0.58, 0.96]
    assert np.round(steps[1]["hidden_states"], 2).tolist() == [-0.76, 0.89, -0.95]


def test_training_history_and_checkpoints(article_traces: dict[str, Any]) -> None:
    training = article_traces["alternating"]["training"]
    assert training["updates"] == 6400
    assert "cross-entropy" in training["loss_kind"]
    assert training["loss_history_updates"][0] == 1 and training["loss_history_updates"][-1] == 6400
    assert training["loss_history"][0] > 2.0 > 0.01 > training["loss_history"][-1]
    checkpoints = as_lists(training["checkpoints"])
    assert [c["update"] for c in checkpoints][::10] == [0, 1280, 2560, 3840, 5120, 6400]
    assert len(checkpoints) == 51
    assert all(set(c) == {"update", "params", "hidden_state_prev"} for c in checkpoints)  # the trace's names
    assert checkpoints[-1]["params"] == article_traces["alternating"]["params"]
    untrained = article_traces["untrained"]["training"]
    assert untrained["loss_history"] == [] and [c["update"] for c in untrained["checkpoints"]] == [0]
    assert as_lists(untrained["checkpoints"])[0]["params"] == article_traces["untrained"]["params"]


def test_floats_round_trip_at_full_precision(article_traces: dict[str, Any]) -> None:
    trace = article_traces["useful"]
    assert json.loads(trace_json(trace)) == as_lists(trace)


def test_script_safe_json_cannot_close_the_script() -> None:
    hostile = {"text": "</script><script>alert(1)</script><!-- & \u2028"}
    safe = script_safe_json(hostile)
    assert "<" not in safe and ">" not in safe and "&" not in safe and "\u2028" not in safe
    assert json.loads(safe) == hostile


EDGE_FLOATS = [0.1 + 0.2, 1e-05, 1e16, -0.0, 5e-324, 1.7976931348623157e308, 123456789012345678.0, 2.0]


def test_trace_json_writes_every_double_exactly_and_refuses_what_json_cannot_hold() -> None:
    written = trace_json({"floats": EDGE_FLOATS, "numpy": [np.float64(0.1)], "nested": [[1.5, None], {"a": 2}]})
    back = json.loads(written)
    assert back["floats"] == EDGE_FLOATS and [math.copysign(1, x) for x in back["floats"]][3] == -1.0
    assert back["numpy"] == [0.1] and back["nested"] == [[1.5, None], {"a": 2}]
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match="NaN or infinity"):
            trace_json({"deep": [[0.5, {"x": [bad]}]]})
    with pytest.raises(TypeError):
        trace_json({"index": np.int64(3)})  # as json.dumps refused it: a trace holds plain numbers
    # Its bulk may stay in float64 arrays until it is written: as their lists, digit for digit, refused the same way.
    bulk = {"flat": np.array(EDGE_FLOATS), "rows": np.array(EDGE_FLOATS[:6]).reshape(2, 3)}
    assert trace_json(bulk) == trace_json({"flat": EDGE_FLOATS, "rows": [EDGE_FLOATS[:3], EDGE_FLOATS[3:6]]})
    with pytest.raises(ValueError, match="NaN or infinity"):
        trace_json({"deep": [{"x": np.array([0.5, math.nan])}]})
    with pytest.raises(TypeError):
        trace_json({"codes": np.array([1, 2])})
