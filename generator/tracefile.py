"""A trace's written form: the schema number, compact JSON at full precision, and JSON safe inside <script>."""

from __future__ import annotations

import json
from typing import Any

SCHEMA = 3

Trace = dict[str, Any]


def trace_json(trace: Trace) -> str:
    """The trace as compact JSON, every float at full float64 precision (shortest round-trip repr)."""
    return json.dumps(trace, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def script_safe_json(trace: Trace) -> str:
    """The JSON made safe inside a <script> element: no `</script>`, `<!--` or `&` can break out."""
    return (trace_json(trace).replace("&", "\\u0026").replace("<", "\\u003c")
            .replace(">", "\\u003e").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
