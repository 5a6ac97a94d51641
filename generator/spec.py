"""NetworkSpec: the options of an `{rnn}` block, their defaults and their validation."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

MAX_SHOWN_STEPS = 32
VOCAB_RANGE = (2, 96)
TEXT_SOURCES = ("pattern", "text", "text-file")
FIGURE_OPTIONS = ("caption", "show")
# What a figure shows first (`:show:`): the forward pass, or one whole training update.
SHOW_MODES = ("forward", "update")
# Reports a problem with one option: (the option as the author wrote it, the message).
OptionReport = Callable[[str, str], None]
WINDOW_OPTIONS = ("inputs", "targets")


@dataclass(frozen=True)
class NetworkSpec:
    """Everything that decides a network's trace, after defaults were applied."""

    name: str
    pattern: str | None = None
    length: int | None = None
    text: str | None = None
    text_file: str | None = None
    hidden_size: int = 3
    seq_length: int = 4
    learning_rate: float = 0.1
    optimizer: str = "sgd"
    init_scale: float = 0.1
    clip: float = 5.0
    seed: int = 42
    updates: int = 0
    inputs: str | None = None
    targets: str | None = None

    def options(self) -> dict[str, object]:
        """The options that are set, under their snake_case names (the trace's `spec`)."""
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass(frozen=True)
class Network:
    """A validated spec together with its training text."""

    spec: NetworkSpec
    text: str

    @property
    def vocab(self) -> list[str]:
        """The sorted distinct characters of the training text: index is the one-hot position."""
        return sorted(set(self.text))


def _integer(low: int, high: int) -> Callable[[object], int]:
    def convert(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f"must be a whole number from {low:,} to {high:,}")
        try:
            number = int(str(value).replace(",", "")) if isinstance(value, str) else value
        except ValueError:
            raise ValueError(f"must be a whole number from {low:,} to {high:,}, not {value!r}") from None
        if not low <= number <= high:
            raise ValueError(f"must be from {low:,} to {high:,}, not {number:,}")
        return number
    return convert


