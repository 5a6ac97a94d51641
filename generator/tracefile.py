"""A trace's written form: the schema number, compact JSON at full precision, and JSON safe inside <script>.

In memory a trace is JSON's values, but for its bulk (the checkpoints' weights, the replay's anchors), which stays in
numpy float64 arrays until it is written, as the lists they stand for (training need not wait to make them lists).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import orjson

SCHEMA = 3

Trace = dict[str, Any]


def _finite(value: object) -> bool:
    """Whether every float inside (dicts, lists and numpy arrays, however nested) is finite."""
    if isinstance(value, float):
        return math.isfinite(value)
    if hasattr(value, "dtype"):  # a numpy array: numpy is loaded, since one exists
        import numpy as np

        array: Any = value
        return bool(np.isfinite(array).all())
    if isinstance(value, dict):
        return all(_finite(item) for item in value.values())
    if isinstance(value, list):
        try:
            return all(map(math.isfinite, value))  # a list of numbers, the common case, in one pass
        except TypeError:
            return all(_finite(item) for item in value)
    return True


def trace_bytes(trace: Trace) -> bytes:
    """The trace as compact UTF-8 JSON, every float at full float64 precision (shortest round-trip form).

    orjson writes it (a 24 MB trace in 0.06 s, where the json module took 0.87 s); as it would write NaN and
    infinity as null, they are refused here: ValueError, as json.dumps(allow_nan=False) raised.
    """
    if not _finite(trace):
        raise ValueError("a trace holds NaN or infinity, which JSON cannot write")
    return orjson.dumps(trace, default=_plain)


def trace_json(trace: Trace) -> str:
    """trace_bytes as text."""
    return trace_bytes(trace).decode("utf-8")


def _plain(value: object) -> float | list[Any]:
    """A float subclass (numpy's float64) as the float it is, a float64 array as its list; anything else orjson
    cannot write is an error (a numpy integer, say: a trace holds plain numbers)."""
    if isinstance(value, float):
        return float(value)
    if getattr(value, "dtype", None) == "float64" and hasattr(value, "ndim"):
        array: Any = value
        listed: list[Any] = array.tolist()
        return listed
    raise TypeError(f"a trace cannot hold a {type(value).__name__}")


def script_safe_json(trace: Trace) -> str:
    """The JSON made safe inside a <script> element: no `</script>`, `<!--` or `&` can break out."""
    return (trace_json(trace).replace("&", "\\u0026").replace("<", "\\u003c")
            .replace(">", "\\u003e").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def loads_later(show: str) -> bool:
    """Whether the figure leaves its training step to traces/NAME.step.js: every figure that opens on its forward pass.

    The training step (its states, gradients and the replay's anchors, each several times the forward pass's numbers
    at full precision) is what most readers never open, so the page loads it when the reader first asks for the step
    or moves the replay; a figure that opens on the training step carries it.
    """
    return show == "forward"


def anchors_json(trace: Mapping[str, Any]) -> bytes:
    """The replay's anchors as JSON, for the step file (a chaotic network's: MBs)."""
    return trace_bytes((trace["training"].get("replay") or {}).get("anchors", []))


def step_file(name: str, part: str, anchors: bytes) -> tuple[str, bytes]:
    """traces/NAME.step.js, for a figure that loads its training step later: its states, gradients and listing
    (`part`, as they would sit at the end of the page) and its replay's anchors (`anchors_json`), handed to the
    page's script. Written with the site, so a cached page keeps only the part."""
    return f"traces/{name}.step.js", b'unrolled.later(%s,{"html":%s,"anchors":%s});\n' % (
        orjson.dumps(name), orjson.dumps(part), anchors)
