"""A site with pages in folders: every page, image and navigation link works over http and from disk."""

from __future__ import annotations

import pytest

from ..test_golden import CASES
from .conftest import Browse, Server, Site, build_project, run_vnu
from .player import Figure
from .test_quality import _axe

FOLDERS_CONTENT = CASES / "folders" / "content"


@pytest.fixture(scope="module")
def folders_site(tmp_path_factory: pytest.TempPathFactory, server: Server) -> Site:
    folder = build_project(FOLDERS_CONTENT, tmp_path_factory.mktemp("folders-project"))
    return Site(folder, server.mount(folder, "folders"))


@pytest.mark.parametrize("mode", ["http", "file"])
def test_every_page_loads_its_images_and_links_only_to_files_of_the_site(browse: Browse, folders_site: Site,
                                                                   mode: str) -> None:
    pages = [p for p in folders_site.pages() if p != "404.html"]
    root = folders_site.url("index.html", mode).removesuffix("index.html")
    assert "guide/intro/index.html" in pages and "guide/deeper/more/index.html" in pages
    for path in pages:
        page = browse.open(path, site=folders_site, mode=mode)
        broken = page.evaluate("() => [...document.images].filter(i => !i.complete || !i.naturalWidth)"
                               ".map(i => i.src)")
        assert broken == [], f"{path}: images that did not load: {broken}"
        nav = page.locator("nav[aria-label=Pages] a")
        assert nav.count() == len(pages), f"{path}: the navigation misses pages"
        targets = nav.evaluate_all("links => links.map(a => a.href)") + page.locator("main a").evaluate_all(
            "links => links.map(a => a.href.split('#')[0])")
        found = {t.removeprefix(root) for t in targets}
        assert set(pages) <= found and all((folders_site.folder / f).is_file() for f in found), f"{path}: {targets}"
    # a group link from the deepest page, clicked, arrives where it says
    page = browse.open("guide/deeper/more/index.html", site=folders_site, mode=mode)
    page.locator("nav[aria-label=Pages] a", has_text="First steps: a list").click()
    assert page.url == folders_site.url("guide/intro/index.html", mode)


def test_navigation_groups_folders_in_natural_order(browse: Browse, folders_site: Site) -> None:
    page = browse.open("hidden-64/index.html", site=folders_site)
    top = page.locator("nav[aria-label=Pages] > ul > li")
    assert [t.strip() for t in top.evaluate_all("items => items.map(li => li.firstElementChild.textContent)")] == [
        "Home", "Guide", "Hidden 8", "Hidden 64"]
    group = page.locator(".nav-group", has_text="Guide").first
    assert group.locator(":scope > ul > li > a").all_text_contents() == ["The guide", "First steps: a list"]
    assert page.locator("[aria-current=page]").all_text_contents() == ["Hidden 64"]
    _axe(page)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_figure_in_a_list_item_plays_and_fits(browse: Browse, folders_site: Site, width: int) -> None:
    page = browse.open("guide/intro/index.html", site=folders_site, viewport={"width": width, "height": 900})
    assert page.locator("ol > li > figure[data-rnn=listed]").count() == 1
    figure = Figure(page, "listed")
    assert figure.trace()["vocab"] == [" ", "0", "1"]
    figure.go_to(3)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    _axe(page)


def test_the_folders_site_passes_the_nu_validator(folders_site: Site) -> None:
    _, [validation] = run_vnu([folders_site.folder])
    assert validation.ok, validation.messages
