"""content/site.toml: the site's title, author, theme, base URL and `[rnn]` defaults."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problems
from .pages import TOML_LINE, decode_utf8
from .spec import check_defaults, suggest

SITE_KEYS: dict[str, type] = {"title": str, "author": str, "description": str, "base_url": str,
                              "theme": str, "rnn": dict}


@dataclass(frozen=True)
class SiteConfig:
    """The validated settings of content/site.toml (every key optional)."""

    title: str = "unrolled"
    author: str = ""
    description: str = ""
    base_url: str = ""
    theme: str = "default"
    rnn: dict[str, object] = field(default_factory=dict)


def _line_of(lines: list[str], key: str, table: str | None = None) -> int:
    in_table = table is None
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_table = table is not None and stripped == f"[{table}]"
            if in_table and key == "":
                return number
            continue
        if in_table and re.match(rf"^\s*\"?{re.escape(key)}\"?\s*=", line):
            return number
    return 1


def load_config(path: Path, display_path: str, problems: Problems) -> SiteConfig:
    """Read site.toml (a missing file means all defaults), reporting each problem at its line."""
    if not path.exists():
        return SiteConfig()
    text = decode_utf8(path.read_bytes(), display_path, problems)
    if text is None:
        return SiteConfig()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = TOML_LINE.search(str(exc))
        message = str(exc).split(" (at ")[0]
        problems.error(display_path, int(found.group(1)) if found else 1, f"not valid TOML: {message}")
        return SiteConfig()
    lines = text.splitlines()
    settings: dict[str, object] = {}
    for key, value in data.items():
        expected = SITE_KEYS.get(key)
        if expected is None:
            problems.error(display_path, _line_of(lines, key),
                           f"unknown setting '{key}'{suggest(key, tuple(SITE_KEYS))}; site.toml takes "
                           f"{', '.join(SITE_KEYS)}")
        elif not isinstance(value, expected):
            problems.error(display_path, _line_of(lines, key),
                           f"'{key}' must be a {'table' if expected is dict else 'string'}")
        else:
            settings[key] = value
    base_url = str(settings.get("base_url", ""))
    if base_url and not re.match(r"^https?://[^/\s]+", base_url):
        problems.error(display_path, _line_of(lines, "base_url"), "base_url must start with http:// or https://")
    rnn = settings.get("rnn", {})
    assert isinstance(rnn, dict)
    settings["rnn"] = check_defaults(
        rnn, lambda option, message: problems.error(display_path, _line_of(lines, option, "rnn"), message))
    if base_url and not base_url.endswith("/"):
        settings["base_url"] = base_url + "/"
    return SiteConfig(**settings)  # type: ignore[arg-type]


def theme_folder(root: Path, config: SiteConfig) -> Path:
    """The folder of the configured theme."""
    return root / "themes" / config.theme
