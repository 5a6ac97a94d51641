"""The replay's record: anchors that resume training bit for bit, sentence templates, the loss curve."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from generator.model import health, replay, rnn
from generator.model.trace import record_trace
from generator.render.narration import fill, literal
from generator.render.program import record_program
from generator.render.timeline import loss_curve

from .project import valid_network
from .reference import as_lists


def _flat(params: rnn.Params) -> list[float]:
    return [float(x) for a in params.arrays() for x in a.ravel()]


def test_every_sentence_is_its_template_filled_with_the_trace(article_traces: dict[str, Any]) -> None:
    hello = record_trace(valid_network("hello", {"text": "hello hello", "updates": "60", "seq-length": "5"}))
    for trace in [*article_traces.values(), hello]:
        states = record_program(trace)
        slotted = [s for s in states if s.template != literal(s.sentence)]
        assert len(slotted) == 1 + 4 * len(trace["steps"]) + 1, trace["name"]  # prev, 4 per step, return
        for state in states:
            assert fill(state.template, trace) == state.sentence


def test_a_template_names_the_values_the_weights_decide(article_traces: dict[str, Any]) -> None:
    templates = [s.template for s in record_program(article_traces["useful"])]
    assert "hidden_states[0] = tanh(input_weights_U @ xs[0] + hidden_weights_W @ hidden_states[-1] + hidden_bias)" \
           " = {hidden_states:0}" in templates
    assert "loss += -log(probabilities[2][1, 0]) = {target_probability:2|-log}, so loss = {loss:2}" in templates
    assert "xs, hidden_states, outputs, probabilities = {{}}, {{}}, {{}}, {{}}" in templates
    other = {**article_traces["useful"], "steps": article_traces["untrained"]["steps"]}
    changed = [fill(t, other) for t in templates]
    assert changed != [s.sentence for s in record_program(article_traces["useful"])]


def test_anchors_are_the_runs_own_checkpoints_and_resume_it(article_traces: dict[str, Any]) -> None:
    trace = as_lists(article_traces["alternating"])
    record = trace["training"]["replay"]
    assert record["snap"] is False
    assert [a["update"] for a in record["anchors"]] == [0]  # 6,400 updates: within one ANCHOR_SPAN
    by_update = {c["update"]: c for c in trace["training"]["checkpoints"]}
    for anchor in record["anchors"]:
        checkpoint = by_update[anchor["update"]]
        assert anchor["hidden"] == checkpoint["hidden_state_prev"]
        assert anchor["params"] == [x for name in rnn.PARAM_NAMES for x in np.ravel(checkpoint["params"][name])]
    # The reference loop, resumed from an anchor, reaches the trained weights as the whole run did.
    middle, spec = record["anchors"][0], trace["spec"]
    shapes = [(3, 2), (3, 3), (3, 1), (2, 3), (2, 1)]
    arrays, start = [], 0
    for shape in shapes:
        size = shape[0] * shape[1]
        arrays.append(np.array(middle["params"][start:start + size]).reshape(shape))
        start += size
    params = rnn.Params(*arrays)
    encoded = [trace["vocab"].index(c) for c in record["text"]]
    loop = rnn.DataLoop(encoded, spec["seq_length"], 3)
    loop.position, loop.updates_done = middle["position"], middle["update"]
    loop.hidden_state = np.array(middle["hidden"]).reshape(-1, 1)
    rnn.train(params, encoded, spec["seq_length"], 6400, rnn.Optimizer("sgd", spec["learning_rate"]), spec["clip"],
              loop)
    trained = [x for name in rnn.PARAM_NAMES for x in np.ravel(trace["params"][name])]
    assert np.allclose(_flat(params), trained, rtol=0, atol=1e-12)


def test_anchors_are_at_most_a_span_apart_and_never_the_last_update() -> None:
    for updates in (0, 50, 6400, 10_000, 10_001, 35_000, 1_000_000):
        anchors = replay.anchor_updates(updates, snap=False)
        checkpoints = rnn.checkpoint_updates(updates)
        assert anchors[0] == 0 and set(anchors) <= set(checkpoints) and (updates == 0 or updates not in anchors)
        reach = [*anchors[1:], updates]
        assert all(b - a <= max(replay.ANCHOR_SPAN, updates // 50 + 1) for a, b in zip(anchors, reach, strict=True))
    assert replay.anchor_updates(35_000, snap=False) == [0, 9800, 19600, 29400]


def test_adagrad_anchors_keep_the_optimizers_memory() -> None:
    params = rnn.init_params(2, 3, 0.1, 42)
    encoded = [int(c) for c in "011" * 20]
    _, _, reached = health.train_checked(params, encoded, 4, 100, rnn.Optimizer("adagrad", 0.1), 5.0,
                                         keep=rnn.checkpoint_updates(100)[:-1])
    record = replay.replay_record(reached, 100, 1e4)
    anchors = record["anchors"]
    assert anchors[0]["memory"] == [] and len(anchors[1]["memory"]) == len(anchors[1]["params"]) == 26
    assert all(m > 0 for m in anchors[1]["memory"])


def test_a_network_that_depends_on_rounding_is_replayed_from_every_checkpoint() -> None:
    params = rnn.init_params(2, 3, 0.1, 42)
    encoded = [int(c) for c in "011" * 20]
    _, _, reached = health.train_checked(params, encoded, 4, 100, rnn.Optimizer("sgd", 0.1), 5.0,
                                         keep=rnn.checkpoint_updates(100)[:-1])
    record = replay.replay_record(reached, 100, 1e4)
    assert record["snap"] is True
    assert [a["update"] for a in record["anchors"]] == rnn.checkpoint_updates(100)[:-1]
    calm = replay.replay_record(reached, 100, 3.0)
    assert calm["snap"] is False and [a["update"] for a in calm["anchors"]] == [0]


def test_an_untrained_network_has_no_replay_and_no_curve(article_traces: dict[str, Any]) -> None:
    assert article_traces["untrained"]["training"]["replay"] is None
    assert loss_curve(article_traces["untrained"]) is None


@pytest.mark.parametrize("name", ["alternating", "useful"])
def test_the_loss_curve_names_the_loss_it_draws(article_traces: dict[str, Any], name: str) -> None:
    trace = article_traces[name]
    curve = loss_curve(trace)
    assert curve is not None
    history = trace["training"]["loss_history"]
    assert curve.label.startswith("Loss during training, on a log scale: ")
    assert f"at update {trace['training']['updates']:,}" in curve.label
    assert curve.path.startswith("M") and curve.path.count(" ") >= 2 * (len(history) - 1)
    assert curve.first != curve.last
