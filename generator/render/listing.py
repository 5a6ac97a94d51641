"""The code listing: `forward`'s source as Pygments tokens, one element per line, quantities tagged by name."""

from __future__ import annotations

from html import escape

from markupsafe import Markup
from pygments.lexers import PythonLexer
from pygments.token import Comment, Keyword, Name, Number, Operator, String, _TokenType

from ..refs import LINKED_NAMES

# Token families and the classes the stylesheet colours them by; the first family that matches wins.
CLASSES: tuple[tuple[_TokenType, str], ...] = (
    (Keyword, "rnn-keyword"), (Operator.Word, "rnn-keyword"), (Name.Function, "rnn-function"),
    (Name.Builtin, "rnn-builtin"), (Number, "rnn-number"), (String, "rnn-string"), (Comment, "rnn-comment"),
)


def _token_html(kind: _TokenType, text: str) -> str:
    if kind in Name and text in LINKED_NAMES:
        return f'<span data-ref="{LINKED_NAMES[text]}">{escape(text)}</span>'
    css = next((name for family, name in CLASSES if kind in family), None)
    return f'<span class="{css}">{escape(text)}</span>' if css else escape(text)


def listing_html(source: str) -> Markup:
    """`<pre class="rnn-code">` with one `.rnn-line` per source line (data-line counts from 1)."""
    lines: list[list[str]] = [[]]
    for kind, text in PythonLexer().get_tokens(source):
        for n, piece in enumerate(text.split("\n")):
            if n:
                lines.append([])
            if piece:
                lines[-1].append(_token_html(kind, piece))
    source_lines = source.rstrip("\n").split("\n")
    rows = []
    for number, (parts, raw) in enumerate(zip(lines, source_lines, strict=False), 1):
        indent = len(raw) - len(raw.lstrip(" "))
        style = f' style="--i:{indent}"' if indent else ""
        rows.append(f'<span class="rnn-line" data-line="{number}"{style}>{"".join(parts)}\n</span>')
    return Markup(f'<pre class="rnn-code"><code>{"".join(rows)}</code></pre>')
