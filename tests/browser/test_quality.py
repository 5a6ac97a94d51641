"""Quality of the built pages: clean console and network, axe, the Nu validator, small screens,
no JavaScript, dark mode, reduced motion, print, focus and page weight."""

from __future__ import annotations

import gzip
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from .conftest import Browse, Site, Validation
from .expect import cell_text
from .player import Figure, figures

HOME = "index.html"
EDGES = "edges/index.html"
WEIGHT_LIMIT = 50_000  # bytes of gzip for the home page and everything it loads


def _exercise(page: Page) -> None:
    """Use the page's first figure a little: play, pause, step, hover a token and a cell."""
    for figure in figures(page)[:1]:
        figure.button("Play").click()
        page.wait_for_timeout(150)
        figure.button("Pause").click()
        figure.button("Step forward").click()
        figure.button("Step back").click()
        figure.code_tokens("hidden_states").first.hover()
        figure.diagram_elements("probabilities").last.hover(force=True)  # pointer targets: test_player
    page.mouse.move(1, 1)


@pytest.mark.parametrize("mode", ["http", "file"])
@pytest.mark.parametrize("path", [HOME, EDGES])
def test_no_console_errors_failed_or_foreign_requests(browse: Browse, path: str, mode: str) -> None:
    page = browse.open(path, mode=mode, fresh=True)  # an empty cache: every request is seen
    _exercise(page)
    watcher = browse.watcher(page)
    assert not watcher.problems, watcher.report()
    if mode == "http":
        urls = [r.url for r in watcher.responses]
        assert any(u.endswith("static/unrolled.js") for u in urls), f"the script never loaded: {urls}"
        assert any(u.endswith(".css") for u in urls), f"no stylesheet loaded: {urls}"


def test_every_page_of_the_site_loads_cleanly(browse: Browse, fixture_site: Site) -> None:
    for path in fixture_site.pages():
        browse.open(path)  # the fixture's teardown fails the test on any console error or bad request


