"""Find `{rnn}` blocks and inline `{rnn}` references in Markdown source, with their line numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .errors import Problems

BLOCK_OPEN = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*\{rnn\}(?P<rest>.*)$")
FENCE_OPEN = re.compile(r"^\s{0,3}(?P<fence>`{3,}|~{3,})")
OPTION_LINE = re.compile(r"^:(?P<key>[^:\s]+):(?:\s+(?P<value>.*?))?\s*$")
NAME = re.compile(r"^[A-Za-z0-9_-]+$")
# `{rnn}`ref`` in prose; not when it sits inside a code span (a backtick just before it).
INLINE_REF = re.compile(r"(?<!`)(?<!`` )\{rnn\}`(?P<ref>[^`\n]+)`")


@dataclass
class RnnBlock:
    """One `{rnn}` fenced block: its name, its options with their lines, and where it sits."""

    path: str
    name: str
    line: int
    end_line: int
    options: dict[str, str] = field(default_factory=dict)
    option_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, option: str) -> int:
        """The line an option was written on, or the block's opening line."""
        return self.option_lines.get(option, self.line)

    def report(self, problems: Problems, option: str, message: str) -> None:
        """Record a problem with one of the block's options at the line the option was written on."""
        problems.error(self.path, self.line_of(option), f"{self.name}: {message}")


@dataclass
class Scan:
    """What a page's Markdown declares: its blocks and its inline references (line, reference)."""

    blocks: list[RnnBlock] = field(default_factory=list)
    references: list[tuple[int, str]] = field(default_factory=list)


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


def scan(lines: list[str], first_line: int, path: str, problems: Problems) -> Scan:
    """Read every `{rnn}` block and inline reference out of a page's Markdown lines; report what is malformed."""
    result = Scan()
    block: RnnBlock | None = None
    for number, text, kind in _classify(lines, first_line):
        if kind == "prose":
            result.references.extend((number, m.group("ref")) for m in INLINE_REF.finditer(text))
        elif kind == "rnn-open":
            name = text.split("{rnn}", 1)[1].strip()
            block = RnnBlock(path=path, name=name, line=number, end_line=number)
            if not name:
                problems.error(path, number, "an {rnn} block needs a name: ```{rnn} my-network")
            elif not NAME.match(name):
                problems.error(path, number, f"network name {name!r} may use only letters, digits, '-' and '_'")
        elif kind == "rnn" and block is not None:
            _read_option(block, number, text, problems)
        elif kind == "rnn-close" and block is not None:
            block.end_line = number
            result.blocks.append(block)
            block = None
    if block is not None:
        problems.error(path, block.line, f"the {{rnn}} block '{block.name}' is never closed; end it "
                                         "with a line of ```")
    return result


def _read_option(block: RnnBlock, number: int, text: str, problems: Problems) -> None:
    if not text.strip():
        return
    match = OPTION_LINE.match(text.strip())
    if not match or match.group("value") is None:
        problems.error(block.path, number, f"expected ':option: value' in the {{rnn}} block, not {text.strip()!r}")
        return
    key = match.group("key")
    if key in block.options:
        problems.error(block.path, number, f"option '{key}' is given twice (first on line "
                                           f"{block.option_lines[key]})")
        return
    block.options[key] = match.group("value")
    block.option_lines[key] = number
