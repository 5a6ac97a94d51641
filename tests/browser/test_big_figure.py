"""Big figures (vocabulary 28, hidden 32, 16 steps; vocabulary 96, hidden 64, 32 steps): they build and step; their
heat maps are a path per colour class, reached by keyboard and pointer, and say their values; and a replay re-picks
the rows of the collapsed columns exactly as the build picks them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from generator.render.diagram import top_rows
from generator.values import format_quantity

from .conftest import Browse, Server, Site, build_project
from .player import Figure

ENGLISH = ("the quick brown fox jumps over the lazy dog. pack my box with five dozen liquor jugs. "
           "how vexingly quick daft zebras jump.")  # 28 distinct characters
ASCII = "".join(map(chr, range(32, 127))) + "\n"  # 96
ENGLISH_PAGE = f"""# English

```{{rnn}} english
:text: {ENGLISH}
:hidden-size: 32
:seq-length: 16
:optimizer: adagrad
:learning-rate: 0.05
:updates: 40
:caption: Vocabulary 28, hidden size 32, 16 steps.
```
"""
ASCII_PAGE = """# ASCII

```{rnn} ascii
:text-file: ascii.txt
:hidden-size: 64
:seq-length: 32
:updates: 2
:caption: Vocabulary 96, hidden size 64, 32 steps.
```
"""

CLIPPED_PAGE = """# Clipped

```{rnn} clipped
:pattern: 0110100
:length: 80
:hidden-size: 16
:seq-length: 6
:clip: 0.002
:updates: 30
:show: update
```
"""


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory, server: Server) -> Site:
    content = tmp_path_factory.mktemp("big-content")
    (content / "index.md").write_text(ENGLISH_PAGE, encoding="utf-8")
    (content / "ascii.md").write_text(ASCII_PAGE, encoding="utf-8")
    (content / "ascii.txt").write_text(ASCII * 2, encoding="utf-8", newline="")
    (content / "clipped.md").write_text(CLIPPED_PAGE, encoding="utf-8")
    folder = build_project(content, tmp_path_factory.mktemp("big-project"))
    return Site(folder, server.mount(folder, "big-figure"))


@pytest.fixture(autouse=True)
def patient(browse: Browse) -> Iterator[None]:
    """Big pages weigh megabytes until their states and tables are slimmed: give them time to load."""
    browse.shared.set_default_navigation_timeout(60_000)
    yield
    browse.shared.set_default_navigation_timeout(5_000)


def _smallest_text(page: Page, name: str) -> float:
    """The smallest text of the diagram in its own units, which are CSS px once the stage draws it at 1:1 (the
    stage's scrolling is the phones work's; until then a wide diagram is scaled down to its figure)."""
    return float(page.evaluate("""(name) => Math.min(...Array.from(
        document.querySelectorAll('figure[data-rnn="' + name + '"] svg.rnn-diagram text'),
        (t) => parseFloat(getComputedStyle(t).fontSize)))""", name))


@pytest.mark.parametrize(("name", "vocab", "hidden", "steps"), [("english", 28, 32, 16), ("ascii", 96, 64, 32)])
def test_a_big_figure_builds_steps_and_keeps_its_text_readable(browse: Browse, big_site: Site, name: str,
                                                               vocab: int, hidden: int, steps: int) -> None:
    path = "index.html" if name == "english" else "ascii/index.html"
    for width in (1280, 390):
        _steps_and_reads(browse.open(path, site=big_site, viewport={"width": width, "height": 900}), name,
                         (vocab, hidden, steps))


def _steps_and_reads(page: Page, name: str, shape: tuple[int, int, int]) -> None:
    vocab, hidden, steps = shape
    figure = Figure(page, name)
    trace = figure.trace()
    assert (len(trace["vocab"]), len(trace["hidden_state_prev"]), len(trace["steps"])) == (vocab, hidden, steps)
    assert page.evaluate("(name) => window.unrolled.figure(name) !== null", name)
    assert _smallest_text(page, name) >= 11
    weights = _tiles(page, name, "hidden_weights_W", None, hidden, hidden)
    assert [float(v) for v in weights] == [v for row in trace["params"]["hidden_weights_W"] for v in row]
    figure.restart()
    assert _tiles(page, name, "hidden_states", 3, hidden) == [None] * hidden, "not computed yet at state 0"
    figure.button("Step forward").click()
    figure.wait_step(1)
    figure.go_to(figure.steps - 1)
    shown = [float(v) for v in _tiles(page, name, "hidden_states", 3, hidden)]
    assert shown == trace["steps"][3]["hidden_states"]
    tile = page.evaluate(f"window.unrolled.figure('{name}').tile('hidden_states', 3, 5, null)")
    assert tile["tone"] == page.evaluate(f"window.unrolled.tone('hidden_states', {shown[5]!r})")
    assert page.evaluate(f"window.unrolled.figure('{name}').tile('hidden_states', 3, {hidden}, null)") is None


def _tiles(page: Page, name: str, ref: str, t: int | None, rows: int, columns: int = 0) -> list[str | None]:
    """What a heat map shows, row by row, through the page API (tile: a value, or None while it has none)."""
    return list(page.evaluate("""([name, ref, t, rows, columns]) => {
        const api = window.unrolled.figure(name), out = [];
        for (let i = 0; i < rows; i++) for (let j = 0; j < (columns || 1); j++) {
          out.push(api.tile(ref, t, i, columns ? j : null).value);
        }
        return out;
      }""", [name, ref, t, rows, columns]))


def _live_english(browse: Browse, big_site: Site) -> tuple[Page, Figure]:
    """The big site's English figure, once its player has started."""
    page = browse.open("index.html", site=big_site)
    figure = Figure(page, "english")
    assert page.evaluate("window.unrolled.figure('english') !== null")
    return page, figure


