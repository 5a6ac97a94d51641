"""Measure fast_training's two paths over a grid of shapes and fit the cost model its module documents.

Each point trains a network and its one-ulp twin (as the build does) for a few hundred updates, on the
unrolled path (the two one after the other) and on the numpy path (side by side), and notes the CPU time
per update of the best of three tries (the unrolled loop's compilation is excluded: it happens once per shape
and process). The fit is least squares of the module's cost formulas on those points; the last lines say,
for every point, which path the fitted model picks and which one was faster.

    python tests/bench/paths.py [--updates 200] [--quick]
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable

import numpy as np

from generator.model import fast_training, health, rnn

TEXT = ("It was a bright cold day in April, and the clocks were striking thirteen; the quick brown fox jumps "
        "over the lazy dog, and 0123456789 (some digits) + more: ABCDEFGHIJKLMNOPQRSTUVWXYZ! ~ [#$%&*<>=?@]")


def best_of(tries: int, work: Callable[[], object]) -> float:
    """The least CPU time of `tries` runs of `work`, in seconds."""
    times = []
    for _ in range(tries):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return min(times)


def point(hidden: int, vocab: int, steps: int, kind: str, updates: int, unrolled: bool) -> tuple[float, float]:
    """CPU microseconds per update of a network and its twin: (unrolled, one after the other; numpy, stacked)."""
    text = "".join(sorted(set(TEXT))[:vocab])
    text = (text * (4 * steps // len(text) + 3))[:max(len(text), 4 * steps + 2)]
    encoded = [sorted(set(text)).index(c) for c in text]
    params = rnn.init_params(vocab, hidden, 0.1, 42)

    def runs() -> list[fast_training.Run]:
        return [(p.copy(), rnn.Optimizer(kind, 0.1), rnn.DataLoop(encoded, steps, hidden))
                for p in (params, health.nudged(params))]

    def stacked() -> object:
        return fast_training._train_stacked(runs(), encoded, steps, updates, 5.0, updates)

    def one_by_one() -> object:
        return [fast_training._train_unrolled(run, encoded, steps, updates, 5.0, updates) for run in runs()]

    with np.errstate(all="ignore"):
        try:
            numpy_us = best_of(3, stacked) / updates * 1e6
        except FloatingPointError:  # this network diverges: nothing to time
            return float("nan"), float("nan")
    if not unrolled:
        return float("nan"), numpy_us
    fast_training._unrolled(hidden, vocab, kind == "adagrad")  # compile outside the timing
    return best_of(3, one_by_one) / updates * 1e6, numpy_us


def features_unrolled(hidden: int, vocab: int, steps: int, kind: str) -> list[float]:
    weights = (2 * vocab + hidden + 1) * hidden + vocab
    return [steps * hidden * hidden, steps * hidden * vocab, steps * vocab, steps,
            weights if kind == "sgd" else 0, weights if kind == "adagrad" else 0, 1]


def features_stacked(hidden: int, vocab: int, steps: int, kind: str) -> list[float]:
    weights = (2 * vocab + hidden + 1) * hidden + vocab
    return [steps, steps * hidden * (hidden + 2 * vocab), 1, weights]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="a smaller grid")
    args = parser.parse_args()
    hiddens = (1, 3, 8, 16, 24, 32, 64) if not args.quick else (3, 16, 32)
    vocabs = (2, 8, 29, 60, 96) if not args.quick else (2, 29)
    rows = []
    for hidden, vocab, steps, kind in itertools.product(hiddens, vocabs, (4, 16, 32), ("sgd", "adagrad")):
        try_unrolled = hidden * (hidden + 2 * vocab) <= 3000  # beyond, it is far slower and slow to compile
        unrolled_us, numpy_us = point(hidden, vocab, steps, kind, args.updates, try_unrolled)
        if not np.isnan(numpy_us):
            rows.append((hidden, vocab, steps, kind, unrolled_us, numpy_us))
        print(f"hidden {hidden:2} vocab {vocab:2} steps {steps:2} {kind:7}: unrolled x2 {unrolled_us:8.0f} us, "
              f"numpy stacked {numpy_us:6.0f} us", flush=True)
    measured = [r for r in rows if not np.isnan(r[4])]
    unrolled_fit = np.linalg.lstsq(np.array([features_unrolled(*r[:4]) for r in measured]),
                                   np.array([r[4] / 2 for r in measured]), rcond=None)[0]
    stacked_fit = np.linalg.lstsq(np.array([features_stacked(*r[:4]) for r in rows]),
                                  np.array([r[5] for r in rows]), rcond=None)[0]
    print("unrolled, one network (us): steps*H^2, steps*H*V, steps*V, steps, weights (sgd), weights (adagrad), 1:",
          ", ".join(f"{x:.4g}" for x in unrolled_fit))
    print("numpy, a network and its twin (us): steps, steps*H*(H+2V), 1, weights:",
          ", ".join(f"{x:.4g}" for x in stacked_fit))
    wrong = 0
    for hidden, vocab, steps, kind, unrolled_us, numpy_us in measured:
        picked = fast_training.choose_path(hidden, vocab, steps, kind)
        faster = "unrolled" if unrolled_us <= numpy_us else "numpy"
        cost = unrolled_us if picked == "unrolled" else numpy_us
        if picked != faster:
            wrong += 1
            print(f"  picks {picked} for hidden {hidden} vocab {vocab} steps {steps} {kind}: "
                  f"{cost / min(unrolled_us, numpy_us):.2f}x the faster path")
    print(f"{len(measured) - wrong} of {len(measured)} measured points pick the faster path")


if __name__ == "__main__":
    main()
