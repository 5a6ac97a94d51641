"""How a quantity is written, one rule for every page part; inline values: resolve `NAME.path|format`."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from functools import cache
from typing import Any

from .refs import CHARACTER_INDICES, CHARACTERS, SMALL_KEEPING, quantity, signed_small
from .spec import suggest

PATH_PART = re.compile(r"\.(?P<key>[A-Za-z_][A-Za-z0-9_]*)|\[(?P<index>-?\d+)\]")
REFERENCE = re.compile(r"^(?P<name>[A-Za-z0-9_-]+)(?P<path>(?:\.[A-Za-z_][A-Za-z0-9_]*|\[-?\d+\])*)"
                       r"(?:\|(?P<format>.+))?$")
DECIMALS = 2  # every number is written with two decimals...
SMALL_BELOW = 0.005  # ...but a small-keeping quantity below this, which would read 0.00, with an exponent: 6.2e-5,
NEAR_ONE = 0.995  # and one from here up to 1 with the decimals that show 1 - p (0.99994), at most MOST_DECIMALS.
MOST_DECIMALS = 6


class InlineReferenceError(ValueError):
    """An inline reference that names nothing, or cannot be formatted."""


def format_quantity(ref: str, value: float) -> str:
    """How a number of the quantity `ref` is written everywhere: in prose, the diagram, sentences, tables and tips.

    Two decimals, rounded half to even on the exact binary value (Python's rule, which the player's script
    repeats); small-keeping quantities (refs.SMALL_KEEPING: probabilities and losses) keep the digits that
    matter near 0 and 1 (6.2e-5, 0.99994), gradients (refs.signed_small) near 0 on either side (-6.2e-5).
    NaN and infinities read NaN, ∞ and -∞.
    """
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else "∞" if value > 0 else "-∞"
    small_keeping, signed = _kind(ref)
    if (small_keeping and 0 < value < SMALL_BELOW) or (signed and 0 < abs(value) < SMALL_BELOW):
        mantissa, exponent = f"{value:.1e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    if small_keeping and NEAR_ONE <= value < 1:
        text = f"{value:.{_decimals_near_one(value)}f}"
        return f"{1:.{DECIMALS}f}" if text.startswith("1") else text
    text = f"{value:.{DECIMALS}f}"
    return text[1:] if text[0] == "-" and float(text) == 0 else text  # -0.001 reads 0.00, not -0.00


@cache
def _kind(ref: str) -> tuple[bool, bool]:
    """Whether numbers of `ref` keep their digits near 0 and 1 (small-keeping), and near 0 either side (signed)."""
    return quantity(ref) in SMALL_KEEPING, signed_small(ref)


def _decimals_near_one(value: float) -> int:
    """The fewest decimals that show the first digit of 1 - value (0.99994: 5), at most MOST_DECIMALS.

    Compared exactly, not through log10, whose last bit may differ between Python and the browser.
    """
    gap = 1 - Fraction(value)
    return next((d for d in range(1, MOST_DECIMALS) if gap * 10 ** d >= 1), MOST_DECIMALS)


def format_vector(ref: str, values: Iterable[float]) -> str:
    """A flat list of numbers of the quantity `ref` as `[a, b, c]`, each written by format_quantity."""
    return "[" + ", ".join(format_quantity(ref, float(v)) for v in values) + "]"


def character_label(character: str) -> str:
    """A character written so a reader can see it, as Python writes it: `'a'`, `' '`, `'\\n'`, `'0'`."""
    return repr(character)


def _format(value: Any, spec: str | None, name: str) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_format(v, spec, name) for v in value) + "]"
    if isinstance(value, str):
        return character_label(value) if name in CHARACTERS else value
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if spec is not None:
        return format(value, spec)
    if isinstance(value, int):
        return f"{value:,}"
    return format_quantity(name, float(value))


def _as_characters(value: Any, vocab: list[str]) -> Any:
    """Positions in the vocabulary (`inputs`, `targets`) as the labels of the characters they stand for."""
    if isinstance(value, list):
        return [_as_characters(v, vocab) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return character_label(vocab[value])
    return value


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
    where, key = name, ""
    for part in PATH_PART.finditer(match.group("path")):
        value = _step(value, where, part.group("key"), part.group("index"))
        where += part.group(0)
        key = part.group("key") or key  # the last named key says which quantity this is
    if isinstance(value, dict):
        raise InlineReferenceError(f"{where} is a group, not a value; pick one of: {', '.join(value)}")
    _check_printable(value, where, match.group("format"))
    if key in CHARACTER_INDICES and match.group("format") is None:
        value = _as_characters(value, traces[name]["vocab"])
    try:
        return _format(value, match.group("format"), key)
    except (ValueError, TypeError) as exc:
        raise InlineReferenceError(f"cannot format {where} with '{match.group('format')}': {exc}") from None


def _check_printable(value: Any, where: str, spec: str | None) -> None:
    """Refuse what would print badly: a list of groups, or a format given to something that is not a number."""
    items = value
    while isinstance(items, list) and items:
        if isinstance(items[0], dict):
            raise InlineReferenceError(f"{where} is a list of groups, not of values; pick one with {where}[0] "
                                       f"and then one of: {', '.join(items[0])}")
        items = items[0]
    if spec is not None and (isinstance(items, str | bool) or items is None):
        kind = "text" if isinstance(items, str) else "not a number"
        raise InlineReferenceError(f"{where} is {kind}, and a format ('|{spec}') applies to numbers only; "
                                   "remove it")


def _step(value: Any, where: str, key: str | None, index: str | None) -> Any:
    """value's `.key` or `[index]` (a numpy array in the trace, its bulk, read as the list it is written as)."""
    if key is not None:
        if not isinstance(value, dict) or key not in value:
            keys = tuple(value) if isinstance(value, dict) else ()
            hint = suggest(key, keys) or (f"; it has {', '.join(keys)}" if keys else "")
            raise InlineReferenceError(f"{where} has no '{key}'{hint}")
        found = value[key]
        return found.tolist() if hasattr(found, "tolist") else found
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
