"""The training step's program: one state per line of one update, into forward, backward and the optimizer."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generator.model import rnn
from generator.model.trace import record_trace
from generator.render.program import Mark, forward_source
from generator.render.update_program import functions, record_update, update_listing
from generator.values import format_quantity

from .project import OTHER_PAGE, TINY_PAGE, make_project, run_build, valid_network

NETWORKS = {
    "sgd": {"pattern": "011", "length": "60", "updates": "5"},
    "adagrad clipped": {"pattern": "0110", "length": "60", "updates": "3", "optimizer": "adagrad",
                        "init-scale": "2", "clip": "0.3"},
    "untrained": {"pattern": "10", "length": "40", "updates": "0", "seq-length": "3", "hidden-size": "2"},
}


def _trace(name: str) -> dict[str, Any]:
    return record_trace(valid_network("net", NETWORKS[name]))


def _executed(trace: dict[str, Any]) -> list[int]:
    """Line events of one update in the four functions, as lines of the listing, by a tracer of the test's own."""
    _source, offsets = update_listing()
    starts = {f.__code__: (f.__code__.co_firstlineno, offsets[f]) for f in functions()}
    lines: list[int] = []

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code not in starts:
            return None
        if event == "line":
            first, offset = starts[frame.f_code]
            lines.append(frame.f_lineno - first + 1 + offset)
        return tracer

    p = trace["params"]
    params = rnn.Params(*(np.array(p[n], dtype=float).reshape(np.shape(p[n]) if "bias" not in n else (-1, 1))
                          for n in rnn.PARAM_NAMES))
    memory = trace["update"].get("memory_before")
    optimizer = rnn.Optimizer(trace["spec"]["optimizer"], trace["spec"]["learning_rate"], [
        np.array(memory[n], dtype=float).reshape(getattr(params, n).shape) for n in rnn.PARAM_NAMES] if memory else [])
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        rnn.make_update(params, optimizer, trace["inputs"], trace["targets"],
                        np.array(trace["hidden_state_prev"]).reshape(-1, 1), trace["spec"]["clip"])
    finally:
        sys.settrace(previous)
    return lines


@pytest.mark.parametrize("name", NETWORKS)
def test_one_state_per_executed_line_of_the_update(name: str) -> None:
    trace = _trace(name)
    states, source = record_update(trace)
    assert source == "\n".join(forward_source(f)[0] for f in functions())
    assert [s.line for s in states] == _executed(trace)
    lines = source.splitlines()
    assert lines[states[0].line - 1].strip().startswith("run = forward(")
    assert lines[states[-1].line - 1].strip() == "return run, grads"


@pytest.mark.parametrize("name", NETWORKS)
def test_every_gradient_is_made_by_its_line_with_its_values(name: str) -> None:
    trace = _trace(name)
    states, source = record_update(trace)
    lines, update, steps = source.splitlines(), trace["update"], len(trace["inputs"])
    for ref in ("output_grad", "hidden_grad"):
        made = [(s, m) for s in states for m in s.made if m.ref == ref]
        assert sorted({m.t for _, m in made}) == list(range(steps)), ref
    copies = [m for s in states for m in s.made if m.ref == "output_grad" and m.values is not None]
    # `output_grad = np.copy(run.probabilities[t])`: written as "holds what probabilities[t] shows", not again
    assert [(m.t, m.same_as, m.token().split("=")[1]) for m in copies] == [
        (t, f"probabilities:{t}", f"@probabilities:{t}") for t in reversed(range(steps))]
    assert copies[0].values == tuple(trace["steps"][steps - 1]["probabilities"])
    sent = [(s, m) for s in states for m in s.made if m.ref == "hidden_grad_next"]
    assert [m.t for _, m in sent] == [steps, *reversed(range(steps))]  # the zeros first, then from the last step
    for name_ in rnn.PARAM_NAMES:
        grads = [(s, m) for s in states for m in s.made if m.ref == f"grads.{name_}"]
        # Whole at t = 0 (its values only if clipping changes them), then clipped in place.
        assert len(grads) == 2 and lines[grads[-1][0].line - 1].strip().startswith("np.clip(")
        whole = np.array(update["grads"][name_], dtype=float).ravel()
        assert grads[-1][1].values is None
        clipped = bool(update["clipped"][name_])
        assert (grads[0][1].values is not None) == clipped
        weights = [m for s in states for m in s.made if m.ref == name_ and m.values is not None]
        assert len(weights) == 1 and weights[0].values == tuple(np.array(update["params_after"][name_]).ravel())
        assert np.all(np.abs(whole) <= trace["spec"]["clip"])


def test_used_names_the_gradients_a_line_reads() -> None:
    trace = _trace("sgd")
    states, _ = record_update(trace)
    steps = len(trace["inputs"])
    hidden = [s for s in states if any(m.ref == "hidden_grad" for m in s.made)]
    assert [m for m in hidden[0].used] == [Mark("output_weights_V"), Mark("output_grad", steps - 1),
                                         Mark("hidden_grad_next", steps)]
    first = next(s for s in states if Mark("grads.hidden_weights_W") in s.made)
    assert Mark("hidden_state_prev") in first.used  # run.hidden_states[t - 1] at t = 0
    step = next(s for s in states if any(m.ref == "input_weights_U" and m.values for m in s.made))
    assert step.used == (Mark("grads.input_weights_U"),)


