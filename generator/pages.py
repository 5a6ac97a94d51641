"""Source pages: read a Markdown file, its optional front matter (TOML or YAML-style), and its title."""

from __future__ import annotations

import json
import posixpath
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import Problems
from .spec import suggest, unquote

TOML_FENCE = "+++"
YAML_FENCE = "---"
FRONT_MATTER_KEYS = {"title": str, "description": str, "order": int}
HEADING = re.compile(r"^#\s+(?P<title>.+?)\s*#*\s*$")
TOML_LINE = re.compile(r"at line (\d+)")
YAML_LINE = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_-]*):(?:[ ]+(?P<value>.*))?$")
YAML_DOUBLE = re.compile(r'^"(?P<text>(?:[^"\\]|\\.)*)"(?:[ ]+#.*)?$')
YAML_SINGLE = re.compile(r"^'(?P<text>(?:[^']|'')*)'(?:[ ]+#.*)?$")
YAML_INTEGER = re.compile(r"^[-+]?\d+$")
YAML_INDICATORS = "[]{}&*!|>%@`\"'"
YAML_SPECIAL = {"true", "false", "yes", "no", "on", "off", "null", "~"}
NUMBER = re.compile(r"(\d+)")
QUOTES = "\"'"


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
        """The page's file in the site, relative to the site root: `guide/intro` -> `guide/intro/index.html`."""
        if self.slug == "index":
            return "index.html"
        return f"{self.slug.removesuffix('/index')}/index.html"

    @property
    def folder(self) -> str:
        """The page's folder under content/ (empty at the top): the navigation group it belongs to."""
        return posixpath.dirname(self.slug)

    @property
    def body(self) -> list[str]:
        """The Markdown lines after the front matter."""
        return self.lines[self.body_first_line - 1:]


def page_sources(content: Path) -> list[tuple[Path, str]]:
    """Every Markdown page under content/ with its slug (`guide/intro`), sorted; hidden folders are skipped."""
    found = []
    for source in sorted(content.rglob("*.md")):
        relative = source.relative_to(content)
        if not any(part.startswith(".") for part in relative.parts):
            found.append((source, relative.with_suffix("").as_posix()))
    return found


