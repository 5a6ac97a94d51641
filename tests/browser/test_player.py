"""The player in Chromium: controls, keys, permalinks, the current line, the numbers, hover linking."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from generator.render.program import record_program

from .conftest import Browse
from .expect import REFS, Expected, cell_text, close, format_number, run_listing
from .player import Cell, Figure, figures

HOME = "index.html"
EDGES = "edges/index.html"
LINKED = (*REFS, "inputs")  # the input characters over each column are linked by their own name
FIGURES = [(HOME, "untrained"), (HOME, "alternating"), (HOME, "useful"), (EDGES, "tiny"), (EDGES, "wide")]
MODES = ["http", "file"]
MINUS = "\u2212"


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# --- the contract ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [HOME, EDGES])
def test_each_figure_has_the_contract_parts(browse: Browse, path: str) -> None:
    page = browse.open(path)
    found = figures(page)
    assert [f.name for f in found] == [name for p, name in FIGURES if p == path]
    for figure in found:
        root = figure.root
        assert root.get_attribute("id") == figure.name
        assert root.get_attribute("tabindex") == "0"
        n = figure.steps
        trace = figure.trace()
        assert trace["name"] == figure.name and trace["schema"] == 3
        # one state per executed line of forward: at least the loop's lines for every time step
        assert n >= 3 * len(trace["inputs"]) + 1, f"{figure}: only {n} states for {len(trace['inputs'])} steps"
        assert 0 <= figure.step < n
        expect(root.locator("svg.rnn-diagram")).to_have_count(1)
        expect(root.locator("pre.rnn-code[data-program=forward]")).to_have_count(1)
        assert root.locator("pre.rnn-code[data-program=forward] .rnn-line[data-line]").count() >= 8
        figure.current_line()
        for name in ("Restart", "Step back", "Play", "Step forward"):
            expect(figure.button(name)).to_be_visible()
        expect(figure.slider).to_be_visible()
        assert figure.slider.get_attribute("min") in ("0", None)
        assert figure.slider.get_attribute("max") == str(n - 1)
        assert figure.slider.input_value() == str(figure.step)
        expect(figure.speed).to_be_visible()
        say = root.locator(".rnn-say")
        expect(say).to_have_count(1)
        live = say.evaluate("(e) => { const r = e.closest('[aria-live], [role=status], [role=log]');"
                            " return r ? (r.getAttribute('aria-live') || r.getAttribute('role')) : null; }")
        assert live in ("polite", "assertive", "status", "log"), f"{figure}: .rnn-say is in no live region"
        expect(root.locator("table.rnn-steps")).to_have_count(1)
        if figure.name != "tiny":  # tiny has no :caption:
            expect(root.locator("figcaption")).not_to_be_empty()
        for ref in LINKED:
            assert figure.code_tokens(ref).count() >= 1, f"{figure}: no code token with data-ref={ref}"
            assert figure.diagram_elements(ref).count() >= 1, f"{figure}: no diagram element with data-ref={ref}"
        characters = root.locator("svg.rnn-diagram text[data-ref='inputs'][data-t]").evaluate_all(
            "(ts) => ts.map((t) => [Number(t.getAttribute('data-t')), t.textContent])")
        assert characters == [[t, repr(trace["vocab"][c])] for t, c in enumerate(trace["inputs"])], characters
        assert root.locator("svg.rnn-diagram text[data-ref='xs']:not(.rnn-label)").count() == 0


# --- controls --------------------------------------------------------------------------------------

def test_step_forward_back_and_restart(browse: Browse, mode: str) -> None:
    page = browse.open(HOME, mode=mode)
    figure = Figure(page, "useful")
    n = figure.steps
    figure.restart()
    line0 = figure.current_line()["line"]
    figure.button("Step back").click(force=True)  # may be disabled at the first state
    figure.wait_step(0)
    figure.button("Step forward").click()
    figure.wait_step(1)
    assert figure.current_line()["line"] != line0
    figure.button("Step forward").click()
    figure.wait_step(2)
    figure.button("Step back").click()
    figure.wait_step(1)
    assert figure.slider.input_value() == "1"
    figure.go_to(n - 1)
    figure.button("Step forward").click(force=True)  # may be disabled at the last state
    page.wait_for_timeout(100)
    assert figure.step == n - 1
    figure.restart()
    assert figure.current_line()["line"] == line0
    assert figure.slider.input_value() == "0"


def test_slider_sets_the_state(browse: Browse) -> None:
    page = browse.open(HOME)
    figure = Figure(page, "alternating")
    n = figure.steps
    seen = set()
    for k in (n // 2, 1, n - 1, 0, n // 3):
        figure.go_to(k)
        assert figure.slider.input_value() == str(k)
        seen.add(figure.current_line()["line"])
    assert len(seen) >= 3, "the highlighted line does not move with the slider"
    figure.slider.focus()
    page.keyboard.press("ArrowRight")
    figure.wait_step(n // 3 + 1)


def test_play_advances_and_pause_holds(browse: Browse) -> None:
    page = browse.open(HOME)
    figure = Figure(page, "useful")
    figure.restart()
    figure.button("Play").click()
    expect(figure.button("Pause")).to_be_visible()
    expect(figure.button("Play")).to_have_count(0)
    page.wait_for_function("(f) => Number(f.getAttribute('data-step')) >= 2",
                           arg=figure.root.element_handle(), timeout=8_000)
    figure.button("Pause").click()
    expect(figure.button("Play")).to_be_visible()
    held = figure.step
    page.wait_for_timeout(600)
    assert figure.step == held, "the figure kept stepping after Pause"


def test_play_stops_at_the_last_state(browse: Browse) -> None:
    page = browse.open(HOME)
    figure = Figure(page, "untrained")
    n = figure.steps
    figure.set_speed(fastest=True)
    figure.go_to(n - 3)
    figure.button("Play").click()
    figure.wait_step(n - 1, timeout=8_000)
    expect(figure.button("Play")).to_be_visible(timeout=3_000)
    page.wait_for_timeout(500)
    assert figure.step == n - 1


def test_restart_while_playing_goes_to_the_first_state(browse: Browse) -> None:
    page = browse.open(HOME)
    figure = Figure(page, "alternating")
    figure.go_to(5)
    figure.button("Play").click()
    figure.button("Restart").click()
    page.wait_for_function("(f) => Number(f.getAttribute('data-step')) <= 1",
                           arg=figure.root.element_handle(), timeout=3_000)


def _steps_in(page: Page, figure: Figure, seconds: float) -> int:
    figure.restart()
    figure.button("Play").click()
    started = time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    reached = figure.step
    elapsed = time.monotonic() - started
    figure.button("Pause").click(timeout=2_000)
    assert elapsed < seconds + 1.0
    return reached


def test_speed_control_changes_the_pace(browse: Browse) -> None:
    page = browse.open(HOME)
    figure = Figure(page, "useful")
    speed = figure.speed
    tag = speed.evaluate("(e) => e.tagName.toLowerCase()")
    if tag == "select":
        choices = speed.evaluate("(s) => Array.from(s.options, (o) => Number(o.value))")
        assert min(choices) == 0.5 and max(choices) == 4, f"Speed offers {choices}, not 0.5× to 4×"
    else:
        assert (speed.get_attribute("min"), speed.get_attribute("max")) == ("0.5", "4")
    figure.set_speed(fastest=False)
    slow = _steps_in(page, figure, 1.2)
    figure.set_speed(fastest=True)
    fast = _steps_in(page, figure, 1.2)
    assert fast >= 3 and fast >= 2 * max(slow, 1), f"4× reached state {fast} in 1.2 s, 0.5× reached {slow}"


def test_keys_with_the_figure_focused(browse: Browse) -> None:
    page = browse.open(HOME)
    figure = Figure(page, "useful")
    n = figure.steps
    figure.restart()
    figure.root.focus()
    # What the browser would do with each key (scroll the page) must not happen: the figure takes the key. (A step
    # may still scroll its cells into view on purpose: Player.follow.)
    page.evaluate("""() => { window.unhandled = [];
        addEventListener("keydown", (e) => { if (!e.defaultPrevented) window.unhandled.push(e.key); }); }""")
    page.keyboard.press("ArrowRight")
    figure.wait_step(1)
    page.keyboard.press("ArrowRight")
    figure.wait_step(2)
    page.keyboard.press("ArrowLeft")
    figure.wait_step(1)
    page.keyboard.press("End")
    figure.wait_step(n - 1)
    page.keyboard.press("Home")
    figure.wait_step(0)
    page.keyboard.press("Space")
    expect(figure.button("Pause")).to_be_visible()
    page.wait_for_function("(f) => Number(f.getAttribute('data-step')) >= 1",
                           arg=figure.root.element_handle(), timeout=8_000)
    page.keyboard.press("Space")
    expect(figure.button("Play")).to_be_visible()
    held = figure.step
    page.wait_for_timeout(500)
    assert figure.step == held
    assert page.evaluate("() => window.unhandled") == [], \
        "keys left to the browser (Space, Home, End and the arrows must be handled by the figure)"


# --- permalinks ------------------------------------------------------------------------------------

def test_permalink_opens_the_figure_at_that_state(browse: Browse, mode: str) -> None:
    page = browse.open(HOME, mode=mode, fragment="useful:7", viewport={"width": 1280, "height": 700})
    figure = Figure(page, "useful")
    figure.wait_step(7)
    assert figure.slider.input_value() == "7"
    expect(figure.root).to_be_in_viewport()
    assert page.evaluate("() => window.scrollY") > 0
    for other in figures(page):
        if other.name != "useful":
            assert other.step != 7 or other.steps <= 7, f"{other} also jumped to 7"


def test_stepping_replaces_the_hash(browse: Browse, mode: str) -> None:
    page = browse.open(HOME, mode=mode, fragment="useful:7")
    figure = Figure(page, "useful")
    figure.wait_step(7)
    length = page.evaluate("() => history.length")
    figure.button("Step forward").click()
    figure.wait_step(8)
    page.wait_for_function("() => location.hash === '#useful:8'", timeout=2_000)
    figure.button("Step back").click()
    figure.button("Step back").click()
    figure.wait_step(6)
    page.wait_for_function("() => location.hash === '#useful:6'", timeout=2_000)
    other = Figure(page, "untrained")
    other.go_to(3)
    page.wait_for_function("() => location.hash === '#untrained:3'", timeout=2_000)
    assert page.evaluate("() => history.length") == length, "stepping pushed history entries"


def test_permalink_on_a_page_in_a_folder(browse: Browse, mode: str) -> None:
    page = browse.open(EDGES, mode=mode, fragment="wide:40")
    figure = Figure(page, "wide")
    figure.wait_step(40)
    expect(figure.root).to_be_in_viewport()


@pytest.mark.parametrize("fragment", ["useful:99999", "useful:-3", "useful:x", "nosuch:3", "useful:"])
def test_bad_permalinks_are_harmless(browse: Browse, fragment: str) -> None:
    page = browse.open(HOME, fragment=fragment)
    figure = Figure(page, "useful")
    assert 0 <= figure.step < figure.steps
    figure.button("Step forward").click(force=True)
    page.wait_for_timeout(50)


# --- the current line and the numbers --------------------------------------------------------------

def _check_cell(cell: Cell, expected: Expected, state: int) -> list[str]:
    problems = []
    where = f"state {state}: {cell.where()}"
    if cell.ref == "target":  # no data-value: its text is the target character as Python writes it
        character = expected.trace["vocab"][expected.trace["targets"][cell.t or 0]]
        if cell.value is None and cell.text not in ("", repr(character)):
            problems.append(f"{where} shows {cell.text!r}, not the target {character!r}")
        if cell.value is None:
            return problems
    if cell.value is None:
        if cell.text:
            problems.append(f"{where} has no data-value yet shows {cell.text!r}")
        return problems
    key = cell.key
    if key not in expected.values:
        return [f"{where} names no value of the forward pass (key {key})"]
    if cell.ref == "target" and cell.value in expected.trace["vocab"]:
        shown = float(expected.trace["vocab"].index(cell.value))
    else:
        try:
            shown = float(cell.value)
        except ValueError:
            return [f"{where}: data-value {cell.value!r} is not a number"]
    want, recorded = expected.values[key], expected.recorded[key]
    zeros_first = cell.ref == "xs" and shown == 0.0  # after `xs[t] = np.zeros(...)`, before the one is set
    if not zeros_first:
        if not close(shown, want):
            problems.append(f"{where}: data-value {cell.value} but numpy gives {want!r}")
        elif shown != recorded:
            problems.append(f"{where}: data-value {cell.value} is not the trace's {recorded!r} exactly")
    if cell.ref != "target" and not cell.tile:
        text = cell_text(cell.ref, shown)
        if cell.text != text:
            problems.append(f"{where}: shows {cell.text!r} for {cell.value}, the format rules give {text!r}")
    return problems


def _outline_problems(state: dict[str, Any], k: int) -> list[str]:
    """The outlines at state k are exactly what its `li` says the line made and used: a whole array's group,
    or the cells of one element."""
    problems = []
    for name, tokens in state["marks"].items():
        want = set()
        for token in (tokens or "").split():
            ref, t, i = [*token.split("=")[0].split(":"), "", ""][:3]
            want.add(f"cell:{ref}:{t}:{i}" if i else f"array:{ref}:{t}:")
        shown = set(state["outlined"][name])
        if shown != want:
            problems.append(f"state {k}: {name} is on {sorted(shown)}, the state names {sorted(want)}")
    return problems


def _sentence_has(say: str, numbers: list[float]) -> bool:
    said = say.replace(MINUS, "-")
    return all(re.search(rf"(?<![\d.]){re.escape(format_number(x))}(?!\d)", said) for x in numbers)


@pytest.mark.parametrize(("path", "name"), FIGURES)
def test_every_state_shows_the_traces_numbers(browse: Browse, path: str, name: str) -> None:
    page = browse.open(path)
    figure = Figure(page, name)
    expected = figure.expected()
    n = figure.steps
    problems: list[str] = []
    snapshots: dict[int, list[Cell]] = {}
    before: dict[tuple[str, int | None, int | None, int | None], str] = {}
    lines: list[str] = []
    walked = figure.walk()
    assert len(walked) == n
    # What each state made and used, as the build records it (the page writes them as templates per loop step).
    marks = [state.attributes() for state in record_program(figure.trace())]
    for k, (state, cells) in enumerate(walked):
        state["marks"] = {"is-made": marks[k]["data-made"], "is-used": marks[k]["data-used"]}
        assert state["step"] == str(k), f"state {k}: data-step is {state['step']}"
        assert state["slider"] == str(k), f"state {k}: the slider says {state['slider']}"
        current = state["current"]
        assert len(current) == 1 and current[0]["isLine"], f"state {k}: aria-current=step is on {current}"
        line = current[0]
        lines.append(line["line"])
        if not (state["say"] or "").strip():
            problems.append(f"state {k}: the .rnn-say sentence is empty")
        snapshots[k] = cells
        problems.extend(_outline_problems(state, k))
        now = {(c.ref, c.t, c.i, c.j): c.value for c in cells if c.value is not None}
        for cell in cells:
            problems.extend(_check_cell(cell, expected, k))
        if lost := sorted(set(before) - set(now), key=str):
            problems.append(f"state {k}: stepping forward emptied {lost[:5]}")
        produced = {key for key, value in now.items() if before.get(key) != value}
        if k and produced:
            refs = {key[0] for key in produced}
            if not refs <= set(line["refs"]):
                problems.append(f"state {k}: line {line['line']} ({line['text'].strip()!r}) produced "
                                f"{sorted(refs)} but names only {sorted(set(line['refs']))}")
            hidden = {key[1] for key in produced if key[0] == "hidden_states" and key[1] is not None
                      and key[1] >= 0}
            for t in hidden:
                numbers = expected.trace["steps"][t]["hidden_states"]
                if not _sentence_has(state["say"], numbers):
                    problems.append(f"state {k}: the sentence {state['say']!r} does not give hidden_states[{t}] "
                                    f"= {[format_number(x) for x in numbers]}")
        before = now
    assert len(set(lines)) >= 6, f"the highlighted line visited only {sorted(set(lines))}"
    final = {c.key for c in snapshots[n - 1] if c.value is not None}
    missing = sorted(expected.window_keys() - final, key=str)
    if missing:
        problems.append(f"at the final state {len(missing)} values are not shown, e.g. {missing[:8]}")
    # coming back to a state by another road shows exactly the same thing
    for k in sorted({n - 2, n // 2, 1, 0, n - 1}):
        if k < 0:
            continue
        figure.go_to(k)
        if figure.cells() != snapshots[k]:
            problems.append(f"state {k} reached with the slider differs from state {k} reached by stepping")
    figure.go_to(min(3, n - 1))
    figure.button("Step back").click()
    figure.wait_step(min(3, n - 1) - 1)
    if figure.cells() != snapshots[min(3, n - 1) - 1]:
        problems.append("Step back shows something other than what stepping forward showed")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])


@pytest.mark.parametrize(("path", "name"), [(HOME, "useful"), (EDGES, "tiny")])
def test_the_listing_is_the_code_that_ran_and_the_states_walk_its_lines(browse: Browse, path: str,
                                                                         name: str) -> None:
    page = browse.open(path)
    figure = Figure(page, name)
    trace = figure.trace()
    listing = figure.root.locator("pre.rnn-code[data-program=forward]")
    source = listing.text_content() or ""
    numbered = listing.locator(".rnn-line").evaluate_all(
        "(ls) => ls.map((l) => [Number(l.getAttribute('data-line')), l.textContent.replace(/\\n$/, '')])")
    assert numbered == [[n, line] for n, line in enumerate(source.rstrip("\n").split("\n"), 1)], \
        "data-line does not number the lines"
    ran = run_listing(source, trace)
    for t, step in enumerate(trace["steps"]):
        for ref in ("xs", "hidden_states", "outputs", "probabilities"):
            got = [float(x) for x in getattr(ran, ref)[t].ravel()]
            assert all(close(a, b) for a, b in zip(got, step[ref], strict=True)), f"{ref}[{t}]: {got} vs {step[ref]}"
    assert close(ran.loss, trace["steps"][-1]["loss"])
    # one state per executed line, in the order Python executed them
    shown = []
    for state, _ in figure.walk():
        assert len(state["current"]) == 1, state["current"]
        shown.append(int(state["current"][0]["line"]))
    if shown[:1] == [1] and ran.lines[:1] != [1]:
        shown = shown[1:]  # an opening state on the `def` line (the call) is fine
    assert shown == ran.lines, f"states walk lines {shown}\nPython executed lines {ran.lines}"


# --- hover linking ---------------------------------------------------------------------------------

def test_hover_links_code_and_diagram_within_one_figure(browse: Browse) -> None:
    page = browse.open(HOME)
    one, other = Figure(page, "untrained"), Figure(page, "alternating")
    one.go_to(one.steps - 1)
    problems = []
    read = """([one, other, ref]) => ({
      one: Array.from(one.querySelectorAll('.is-linked'), (e) => e.getAttribute('data-ref') || '?'),
      other: Array.from(other.querySelectorAll('.is-linked'), (e) => e.getAttribute('data-ref') || '?'),
      want: one.querySelectorAll(`[data-ref="${ref}"]`).length,
    })"""
    roots = [one.root.element_handle(), other.root.element_handle()]
    for ref in LINKED:
        for source, hovered in (("code", one.code_tokens(ref).first), ("diagram", one.diagram_elements(ref).last)):
            hovered.hover()
            seen = page.evaluate(read, [*roots, ref])
            if seen["one"].count(ref) != seen["want"] or set(seen["one"]) != {ref}:
                problems.append(f"hover {source} {ref}: linked {sorted(set(seen['one']))} x{len(seen['one'])}, "
                                f"want all {seen['want']} elements of {ref} and nothing else")
            if seen["other"]:
                problems.append(f"hover {source} {ref} in {one.name}: {other.name} has linked {seen['other']}")
            page.mouse.move(1, 1)
            if left := page.evaluate(read, [*roots, ref])["one"]:
                problems.append(f"after leaving {source} {ref}: still linked {left}")
    assert not problems, "\n".join(problems)


def test_focus_links_like_hover(browse: Browse) -> None:
    page = browse.open(HOME)
    figure = Figure(page, "alternating")
    figure.go_to(figure.steps - 1)
    focusable = figure.root.locator('svg.rnn-diagram [data-ref][tabindex], pre.rnn-code [data-ref][tabindex]')
    assert focusable.count() > 0, "no diagram cell or code token can take focus (full precision on focus)"
    element = focusable.first
    ref = element.get_attribute("data-ref")
    element.focus()
    linked = figure.linked()
    assert ref in linked and set(linked) == {ref}
    assert linked.count(ref) == figure.root.locator(f'[data-ref="{ref}"]').count()


def test_diagram_cells_show_full_precision_on_hover(browse: Browse) -> None:
    page = browse.open(HOME)
    figure = Figure(page, "useful")
    figure.go_to(figure.steps - 1)
    cell = figure.root.locator('svg.rnn-diagram g[data-ref="hidden_states"][data-t="1"][data-value]').first
    value = cell.get_attribute("data-value")
    assert value and len(value.lstrip("-")) > 6
    title = cell.evaluate("(g) => { const t = g.querySelector('title'); return t ? t.textContent : ''; }")
    cell.hover()
    shown = page.evaluate("() => document.body.innerText")
    assert value in title or value in shown, f"the full value {value} is neither in the cell's <title> " \
                                             "nor shown on hover"


# --- isolation -------------------------------------------------------------------------------------

def test_figures_do_not_share_state(browse: Browse) -> None:
    page = browse.open(HOME)
    one, other = Figure(page, "untrained"), Figure(page, "alternating")
    one.restart()
    other.go_to(4)
    one.button("Step forward").click()
    one.button("Step forward").click()
    one.wait_step(2)
    assert other.step == 4
    one.root.focus()
    page.keyboard.press("End")
    one.wait_step(one.steps - 1)
    assert other.step == 4
    one.restart()
    one.button("Play").click()
    page.wait_for_timeout(700)
    assert other.step == 4
    expect(other.button("Play")).to_be_visible()
    one.button("Pause").click()
    speed = one.speed.input_value()
    other.set_speed(fastest=True)
    other.set_speed(fastest=False)
    assert one.speed.input_value() == speed, "setting one figure's speed changed another's"


def test_two_figures_can_play_at_once(browse: Browse) -> None:
    page = browse.open(HOME)
    one, other = Figure(page, "untrained"), Figure(page, "useful")
    one.restart()
    other.restart()
    one.button("Play").click()
    other.button("Play").click()
    page.wait_for_function("([a, b]) => Number(a.getAttribute('data-step')) >= 2 && "
                           "Number(b.getAttribute('data-step')) >= 2",
                           arg=[one.root.element_handle(), other.root.element_handle()], timeout=8_000)
    one.button("Pause").click()
    held = one.step
    page.wait_for_timeout(600)
    assert one.step == held
    expect(other.button("Pause")).to_be_visible()


HIT_TEST = """(figure) => {
  figure.scrollIntoView({block: 'start'});
  const missed = [];
  let tested = 0;
  for (const g of figure.querySelectorAll('svg.rnn-diagram g[data-ref][data-value]')) {
    const box = g.getBoundingClientRect();
    if (box.top < 0 || box.bottom > innerHeight || box.width === 0) continue;
    tested++;
    const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
    if (!g.contains(hit)) missed.push(`${g.getAttribute('data-ref')}[${g.getAttribute('data-t')}]` +
      `[${g.getAttribute('data-i')}] is covered by ${hit ? hit.outerHTML.slice(0, 80) : 'nothing'}`);
  }
  return {tested, missed};
}"""


def test_shown_values_take_the_pointer(browse: Browse) -> None:
    """A cell that shows a value is what the pointer hits over its centre (for hover, title and linking)."""
    page = browse.open(HOME, viewport={"width": 1280, "height": 1600})
    figure = Figure(page, "useful")
    n = figure.steps
    for k in (0, n // 3, n // 2, n - 1):
        figure.go_to(k)
        result = figure.root.evaluate(HIT_TEST)
        assert result["tested"] > 10 and not result["missed"], f"state {k}: {result}"
