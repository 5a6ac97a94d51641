"""The forward program of any window from the page's templates: the same states `record_program` records."""

from __future__ import annotations

import random

import pytest

from generator.model.trace import record_trace
from generator.render.narration import fill
from generator.render.program import record_program
from generator.render.windows import TemplateError, expand, forward_templates, recorded

from .conftest import ARTICLE_NETWORKS
from .project import valid_network
from .reference import window_trace

SHIPPED = {**ARTICLE_NETWORKS, "hello": {"pattern": "hello", "length": "100", "seq-length": "5", "updates": "500"}}
EDGES = {
    "symbols": {"text": "{}$'\" \n\\a" * 5, "updates": "30", "seq-length": "6"},
    "one-step": {"pattern": "01", "length": "20", "seq-length": "1", "hidden-size": "1", "updates": "5"},
    "wide": {"pattern": "abcdefghijkl", "length": "80", "seq-length": "12", "updates": "10"},
}


@pytest.mark.parametrize("name", [*SHIPPED, *EDGES])
def test_the_templates_expand_to_the_recorded_program_of_any_window(name: str) -> None:
    trace = record_trace(valid_network(name, {**SHIPPED, **EDGES}[name]))
    templates = forward_templates(trace)
    longest = int(trace["spec"]["seq_length"]) + 1
    rng = random.Random(name)
    windows = [[rng.randrange(len(trace["vocab"])) for _ in range(rng.randint(2, longest))] for _ in range(25)]
    for codes in [[0, 0], [0] * longest, *windows]:
        window = window_trace(trace, codes)
        program = record_program(window)
        expanded = expand(templates, window)
        assert expanded == [recorded(state) for state in program], codes
        assert [fill(state[3], window) for state in expanded] == [state.sentence for state in program], codes


def test_the_page_writes_each_loop_step_once() -> None:
    trace = record_trace(valid_network("net", SHIPPED["useful"]))
    templates = forward_templates(trace)
    assert len(templates.first) == len(templates.later) and templates.first[0].line == templates.later[0].line
    assert "$t" in templates.later[0].say and "$t" not in templates.first[0].say
    assert any("$x" in t.made for t in templates.later) and any("$X" in t.say for t in templates.later)


def test_a_template_that_cannot_say_what_a_number_is_is_refused() -> None:
    from generator.render.windows import _numbers

    with pytest.raises(TemplateError):
        _numbers("xs[2][1]", [("xs[3][2]", {"t": (2, 3)})])  # the 1 moved, but not as t does
    with pytest.raises(TemplateError):
        _numbers("xs[2]", [("hs[2]", {"t": (2, 3)})])
    assert _numbers("xs[2][0]", [("xs[3][0]", {"t": (2, 3), "p": (1, 2)})]) == "xs[$t][0]"
