"""Find `{rnn}` blocks and inline `{rnn}` references in Markdown source, with their line numbers.

Fences are read as Python-Markdown's fenced_code reads them: a fence starts at the beginning of a line and
its info string is `lang` or `{attributes}`. An `{rnn}` block may also sit indented inside a list item (as
with pymdownx.superfences). A fence line that Python-Markdown would not read, or that looks like a misspelt
`{rnn}` block, is reported rather than left to vanish.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .errors import Problems

FENCE = re.compile(r"^(?P<indent>[ ]*)(?P<fence>`{3,}|~{3,})[ ]*(?P<info>.*?)[ ]*$")
RNN_INFO = re.compile(r"^\{rnn\}(?P<name>.*)$")
# The info strings Python-Markdown's fenced_code accepts: `{attributes}`, or `.lang` with optional hl_lines.
READABLE_INFO = re.compile(r"""^(?:\{.*\}|\.?[\w#.+-]*(?:[ ]*hl_lines=(?P<q>["']).*?(?P=q))?)$""")
# `{RNN} x`, `{rnm} x`, `rnn x`, `.rnn x`: a first word in or out of braces, then the rest.
INFO_WORD = re.compile(r"^(?P<open>\{?)[ ]*\.?(?P<word>[A-Za-z]+)[ ]*(?P<close>\}?)[ ]*(?P<name>[^{}]*)$")
LIST_ITEM = re.compile(r"^[ ]*(?:[*+-]|\d+[.)])[ ]+\S")
QUOTED_FENCE = re.compile(r"^[ ]*>[ >]*(?:`{3,}|~{3,})[ ]*\{rnn\}")
MARKER_FENCE = re.compile(r"^[ ]*(?:[*+-]|\d+[.)])[ ]+(?:`{3,}|~{3,})[ ]*\{rnn\}")
OPTION_LINE = re.compile(r"^:(?P<key>[^:\s]+):(?:\s+(?P<value>.*?))?\s*$")
NAME = re.compile(r"^[A-Za-z0-9_-]+$")
# `{rnn}`ref`` in prose; not when it sits inside a code span (a backtick just before it).
INLINE_REF = re.compile(r"(?<!`)(?<!`` )\{rnn\}`(?P<ref>[^`\n]+)`")
TAB_LENGTH = 4


@dataclass
class RnnBlock:
    """One `{rnn}` fenced block: its name, its options with their lines, and where it sits."""

    path: str
    name: str
    line: int
    end_line: int
    options: dict[str, str] = field(default_factory=dict)
    option_lines: dict[str, int] = field(default_factory=dict)
    indent: int = 0

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


def _misspelt_rnn(info: str) -> str | None:
    """The fence line the author probably meant, if `info` looks like a misspelt `{rnn} NAME`."""
    match = INFO_WORD.match(info)
    if not match or bool(match.group("open")) != bool(match.group("close")):
        return None
    word, name = match.group("word").lower(), match.group("name").strip()
    braced = bool(match.group("open"))
    near = difflib.get_close_matches(word, ["rnn"], n=1, cutoff=0.6)
    if word == "rnn" or (near and (braced or not READABLE_INFO.match(info))):
        return "```{rnn} " + (name or "NAME")
    return None


class _Fences:
    """Walks the lines, knowing whether it is in a fence and whether it is in a list."""

    def __init__(self, report: Callable[[int, str], None]) -> None:
        self.report = report
        self.fence: str | None = None
        self.kind = "code"
        self.in_list = False
        self.after_blank = False

    def classify(self, number: int, text: str) -> str:
        """The line's kind: prose, code, rnn-open, rnn or rnn-close."""
        text = text.expandtabs(TAB_LENGTH)  # as Python-Markdown sees it
        if self.fence is not None:
            return self._inside(text)
        self._track_list(text)
        match = FENCE.match(text)
        if match is None:
            if QUOTED_FENCE.match(text):
                self.report(number, "an {rnn} block cannot sit in a block quote; start its fence at the "
                                    "beginning of a line")
            elif MARKER_FENCE.match(text):
                self.report(number, "an {rnn} fence cannot share a line with a list marker; put the item's text "
                                    "first and the fence on a line of its own, indented under the item")
            return "prose"
        indent, info = len(match.group("indent")), match.group("info")
        is_rnn = RNN_INFO.match(info) is not None
        suggestion = None if is_rnn else _misspelt_rnn(info)
        if indent and not self.in_list:
            if (is_rnn or suggestion) and indent < TAB_LENGTH:
                self.report(number, f"this fence is indented {indent} space{'s' * (indent > 1)} outside "
                                    "a list, so Markdown does not read it as a block; start it at the "
                                    "beginning of the line")
            return "prose"
        if suggestion:
            self.report(number, f"{info.strip()!r} is not an {{rnn}} block: did you mean "
                                f"'{suggestion}'? (write {{rnn}} in lower case, in braces)")
        elif indent and not is_rnn:
            return "prose"  # Python-Markdown reads a fence only at the start of a line
        elif not is_rnn and not READABLE_INFO.match(info):
            self.report(number, f"Markdown cannot read the fence line {text.strip()!r}: the block would "
                                "not become code and its closing fence would open the next one; "
                                "write ```LANGUAGE or ```{rnn} NAME")
        self.fence = match.group("fence")
        self.kind = "rnn" if is_rnn else "code"
        return "rnn-open" if is_rnn else "code"

    def _inside(self, text: str) -> str:
        assert self.fence is not None
        stripped = text.strip()
        if stripped.startswith(self.fence) and stripped.strip(self.fence[0]) == "":
            self.fence = None
            return "rnn-close" if self.kind == "rnn" else "code"
        return self.kind

    def _track_list(self, text: str) -> None:
        if not text.strip():
            self.after_blank = True
            return
        if LIST_ITEM.match(text):
            self.in_list = True
        elif not text.startswith(" ") and self.after_blank:
            self.in_list = False
        self.after_blank = False


def _classify(lines: list[str], first_line: int, report: Callable[[int, str], None]) -> Iterator[tuple[int, str, str]]:
    """Yield (line number, text, kind): kind is prose, code, rnn-open, rnn or rnn-close."""
    fences = _Fences(report)
    for index, text in enumerate(lines):
        number = first_line + index
        yield number, text, fences.classify(number, text)


def scan(lines: list[str], first_line: int, path: str, problems: Problems) -> Scan:
    """Read every `{rnn}` block and inline reference out of a page's Markdown lines; report what is malformed."""
    result = Scan()
    block: RnnBlock | None = None
    def report(number: int, message: str) -> None:
        problems.error(path, number, message)

    for number, text, kind in _classify(lines, first_line, report):
        if kind == "prose":
            result.references.extend((number, m.group("ref")) for m in INLINE_REF.finditer(text))
        elif kind == "rnn-open":
            name = text.split("{rnn}", 1)[1].strip()
            spaced = text.expandtabs(TAB_LENGTH)
            block = RnnBlock(path=path, name=name, line=number, end_line=number,
                             indent=len(spaced) - len(spaced.lstrip(" ")))
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
