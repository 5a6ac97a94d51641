"""Work done in a forked process while the caller goes on: only where forking is safe; the caller falls back."""

from __future__ import annotations

import gc
import multiprocessing
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

Result = TypeVar("Result")


def fork_safe() -> bool:
    """Whether this process may fork without exec: on Linux (macOS's system libraries are not safe to), with no
    other thread running that could hold a lock the child would inherit locked."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def _run(sender: Connection, work: Callable[..., Any], args: tuple[Any, ...]) -> None:
    sender.send(work(*args))
    sender.close()


class Forked(Generic[Result]):
    """`work(*args)` run in a forked process, started at once; `result()` waits for what it returns.

    The child shares the caller's memory as it stood at the fork (copy on write) and hands back only the result,
    pickled. Should it fail to (it raised, or was killed), `result()` is None and the caller does the work itself.
    """

    def __init__(self, work: Callable[..., Result], *args: Any) -> None:
        context = multiprocessing.get_context("fork")
        self.receiver, sender = context.Pipe(duplex=False)
        self.process = context.Process(target=_run, args=(sender, work, args), daemon=True)
        gc.freeze()  # the child's collections skip what it inherits, and so never copy those pages to write them
        self.process.start()
        gc.unfreeze()  # the caller (a preview server's long life, say) collects as before
        sender.close()
        self.done = False
        self.value: Result | None = None

    def result(self) -> Result | None:
        """What the work returned, or None when the process did not hand it back; the process is over after."""
        if not self.done:
            try:
                self.value = self.receiver.recv()
            except (EOFError, OSError):
                self.value = None
            self.close()
        return self.value

    def close(self) -> None:
        """Stop the process (if it still runs) and release it."""
        self.done = True
        self.receiver.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()

    def __enter__(self) -> Forked[Result]:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.done:
            self.close()
