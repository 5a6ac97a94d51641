"""A content-hash cache of traces under build/cache, written atomically and never trusted blindly."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import tempfile
from pathlib import Path

from . import rnn, trace
from .spec import Network

_MODEL_SOURCE = inspect.getsource(rnn) + inspect.getsource(trace)


def cache_key(network: Network) -> str:
    """A hash of the resolved spec, the training text and the model's source."""
    digest = hashlib.sha256()
    for part in (json.dumps(network.spec.options(), sort_keys=True), network.text, _MODEL_SOURCE):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


class TraceCache:
    """Traces stored as build/cache/<key>.json; a missing, broken or mismatched entry is a miss."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self, network: Network) -> trace.Trace | None:
        """The cached trace for this network, or None when it must be trained."""
        key = cache_key(network)
        try:
            entry = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        cached = entry.get("trace")
        if not isinstance(cached, dict) or cached.get("schema") != trace.SCHEMA:
            return None
        if cached.get("name") != network.spec.name:
            return None
        return cached

    def store(self, network: Network, recorded: trace.Trace) -> None:
        """Write the entry to a temporary file, then rename it into place."""
        self.folder.mkdir(parents=True, exist_ok=True)
        key = cache_key(network)
        body = json.dumps({"key": key, "trace": recorded}, separators=(",", ":"), allow_nan=False)
        fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{key}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(body)
            os.replace(temporary, self.folder / f"{key}.json")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