def decode_utf8(raw: bytes, display_path: str, problems: Problems) -> str | None:
    """Decode bytes as UTF-8, or report on which line the first bad byte sits."""
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        problems.error(display_path, line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")
        return None


def title_from_name(name: str) -> str:
    """A title made from a file or folder name: `hidden-8` -> `Hidden 8`."""
    return name.replace("-", " ").replace("_", " ").capitalize()


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders numbers by value: `Hidden 8` before `Hidden 64`."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.casefold()) for part in NUMBER.split(text) if part)


def read_page(source: Path, display_path: str, problems: Problems, slug: str | None = None) -> SourcePage:
    """Read a page (its slug is its path under content/ without `.md`); report problems with it."""
    slug = slug or source.stem
    name = posixpath.basename(slug)
    if name == "index" and "/" in slug:
        name = posixpath.basename(posixpath.dirname(slug))
    text = decode_utf8(source.read_bytes(), display_path, problems)
    page = SourcePage(source, display_path, slug, [], 1, title_from_name(name))
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
    """Apply the front matter (TOML between +++ lines, or YAML-style between --- lines); return the keys it set."""
    fence = page.lines[0].strip() if page.lines else ""
    if fence not in (TOML_FENCE, YAML_FENCE):
        return set()
    try:
        end = next(i for i, line in enumerate(page.lines[1:], 1) if line.strip() == fence)
    except StopIteration:
        problems.error(page.display_path, 1, f"front matter opened with {fence} is never closed; "
                       f"add a {fence} line after it")
        return set()
    page.body_first_line = end + 2
    entries = _read_yaml_lines(page, end, problems) if fence == YAML_FENCE else _read_toml(page, end, problems)
    given: set[str] = set()
    for key, value, line in entries:
        if _apply(page, key, value, line, problems):
            given.add(key)
    return given


def _read_toml(page: SourcePage, end: int, problems: Problems) -> list[tuple[str, object, int]]:
    try:
        data = tomllib.loads("\n".join(page.lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        found = TOML_LINE.search(str(exc))
        line = int(found.group(1)) + 1 if found else 1
        message = str(exc).split(" (at ")[0]
        problems.error(page.display_path, line, f"front matter is not valid TOML: {message}")
        return []
    entries = []
    for key, value in data.items():
        pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        line = next((i + 1 for i in range(1, end) if pattern.match(page.lines[i])), 1)
        entries.append((key, value, line))
    return entries


def _read_yaml_lines(page: SourcePage, end: int, problems: Problems) -> list[tuple[str, object, int]]:
    """Read `key: value` lines (a quoted string, a whole number or plain text); report anything else."""
    entries: list[tuple[str, object, int]] = []
    seen: set[str] = set()
    nested = False
    for index in range(1, end):
        text, line = page.lines[index], index + 1
        if not text.strip() or text.lstrip().startswith("#") or (nested and text.startswith((" ", "-"))):
            continue  # blank lines, comments, and the items of a list or table already reported at its key
        match = YAML_LINE.match(text)
        if match is None:
            problems.error(page.display_path, line, f"cannot read front matter line {text.strip()!r}: "
                           "write one 'key: value' per line, or TOML between +++ lines, such as "
                           "title = \"Hello\"")
            continue
        key, raw = match.group("key"), (match.group("value") or "").strip()
        nested = not raw
        if key in seen:
            problems.error(page.display_path, line, f"front matter '{key}' is given twice")
            continue
        seen.add(key)
        if key not in FRONT_MATTER_KEYS:
            entries.append((key, raw, line))
            continue
        try:
            entries.append((key, _yaml_value(raw), line))
        except ValueError as exc:
            toml = f"{key} = {json.dumps(raw.strip(QUOTES) or 'text')}"
            advice = "" if raw.startswith(tuple(QUOTES)) else f"; quote it, or write TOML between +++ lines: {toml}"
            problems.error(page.display_path, line, f"front matter '{key}' {exc}{advice}")
    return entries


def _yaml_value(raw: str) -> object:
    """A front matter value as YAML reads it, for the values a page needs: quoted text, whole numbers, plain text."""
    double = YAML_DOUBLE.match(raw)
    if double:
        return unquote(f'"{double.group("text")}"')
    single = YAML_SINGLE.match(raw)
    if single:
        return single.group("text").replace("''", "'")
    plain = raw.split(" #", 1)[0].strip()
    if not plain:
        raise ValueError("has no value")
    if YAML_INTEGER.match(plain):
        return int(plain)
    if plain[0] in YAML_INDICATORS or ": " in plain or plain.endswith(":"):
        raise ValueError(f"has {plain!r}, which YAML reads as something other than text")
    if plain.lower() in YAML_SPECIAL:
        raise ValueError(f"has {plain!r}, which YAML reads as true, false or nothing rather than text")
    return plain


def _apply(page: SourcePage, key: str, value: object, line: int, problems: Problems) -> bool:
    """Set one front matter key on the page, or report why not."""
    expected = FRONT_MATTER_KEYS.get(key)
    if expected is None:
        hint = suggest(key, tuple(FRONT_MATTER_KEYS)) or f"; use {', '.join(FRONT_MATTER_KEYS)}"
        problems.error(page.display_path, line, f"unknown front matter key '{key}'{hint}")
        return False
    if not isinstance(value, expected) or isinstance(value, bool):
        what = "a whole number" if expected is int else "text"
        problems.error(page.display_path, line, f"front matter '{key}' must be {what}, not {value!r}")
        return False
    if key == "title" and not str(value).strip():
        problems.error(page.display_path, line, "front matter 'title' is empty, which would make an "
                       "invisible link in the navigation; give the page a title, or leave the key "
                       "out to use its first heading")
        return False
    setattr(page, key, value)
    return True
