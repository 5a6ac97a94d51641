"""Progress bars on a terminal, one per network, for training that takes more than about a second."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import IO

DELAY = 1.0  # seconds of training before any bar appears: quick builds print nothing extra
REDRAW = 0.1  # seconds between two redraws
WIDTH = 24  # characters of bar


class ProgressBars:
    """Draws a bar per training network below the cursor, redrawn in place with ANSI escapes; `close` erases them."""

    def __init__(self, stream: IO[str], clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.started: float | None = None  # when the first progress arrived
        self.state: dict[str, tuple[int, int]] = {}  # name -> (done, total)
        self.shown: list[str] = []  # the networks with a bar, in the order they got it
        self.drawn = 0  # lines on screen
        self.last_draw = 0.0

    def update(self, name: str, done: int, total: int) -> None:
        """Record a network's progress; redraw when training has run long enough and the last redraw is old."""
        now = self.clock()
        self.started = now if self.started is None else self.started
        self.state[name] = (done, total)
        if now - self.started >= DELAY and now - self.last_draw >= REDRAW:
            self._draw()
            self.last_draw = now

    def close(self) -> None:
        """Erase the bars, leaving the cursor where they began."""
        if self.drawn:
            self.stream.write(f"\x1b[{self.drawn}F\x1b[J")
            self.stream.flush()
        self.drawn = 0

    def _draw(self) -> None:
        self.shown += [name for name, (done, total) in self.state.items() if done < total and name not in self.shown]
        if not self.shown:
            return
        width = max(len(name) for name in self.shown)
        lines = [line(name.ljust(width), *self.state[name]) for name in self.shown]
        up = f"\x1b[{self.drawn}F" if self.drawn else ""
        self.stream.write(up + "".join(f"\x1b[2K{text}\n" for text in lines))
        self.stream.flush()
        self.drawn = len(lines)


def line(name: str, done: int, total: int) -> str:
    """One network's bar: `training NAME [#######-----]  58%` (the network and its rounding check train together)."""
    filled = WIDTH * done // total if total else WIDTH
    percent = 100 * done // total if total else 100
    return f"training {name} [{'#' * filled}{'-' * (WIDTH - filled)}] {percent:3d}%"
