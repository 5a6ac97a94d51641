"""Notice edits by polling modification times: no dependency, and quick enough for a live preview.

A project has a few dozen source files; stat-ing them all every 15 ms costs well under a millisecond,
so polling keeps `serve` dependency-free without making the reload feel slow.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

POLL_SECONDS = 0.015
SETTLE_SECONDS = 0.005  # a save in several steps (truncate, write; or many files) becomes one change
SETTLE_LIMIT = 0.25
IGNORED_FOLDERS = {"__pycache__", "node_modules"}
IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".pyc")
MAX_DEPTH = 16

Snapshot = dict[str, tuple[int, int]]


def _ignored(name: str) -> bool:
    return name.startswith(".") or name.endswith(IGNORED_SUFFIXES) or name in IGNORED_FOLDERS


def _scan(path: str, files: Snapshot, depth: int) -> None:
    try:
        entries = list(os.scandir(path))
    except NotADirectoryError:
        try:
            status = os.stat(path)
        except OSError:
            return
        files[path] = (status.st_mtime_ns, status.st_size)
        return
    except OSError:
        return
    for entry in entries:
        if _ignored(entry.name):
            continue
        try:
            if entry.is_dir():
                if depth < MAX_DEPTH:
                    _scan(entry.path, files, depth + 1)
            else:
                status = entry.stat()
                files[entry.path] = (status.st_mtime_ns, status.st_size)
        except OSError:
            continue


def snapshot(paths: Iterable[Path]) -> Snapshot:
    """Every watched file under `paths` (folders or single files) with its mtime and size."""
    files: Snapshot = {}
    for path in paths:
        _scan(str(path), files, 0)
    return files


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """The files that were added, removed or changed between two snapshots, sorted."""
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


class Watcher:
    """Polls a set of folders and files and reports what changed since the last look."""

    def __init__(self, paths: Iterable[Path], interval: float = POLL_SECONDS) -> None:
        self.paths = list(paths)
        self.interval = interval
        self.last = snapshot(self.paths)

    def changes(self) -> list[str]:
        """The files changed since the previous call (or since the watcher started)."""
        current = snapshot(self.paths)
        changed = differences(self.last, current)
        self.last = current
        return changed

    def wait(self) -> list[str]:
        """Block until something changes and the files hold still for a moment, then return what changed."""
        while True:
            changed = self.changes()
            if changed:
                deadline = time.monotonic() + SETTLE_LIMIT
                while time.monotonic() < deadline:
                    time.sleep(SETTLE_SECONDS)
                    more = self.changes()
                    if not more:
                        break
                    changed = sorted(set(changed) | set(more))
                return changed
            time.sleep(self.interval)
