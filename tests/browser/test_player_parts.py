"""The player's parts: the page API, a figure that fails alone, and a step that repaints only what changed."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, Route, expect

from generator.render.program import record_program

from .conftest import Browse, ready
from .player import Figure, figures

HOME = "index.html"
EDGES = "edges/index.html"

# --- the page API ----------------------------------------------------------------------------------

API = """(name) => {
  const figure = window.unrolled.figure(name);
  return figure && {trace: JSON.stringify(figure.trace), step: figure.step, steps: figure.steps,
                    keys: Object.keys(figure).sort()};
}"""


@pytest.mark.parametrize("path", [HOME, EDGES])
def test_the_page_api_gives_each_figure_its_trace_and_state(browse: Browse, path: str) -> None:
    page = browse.open(path)
    for figure in figures(page):
        api = page.evaluate(API, figure.name)
        assert api is not None, f"window.unrolled.figure({figure.name!r}) is null"
        assert json.loads(api["trace"]) == figure.trace(), f"{figure}: the API's trace is not the inline trace"
        assert (api["step"], api["steps"]) == (figure.step, figure.steps)
        keys = ["complete", "continue", "go", "input", "mode", "sample", "setInput", "showMode", "showUpdate", "step",
                "steps", "tile", "trace"]
        assert api["keys"] == keys, api["keys"]
    assert page.evaluate("() => window.unrolled.figure('nosuch')") is None


# Where each figure's parts sit in it, when the document has been parsed (the stylesheet lays the figures out for their
# players; the player's script is fetched after the page's load event) and again once every figure is set up;
# relative to the figure.
PLACES = """() => Array.from(document.querySelectorAll("figure.rnn-figure"), (f) => ({
  name: f.getAttribute("data-rnn"),
  started: !!window.unrolled && window.unrolled.figure(f.getAttribute("data-rnn")) !== null,
  live: f.classList.contains("is-live"),
  boxes: Array.from(f.querySelectorAll(":scope > div:not(.rnn-tip), :scope > pre, .rnn-controls, .rnn-write, svg"),
    (e) => { // [name] alone for a part not shown (display: none)
      const r = e.getBoundingClientRect(), at = f.getBoundingClientRect(), name = e.className.baseVal ?? e.className;
      return r.width || r.height ? [name, r.x - at.x, r.y - at.y, r.width, r.height] : [name]; }),
}))"""


@pytest.mark.parametrize("path", [HOME, EDGES])
def test_figures_are_laid_out_before_they_start_and_starting_moves_nothing(browse: Browse, path: str) -> None:
    page = browse.open(path, fresh=True)
    page.add_init_script(f"addEventListener('DOMContentLoaded', () => {{ window.parsed = ({PLACES})(); }})")
    page.reload(wait_until="load")
    parsed = page.evaluate("window.parsed")
    ready(page)
    started = page.evaluate(PLACES)
    assert parsed and not any(f["live"] or f["started"] for f in parsed), "the player ran before the page loaded"
    assert all(f["live"] and f["started"] for f in started)
    for before, after in zip(parsed, started, strict=True):
        assert before["boxes"] == after["boxes"], f"starting {before['name']} moved its parts"


def test_the_page_api_is_live_and_go_moves_the_figure(browse: Browse) -> None:
    page = browse.open(HOME)
    figure = Figure(page, "useful")
    step = "() => window.unrolled.figure('useful').step"
    go = "(k) => window.unrolled.figure('useful').go(k)"
    figure.restart()
    assert page.evaluate(step) == 0
    figure.button("Step forward").click()
    figure.wait_step(1)
    assert page.evaluate(step) == 1, "figure(NAME).step does not follow the reader"
    assert page.evaluate(go, 7) == 7
    assert figure.step == 7 and figure.slider.input_value() == "7"
    assert figure.current_line()["line"] == str(record_program(figure.trace())[7].line)
    assert page.evaluate(go, -5) == 0 and figure.step == 0
    assert page.evaluate(go, 10**6) == figure.steps - 1 and figure.step == figure.steps - 1
    thrown = page.evaluate("() => { try { window.unrolled.figure('useful').go('3'); return null; }"
                           " catch (e) { return e.name; } }")
    assert thrown == "TypeError" and figure.step == figure.steps - 1
    figure.restart()
    figure.button("Play").click()
    expect(figure.button("Pause")).to_be_visible()
    page.evaluate(go, 2)
    expect(figure.button("Play")).to_be_visible()  # go() pauses, as the slider does
    page.wait_for_timeout(1_200)
    assert figure.step == 2
    assert Figure(page, "untrained").step == Figure(page, "untrained").steps - 1, "go() moved another figure"


# --- one figure fails alone ------------------------------------------------------------------------

def _in_figure(name: str, change: Callable[[str], str], program: bool = False) -> Callable[[str], str]:
    """Apply `change` to the HTML of the figure `name` only (or to its forward program, at the end of the page)."""
    def corrupt(html: str) -> str:
        begin, close = ('<ol class="rnn-states" data-program="forward"', "</ol>") if program else (
            '<figure class="rnn-figure', "</figure>")
        start = html.index(begin)
        start = html.index(f'data-for="{name}"' if program else f'data-rnn="{name}"', start)
        end = html.index(close, start)
        changed = change(html[start:end])
        assert changed != html[start:end], "the corruption changed nothing"
        return html[:start] + changed + html[end:]
    return corrupt


CORRUPTIONS = {
    "trace that is not JSON": lambda s: s.replace('data-rnn-trace="alternating">{', 'data-rnn-trace="alternating">{[',
                                                  1),
    "state on a line the listing lacks": lambda s: re.sub(r'<li data-line="\d+"', '<li data-line="999"', s, count=1),
    "state making a cell the diagram lacks": lambda s: s.replace('data-made="', 'data-made="hidden_states:99 ', 1),
    "mark with too few values": lambda s: s.replace('data-made="xs:0=0.0,0.0"', 'data-made="xs:0=0.0"', 1),
    "control missing": lambda s: s.replace('class="rnn-scrub"', 'class="rnn-scrubber"', 1),
}


IN_PROGRAM = ("state on a line the listing lacks", "state making a cell the diagram lacks", "mark with too few values")


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_a_broken_figure_leaves_the_others_working(browse: Browse, corruption: str) -> None:
    page = browse.open(HOME, fresh=True)
    corrupt = _in_figure("alternating", CORRUPTIONS[corruption], corruption in IN_PROGRAM)

    def serve(route: Route) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=corrupt(response.text()))

    page.route(re.compile(r".*/index\.html$"), serve)
    page.reload(wait_until="load")
    ready(page)
    watcher = browse.watcher(page)
    errors = [p for p in watcher.problems if p.startswith("console error:")]
    assert len(errors) == 1 and "alternating" in errors[0], watcher.problems
    assert len(watcher.problems) == 1, watcher.problems  # nothing thrown, nothing else logged
    watcher.problems.clear()

    broken = Figure(page, "alternating")
    assert page.evaluate("() => window.unrolled.figure('alternating')") is None
    expect(broken.button("Play")).to_be_hidden()  # no controls that cannot work
    assert broken.root.evaluate("(f) => f.classList.contains('is-live')") is False
    assert broken.step == broken.steps - 1
    if corruption != "trace that is not JSON":  # the build's last state, every value still shown
        expected = broken.expected()
        shown = {c.key for c in broken.cells() if c.text}  # as without JavaScript: the text the build wrote
        assert not expected.window_keys() - shown
    broken.code_tokens("hidden_states").first.hover()
    assert broken.linked() == []
    for name in ("untrained", "useful"):
        working = Figure(page, name)
        working.restart()
        working.button("Step forward").click()
        working.wait_step(1)
        working.code_tokens("hidden_states").first.hover()
        assert set(working.linked()) == {"hidden_states"}
    page.mouse.move(1, 1)
    assert not watcher.problems, watcher.report()


def test_a_figure_that_throws_later_stops_alone_and_says_so_once(browse: Browse) -> None:
    page = browse.open(HOME)
    broken, working = Figure(page, "alternating"), Figure(page, "useful")
    broken.restart()
    # From now on this figure's own attributes cannot be set: its next step throws half-way.
    broken.root.evaluate("(f) => { f.setAttribute = () => { throw new Error('boom'); }; }")
    broken.button("Step forward").click()
    broken.root.evaluate("(f) => { const b = f.querySelector('[data-do=forward]'); b.click(); b.click(); }")
    broken.root.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(100)
    watcher = browse.watcher(page)
    assert len(watcher.problems) == 1 and "alternating" in watcher.problems[0], watcher.problems
    watcher.problems.clear()
    assert page.evaluate("() => window.unrolled.figure('alternating')") is None
    expect(broken.button("Play")).to_be_hidden()
    working.restart()
    working.button("Step forward").click()
    working.wait_step(1)
    assert not watcher.problems, watcher.report()


# --- a step repaints only what changed -------------------------------------------------------------

# Steps every adjacent pair of states both ways through the page API; for each step, the cells the DOM
# says were touched (a MutationObserver over the diagram) must be exactly the cells that look different.
MUTATIONS = """(name) => {
  const api = window.unrolled.figure(name);
  const figure = document.getElementById(name);
  const svg = figure.querySelector('svg.rnn-diagram');
  const cells = Array.from(svg.querySelectorAll('.rnn-cell'));
  const look = () => cells.map((c) => [c.textContent, c.getAttribute('data-value'), c.getAttribute('class')].join('|'));
  const problems = [];
  let steps = 0, touched = 0;
  const observer = new MutationObserver(() => {});
  const step = (from, to) => {
    api.go(from);
    const before = look();
    observer.observe(svg, {subtree: true, attributes: true, characterData: true, childList: true});
    api.go(to);
    const records = observer.takeRecords();
    observer.disconnect();
    const after = look();
    const mutated = new Set(records.map((r) => (r.target.nodeType === 1 ? r.target : r.target.parentElement)
      .closest('.rnn-cell')).filter(Boolean));
    const changed = new Set(cells.filter((c, n) => before[n] !== after[n]));
    steps += 1;
    touched += mutated.size;
    const where = (c) => `${c.getAttribute('data-ref')}[${c.getAttribute('data-t')}][${c.getAttribute('data-i')}]`;
    const extra = [...mutated].filter((c) => !changed.has(c)).map(where);
    const missed = [...changed].filter((c) => !mutated.has(c)).map(where);
    if (extra.length || missed.length) {
      problems.push(`${from} -> ${to}: touched unchanged ${extra}; changed untouched ${missed}`);
    }
  };
  for (let k = 0; k + 1 < api.steps; k++) { step(k, k + 1); step(k + 1, k); }
  return {problems, steps, touched, cells: cells.length};
}"""


@pytest.mark.parametrize(("path", "name"), [(HOME, "useful"), (EDGES, "wide")])
def test_a_step_touches_only_the_cells_that_change(browse: Browse, path: str, name: str) -> None:
    page: Page = browse.open(path)
    result = page.evaluate(MUTATIONS, name)
    assert not result["problems"], "\n".join(result["problems"][:20])
    assert result["steps"] == 2 * (Figure(page, name).steps - 1)
    # a step changes a column at most, not the figure: a few cells per step on average
    assert 0 < result["touched"] / result["steps"] < result["cells"] / 10, result


# --- print and the stage ---------------------------------------------------------------------------

def test_print_shows_every_figure_finished_with_its_numbers_then_puts_the_reader_back(browse: Browse) -> None:
    page = browse.open(HOME)
    found = figures(page)
    found[0].go_to(3)
    found[1].root.locator(".rnn-more").click()
    before = [(f.step, f.root.locator(".rnn-more").get_attribute("aria-pressed")) for f in found]
    page.evaluate("() => dispatchEvent(new Event('beforeprint'))")
    for figure in found:
        assert figure.step == figure.steps - 1
        assert figure.root.locator(".rnn-more").get_attribute("aria-pressed") == "true"
    page.evaluate("() => dispatchEvent(new Event('afterprint'))")
    assert [(f.step, f.root.locator(".rnn-more").get_attribute("aria-pressed")) for f in found] == before


def test_the_stage_takes_focus_only_while_its_diagram_overflows(browse: Browse) -> None:
    stage = "(f) => f.querySelector('.rnn-stage').getAttribute('tabindex')"
    page = browse.open(EDGES, viewport={"width": 390, "height": 800})
    wide = Figure(page, "wide")
    page.wait_for_function(f"() => ({stage})(document.getElementById('wide')) === '0'", timeout=2_000)
    page.set_viewport_size({"width": 3000, "height": 800})
    page.wait_for_function(f"() => ({stage})(document.getElementById('wide')) === null", timeout=2_000)
    assert wide.root.evaluate(stage) is None
    assert Figure(page, "tiny").root.evaluate(stage) is None
