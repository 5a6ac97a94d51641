"""Links read against the Markdown file and written for the page's output path; the navigation by folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.links import link_target, relative_href
from generator.navigation import navigation, page_tree, with_current
from generator.pages import SourcePage

URLS = {"index": "index.html", "hello": "hello/index.html", "guide/index": "guide/index.html",
        "guide/intro": "guide/intro/index.html"}


@pytest.mark.parametrize(("source_dir", "link", "target"), [
    ("", "pic.png", "pic.png"),
    ("", "hello.md", "hello/index.html"),
    ("", "guide/intro.md", "guide/intro/index.html"),
    ("", "guide/", "guide/index.html"),
    ("", "hello", "hello/index.html"),
    ("", "./", "index.html"),
    ("guide", "intro.md", "guide/intro/index.html"),
    ("guide", "../index.md", "index.html"),
    ("guide", "../pic.png", "pic.png"),
    ("guide", "pic.png", "guide/pic.png"),
    ("guide", "../../out.md", "../out.md"),
    ("guide", "missing.md", "guide/missing.md"),
])
def test_a_link_is_read_against_the_markdown_file(source_dir: str, link: str, target: str) -> None:
    assert link_target(link, source_dir, URLS) == target


def test_a_link_is_written_for_the_output_path() -> None:
    assert relative_href("pic.png", "hello/index.html") == "../pic.png"
    assert relative_href("pic.png", "index.html") == "pic.png"
    assert relative_href("guide/intro/index.html", "guide/index.html") == "intro/index.html"
    assert relative_href("index.html", "guide/intro/index.html") == "../../index.html"


def _page(slug: str, title: str, order: int = 100) -> SourcePage:
    return SourcePage(Path(f"{slug}.md"), f"content/{slug}.md", slug, [], 1, title, order=order)


def test_navigation_groups_folders_and_sorts_numbers_by_value() -> None:
    pages = [_page("hidden-64", "Hidden 64"), _page("index", "Home"), _page("hidden-8", "Hidden 8"),
             _page("zoo/b", "B"), _page("zoo/index", "Zoo home", order=200), _page("guide/deeper/x", "X"),
             _page("guide/a", "A", order=1)]
    tree = page_tree(pages)
    assert [p.slug for p in tree.every_page()] == ["index", "guide/a", "guide/deeper/x", "hidden-8", "hidden-64",
                                                   "zoo/index", "zoo/b"]
    nav = navigation(tree, "../../")
    assert [item["title"] for item in nav] == ["Home", "Guide", "Hidden 8", "Hidden 64", "Zoo"]
    zoo = nav[4]["children"]
    assert isinstance(zoo, list) and [item["title"] for item in zoo] == ["Zoo home", "B"]
    assert zoo[1] == {"title": "B", "url": "../../zoo/b/index.html", "children": []}
    html = '<li><a href="../../zoo/index.html">Zoo home</a></li><li><a href="../../zoo/b/index.html">B</a></li>'
    marked = with_current(html, "../../zoo/b/index.html")
    assert marked.count("aria-current") == 1 and '<a href="../../zoo/b/index.html" aria-current="page">B</a>' in marked
