"""Phones and wide diagrams (issue 13, item 5): at 320, 390 and 1280 px every figure of the shipped site is drawn
at 1:1 or larger (cell text at least 11 CSS px), the page never scrolls sideways, the step counter shows, every
time step is reachable by scrolling the stage, and while a reader steps, the executing line (the sentence in the
bar restates it, with its number) and an array or cell it makes (or, if none, uses) are on screen together."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from .conftest import Browse, Site
from .player import Figure, figures

WIDTHS = [320, 390, 1280]
ARTICLE_PAGES = ["index.html", "hello/index.html", "authoring/index.html"]
MODES = ["forward", "update"]
FLOOR = 11.0  # CSS px: no cell text is drawn smaller
AIR = 8  # CSS px the player keeps between the cells it brings into view and the screen's edge or the bar

# Per figure, every visible cell text: its rendered size (computed font size times the SVG's CSS scale), and
# whether it is a gradient pill; the page's sideways overflow; the step counter's box.
MEASURE = """(f) => {
  const svg = f.querySelector('svg.rnn-diagram'), scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const texts = Array.from(f.querySelectorAll('.rnn-cell text')).filter((t) => t.getClientRects().length);
  const count = f.querySelector('.rnn-count').getBoundingClientRect();
  return {
    scale: scale,
    cells: texts.map((t) => ({size: parseFloat(getComputedStyle(t).fontSize) * scale, grad: !!t.closest('.rnn-grads'),
                              name: t.parentNode.getAttribute('data-ref')})),
    scrollWidth: document.scrollingElement.scrollWidth, innerWidth: innerWidth, innerHeight: innerHeight,
    count: {left: count.left, right: count.right, width: count.width, height: count.height},
  };
}"""

# Every column of the diagram (a g.rnn-array with data-t), placed in the stage's scrolled content.
COLUMNS = """(f) => {
  const stage = f.querySelector('.rnn-stage'), box = stage.getBoundingClientRect();
  return {scrollWidth: stage.scrollWidth, clientWidth: stage.clientWidth, overflow: getComputedStyle(stage).overflowX,
    columns: Array.from(f.querySelectorAll('svg.rnn-diagram g.rnn-array[data-t]'), (g) => g.getClientRects().length ? {
      t: g.getAttribute('data-t'), ref: g.getAttribute('data-ref'),
      left: g.getBoundingClientRect().left - box.left + stage.scrollLeft,
      right: g.getBoundingClientRect().right - box.left + stage.scrollLeft} : null).filter(Boolean)};
}"""

# After a reader's step: the sentence (with the executing line's number), the bar, the stage, and the outlines.
IN_PLAY = """(f) => {
  const box = (e) => { const b = e.getBoundingClientRect(); return {left: b.left, right: b.right, top: b.top,
                                                                    bottom: b.bottom}; };
  const say = f.querySelector('.rnn-say');
  return {say: box(say), sayLine: say.dataset.line, number: getComputedStyle(say, '::before').content,
          line: f.querySelector('.rnn-code .rnn-line[aria-current="step"]').dataset.line,
          bar: box(f.querySelector('.rnn-bar')), stage: box(f.querySelector('.rnn-stage')),
          pinned: f.querySelector('.rnn-pins.is-pinned') ? box(f.querySelector('.rnn-pins > rect.rnn-pin')) : null,
          made: Array.from(f.querySelectorAll('svg.rnn-diagram .is-made'), box),
          used: Array.from(f.querySelectorAll('svg.rnn-diagram .is-used'), box), height: innerHeight};
}"""


def _viewport(width: int) -> dict[str, int]:
    return {"width": width, "height": 800 if width < 600 else 900}


def _show(page: Page, figure: Figure, mode: str) -> None:
    page.evaluate("([name, mode]) => window.unrolled.figure(name).showMode(mode)", [figure.name, mode])
    figure.root.evaluate("(f) => f.scrollIntoView()")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", ARTICLE_PAGES)
def test_cell_text_is_never_below_11px_and_the_page_never_scrolls_sideways(
        browse: Browse, article_site: Site, path: str, width: int) -> None:
    page = browse.open(path, site=article_site, viewport=_viewport(width))
    found = figures(page)
    assert found, f"{path} has no figure"
    for figure in found:
        for mode in MODES:
            _show(page, figure, mode)
            m: dict[str, Any] = figure.root.evaluate(MEASURE)
            where = f"{path} at {width}px, {figure.name} ({mode})"
            assert m["cells"], f"{where}: no cell text is shown"
            assert m["scale"] >= 1 - 1e-6, f"{where}: the diagram is scaled down to {m['scale']:.3f}"
            # The gradient pills' own size belongs to the diagram's geometry (issue 13 item 2); here, that
            # they are never drawn smaller than it. Every other cell keeps the floor.
            small = [c for c in m["cells"] if c["size"] < FLOOR - 1e-6 and not c["grad"]]
            assert not small, f"{where}: {len(small)} cell texts below {FLOOR}px, e.g. {small[:3]}"
            assert m["scrollWidth"] <= m["innerWidth"], \
                f"{where}: the page is {m['scrollWidth']}px wide in a {m['innerWidth']}px viewport"
            count = m["count"]
            assert count["width"] > 0 and count["height"] > 0, f"{where}: the step counter is hidden: {count}"
            assert count["left"] >= 0 and count["right"] <= m["innerWidth"], f"{where}: the counter sticks out: {count}"


@pytest.mark.parametrize("width", WIDTHS)
def test_every_time_step_is_reachable_by_scrolling_the_stage(browse: Browse, width: int) -> None:
    page = browse.open("edges/index.html", viewport=_viewport(width))
    wide = Figure(page, "wide")  # twelve steps of sixteen units: 1051 px at 1:1
    for mode in MODES:
        _show(page, wide, mode)
        m: dict[str, Any] = wide.root.evaluate(COLUMNS)
        ts = {c["t"] for c in m["columns"]}
        assert {str(t) for t in range(12)} <= ts, f"{mode}: columns shown: {sorted(ts)}"
        outside = [c for c in m["columns"] if c["left"] < -0.5 or c["right"] > m["scrollWidth"] + 0.5]
        assert not outside, f"{mode} at {width}px: columns beyond the stage's scroll range: {outside[:3]}"
        if width < 600:
            assert m["overflow"] == "auto" and m["scrollWidth"] > m["clientWidth"], m
    if width < 600:  # the stage is a named, focusable region the arrow keys scroll, with a hint until the end
        stage = wide.root.locator(".rnn-stage")
        assert stage.get_attribute("role") == "region" and stage.get_attribute("tabindex") == "0"
        assert stage.get_attribute("aria-label") == "Diagram of wide"
        hint = "() => getComputedStyle(document.getElementById('wide'), '::after').content"
        assert "scroll" in page.evaluate(hint)
        stage.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => document.querySelector('#wide .rnn-stage').scrollLeft > 0")
        assert "scroll" in page.evaluate(hint)  # still more to the right
        stage.evaluate("(s) => { s.scrollLeft = s.scrollWidth; }")
        page.wait_for_function(f"() => ({hint})() === 'none'")  # gone at the end
        stage.evaluate("(s) => { s.scrollLeft = 0; }")
        page.wait_for_function(f"() => ({hint})().includes('scroll')")  # back when there is more again


def _visible(b: dict[str, float], left: float, right: float, top: float, bottom: float) -> bool:
    """Some of box b lies inside the rectangle."""
    return b["right"] > left + 1 and b["left"] < right - 1 and b["bottom"] > top + 1 and b["top"] < bottom - 1


def _check_in_play(figure: Figure, where: str) -> None:
    m: dict[str, Any] = figure.root.evaluate(IN_PLAY)
    say, bar, stage = m["say"], m["bar"], m["stage"]
    assert m["sayLine"] == m["line"], f"{where}: the sentence is marked line {m['sayLine']}, the listing {m['line']}"
    assert m["line"] in m["number"], f"{where}: the sentence does not show line {m['line']}: {m['number']}"
    assert say["top"] >= 0 and say["bottom"] <= m["height"], f"{where}: the executing line is off screen: {say}"
    marked = m["made"] or m["used"]  # what the line makes; what it uses when it makes nothing
    if not marked:
        return
    room = (max(0, stage["left"]), stage["right"], 0, min(m["height"], bar["top"]))

    pinned = m["pinned"]  # the panel of row labels at the stage's left edge, when it is scrolled: it hides cells

    def in_view(b: dict[str, float]) -> bool:
        left = pinned["right"] if pinned and b["top"] < pinned["bottom"] and b["bottom"] > pinned["top"] else room[0]
        if b["right"] - b["left"] > room[1] - left or b["bottom"] - b["top"] > room[3] - AIR:
            return _visible(b, left, *room[1:])  # larger than the room: part of it in view
        return b["left"] >= left - 0.5 and b["right"] <= room[1] + 0.5 and b["top"] >= room[2] - 0.5 \
            and b["bottom"] <= room[3] + 0.5

    assert any(map(in_view, marked)), f"{where}: none of the outlined arrays or cells is in view {room}: {marked[:3]}"


CASES = [(path, width) for path in ["index.html", "hello/index.html"] for width in WIDTHS]


@pytest.mark.parametrize(("path", "width"), CASES)
def test_stepping_keeps_the_executing_line_and_its_cells_on_screen(
        browse: Browse, article_site: Site, path: str, width: int) -> None:
    page = browse.open(path, site=article_site, viewport=_viewport(width), reduced_motion="reduce")
    for figure in figures(page)[-1:]:  # the page's figures share a layout: the last, in both programs
        for mode in MODES:
            _show(page, figure, mode)
            n = figure.steps
            for k in sorted({1, *range(3, n, max(1, n // 12)), n - 1}):
                figure.root.evaluate("(f, k) => window.unrolled.figure(f.id).go(k)", k - 1)
                figure.button("Step forward").click()
                figure.wait_step(k)
                _check_in_play(figure, f"{path} at {width}px, {figure.name} ({mode}) state {k}")


@pytest.mark.parametrize("width", WIDTHS)
def test_stepping_the_widest_figure_follows_its_cells(browse: Browse, width: int) -> None:
    page = browse.open("edges/index.html", viewport=_viewport(width), reduced_motion="reduce")
    wide = Figure(page, "wide")
    for mode in MODES:
        _show(page, wide, mode)
        n = wide.steps
        for k in sorted({1, *range(5, n, max(1, n // 10)), n - 1}):
            wide.root.evaluate("(f, k) => window.unrolled.figure(f.id).go(k)", k - 1)
            wide.button("Step forward").click()
            wide.wait_step(k)
            _check_in_play(wide, f"wide at {width}px ({mode}) state {k}")


# The diagram's row labels (band names and the rows' characters) and the copies pinned at the stage's edge.
PINS = """(f) => {
  const box = (e) => { const b = e.getBoundingClientRect(); return {left: b.left, right: b.right, top: b.top,
                                                                    bottom: b.bottom}; };
  const shown = (e) => e.getClientRects().length > 0;
  const pins = f.querySelector('.rnn-pins');
  const texts = (root) => Array.from(root.querySelectorAll('text'), (t) => ({text: t.textContent, box: box(t),
    size: parseFloat(getComputedStyle(t).fontSize), shown: shown(t)}));
  return {stage: box(f.querySelector('.rnn-stage')), scrollLeft: f.querySelector('.rnn-stage').scrollLeft,
          labels: texts(f.querySelector('svg.rnn-diagram')).filter((t, k) =>
            f.querySelectorAll('svg.rnn-diagram text')[k].matches('.rnn-band, .rnn-vocab')),
          pinned: pins && shown(pins) ? texts(pins).filter((t) => t.shown) : [],
          panel: pins && shown(pins) ? box(pins.querySelector('rect.rnn-pin')) : null};
}"""


@pytest.mark.parametrize(("path", "width"), [("hello/index.html", 390), ("english/index.html", 320)])
def test_a_stage_scrolled_sideways_keeps_its_row_labels_at_its_edge(
        browse: Browse, article_site: Site, path: str, width: int) -> None:
    page = browse.open(path, site=article_site, viewport=_viewport(width), reduced_motion="reduce")
    figure = figures(page)[-1]
    for mode in MODES:
        _show(page, figure, mode)
        stage = figure.root.locator(".rnn-stage")
        before: dict[str, Any] = figure.root.evaluate(PINS)
        assert not before["pinned"], f"{path} {mode}: labels pinned before any scroll: {before['pinned'][:3]}"
        stage.evaluate("(s) => { s.scrollLeft = s.scrollWidth; }")
        page.wait_for_function("(f) => f.querySelector('.rnn-pins.is-pinned')", arg=figure.root.element_handle())
        m: dict[str, Any] = figure.root.evaluate(PINS)
        assert m["scrollLeft"] > 0
        labels = [t for t in m["labels"] if t["shown"]]
        assert labels and any(t["box"]["right"] < m["stage"]["left"] for t in labels), \
            f"{path} {mode}: no label has scrolled out of view"
        for label in labels:  # each has its copy, on its row, inside the stage, no smaller
            twins = [p for p in m["pinned"] if p["text"] == label["text"]
                     and abs(p["box"]["top"] - label["box"]["top"]) < 1]
            assert twins, f"{path} {mode}: {label['text']!r} at y {label['box']['top']:.0f} is not pinned"
            twin = twins[0]
            assert m["stage"]["left"] <= twin["box"]["left"] and twin["box"]["right"] <= m["panel"]["right"], twin
            assert twin["size"] >= FLOOR
        assert m["panel"]["right"] - m["stage"]["left"] < (m["stage"]["right"] - m["stage"]["left"]) / 2, \
            f"{path} {mode}: the pinned labels take half the stage: {m['panel']}"
        n = figure.steps  # stepping back from the end: what the step shows comes into view clear of the labels
        for k in sorted({1, *range(2, n - 1, max(1, n // 8))}, reverse=True):
            figure.root.evaluate("(f, k) => window.unrolled.figure(f.id).go(k)", k + 1)
            figure.button("Step back").click()
            figure.wait_step(k)
            _check_in_play(figure, f"{path} at {width}px, {figure.name} ({mode}) back to state {k}")
        stage.evaluate("(s) => { s.scrollLeft = s.scrollWidth; }")
        page.wait_for_function("(f) => f.querySelector('.rnn-pins.is-pinned')", arg=figure.root.element_handle())
        stage.evaluate("(s) => { s.scrollLeft = 0; }")
        page.wait_for_function("(f) => !f.querySelector('.rnn-pins.is-pinned')", arg=figure.root.element_handle())


# After a scroll: the panel of pinned labels (if shown) and the window's last step's column (its loss cell).
LAST_STEP = """(f) => {
  const box = (e) => { const b = e.getBoundingClientRect(); return {left: b.left, right: b.right}; };
  const pins = f.querySelector('.rnn-pins.is-pinned');
  const losses = Array.from(f.querySelectorAll('svg.rnn-diagram g.rnn-array[data-ref="loss"]'))
    .filter((g) => g.getClientRects().length);
  return {panel: pins ? box(pins.querySelector('rect.rnn-pin')) : null, last: box(losses[losses.length - 1])};
}"""


@pytest.mark.parametrize(("name", "pinned"), [("wide", True), ("tiny", False)])
def test_the_pinned_labels_never_hide_the_last_step(browse: Browse, name: str, pinned: bool) -> None:
    # tiny's one step is narrower than its weights: scrolled to its end, a panel would cover the step for good.
    page = browse.open("edges/index.html", viewport=_viewport(320), reduced_motion="reduce")
    figure = Figure(page, name)
    for mode in MODES:
        _show(page, figure, mode)
        figure.root.locator(".rnn-stage").evaluate("(s) => { s.scrollLeft = s.scrollWidth; }")
        if pinned:
            page.wait_for_function("(f) => f.querySelector('.rnn-pins.is-pinned')", arg=figure.root.element_handle())
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        m: dict[str, Any] = figure.root.evaluate(LAST_STEP)
        assert (m["panel"] is not None) == pinned, f"{name} ({mode}) scrolled to its end: panel {m['panel']}"
        if m["panel"]:
            assert m["panel"]["right"] <= m["last"]["left"] + 0.5, f"{name} ({mode}): the panel covers {m}"