def _axe(page: Page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize(("path", "scheme", "width"), [
    (HOME, "light", 1280), (HOME, "dark", 1280), (EDGES, "light", 1280), (EDGES, "dark", 390),
    ("404.html", "light", 1280), ("404.html", "dark", 1280),
])
def test_axe_finds_no_violations(browse: Browse, path: str, scheme: str, width: int) -> None:
    page = browse.open(path, color_scheme=scheme, viewport={"width": width, "height": 900})
    if path != "404.html":  # in the middle of a walk, with a quantity linked: every style in play
        figure = figures(page)[-1]
        figure.go_to(figure.steps // 2)
        figure.code_tokens("hidden_weights_W").first.hover()
    _axe(page)


def test_nu_validator_finds_no_errors_in_the_whole_site(validated: dict[str, Validation]) -> None:
    assert validated["fixture"].ok, validated["fixture"].messages


@pytest.mark.parametrize("width", [390, 320])
@pytest.mark.parametrize("path", [HOME, EDGES])
def test_no_horizontal_scroll_on_a_phone(browse: Browse, path: str, width: int) -> None:
    page = browse.open(path, viewport={"width": width, "height": 800}, is_mobile=True, has_touch=True)
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, f"the page is {scroll_width}px wide in a {width}px viewport"
    figure = figures(page)[-1]
    figure.go_to(figure.steps - 1)
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, f"at the last state the page is {scroll_width}px wide in {width}px"
    for f in figures(page):
        for part in (f.root, f.button("Play"), f.button("Step forward"), f.slider, f.speed):
            box = part.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, \
                f"{f}: {part} sticks out of the {width}px viewport: {box}"


def test_figures_are_wider_than_the_text_on_a_desktop(browse: Browse) -> None:
    page = browse.open(HOME, viewport={"width": 1440, "height": 900})
    paragraph = page.locator("main p").first.bounding_box()
    figure = Figure(page, "useful").root.bounding_box()
    assert paragraph is not None and figure is not None
    assert figure["width"] > paragraph["width"] + 40, f"figure {figure['width']}px, text {paragraph['width']}px"
    assert paragraph["width"] <= 800, f"the reading column is {paragraph['width']}px wide"


@pytest.mark.parametrize("mode", ["http", "file"])
@pytest.mark.parametrize("path", [HOME, EDGES])
def test_without_javascript_the_final_state_and_table_show(browse: Browse, path: str, mode: str) -> None:
    page = browse.open(path, mode=mode, java_script_enabled=False)
    found = figures(page)
    assert found
    problems = []
    for figure in found:
        expect(figure.root.locator("svg.rnn-diagram")).to_be_visible()
        expect(figure.root.locator("table.rnn-steps")).to_be_visible()
        expect(figure.root.locator("pre.rnn-code[data-program=forward]")).to_be_visible()
        expect(figure.button("Play")).to_have_count(0)  # buttons that cannot work are not offered
        expected = figure.expected()
        cells = figure.cells()
        # What a reader sees is each cell's text; the full values (data-value) the script sets from the inline
        # trace, which holds them, so without JavaScript the forward pass's cells carry only their text.
        shown = {c.key for c in cells if c.text}
        # A heat map's tiles are the script's to draw: without it, its values are in the table (All numbers).
        heat = set(figure.root.evaluate("(f) => Array.from(f.querySelectorAll('svg.rnn-diagram .rnn-heat'), "
                                        "(g) => g.getAttribute('data-ref'))"))
        table = figure.root.locator(".rnn-numbers").text_content() or ""
        tabled = {key for key in expected.window_keys() if key[0] in heat}
        if untabled := [k for k in tabled if cell_text(k[0], expected.recorded[k]) not in table]:
            problems.append(f"{figure}: {len(untabled)} heat-mapped values not in the table, e.g. {untabled[:5]}")
        if missing := sorted(expected.window_keys() - shown - tabled, key=str):
            problems.append(f"{figure}: {len(missing)} values missing without JavaScript, e.g. {missing[:5]}")
        for cell in cells:
            if not cell.text or cell.key not in expected.recorded or cell.ref == "target":
                continue
            if cell.value is not None and float(cell.value) != expected.recorded[cell.key]:
                problems.append(f"{figure}: {cell.where()} = {cell.value}, the trace has {expected.recorded[cell.key]}")
            text = cell_text(cell.ref, expected.recorded[cell.key])
            if cell.text != text:
                problems.append(f"{figure}: {cell.where()} shows {cell.text!r}, want {text!r}")
        rows = figure.root.locator("table.rnn-steps tbody tr")
        expect(rows).to_have_count(len(expected.trace["inputs"]))
    assert not problems, "\n".join(problems[:30])


def test_with_javascript_the_table_stays_reachable_for_screen_readers(browse: Browse) -> None:
    page = browse.open(HOME)
    for figure in figures(page):
        table = figure.root.get_by_role("table")
        expect(table).to_have_count(1)
        hidden = table.evaluate("(t) => { const s = getComputedStyle(t); "
                                "return s.display === 'none' || s.visibility === 'hidden'; }")
        assert not hidden, f"{figure}: the table is hidden from assistive technology"


def _luminance(css_color: str) -> float:
    numbers = [float(x) for x in re.findall(r"[\d.]+", css_color)[:3]]
    assert len(numbers) == 3, css_color

    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in numbers)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _background(page: Page) -> str:
    color: str = page.evaluate("""() => {
      for (const e of [document.body, document.documentElement]) {
        const c = getComputedStyle(e).backgroundColor;
        if (c && c !== 'transparent' && !/rgba\\(.*,\\s*0\\)$/.test(c)) return c;
      }
      return 'rgb(255, 255, 255)';
    }""")
    return color


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_colour_scheme_sets_the_background(browse: Browse, scheme: str) -> None:
    page = browse.open(HOME, color_scheme=scheme)
    background = _luminance(_background(page))
    text = _luminance(page.evaluate("() => getComputedStyle(document.querySelector('main p')).color"))
    if scheme == "dark":
        assert background < 0.05, f"dark mode background is {_background(page)}"
        assert text > 0.4, "dark mode text is not light"
    else:
        assert background > 0.8, f"light mode background is {_background(page)}"
    figure = Figure(page, "useful")
    svg_background = figure.root.locator("svg.rnn-diagram").evaluate(
        "(s) => { let e = s; while (e) { const c = getComputedStyle(e).backgroundColor;"
        " if (c && c !== 'transparent' && !/rgba\\(.*,\\s*0\\)$/.test(c)) return c; e = e.parentElement; }"
        " return 'rgb(255, 255, 255)'; }")
    if scheme == "dark":
        assert _luminance(svg_background) < 0.1, f"the diagram sits on {svg_background} in dark mode"


ANIMATIONS = """() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() =>
  done(document.getAnimations().filter((a) => a.playState === 'running' || a.playState === 'pending')
    .map((a) => {
      const target = a.effect && a.effect.target;
      const what = target ? (target.getAttribute('class') || target.tagName) : '?';
      return (a.transitionProperty || a.animationName || a.constructor.name) + ' on ' + what;
    })))))"""


def test_reduced_motion_leaves_no_running_animation(browse: Browse) -> None:
    page = browse.open(HOME, reduced_motion="reduce")
    figure = Figure(page, "useful")
    figure.restart()
    for _ in range(4):
        figure.button("Step forward").click()
        assert page.evaluate(ANIMATIONS) == [], "animations run under prefers-reduced-motion"
    figure.root.focus()
    page.keyboard.press("End")
    assert page.evaluate(ANIMATIONS) == []
    figure.code_tokens("loss").first.hover()
    assert page.evaluate(ANIMATIONS) == []


def test_print_shows_the_diagram_without_controls(browse: Browse) -> None:
    page = browse.open(HOME)
    page.emulate_media(media="print")
    for figure in figures(page):
        expect(figure.root.locator("svg.rnn-diagram")).to_be_visible()
        expect(figure.button("Play")).to_be_hidden()
        expect(figure.slider).to_be_hidden()


def test_the_figure_shows_keyboard_focus(browse: Browse) -> None:
    page = browse.open(HOME)
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('figure.rnn-figure')"):
            break
    else:
        pytest.fail("Tab never reached a figure")
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
      return {outline: s.outlineStyle, width: parseFloat(s.outlineWidth), shadow: s.boxShadow}; }""")
    assert (style["outline"] != "none" and style["width"] > 0) or style["shadow"] != "none", \
        f"a focused figure shows no focus ring: {style}"


def test_one_script_one_stylesheet_nothing_else(browse: Browse) -> None:
    page = browse.open(HOME, complete=False)  # as a reader opens it (a training step asked for adds its script)
    scripts = page.eval_on_selector_all("script[src]", "(s) => s.map((e) => [e.getAttribute('src'), e.type])")
    assert len(scripts) == 1, scripts
    src, kind = scripts[0]
    assert kind in ("", None, "text/javascript"), f"not a classic script: {scripts[0]}"
    assert not src.startswith(("/", "http:", "https:")), f"script path is not relative: {src}"
    sheets = page.eval_on_selector_all("link[rel=stylesheet]", "(s) => s.map((e) => e.getAttribute('href'))")
    assert len(sheets) == 1 and not sheets[0].startswith(("/", "http:", "https:")), sheets
    # Only the head's loader: it marks the page rnn-js (the figures are laid out for their players from the first
    # paint) and, once the page has loaded, adds the player's script, which it names.
    inline = page.eval_on_selector_all("script:not([src]):not([type='application/json'])",
                                       "(s) => s.map((e) => [e.parentElement.localName, e.dataset.player])")
    assert inline == [["head", src]], f"inline scripts on the page: {inline}"
    assert page.evaluate("() => document.documentElement.classList.contains('rnn-js')")


def test_the_player_is_fetched_after_the_page_has_loaded(browse: Browse) -> None:
    page = browse.open(HOME, fresh=True, complete=False)
    started = page.evaluate("""() => {
      const [page] = performance.getEntriesByType("navigation");
      const [player] = performance.getEntriesByType("resource").filter((r) => r.name.endsWith("/static/unrolled.js"));
      return [page.loadEventStart, player.startTime];
    }""")
    assert started[1] >= started[0], f"the player's script was fetched before the page's load event: {started}"


def test_home_page_weight(browse: Browse) -> None:
    page = browse.open(HOME, fresh=True, complete=False)  # an empty cache: every byte counted
    page.wait_for_load_state("networkidle")
    sizes = {}
    for response in browse.watcher(page).responses:
        body = response.body()
        sizes[response.url] = len(gzip.compress(body, compresslevel=9))
    total = sum(sizes.values())
    listing = "\n".join(f"  {size:>7,} {url}" for url, size in sorted(sizes.items(), key=lambda i: -i[1]))
    assert total <= WEIGHT_LIMIT, f"the home page loads {total:,} bytes of gzip (limit {WEIGHT_LIMIT:,}):\n{listing}"


def test_a_script_that_fails_to_load_leaves_the_figures_as_the_build_drew_them(browse: Browse) -> None:
    page = browse.open(HOME, fresh=True)
    page.route(re.compile(r".*/static/unrolled\.js$"), lambda route: route.abort())
    page.reload(wait_until="load")
    page.wait_for_function("() => !document.documentElement.classList.contains('rnn-js')")  # the loader's onerror
    browse.watcher(page).problems.clear()  # the failed load is this test's doing
    for figure in figures(page):
        expect(figure.button("Play")).to_be_hidden()  # no controls that cannot work
        expect(figure.root.locator("table.rnn-steps")).to_be_visible()
