"""Progress on long training: bars on a terminal only, fed from the worker processes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from generator.cache import TraceCache
from generator.networks import obtain_traces
from generator.progress import DELAY, ProgressBars

from .project import REPO, make_project, valid_network


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_bars_appear_after_a_second_redraw_in_place_and_are_erased() -> None:
    screen, clock = io.StringIO(), Clock()
    bars = ProgressBars(screen, clock)
    bars.update("quick", 1000, 1000)  # done before the first draw: never gets a bar
    bars.update("slow", 1000, 20000)
    assert screen.getvalue() == ""
    clock.now += DELAY
    bars.update("slow", 2000, 20000)
    bars.update("other", 1000, 4000)  # too soon after the last draw
    first = screen.getvalue()
    assert first == "\x1b[2Ktraining slow [##----------------------]  10%\n"
    clock.now += 0.5
    bars.update("slow", 15000, 20000)
    drawn = screen.getvalue()[len(first):]
    assert drawn.startswith("\x1b[1F")  # back up over the one line drawn before
    assert drawn.split("\x1b[2K")[1:] == ["training slow  [##################------]  75%\n",
                                          "training other [######------------------]  25%\n"]
    bars.close()
    assert screen.getvalue().endswith("\x1b[2F\x1b[J")


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, int, int]] = []
        self.closed = False

    def update(self, name: str, done: int, total: int) -> None:
        self.seen.append((name, done, total))

    def close(self) -> None:
        self.closed = True


def test_progress_comes_back_from_the_worker_processes(tmp_path: Path) -> None:
    networks = [valid_network(name, {"pattern": "10", "length": "40", "updates": "2500"}) for name in ("a", "b")]
    recorder = Recorder()
    outcomes = obtain_traces(networks, TraceCache(tmp_path / "cache"), lambda outcome: None, recorder)
    assert all(outcome.trace is not None for outcome in outcomes)
    assert recorder.closed
    for name in ("a", "b"):
        assert [(done, total) for n, done, total in recorder.seen if n == name] == [
            (2000, 5000), (4000, 5000), (5000, 5000)]  # the network and its twin train together


def test_no_terminal_no_bars(tmp_path: Path) -> None:
    """Training that takes well over a second, with output to a pipe: the report and nothing else."""
    page = "# Long\n\n```{rnn} long\n:pattern: 011\n:length: 300\n:updates: 40000\n```\n"
    root = make_project(tmp_path, {"index.md": page})
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "generator", "build", "--root", str(root)], env=env,
                          capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("trained long: 40,000 updates in ")
    assert lines[1].startswith("built 1 pages, 1 figures (1 trained, 0 cached)")
    assert "\x1b" not in done.stdout + done.stderr and done.stderr == ""