def _positive_float(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("must be a positive number")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"must be a positive number, not {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"must be a finite number above 0, not {value}")
    return number


def _nonempty_string(value: object) -> str:
    if not isinstance(value, str) or value == "":
        raise ValueError("must be a non-empty string")
    return value


ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def unquote(value: str) -> str:
    """A value written in double quotes, with its escapes (\\n, \\t, \\", \\\\) applied; any other value as written."""
    if not value.startswith('"'):
        return value
    characters: list[str] = []
    position = 1
    while position < len(value):
        character = value[position]
        if character == '"':
            if position != len(value) - 1:
                raise ValueError(f"has {value[position + 1:]!r} after its closing quote; put it inside the quotes")
            return "".join(characters)
        if character == "\\":
            escaped = value[position + 1:position + 2]
            if escaped not in ESCAPES:
                raise ValueError(f"has the unknown escape '\\{escaped}'; write \\n, \\t, \\\" or \\\\")
            characters.append(ESCAPES[escaped])
            position += 2
            continue
        characters.append(character)
        position += 1
    raise ValueError("opens a quote it never closes; end the value with \"")


def _text(value: object) -> str:
    return _nonempty_string(unquote(value) if isinstance(value, str) else value)


def _optimizer(value: object) -> str:
    if value not in ("sgd", "adagrad"):
        raise ValueError(f"must be 'sgd' or 'adagrad', not {value!r}")
    return str(value)


CONVERTERS: dict[str, Callable[[object], object]] = {
    "pattern": _text,
    "length": _integer(1, 10_000_000),
    "text": _text,
    "text-file": _nonempty_string,
    "hidden-size": _integer(1, 64),
    "seq-length": _integer(1, MAX_SHOWN_STEPS),
    "learning-rate": _positive_float,
    "optimizer": _optimizer,
    "init-scale": _positive_float,
    "clip": _positive_float,
    "seed": _integer(0, 2**32 - 1),
    "updates": _integer(0, 1_000_000),
    "inputs": _text,
    "targets": _text,
}
OPTION_NAMES = (*CONVERTERS, *FIGURE_OPTIONS)
DEFAULTABLE = tuple(n for n in CONVERTERS if n not in (*TEXT_SOURCES, "length", *WINDOW_OPTIONS))


def suggest(name: str, known: tuple[str, ...]) -> str:
    """A ` (did you mean 'x'?)` hint for a misspelt name, or nothing."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def unknown_option(name: str, known: tuple[str, ...]) -> str:
    """The message for an option nobody defined."""
    listing = "" if suggest(name, known) else f"; known options: {', '.join(known)}"
    return f"unknown option '{name}'{suggest(name, known)}{listing}"


def check_defaults(defaults: Mapping[str, object], report: OptionReport) -> dict[str, object]:
    """Report every bad site-wide `[rnn]` default from site.toml; return the good ones."""
    good: dict[str, object] = {}
    for key, value in defaults.items():
        if key not in DEFAULTABLE:
            hint = suggest(key, DEFAULTABLE) or f"; [rnn] takes only {', '.join(DEFAULTABLE)}"
            report(key, f"[rnn] cannot set '{key}'{hint}")
            continue
        try:
            CONVERTERS[key](value)
        except ValueError as exc:
            report(key, f"[rnn] {key} {exc}")
            continue
        good[key] = value
    return good


def build_network(name: str, options: Mapping[str, object], defaults: Mapping[str, object],
                  base_dir: Path, report: OptionReport) -> Network | None:
    """Validate a block's options over the site defaults; the network, or None after reporting every problem."""
    failed: list[str] = []

    def complain(option: str, message: str) -> None:
        failed.append(option)
        report(option, message)

    values: dict[str, object] = {}
    for key, raw in {**defaults, **options}.items():
        if key == "show" and raw not in SHOW_MODES:
            complain(key, f"show must be one of {', '.join(SHOW_MODES)}, not {raw!r}")
        if key in FIGURE_OPTIONS:
            continue
        if key not in CONVERTERS:
            complain(key, unknown_option(key, OPTION_NAMES))
            continue
        try:
            values[key] = CONVERTERS[key](raw)
        except ValueError as exc:
            complain(key, f"{key} {exc}")
    # A text source whose value was refused is reported already; "no text source" would only add noise.
    text = None if set(failed) & set(TEXT_SOURCES) else _training_text(values, base_dir, complain)
    _check_window(values, text, complain)
    if failed or text is None:
        return None
    fields: dict[str, Any] = {key.replace("-", "_"): value for key, value in values.items()}
    return Network(NetworkSpec(name=name, **fields), text)


def _training_text(values: dict[str, object], base_dir: Path, report: OptionReport) -> str | None:
    sources = [key for key in TEXT_SOURCES if key in values]
    if len(sources) != 1:
        what = "none" if not sources else " and ".join(sources)
        report(sources[-1] if sources else "pattern",
               f"give exactly one text source (pattern with length, text, or "
               f"text-file); found {what}")
        return None
    source = sources[0]
    if source != "pattern" and "length" in values:
        report("length", "length goes with pattern only")
    if source == "pattern":
        if "length" not in values:
            report("pattern", "pattern needs a length, e.g. ':length: 720'")
            return None
        pattern, length = str(values["pattern"]), int(str(values["length"]))
        text = (pattern * (length // len(pattern) + 1))[:length]
    elif source == "text":
        text = str(values["text"])
    else:
        read = _read_text_file(base_dir, str(values["text-file"]), report)
        if read is None:
            return None
        text = read
    seq_length = int(str(values.get("seq-length", NetworkSpec.seq_length)))
    if len(text) < seq_length + 2:
        report(source, f"the training text has {len(text)} characters; it needs at "
                       f"least seq-length + 2 = {seq_length + 2}")
    vocab_size = len(set(text))
    if not VOCAB_RANGE[0] <= vocab_size <= VOCAB_RANGE[1]:
        report(source, f"the training text has {vocab_size} distinct characters; "
                       f"a figure shows {VOCAB_RANGE[0]} to {VOCAB_RANGE[1]}")
    return text


def _read_text_file(base_dir: Path, relative: str, report: OptionReport) -> str | None:
    path = base_dir / relative
    try:
        return path.read_text(encoding="utf-8").removeprefix("\ufeff")
    except FileNotFoundError:
        report("text-file", f"text-file '{relative}' not found (looked for {path})")
    except UnicodeDecodeError:
        report("text-file", f"text-file '{relative}' is not UTF-8 text")
    except OSError as exc:
        report("text-file", f"text-file '{relative}' cannot be read: {exc.strerror}")
    return None


def _check_window(values: dict[str, object], text: str | None, report: OptionReport) -> None:
    given = [key for key in WINDOW_OPTIONS if key in values]
    if not given:
        return
    if len(given) == 1:
        missing = "targets" if given[0] == "inputs" else "inputs"
        report(given[0], f"{given[0]} needs {missing} too")
        return
    inputs, targets = str(values["inputs"]), str(values["targets"])
    if len(inputs) != len(targets):
        report("targets", f"targets has {len(targets)} characters but inputs has "
                          f"{len(inputs)}; give one target per input")
    if len(inputs) > MAX_SHOWN_STEPS:
        report("inputs", f"inputs has {len(inputs)} characters; a figure shows at "
                         f"most {MAX_SHOWN_STEPS} steps")
    if text is None:
        return
    vocab = set(text)
    for key, window in (("inputs", inputs), ("targets", targets)):
        outside = sorted(set(window) - vocab)
        if outside:
            shown = ", ".join(repr(c) for c in outside)
            report(key, f"{key} uses {shown}, which the training text never contains "
                        f"(vocabulary: {''.join(sorted(vocab))!r})")
