"""Inline values: resolve `NAME.path|format` against the traces and format what it names."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .spec import suggest

PATH_PART = re.compile(r"\.(?P<key>[A-Za-z_][A-Za-z0-9_]*)|\[(?P<index>-?\d+)\]")
REFERENCE = re.compile(r"^(?P<name>[A-Za-z0-9_-]+)(?P<path>(?:\.[A-Za-z_][A-Za-z0-9_]*|\[-?\d+\])*)"
                       r"(?:\|(?P<format>.+))?$")


class InlineReferenceError(ValueError):
    """An inline reference that names nothing, or cannot be formatted."""


def format_number(value: float, probability: bool = False) -> str:
    """Two decimals; probabilities near 0 or 1 keep their information (6.2e-5, 0.99994)."""
    if probability and 0 < value < 0.005:
        mantissa, exponent = f"{value:.1e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    if probability and 0.995 <= value < 1:
        decimals = min(6, math.ceil(-math.log10(1 - value)))
        text = f"{value:.{decimals}f}"
        return text if not text.startswith("1") else "1.00"
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def format_vector(values: Iterable[float], probability: bool = False) -> str:
    """A flat list of numbers as `[a, b, c]`, each in format_number's format."""
    return "[" + ", ".join(format_number(float(v), probability) for v in values) + "]"


def _format(value: Any, spec: str | None, probability: bool) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_format(v, spec, probability) for v in value) + "]"
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if spec is not None:
        return format(value, spec)
    if isinstance(value, int):
        return f"{value:,}"
    return format_number(float(value), probability)


def resolve(traces: Mapping[str, Mapping[str, Any]], reference: str) -> str:
    """The text an inline `{rnn}` reference renders to; InlineReferenceError says what is wrong."""
    match = REFERENCE.match(reference.strip())
    if not match:
        raise InlineReferenceError(f"cannot read inline reference {reference!r}; write NAME.path such as "
                              "useful.steps[0].hidden_states")
    name = match.group("name")
    if name not in traces:
        raise InlineReferenceError(f"inline reference names no network '{name}'"
                              f"{suggest(name, tuple(traces))}")
    value: Any = traces[name]
    where = name
    for part in PATH_PART.finditer(match.group("path")):
        value = _step(value, where, part.group("key"), part.group("index"))
        where += part.group(0)
    if isinstance(value, dict):
        raise InlineReferenceError(f"{where} is a group, not a value; pick one of: {', '.join(value)}")
    probability = "probabilities" in where or where.endswith("target_probability")
    try:
        return _format(value, match.group("format"), probability)
    except (ValueError, TypeError) as exc:
        raise InlineReferenceError(f"cannot format {where} with '{match.group('format')}': {exc}") from None


def _step(value: Any, where: str, key: str | None, index: str | None) -> Any:
    if key is not None:
        if not isinstance(value, dict) or key not in value:
            keys = tuple(value) if isinstance(value, dict) else ()
            hint = suggest(key, keys) or (f"; it has {', '.join(keys)}" if keys else "")
            raise InlineReferenceError(f"{where} has no '{key}'{hint}")
        return value[key]
    assert index is not None
    if not isinstance(value, list):
        raise InlineReferenceError(f"{where} is not a list, so [{index}] means nothing")
    position = int(index)
    if not -len(value) <= position < len(value):
        raise InlineReferenceError(f"{where}[{position}] is out of range: {where} has {len(value)} items")
    return value[position]


def network_name(reference: str) -> str | None:
    """The network an inline reference names, or None when it cannot be read."""
    match = REFERENCE.match(reference.strip())
    return match.group("name") if match else None
