"""Content-hash caches under build/cache: traces and rendered figures, written atomically, never trusted blindly."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .spec import Network
from .trace import SCHEMA

GENERATOR = Path(__file__).resolve().parent


def digest(parts: Iterable[str | bytes]) -> str:
    """A SHA-256 over the parts, each length-prefixed so that no two sequences collide."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hasher.update(f"{len(data)}:".encode("ascii") + data)
    return hasher.hexdigest()


def source_digest(files: Iterable[Path]) -> str:
    """A hash of the named source files' bytes."""
    return digest(path.read_bytes() for path in sorted(files))


MODEL_DIGEST = source_digest([GENERATOR / "rnn.py", GENERATOR / "fast_training.py", GENERATOR / "trace.py"])
RENDERER_DIGEST = source_digest(GENERATOR.glob("*.py"))


def cache_key(network: Network) -> str:
    """A hash of the resolved spec, the training text and the model's source."""
    return digest([json.dumps(network.spec.options(), sort_keys=True), network.text, MODEL_DIGEST])


def figure_key(trace_key: str, caption: str, theme: Path) -> str:
    """A hash of everything a rendered figure depends on: its trace, its caption, the theme and the generator."""
    templates = sorted(p for p in (theme / "templates").rglob("*") if p.is_file())
    return digest([trace_key, caption, RENDERER_DIGEST, *(p.name for p in templates), source_digest(templates)])


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read_entry(path: Path, key: str) -> str | None:
    """The body of an entry whose first line is its key, or None when missing, unreadable or mismatched."""
    try:
        stored_key, _, body = path.read_text(encoding="utf-8").partition("\n")
    except (OSError, UnicodeDecodeError):
        return None
    return body if stored_key == key else None


class TraceCache:
    """Traces stored as build/cache/<key>.json; a missing, broken or mismatched entry is a miss."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self, network: Network) -> dict[str, Any] | None:
        """The cached trace for this network, or None when it must be trained."""
        key = cache_key(network)
        body = _read_entry(self.folder / f"{key}.json", key)
        try:
            cached = json.loads(body) if body is not None else None
        except ValueError:
            return None
        if not isinstance(cached, dict) or cached.get("schema") != SCHEMA or cached.get("name") != network.spec.name:
            return None
        return cached

    def store(self, network: Network, recorded: dict[str, Any]) -> None:
        """Write the entry (its key on the first line, then the trace) to a temporary file, then rename it."""
        key = cache_key(network)
        body = json.dumps(recorded, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        _write_atomically(self.folder / f"{key}.json", f"{key}\n{body}")


class FigureCache:
    """Rendered figure HTML stored as build/cache/figures/<key>.html, so a warm build draws nothing twice."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / "figures"

    def load(self, key: str) -> str | None:
        """The figure stored under this key, or None."""
        return _read_entry(self.folder / f"{key}.html", key)

    def store(self, key: str, html: str) -> None:
        """Keep a rendered figure under its key."""
        _write_atomically(self.folder / f"{key}.html", f"{key}\n{html}")
