"""The player's program: one state per line `forward` executed, with what it wrote, read and said."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

from generator.model import rnn
from generator.model.trace import record_trace
from generator.render.program import Mark, forward_source, record_program
from generator.values import format_quantity

from .project import valid_network


def _trace(**options: str) -> dict[str, Any]:
    return record_trace(valid_network("net", {"updates": "0", **options}))


def _executed_lines(function: Any, trace: dict[str, Any]) -> list[int]:
    """Line events of one call, counted from the function's first line, by a tracer of the test's own."""
    first = function.__code__.co_firstlineno
    lines: list[int] = []

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code is not function.__code__:
            return None
        if event == "line":
            lines.append(frame.f_lineno - first + 1)
        return tracer

    p = trace["params"]
    params = rnn.Params(np.array(p["input_weights_U"]), np.array(p["hidden_weights_W"]),
                        np.array(p["hidden_bias"]).reshape(-1, 1), np.array(p["output_weights_V"]),
                        np.array(p["output_bias"]).reshape(-1, 1))
    previous = sys.gettrace()  # a coverage tool or debugger may have one installed: put it back after
    sys.settrace(tracer)
    try:
        function(params, trace["inputs"], trace["targets"], np.array(trace["hidden_state_prev"]).reshape(-1, 1))
    finally:
        sys.settrace(previous)
    return lines


@pytest.mark.parametrize("options", [{"pattern": "10", "length": "40"},
                                     {"pattern": "hello", "length": "60", "seq-length": "5"},
                                     {"pattern": "01", "length": "20", "seq-length": "1", "hidden-size": "1"}])
def test_one_state_per_executed_line_in_order(options: dict[str, str]) -> None:
    trace = _trace(**options)
    states = record_program(trace)
    assert [s.line for s in states] == _executed_lines(rnn.forward, trace)
    source = forward_source(rnn.forward)[0].splitlines()
    assert source[states[-1].line - 1].strip().startswith("return")


def test_every_value_is_made_once_by_the_line_that_assigns_it() -> None:
    trace = _trace(pattern="011", length="60", **{"hidden-size": "2"})
    states = record_program(trace)
    source = forward_source(rnn.forward)[0].splitlines()
    steps = len(trace["steps"])
    for ref in ("hidden_states", "outputs", "probabilities", "loss", "target"):
        made = [(s, m) for s in states for m in s.made if m.ref == ref]
        assert sorted(m.t for _, m in made) == list(range(steps)), ref
        for state, _ in made:
            assert source[state.line - 1].strip().startswith(ref), (ref, source[state.line - 1])
    weights = [m.ref for m in states[0].made]
    assert weights == list(rnn.PARAM_NAMES)
    assert [m for s in states for m in s.made if m.ref == "hidden_state_prev"] == [Mark("hidden_state_prev")]


def test_xs_shows_its_zeros_before_the_one_is_set() -> None:
    trace = _trace(pattern="10", length="40")
    states = record_program(trace)
    zeros = [m for s in states for m in s.made if m.ref == "xs" and m.values is not None]
    ones = [m for s in states for m in s.made if m.ref == "xs" and m.i is not None]
    assert [m.values for m in zeros] == [(0.0, 0.0)] * len(trace["steps"])
    assert [(m.t, m.i) for m in ones] == list(enumerate(trace["inputs"]))


def test_used_names_what_the_line_reads_at_this_step() -> None:
    trace = _trace(pattern="10", length="40")
    states = record_program(trace)
    hidden = [s for s in states if any(m.ref == "hidden_states" for m in s.made)]
    first, second = hidden[0], hidden[1]
    assert set(first.used) == {Mark("input_weights_U"), Mark("xs", 0), Mark("hidden_weights_W"),
                                   Mark("hidden_state_prev"), Mark("hidden_bias")}
    assert Mark("hidden_states", 0) in second.used and Mark("xs", 1) in second.used
    loss = next(s for s in states if Mark("loss", 1) in s.made)
    assert Mark("loss", 0) in loss.used and Mark("target", 1) in loss.used
    assert Mark("probabilities", 1, trace["targets"][1]) in loss.used


def test_sentences_carry_the_numbers() -> None:
    trace = _trace(pattern="hello", length="60", **{"seq-length": "5"})
    states = record_program(trace)
    for t, step in enumerate(trace["steps"]):
        state = next(s for s in states if Mark("hidden_states", t) in s.made)
        assert state.sentence.startswith(f"hidden_states[{t}] = tanh(")
        shown = ", ".join(format_quantity("hidden_states", v) for v in step["hidden_states"])
        assert f"[{shown}]" in state.sentence
    character = next(s for s in states if s.sentence.startswith("character = inputs[0]"))
    assert character.sentence.endswith(f"= {trace['inputs'][0]} ({trace['vocab'][trace['inputs'][0]]!r})")
    assert states[-1].sentence.endswith(f"loss = {format_quantity('loss', trace['steps'][-1]['loss'])}")


def _forward_with_a_comment_and_a_step(params: rnn.Params, inputs: list[int], targets: list[int],
                                       hidden_state_prev: rnn.Array) -> rnn.ForwardPass:
    """A variant of forward: one more statement per step, so the program must follow the source."""
    input_weights_U, hidden_weights_W, hidden_bias, output_weights_V, output_bias = params.arrays()
    vocab_size = output_weights_V.shape[0]
    xs, hidden_states, outputs, probabilities = {}, {}, {}, {}
    loss = 0.0
    hidden_states[-1] = np.copy(hidden_state_prev)
    for t in range(len(inputs)):
        # the one-hot input
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1
        target = targets[t]
        hidden_states[t] = np.tanh(input_weights_U @ xs[t] + hidden_weights_W @ hidden_states[t - 1]
                                   + hidden_bias)
        outputs[t] = output_weights_V @ hidden_states[t] + output_bias
        probabilities[t] = np.exp(outputs[t]) / np.sum(np.exp(outputs[t]))
        loss += -np.log(probabilities[t][target, 0])
    return rnn.ForwardPass(xs, hidden_states, outputs, probabilities, float(loss))


def test_editing_forward_moves_the_states_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    trace = _trace(pattern="10", length="40")
    monkeypatch.setattr(rnn, "forward", _forward_with_a_comment_and_a_step)
    states = record_program(trace)
    lines = _executed_lines(_forward_with_a_comment_and_a_step, trace)
    spread = next(n for n, text in enumerate(forward_source(rnn.forward)[0].splitlines(), 1)
                  if text.strip().startswith("hidden_states[t] ="))
    statement = (spread, spread + 1)  # Python reports 14, 15, 14 for it: one statement, one state
    collapsed = [line for n, line in enumerate(lines) if not (line in statement and n and lines[n - 1] in statement)]
    assert [s.line for s in states] == [spread if line in statement else line for line in collapsed]
    assert sum(1 for s in states if s.line == spread) == len(trace["steps"])
    assert all(m.ref == "xs" and m.i == trace["inputs"][m.t] for s in states for m in s.made
               if m.ref == "xs" and m.values is None)


def test_a_vector_named_by_its_shape_keeps_that_name_in_its_template() -> None:
    """Above LONGEST_LISTED numbers a sentence names the vector by its shape; its template must not slot it in."""
    from generator.render.narration import LONGEST_LISTED, fill

    trace = _trace(text="abcdefghijklmnopqrstu" * 2, **{"hidden-size": "17", "updates": "2"})
    assert len(trace["vocab"]) > LONGEST_LISTED
    states = record_program(trace)
    assert any("a 21×1 array" in s.sentence for s in states) and any("a 17×1 array" in s.sentence for s in states)
    assert all(fill(state.template, trace) == state.sentence for state in states)