def test_a_heat_map_is_a_path_per_colour_class_not_an_element_per_value(browse: Browse, big_site: Site) -> None:
    _, figure = _live_english(browse, big_site)
    maps: list[dict[str, Any]] = figure.root.evaluate("""(f) => Array.from(f.querySelectorAll('.rnn-heat'), (g) => ({
        ref: g.getAttribute('data-ref'), children: g.children.length, grads: !!g.closest('.rnn-grads'),
        tones: Array.from(g.querySelectorAll('.rnn-tiles'), (p) => p.getAttribute('class')),
        tiles: Array.from(g.querySelectorAll('.rnn-tiles'), (p) => (p.getAttribute('d') || '').split('M').length - 1)
          .reduce((a, b) => a + b, 0),
        size: g.getAttribute('data-heat').split(' ').slice(4).map(Number).reduce((r, c) => r * (c || 1))}))""")
    assert len([m for m in maps if not m["grads"]]) == 22  # 16 steps' hidden states, hidden_state_prev, five weights
    for heat in maps:
        assert heat["tiles"] == heat["size"], heat["ref"]  # every value a tile, once
        clipped = 1 if heat["ref"].startswith("grads.") and heat["children"] > 2 + len(heat["tones"]) else 0
        assert len(set(heat["tones"])) == len(heat["tones"]), heat  # frame, ground, a path per class, clipped ones
        assert heat["children"] == 2 + len(heat["tones"]) + clipped, heat
    assert figure.root.locator(".rnn-heat .rnn-cell").count() == 0


def test_heat_maps_are_reached_by_keyboard_and_say_their_value(browse: Browse, big_site: Site) -> None:
    page, figure = _live_english(browse, big_site)
    trace = figure.trace()
    stops = figure.root.locator('.rnn-heat[tabindex="0"]').evaluate_all(
        "(els) => els.map((e) => [e.getAttribute('data-ref'), e.getAttribute('role'), e.getAttribute('aria-label')])")
    weights = ("input_weights_U", "hidden_weights_W", "hidden_bias", "output_weights_V", "output_bias")
    assert sorted(ref for ref, _, _ in stops) == sorted(
        {"hidden_states", "hidden_state_prev", "hidden_grad", "hidden_grad_next", *weights,
         *(f"grads.{w}" for w in weights)}), "one Tab stop per quantity, the training step's too (loaded later)"
    assert all(role == "img" and label.startswith(ref + "[0") for ref, role, label in stops)
    first = figure.root.locator('.rnn-heat[data-ref="hidden_weights_W"]')
    first.focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "ArrowLeft"):
        page.keyboard.press(key)
    focused: dict[str, Any] = page.evaluate("""() => {
        const e = document.activeElement, ring = e.querySelector('.rnn-focus');
        const tip = document.querySelector('figure[data-rnn="english"] .rnn-tip');
        return {ref: e.getAttribute('data-ref'), tab: e.getAttribute('tabindex'), label: e.getAttribute('aria-label'),
                tip: tip.textContent, tipShown: !tip.hidden, ring: ring && ring.getAttribute('d'),
                stroke: ring && getComputedStyle(ring).strokeWidth, heat: e.getAttribute('data-heat')}; }""")
    value = trace["params"]["hidden_weights_W"][1][1]
    said = f"hidden_weights_W[1, 1] = {format_quantity('hidden_weights_W', value)}"
    assert (focused["ref"], focused["tab"]) == ("hidden_weights_W", "0")
    assert focused["tipShown"] and focused["tip"].startswith(said) and focused["label"] == focused["tip"]
    x, y, dx, dy = (float(n) for n in focused["heat"].split()[:4])
    assert focused["ring"] == f"M{x + dx:g} {y + dy:g}h{dx - 1:g}v{dy - 1:g}h{1 - dx:g}z", "the ring outlines tile 1, 1"
    assert focused["stroke"] == "2px", "the keyboard's tile is outlined while the focus is visible"
    step = figure.step
    page.keyboard.press("ArrowRight")
    assert figure.step == step, "an arrow on a heat map moves in the map, not through the program"
    # Along the window: hidden_states moves from one step's map to the next, and the Tab stop goes with it.
    column = figure.root.locator('.rnn-heat[data-ref="hidden_states"][tabindex="0"]')
    column.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    moved = page.evaluate("() => [document.activeElement.getAttribute('data-t'), document.activeElement.getAttribute("
                          "'tabindex'), document.activeElement.getAttribute('aria-label')]")
    value = trace["steps"][1]["hidden_states"][1]
    assert moved[:2] == ["1", "0"] and moved[2].startswith(f"hidden_states[1][1] = "
                                                           f"{format_quantity('hidden_states', value)}")
    assert figure.root.locator('.rnn-heat[data-ref="hidden_states"][tabindex="0"]').count() == 1


