"""Run a call under a line tracer, as the program recorders and the trace's per-step gradients need it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any, TypeVar

Result = TypeVar("Result")
LocalTracer = Callable[[FrameType, str, Any], Any]


def run_traced(call: Callable[[], Result], tracer_for: Callable[[CodeType], LocalTracer | None]) -> Result:
    """`call()`, with `tracer_for(code)` tracing each frame whose code it answers for; the old tracer comes back."""
    def calls(frame: FrameType, event: str, arg: object) -> LocalTracer | None:
        return tracer_for(frame.f_code)

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        return call()
    finally:
        sys.settrace(previous)
