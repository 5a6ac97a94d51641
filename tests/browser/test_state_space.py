"""The hidden state's plot: its points are the trace's states projected as documented, and it follows the player."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from generator.model import rnn
from generator.model.state_space import project, state_space
from generator.render.program import record_program
from generator.render.state_plot import space_sentence

from .conftest import Browse, Site

CLOSE = 1e-9  # CSS pixels: the script and numpy project the same numbers
READ = """(root) => {
    const svg = root.querySelector("svg.rnn-plot"), now = svg.querySelector(".rnn-now");
    return { role: svg.getAttribute("role"), label: svg.getAttribute("aria-label"),
             described: document.getElementById(svg.getAttribute("aria-describedby")).textContent,
             cloud: Array.from(svg.querySelectorAll(".rnn-cloud circle"), (c) => [Number(c.getAttribute("cx")),
                                                                                 Number(c.getAttribute("cy"))]),
             path: svg.querySelector(".rnn-path").getAttribute("d"), at: svg.querySelector(".rnn-at").textContent,
             now: [Number(now.getAttribute("cx")), Number(now.getAttribute("cy"))],
             texts: Array.from(svg.querySelectorAll("text"), (t) => t.textContent) };
}"""


def _pixels(state: list[float], how: dict[str, Any]) -> tuple[float, float]:
    """Where the plot puts a state: (x, y) in [-1, 1]² at (120 + 90x, 122 - 90y)."""
    x, y = project(np.array(state), how)
    return 120 + 90 * x, 122 - 90 * y


def _path(d: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"([-\d.e]+),([-\d.e]+)", d)]


def _far(got: list[Any], want: list[tuple[float, float]]) -> float:
    assert len(got) == len(want)
    return max((abs(a - b) for g, w in zip(got, want, strict=True) for a, b in zip(g, w, strict=True)), default=0.0)


def _trace_file(site: Site, name: str) -> dict[str, Any]:
    return json.loads((site.folder / "traces" / f"{name}.json").read_text(encoding="utf-8"))


def _open(browse: Browse, site: Site, where: str, name: str) -> tuple[Page, Any]:
    page = browse.open(where, site=site)
    return page, page.locator(f'figure[data-rnn="{name}"]')


@pytest.mark.parametrize(("where", "name", "kind"), [
    ("index.html", "untrained", "cube"), ("index.html", "alternating", "cube"), ("index.html", "useful", "cube"),
    ("edges/index.html", "tiny", "line"), ("edges/index.html", "wide", "components")])
def test_the_plot_is_the_traces_states_projected(browse: Browse, article_site: Site, fixture_site: Site,
                                                  where: str, name: str, kind: str) -> None:
    site = article_site if where == "index.html" else fixture_site
    trace = _trace_file(site, name)
    space, how = trace["state_space"], trace["state_space"]["projection"]
    assert how["kind"] == kind
    page, root = _open(browse, site, where, name)
    shown = root.evaluate(READ)
    assert shown["role"] == "img" and shown["label"].startswith("The hidden state's space")
    assert shown["described"] == space_sentence(space)  # the script's sentence is the build's
    assert _far(shown["cloud"], [_pixels(p, how) for p in space["points"]]) < CLOSE
    window = [trace["hidden_state_prev"]] + [step["hidden_states"] for step in trace["steps"]]
    assert _far(_path(shown["path"]), [_pixels(h, how) for h in window]) < CLOSE
    assert shown["at"] == f"hidden_states[{len(trace['steps']) - 1}]"  # the build shows the last state
    assert _far([shown["now"]], [_pixels(window[-1], how)]) < CLOSE
    assert ("first two principal components" in shown["texts"]) == (kind == "components")
    assert not browse.watcher(page).problems


def test_the_highlight_follows_the_player(browse: Browse, article_site: Site) -> None:
    trace = _trace_file(article_site, "useful")
    how = trace["state_space"]["projection"]
    window = [trace["hidden_state_prev"]] + [step["hidden_states"] for step in trace["steps"]]
    page, root = _open(browse, article_site, "index.html", "useful")
    made = [" ".join(mark.token() for mark in state.made) for state in record_program(trace)]  # the page's states
    t = -1
    for k, marks in enumerate(made):
        t = max([t] + [int(m.group(1)) for m in re.finditer(r"(?:^| )hidden_states:(\d+)", marks)])
        page.evaluate("(k) => window.unrolled.figure('useful').go(k)", k)
        shown = root.evaluate(READ)
        assert shown["at"] == ("hidden_state_prev" if t < 0 else f"hidden_states[{t}]"), k
        assert _far([shown["now"]], [_pixels(window[t + 1], how)]) < CLOSE, k
    assert t == len(trace["steps"]) - 1
    root.locator('button[data-do="restart"]').click()
    assert root.evaluate(READ)["at"] == "hidden_state_prev"


@pytest.mark.parametrize("name", ["alternating", "useful"])
def test_the_replay_redraws_the_cloud_of_the_replayed_weights(browse: Browse, article_site: Site, name: str) -> None:
    """At an update the replay shows, the cloud is min-char-rnn's weights at that update reading the text."""
    trace = _trace_file(article_site, name)
    spec, vocab, text = trace["spec"], trace["vocab"], trace["training"]["replay"]["text"]
    how = trace["state_space"]["projection"]
    page, root = _open(browse, article_site, "index.html", name)
    params = rnn.init_params(len(vocab), spec["hidden_size"], spec["init_scale"], spec["seed"])
    optimizer, loop = rnn.Optimizer(spec["optimizer"], spec["learning_rate"]), None
    for n in (0, 40, spec["updates"] // 3):
        if n:
            loop = rnn.train(params, [vocab.index(c) for c in text], spec["seq_length"], n, optimizer, spec["clip"],
                             loop).loop
        page.evaluate("([name, n]) => window.unrolled.figure(name).showUpdate(n)", [name, n])
        shown = root.evaluate(READ)
        want = state_space(params, text, vocab, spec["seq_length"])
        assert _far(shown["cloud"], [_pixels(p, how) for p in want["points"]]) < 1e-6, n
        assert shown["described"] == space_sentence(want), n
        steps = page.evaluate("(name) => window.unrolled.figure(name).trace.steps", name)
        window = [trace["hidden_state_prev"]] + [step["hidden_states"] for step in steps]
        assert _far(_path(shown["path"]), [_pixels(h, how) for h in window]) < CLOSE, n
    page.evaluate("([name, n]) => window.unrolled.figure(name).showUpdate(n)", [name, spec["updates"]])
    assert _far(root.evaluate(READ)["cloud"], [_pixels(p, how) for p in trace["state_space"]["points"]]) < CLOSE
    assert not browse.watcher(page).problems


def test_without_javascript_the_sentence_stands_alone(browse: Browse, article_site: Site) -> None:
    page = browse.open("index.html", site=article_site, java_script_enabled=False)
    spaces = page.locator("figure.rnn-figure .rnn-space")
    assert spaces.count() == 3 and page.locator("svg.rnn-plot").count() == 3
    for k in range(3):
        expect(page.locator("svg.rnn-plot").nth(k)).to_be_hidden()  # empty room for a player that is not there
    trace = _trace_file(article_site, "alternating")
    assert spaces.nth(1).text_content() == space_sentence(trace["state_space"])
