"""Find the project a command runs in: the nearest folder, here or above, that holds `content/`."""

from __future__ import annotations

from pathlib import Path

import click

from .blocks import scan
from .errors import Problems
from .pages import page_sources, read_page


class NotAProject(click.ClickException):
    """The command ran outside any unrolled project."""


def find_root(start: Path) -> Path:
    """The nearest folder from `start` upwards (as git looks for `.git`) that holds a `content/` folder."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "content").is_dir():
            return folder
    raise NotAProject(f"not an unrolled project (no content/ folder here or above {start})")


def block_names(content: Path) -> dict[str, str]:
    """Every `{rnn}` block name in the site's pages, with where it is (`content/page.md:12`)."""
    names: dict[str, str] = {}
    ignored = Problems()  # a page's mistakes are the build's to report, not `new`'s
    for source, slug in page_sources(content):  # the pages the build reads, and only those
        display = source.relative_to(content.parent).as_posix()
        page = read_page(source, display, ignored, slug)
        for block in scan(page.body, page.body_first_line, display, ignored).blocks:
            names.setdefault(block.name, f"{display}:{block.line}")
    return names