def test_sentences_say_what_clipping_and_the_step_did() -> None:
    trace = _trace("adagrad clipped")
    states, _ = record_update(trace)
    update = trace["update"]
    clipping = [s.sentence for s in states if s.sentence.startswith("clip(")]
    assert len(clipping) == 5
    for name, sentence in zip(rnn.PARAM_NAMES, clipping, strict=True):
        count = len(update["clipped"][name])
        assert sentence.startswith(f"clip(grads.{name}, -0.30, 0.30, out=grads.{name}): ")
        assert (f"{count} clipped to ±0.30" in sentence) == bool(count), sentence
    assert any(update["clipped"].values())
    moved = [s.sentence for s in states if s.sentence.startswith("params.hidden_bias += ")]
    before = ", ".join(format_quantity("hidden_bias", v) for v in trace["params"]["hidden_bias"])
    after = ", ".join(format_quantity("hidden_bias", v) for v in update["params_after"]["hidden_bias"])
    assert moved == [moved[0]] and f"so params.hidden_bias = [{after}] (it was [{before}])" in moved[0]
    weights = next(s.sentence for s in states if s.sentence.startswith("params.hidden_weights_W += "))
    rows = ", ".join("[" + ", ".join(format_quantity("hidden_weights_W", v) for v in row) + "]"
                     for row in update["params_after"]["hidden_weights_W"])
    assert f"so params.hidden_weights_W = [{rows}]" in weights  # a small matrix written out as its rows
    loop = [s.sentence for s in states if s.sentence.startswith("for k, name in enumerate(PARAM_NAMES)")]
    assert loop[0].endswith("k, name = 0, 'input_weights_U'") and loop[-1].endswith("the loop is done")


def test_the_untrained_network_makes_the_first_update() -> None:
    trace = _trace("untrained")
    states, _ = record_update(trace)
    assert trace["update"]["number"] == 1
    assert states[0].sentence.startswith("run = forward(params, inputs, targets, hidden_state_prev): the forward pass")
    assert "if self.kind == 'sgd': True" in [s.sentence for s in states]


def _page_with(second: str) -> dict[str, str]:
    """The tiny page with a second figure after it (same training, another name), shown as `second` says."""
    block = TINY_PAGE[TINY_PAGE.index("```{rnn} tiny"):]
    block = block[:block.index("```", 5) + 3].replace("{rnn} tiny", "{rnn} later")
    return {"index.md": TINY_PAGE + "\n\n" + block.replace(":updates: 20", f":updates: 20\n:show: {second}") + "\n",
            "other.md": OTHER_PAGE}


@pytest.mark.parametrize("second", ["forward", "update"])
def test_a_figure_opens_on_the_mode_its_block_asks_for(tmp_path: Path, second: str) -> None:
    root = make_project(tmp_path, _page_with(second))
    assert run_build(root, "-q").exit_code == 0
    html = (root / "build" / "site" / "index.html").read_text(encoding="utf-8")
    figures = re.findall(r'<figure class="(rnn-figure[^"]*)"[^>]*data-show="(\w+)"[^>]*data-steps="(\d+)"', html)
    assert [(("is-update" in css), show) for css, show, _ in figures] == [(False, "forward"),
                                                                          (second == "update", second)]
    svgs = re.findall(r'<svg class="rnn-diagram" viewBox="[-\d]+ [-\d]+ \d+ (\d+)" width="\d+" height="(\d+)" '
                      r'data-heights="(\d+) (\d+)"', html)
    for (box, height, forward, update), (_, show, _) in zip(svgs, figures, strict=True):
        assert box == height == (update if show == "update" else forward) and int(forward) < int(update)
    listings = re.findall(r'<pre class="rnn-code" data-program="update"( data-shared)?>', html)
    # A figure that opens on the training step holds its listing; one shown forward loads it with the step later.
    assert listings == [" data-shared", " data-shared" if second == "forward" else ""]
    programs = re.search(r'<div class="rnn-programs" hidden>(.*)</div>', html, re.S)
    assert programs is not None and re.findall(r'data-for="(\w+)"', programs.group(1)) == (
        ["tiny", "later"] + (["later"] if second == "update" else []))
    assert (root / "build" / "site" / "traces" / "tiny.step.js").is_file()
    assert (root / "build" / "site" / "traces" / "later.step.js").is_file() == (second == "forward")
    update_states = (programs.group(1).split('data-program="update" data-for="later"')[1].count("<li")
                     if second == "update" else 0)
    # The forward program is written as templates: a loop step's states once, expanded for each step of the window.
    forward_list = html.split('data-program="forward" data-for="later"')[1].split("</ol>")[0]
    steps = len(json.loads(html.split('data-rnn-trace="later">')[1].split("</script>")[0])["inputs"])
    forward_states = (forward_list.count("<li") - forward_list.count('data-loop="t"')
                      + forward_list.count('data-loop="t"') * (steps - 1))
    assert int(figures[1][2]) == (update_states + forward_states if second == "update" else forward_states)
    pressed = re.findall(r'data-mode="update" aria-pressed="(\w+)"', html)
    assert pressed == ["false", "true" if second == "update" else "false"]
