"""Find `{rnn}` blocks and inline `{rnn}` references in Markdown source, with their line numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .errors import OptionError

BLOCK_OPEN = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*\{rnn\}(?P<rest>.*)$")
FENCE_OPEN = re.compile(r"^\s{0,3}(?P<fence>`{3,}|~{3,})")
OPTION_LINE = re.compile(r"^:(?P<key>[^:\s]+):(?:\s+(?P<value>.*?))?\s*$")
NAME = re.compile(r"^[A-Za-z0-9_-]+$")
# `{rnn}`ref`` in prose; not when it sits inside a code span (a backtick just before it).
INLINE_REF = re.compile(r"(?<!`)(?<!`` )\{rnn\}`(?P<ref>[^`\n]+)`")


@dataclass
class RnnBlock:
    """One `{rnn}` fenced block: its name, its options with their lines, and where it sits."""

    name: str
    line: int
    end_line: int
    options: dict[str, str] = field(default_factory=dict)
    option_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, option: str) -> int:
        """The line an option was written on, or the block's opening line."""
        return self.option_lines.get(option, self.line)


@dataclass
class Scan:
    """What a page's Markdown declares: its blocks, its inline references, and what was malformed."""

    blocks: list[RnnBlock] = field(default_factory=list)
    references: list[tuple[int, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def _closes(text: str, fence: str) -> bool:
    stripped = text.strip()
    return stripped.startswith(fence) and stripped.strip(fence[0]) == ""


def _classify(lines: list[str], first_line: int) -> Iterator[tuple[int, str, str]]:
    """Yield (line number, text, kind): kind is prose, code, rnn-open, rnn or rnn-close."""
    fence: str | None = None
    in_rnn = False
    for index, text in enumerate(lines):
        number = first_line + index
        if fence is None:
            if rnn_open := BLOCK_OPEN.match(text):
                fence, in_rnn = rnn_open.group("fence"), True
                yield number, text, "rnn-open"
            elif code_open := FENCE_OPEN.match(text):
                fence, in_rnn = code_open.group("fence"), False
                yield number, text, "code"
            else:
                yield number, text, "prose"
        elif _closes(text, fence):
            fence = None
            yield number, text, "rnn-close" if in_rnn else "code"
        else:
            yield number, text, "rnn" if in_rnn else "code"


def scan(lines: list[str], first_line: int = 1) -> Scan:
    """Read every `{rnn}` block and inline reference out of Markdown lines."""
    result = Scan()
    block: RnnBlock | None = None
    for number, text, kind in _classify(lines, first_line):
        if kind == "prose":
            result.references.extend((number, m.group("ref")) for m in INLINE_REF.finditer(text))
        elif kind == "rnn-open":
            name = text.split("{rnn}", 1)[1].strip()
            block = RnnBlock(name=name, line=number, end_line=number)
            if not name:
                result.errors.append((number, "an {rnn} block needs a name: ```{rnn} my-network"))
            elif not NAME.match(name):
                result.errors.append((number, f"network name {name!r} may use only letters, digits, "
                                              "'-' and '_'"))
        elif kind == "rnn" and block is not None:
            _read_option(block, number, text, result)
        elif kind == "rnn-close" and block is not None:
            block.end_line = number
            result.blocks.append(block)
            block = None
    if block is not None:
        result.errors.append((block.line, f"the {{rnn}} block '{block.name}' is never closed; end it "
                                          "with a line of ```"))
    return result


def _read_option(block: RnnBlock, number: int, text: str, result: Scan) -> None:
    if not text.strip():
        return
    match = OPTION_LINE.match(text.strip())
    if not match or match.group("value") is None:
        result.errors.append((number, f"expected ':option: value' in the {{rnn}} block, not {text.strip()!r}"))
        return
    key = match.group("key")
    if key in block.options:
        result.errors.append((number, f"option '{key}' is given twice (first on line "
                                      f"{block.option_lines[key]})"))
        return
    block.options[key] = match.group("value")
    block.option_lines[key] = number


def option_problem(block: RnnBlock, error: OptionError) -> tuple[int, str]:
    """Place an option error on the line where the option was written."""
    return block.line_of(error.option), f"{block.name}: {error.message}"
