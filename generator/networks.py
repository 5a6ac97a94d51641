"""Turn validated networks into traces: from the cache when it has them, trained otherwise."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .cache import TraceCache
from .forked import Forked, fork_safe
from .spec import Network
from .tracefile import Trace, trace_bytes

if TYPE_CHECKING:
    from multiprocessing import Queue


@dataclass(frozen=True)
class Outcome:
    """One network's trace (or why it has none), and what it cost."""

    name: str
    trace: Trace | None
    written: bytes  # the trace as written to traces/NAME.json (UTF-8 JSON; empty without a trace)
    error: str | None  # why training failed: it diverged, which the learning rate answers for
    seconds: float
    cached: bool
    # The figure's HTML, when `obtain_traces` was given a `finish`: rendered in the worker that trained it, or being
    # rendered in a forked process (a lone network's, on a spare core) while the build goes on.
    figure: str | Forked[str | None] | None = None

    def rendered(self) -> str | None:
        """The figure's HTML, waiting for its process if it has one; None when there is none to take."""
        return self.figure if self.figure is None or isinstance(self.figure, str) else self.figure.result()

    def settle(self) -> None:
        """Stop the figure's process, if it has one still running (its figure was not needed after all)."""
        if isinstance(self.figure, Forked):
            self.figure.close()


Finish = Callable[[Network, Trace], str]  # renders a trained network's figure (picklable, for worker processes)


class Progress(Protocol):
    """Where training progress goes: one update per finished chunk of each network, then close."""

    def update(self, name: str, done: int, total: int) -> None:
        """`name` has done `done` of `total` updates (its rounding check's updates included)."""

    def close(self) -> None:
        """Training is over: take the progress display away."""


_worker_queue: Queue[tuple[str, int, int]] | None = None  # set in each worker process when progress is wanted


def _set_worker_queue(queue: Queue[tuple[str, int, int]] | None) -> None:
    global _worker_queue
    _worker_queue = queue


def _send(queue: Queue[tuple[str, int, int]], name: str, done: int, total: int) -> None:
    queue.put((name, done, total))


def _train(network: Network, progress: Progress | None = None, spare_core: bool = False,
           finish: Finish | None = None) -> Outcome:
    from .model.trace import TrainingDiverged, record_trace  # numpy and the model load only when needed

    name = network.spec.name
    tell: Callable[[int, int], None] | None = None
    if progress is not None:
        tell = functools.partial(progress.update, name)
    elif _worker_queue is not None:
        tell = functools.partial(_send, _worker_queue, name)
    started = time.perf_counter()
    try:
        recorded = record_trace(network, tell, spare_core)
    except TrainingDiverged as exc:
        return Outcome(name, None, b"", str(exc), time.perf_counter() - started, False)
    seconds = time.perf_counter() - started
    figure: str | Forked[str | None] | None = None
    if finish and spare_core and fork_safe():  # rendered beside the rest of the build (the trace's JSON, the pages)
        figure = Forked(_figure, finish, network, recorded)
    elif finish:
        figure = _figure(finish, network, recorded)
    return Outcome(name, recorded, trace_bytes(recorded), None, seconds, False, figure)


def _figure(finish: Finish, network: Network, trace: Trace) -> str | None:
    try:
        return finish(network, trace)
    except Exception:  # a broken template, say: the build renders the figure again and reports what is wrong
        return None


def _work(network: Network) -> int:
    """A rough measure of a network's training (its multiplications), to start the longest first."""
    spec = network.spec
    return spec.updates * spec.seq_length * spec.hidden_size * (spec.hidden_size + 2 * len(network.vocab))


def _train_in_parallel(missing: list[Network], workers: int, progress: Progress | None,
                       finish: Finish | None) -> list[Outcome]:
    """Train in worker processes, the longest first, each rendering its figure once trained (`finish`); with
    `progress`, the workers send (name, done, total) back over a queue."""
    import multiprocessing  # only a cold build pays for importing these
    import queue as queues
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    channel: Queue[tuple[str, int, int]] | None = multiprocessing.Queue() if progress else None

    def pass_progress_on() -> None:
        while channel is not None and progress is not None:
            try:
                progress.update(*channel.get_nowait())
            except queues.Empty:
                break

    with ProcessPoolExecutor(max_workers=workers, initializer=_set_worker_queue, initargs=(channel,)) as pool:
        longest_first = sorted(missing, key=_work, reverse=True)
        started = {id(network): pool.submit(_train, network, None, False, finish) for network in longest_first}
        futures = [started[id(network)] for network in missing]
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            pass_progress_on()
    pass_progress_on()  # a worker's last reports reach the queue's pipe by the time it has exited, not before
    return [future.result() for future in futures]


def obtain_traces(networks: list[Network], cache: TraceCache, report: Callable[[Outcome], None],
                  progress: Progress | None = None, finish: Finish | None = None) -> list[Outcome]:
    """Load or train every network (training in parallel processes), reporting each once training is over.

    Networks trained in worker processes have their figures rendered there too, by `finish`: that spreads the
    rendering over the cores while the longest network still trains.
    """
    outcomes: dict[str, Outcome] = {}
    missing: list[Network] = []
    for network in networks:
        cached = cache.load(network)
        if cached is None:
            missing.append(network)
        else:
            outcomes[network.spec.name] = Outcome(network.spec.name, *cached, None, 0.0, True)
            report(outcomes[network.spec.name])
    cores = os.cpu_count() or 1
    workers = min(len(missing), cores)
    try:
        if workers > 1:
            trained = _train_in_parallel(missing, workers, progress, finish)
        else:  # one network (or one core): a second core, if any, can train its rounding check's twin
            trained = [_train(network, progress, cores > 1, finish) for network in missing]
    finally:
        if progress is not None:
            progress.close()
    for network, outcome in zip(missing, trained, strict=True):
        if outcome.trace is not None:
            cache.store(network, outcome.written)
        outcomes[network.spec.name] = outcome
        report(outcome)
    return [outcomes[network.spec.name] for network in networks]