def test_hovering_a_heat_map_shows_the_value_under_the_pointer(browse: Browse, big_site: Site) -> None:
    page, figure = _live_english(browse, big_site)
    trace = figure.trace()
    ground = figure.root.locator('.rnn-heat[data-ref="output_weights_V"] > .rnn-heat-ground')
    ground.scroll_into_view_if_needed()
    tip = figure.root.locator(".rnn-tip")
    for i, j in ((0, 0), (3, 7), (27, 31)):
        box = ground.bounding_box()
        assert box is not None
        scale = box["width"] / (32 * 12 - 1)
        page.mouse.move(box["x"] + (j * 12 + 5) * scale, box["y"] + (i * 12 + 5) * scale)
        value = trace["params"]["output_weights_V"][i][j]
        expect(tip).to_have_text(re.compile(re.escape(
            f"output_weights_V[{i}, {j}] = {format_quantity('output_weights_V', value)}")))
        expect(tip).to_be_visible()
    assert figure.linked() and set(figure.linked()) == {"output_weights_V"}
    page.mouse.move(2, 2)
    expect(tip).to_be_hidden()


def _rows(figure: Figure) -> list[list[int]]:
    return list(figure.root.evaluate("""(f) => Array.from(f.querySelectorAll(
        '.rnn-diagram > .rnn-array[data-ref="probabilities"]'), (g) => Array.from(g.querySelectorAll('.rnn-cell'),
        (c) => Number(c.getAttribute('data-i'))))"""))


def test_a_replay_re_picks_the_shown_rows_as_the_build_does(browse: Browse, big_site: Site) -> None:
    page, figure = _live_english(browse, big_site)
    built = figure.trace()
    as_built = [top_rows(step["probabilities"], target) for step, target in zip(built["steps"], built["targets"],
                                                                               strict=True)]
    assert _rows(figure) == as_built
    page.evaluate("() => window.unrolled.figure('english').showUpdate(1)")  # after its training step has loaded
    page.wait_for_function("() => window.unrolled.figure('english').trace.training.shown_update === 1")
    replayed: dict[str, Any] = page.evaluate("() => window.unrolled.figure('english').trace")
    expected = [top_rows(step["probabilities"], target) for step, target in zip(replayed["steps"],
                                                                               built["targets"], strict=True)]
    assert expected != as_built, "one update away, some step should rank its rows differently"
    assert _rows(figure) == expected
    names = figure.root.evaluate("""(f) => Array.from(f.querySelectorAll(
        '.rnn-diagram > .rnn-array[data-ref="outputs"][data-t="0"] .rnn-row'), (t) => t.textContent)""")
    assert names == [repr(built["vocab"][i]) for i in expected[0]]
    texts = figure.root.evaluate("""(f) => Array.from(f.querySelectorAll(
        '.rnn-diagram > .rnn-array[data-ref="probabilities"][data-t="2"] .rnn-cell > text:first-of-type'),
        (t) => t.textContent)""")
    assert texts == [format_quantity("probabilities", replayed["steps"][2]["probabilities"][i]) for i in expected[2]]
    page.evaluate("() => window.unrolled.figure('english').showUpdate(40)")
    assert _rows(figure) == as_built


