"""Turn validated networks into traces: from the cache when it has them, trained otherwise."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from .cache import TraceCache
from .spec import Network
from .tracefile import Trace, trace_json


@dataclass(frozen=True)
class Outcome:
    """One network's trace (or why it has none), and what it cost."""

    name: str
    trace: Trace | None
    text: str  # the trace as written to traces/NAME.json ("" without a trace)
    error: str | None  # why training failed: it diverged, which the learning rate answers for
    seconds: float
    cached: bool


def _train(network: Network) -> Outcome:
    from .model.trace import TrainingDiverged, record_trace  # numpy and the model load only when needed

    started = time.perf_counter()
    try:
        recorded = record_trace(network)
    except TrainingDiverged as exc:
        return Outcome(network.spec.name, None, "", str(exc), time.perf_counter() - started, False)
    return Outcome(network.spec.name, recorded, trace_json(recorded), None, time.perf_counter() - started, False)


def obtain_traces(networks: list[Network], cache: TraceCache,
                  report: Callable[[Outcome], None]) -> list[Outcome]:
    """Load or train every network (training in parallel processes), reporting each as it lands."""
    outcomes: dict[str, Outcome] = {}
    missing: list[Network] = []
    for network in networks:
        cached = cache.load(network)
        if cached is None:
            missing.append(network)
        else:
            outcomes[network.spec.name] = Outcome(network.spec.name, *cached, None, 0.0, True)
            report(outcomes[network.spec.name])
    workers = min(len(missing), os.cpu_count() or 1)
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor  # only a cold build pays for importing it

        with ProcessPoolExecutor(max_workers=workers) as pool:
            trained = list(pool.map(_train, missing))
    else:
        trained = [_train(network) for network in missing]
    for network, outcome in zip(missing, trained, strict=True):
        if outcome.trace is not None:
            cache.store(network, outcome.text)
        outcomes[network.spec.name] = outcome
        report(outcome)
    return [outcomes[network.spec.name] for network in networks]
