"""Source pages: read a Markdown file, its optional TOML front matter, and its title."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import Problems

FRONT_MATTER_FENCE = "+++"
FRONT_MATTER_KEYS = {"title": str, "description": str, "order": int}
HEADING = re.compile(r"^#\s+(?P<title>.+?)\s*#*\s*$")
TOML_LINE = re.compile(r"at line (\d+)")


@dataclass
class SourcePage:
    """One Markdown file: where it comes from, where it goes, and what it says about itself."""

    source: Path
    display_path: str
    slug: str
    lines: list[str]
    body_first_line: int
    title: str
    description: str = ""
    order: int = 100

    @property
    def output_path(self) -> str:
        """The page's file in the site, relative to the site root."""
        return "index.html" if self.slug == "index" else f"{self.slug}/index.html"

    @property
    def body(self) -> list[str]:
        """The Markdown lines after the front matter."""
        return self.lines[self.body_first_line - 1:]


def decode_utf8(raw: bytes, display_path: str, problems: Problems) -> str | None:
    """Decode bytes as UTF-8, or report on which line the first bad byte sits."""
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        problems.error(display_path, line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")
        return None


def read_page(source: Path, display_path: str, problems: Problems) -> SourcePage:
    """Read a page; report problems with its encoding or front matter."""
    slug = source.stem
    text = decode_utf8(source.read_bytes(), display_path, problems)
    page = SourcePage(source, display_path, slug, [], 1, slug.replace("-", " ").capitalize())
    if text is None:
        return page
    page.lines = text.splitlines()
    if "title" not in _read_front_matter(page, problems):
        for line in page.body:
            heading = HEADING.match(line)
            if heading:
                page.title = heading.group("title")
                break
    return page


def _read_front_matter(page: SourcePage, problems: Problems) -> set[str]:
    """Apply the front matter to the page; return the keys it set."""
    given: set[str] = set()
    if not page.lines or page.lines[0].strip() != FRONT_MATTER_FENCE:
        return given
    try:
        end = next(i for i, line in enumerate(page.lines[1:], 1) if line.strip() == FRONT_MATTER_FENCE)
    except StopIteration:
        problems.error(page.display_path, 1, "front matter opened with +++ is never closed; add a +++ line after it")
        return given
    page.body_first_line = end + 2
    try:
        data = tomllib.loads("\n".join(page.lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        found = TOML_LINE.search(str(exc))
        line = int(found.group(1)) + 1 if found else 1
        message = str(exc).split(" (at ")[0]
        problems.error(page.display_path, line, f"front matter is not valid TOML: {message}")
        return given
    for key, value in data.items():
        line = next((i + 1 for i in range(1, end) if page.lines[i].lstrip().startswith(key)), 1)
        expected = FRONT_MATTER_KEYS.get(key)
        if expected is None:
            problems.error(page.display_path, line, f"unknown front matter key '{key}'; "
                                                    f"use {', '.join(FRONT_MATTER_KEYS)}")
        elif not isinstance(value, expected) or isinstance(value, bool):
            problems.error(page.display_path, line, f"front matter '{key}' must be a {expected.__name__}")
        else:
            setattr(page, key, value)
            given.add(key)
    return given
