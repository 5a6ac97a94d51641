"""Content-hash caches under build/cache: traces and rendered figures, written atomically, never trusted blindly."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from importlib.metadata import version
from pathlib import Path

import orjson

from .spec import Network
from .tracefile import SCHEMA, Trace

GENERATOR = Path(__file__).resolve().parent


def digest(parts: Iterable[str | bytes]) -> str:
    """A SHA-256 over the parts, each length-prefixed so that no two sequences collide."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hasher.update(f"{len(data)}:".encode("ascii") + data)
    return hasher.hexdigest()


def folder_digest(folder: Path) -> str:
    """A hash of every Python file under a folder: names and bytes, so an added or renamed file counts too."""
    files = sorted(folder.rglob("*.py"))
    return digest([part for path in files for part in (path.relative_to(folder).as_posix(), path.read_bytes())])


# What decides a trace: the model tier's code (everything under generator/model/) and the trace schema.
MODEL_DIGEST = digest([folder_digest(GENERATOR / "model"), f"schema {SCHEMA}"])
# What renders a page: the generator's code and the libraries that turn Markdown and templates into HTML.
RENDERER_DIGEST = digest([folder_digest(GENERATOR),
                          *(f"{name} {version(name)}" for name in ("markdown", "pygments", "jinja2", "numpy"))])


def cache_key(network: Network) -> str:
    """A hash of the resolved spec, the training text and the model's source."""
    return digest([json.dumps(network.spec.options(), sort_keys=True), network.text, MODEL_DIGEST])


def theme_digest(theme: Path) -> str:
    """A hash of the theme's templates (names and bytes)."""
    templates = sorted(p for p in (theme / "templates").rglob("*") if p.is_file())
    return digest([part for p in templates for part in (p.relative_to(theme).as_posix(), p.read_bytes())])


def figure_key(trace_key: str, caption: str, theme: str, show: str = "forward") -> str:
    """A hash of everything a rendered figure depends on: its trace, caption and mode, the theme, the generator."""
    return digest(["figure", trace_key, caption, theme, RENDERER_DIGEST, show])


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read_entry(path: Path, key: str) -> bytes | None:
    """The body of an entry whose first line is its key, or None when missing, unreadable or mismatched."""
    try:
        stored_key, _, body = path.read_bytes().partition(b"\n")
    except OSError:
        return None
    return body if stored_key == key.encode("ascii") else None


class TraceCache:
    """Traces stored as build/cache/<key>.json; a missing, broken or mismatched entry is a miss."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self, network: Network) -> tuple[Trace, bytes] | None:
        """The cached trace for this network and its JSON (UTF-8), or None when it must be trained."""
        key = cache_key(network)
        body = _read_entry(self.folder / f"{key}.json", key)
        try:
            cached = orjson.loads(body) if body is not None else None
        except orjson.JSONDecodeError:
            return None
        if not isinstance(cached, dict) or cached.get("schema") != SCHEMA or cached.get("name") != network.spec.name:
            return None
        assert body is not None
        return cached, body

    def store(self, network: Network, written: bytes) -> None:
        """Write the entry (its key on the first line, then the trace's JSON) to a temporary file, then rename it."""
        key = cache_key(network)
        _write_atomically(self.folder / f"{key}.json", key.encode("ascii") + b"\n" + written)


class RenderCache:
    """Rendered HTML stored as build/cache/<kind>/<key>.html, so a warm build renders nothing twice."""

    def __init__(self, folder: Path, kind: str) -> None:
        self.folder = folder / kind

    def load(self, key: str) -> str | None:
        """The text stored under this key, or None."""
        body = _read_entry(self.folder / f"{key}.html", key)
        try:
            return body.decode("utf-8") if body is not None else None
        except UnicodeDecodeError:
            return None

    def store(self, key: str, text: str) -> None:
        """Keep a rendering under its key."""
        _write_atomically(self.folder / f"{key}.html", f"{key}\n{text}".encode())

    def fetch(self, key: str, make: Callable[[], str]) -> str:
        """The text stored under this key; on a miss, make it and store it."""
        text = self.load(key)
        if text is None:
            text = make()
            self.store(key, text)
        return text
