"""content/site.toml: the site's title, author, theme, base URL and `[rnn]` defaults."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem
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


def load_config(path: Path, display_path: str) -> tuple[SiteConfig, list[Problem]]:
    """Read site.toml (a missing file means all defaults) and report each problem at its line."""
    if not path.exists():
        return SiteConfig(), []
    text, problem = decode_utf8(path.read_bytes(), display_path)
    if text is None:
        assert problem is not None
        return SiteConfig(), [problem]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = TOML_LINE.search(str(exc))
        message = str(exc).split(" (at ")[0]
        return SiteConfig(), [Problem(display_path, int(found.group(1)) if found else 1,
                                      f"not valid TOML: {message}")]
    lines = text.splitlines()
    problems: list[Problem] = []
    settings: dict[str, object] = {}
    for key, value in data.items():
        expected = SITE_KEYS.get(key)
        if expected is None:
            problems.append(Problem(display_path, _line_of(lines, key),
                                    f"unknown setting '{key}'{suggest(key, tuple(SITE_KEYS))}; site.toml takes "
                                    f"{', '.join(SITE_KEYS)}"))
        elif not isinstance(value, expected):
            problems.append(Problem(display_path, _line_of(lines, key),
                                    f"'{key}' must be a {'table' if expected is dict else 'string'}"))
        else:
            settings[key] = value
    base_url = str(settings.get("base_url", ""))
    if base_url and not re.match(r"^https?://[^/\s]+", base_url):
        problems.append(Problem(display_path, _line_of(lines, "base_url"),
                                "base_url must start with http:// or https://"))
    rnn = settings.get("rnn", {})
    assert isinstance(rnn, dict)
    rnn_errors = check_defaults(rnn)
    for error in rnn_errors:
        problems.append(Problem(display_path, _line_of(lines, error.option, "rnn"), error.message))
    settings["rnn"] = {key: value for key, value in rnn.items() if key not in {e.option for e in rnn_errors}}
    if base_url and not base_url.endswith("/"):
        settings["base_url"] = base_url + "/"
    return SiteConfig(**settings), problems  # type: ignore[arg-type]


def theme_folder(root: Path, config: SiteConfig) -> Path:
    """The folder of the configured theme."""
    return root / "themes" / config.theme
