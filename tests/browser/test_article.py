"""The real article in content/, built as it ships: the checks whose numbers depend on its prose.

Everything else is tested on the fixture site, so that prose edits cannot break the player's tests;
these few run on the article because the issue's limits are about the page people will read.
"""

from __future__ import annotations

import gzip

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import Browse, Site, Validation
from .expect import cell_text, close
from .player import figures

WEIGHT_LIMIT = 50_000


def test_article_home_page_weight(browse: Browse, article_site: Site) -> None:
    page = browse.open("index.html", site=article_site, fresh=True, complete=False)  # an empty cache
    page.wait_for_load_state("networkidle")
    sizes = {r.url: len(gzip.compress(r.body(), compresslevel=9)) for r in browse.watcher(page).responses}
    total = sum(sizes.values())
    listing = "\n".join(f"  {size:>7,} {url}" for url, size in sorted(sizes.items(), key=lambda i: -i[1]))
    assert total <= WEIGHT_LIMIT, f"the home page loads {total:,} bytes of gzip (limit {WEIGHT_LIMIT:,}):\n{listing}"


def test_article_passes_the_nu_validator(article_site: Site, validated: dict[str, Validation]) -> None:
    assert validated["article"].ok, validated["article"].messages


def test_article_pages_load_cleanly_pass_axe_and_end_on_the_traces_numbers(browse: Browse,
                                                                         article_site: Site) -> None:
    problems = []
    for path in article_site.pages():
        page = browse.open(path, site=article_site)
        violations = Axe().run(page)
        if violations.violations_count:
            problems.append(f"{path}: axe:\n{violations.generate_report()}")
        page.set_viewport_size({"width": 390, "height": 800})
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 390:
            problems.append(f"{path}: {width}px wide in a 390px viewport")
        for figure in figures(page):
            expected = figure.expected()
            figure.go_to(figure.steps - 1)
            compact = figure.root.evaluate("(f) => !!f.querySelector('svg.rnn-diagram[data-rows], .rnn-heat')")
            shown = set()
            for cell in figure.cells():
                if cell.value is None or cell.ref == "target" or cell.key not in expected.values:
                    continue
                shown.add(cell.key)
                want = expected.values[cell.key]
                if not close(float(cell.value), want):
                    problems.append(f"{path} {figure} {cell.where()}: {cell.value}, numpy gives {want!r}")
                text = cell_text(cell.ref, want)
                if cell.ref == "xs" and compact:  # a collapsed xs shows the character read
                    text = repr(expected.trace["vocab"][expected.trace["inputs"][cell.key[1]]])
                if cell.text is not None and cell.text != text:  # a heat map's tile has no text: its value shows
                    problems.append(f"{path} {figure} {cell.where()}: shows {cell.text!r}, want {text!r}")
            missing = expected.window_keys() - shown
            if compact:  # what a collapsed column or a heat map leaves out is in the table (All numbers)
                table = figure.root.locator(".rnn-numbers").text_content() or ""
                missing = {key for key in missing if cell_text(key[0], expected.values[key]) not in table}
            if missing:
                problems.append(f"{path} {figure}: {len(missing)} values not shown at the last state")
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("mode", ["http", "file"])
def test_article_figures_play(browse: Browse, article_site: Site, mode: str) -> None:
    page = browse.open("index.html", site=article_site, mode=mode)
    found = figures(page)
    assert found, "the article's home page has no figure"
    for figure in found:
        figure.restart()
        figure.button("Step forward").click()
        figure.wait_step(1)