def test_every_array_gets_a_frame_around_its_cells(browse: Browse, big_site: Site) -> None:
    _, figure = _live_english(browse, big_site)
    wrong = figure.root.evaluate("""(f) => Array.from(f.querySelectorAll('svg.rnn-diagram > .rnn-array'), (g) => {
        const frame = g.firstElementChild, box = frame.getBBox();
        const cells = Array.from(g.querySelectorAll('.rnn-cell, .rnn-tiles'), (c) => {
          const moved = c.transform && c.transform.baseVal.length;  // a numbered cell; a heat map's tiles are paths
          const m = moved ? c.transform.baseVal[0].matrix : {e: 0, f: 0};
          const r = (c.querySelector('rect') || c).getBBox();
          return {x: m.e + r.x, y: m.f + r.y, right: m.e + r.x + r.width, bottom: m.f + r.y + r.height};
        });
        const x = Math.min(...cells.map((c) => c.x)), y = Math.min(...cells.map((c) => c.y));
        const right = Math.max(...cells.map((c) => c.right)), bottom = Math.max(...cells.map((c) => c.bottom));
        const ok = frame.classList.contains('rnn-frame') && box.x === x - 3 && box.y === y - 3
          && box.x + box.width === right + 3 && box.y + box.height === bottom + 3;
        return ok ? null : g.getAttribute('data-ref') + ':' + g.getAttribute('data-t');
      }).filter(Boolean)""")
    assert not wrong, wrong[:5]


def test_a_heat_map_marks_the_values_clipping_changed(browse: Browse, big_site: Site) -> None:
    page = browse.open("clipped/index.html", site=big_site)
    figure = Figure(page, "clipped")
    page.wait_for_function("() => window.unrolled.figure('clipped') && window.unrolled.figure('clipped').mode "
                           "=== 'update'")
    clipped: dict[str, list[Any]] = figure.trace()["update"]["clipped"]
    heat = figure.root.evaluate("""(f) => Object.fromEntries(Array.from(
        f.querySelectorAll('.rnn-grads .rnn-heat[data-ref^="grads."]'),
        (g) => [g.getAttribute('data-ref').replace('grads.', ''), Array.from(g.querySelectorAll('.rnn-clipped-tiles'),
          (p) => p.getAttribute('d').match(/M[^M]*/g))]))""")
    assert {"input_weights_U", "hidden_weights_W", "hidden_bias"} <= set(heat)
    assert sum(len(clipped[ref]) for ref in heat) > 0, "the figure should clip some heat-mapped gradient"
    for ref, paths in heat.items():
        rows, columns = figure.root.locator(f'.rnn-heat[data-ref="grads.{ref}"]').evaluate(
            "(g) => g.getAttribute('data-heat').split(' ').slice(4).map(Number)")
        marked = [[i, j] if columns else i for i in range(rows) for j in range(columns or 1) if page.evaluate(
            "([ref, i, j]) => window.unrolled.figure('clipped').tile('grads.' + ref, null, i, j).clipped",
            [ref, i, j if columns else None])]
        assert sorted(marked) == sorted(clipped[ref]), ref
        assert sum(len(p) for p in paths) == len(clipped[ref]) and len(paths) <= 2, ref  # a checkerboard of two


def test_a_replay_and_the_readers_window_repaint_the_heat_maps(browse: Browse, big_site: Site) -> None:
    page, figure = _live_english(browse, big_site)
    api = "window.unrolled.figure('english')"
    page.evaluate(f"{api}.showUpdate(1)")
    page.wait_for_function(f"{api}.trace.training.shown_update === 1")
    replayed: dict[str, Any] = page.evaluate(f"{api}.trace")
    assert [float(v) for v in _tiles(page, "english", "hidden_weights_W", None, 32, 32)] == [
        v for row in replayed["params"]["hidden_weights_W"] for v in row]
    shown = [float(v) for v in _tiles(page, "english", "hidden_states", 15, 32)]
    assert shown == replayed["steps"][15]["hidden_states"]
    page.evaluate(f"{api}.showUpdate(40)")
    assert [float(v) for v in _tiles(page, "english", "hidden_weights_W", None, 32, 32)] == [
        v for row in figure.trace()["params"]["hidden_weights_W"] for v in row], "the build's own, again"
    # The reader's own window, on a heat-mapped figure that does not collapse its vocabulary (hidden 16, vocabulary 2).
    page = browse.open("clipped/index.html", site=big_site)
    api = "window.unrolled.figure('clipped')"
    page.wait_for_function(f"{api} && {api}.mode === 'update'")
    assert page.evaluate(f"{api}.setInput('01101')") is True  # 4 steps of the 6 the figure draws
    typed: dict[str, Any] = page.evaluate(f"{api}.trace")
    assert [float(v) for v in _tiles(page, "clipped", "hidden_states", 3, 16)] == typed["steps"][3]["hidden_states"]
    root = Figure(page, "clipped").root
    assert root.locator('.rnn-heat[data-ref="hidden_states"][data-t="4"]').get_attribute("display") == "none"
    root.locator('.rnn-heat[data-ref="hidden_states"][tabindex="0"]').focus()
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    at = page.evaluate("document.activeElement.getAttribute('data-t')")
    assert at == "3", "the arrows stop at the last shown step"
