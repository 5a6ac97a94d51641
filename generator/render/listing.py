"""The code listing: `forward`'s source as Pygments tokens, one element per line, quantities tagged by name."""

from __future__ import annotations

from html import escape

from markupsafe import Markup
from pygments.lexers import PythonLexer
from pygments.token import Comment, Keyword, Name, Number, Operator, String, _TokenType

from ..refs import GRADIENTS_OF, LINKED_NAMES, PARAM_NAMES

# Token families and the classes the stylesheet colours them by; the first family that matches wins.
CLASSES: tuple[tuple[_TokenType, str], ...] = (
    (Keyword, "rnn-keyword"), (Operator.Word, "rnn-keyword"), (Name.Function, "rnn-function"),
    (Name.Builtin, "rnn-builtin"), (Number, "rnn-number"), (String, "rnn-string"), (Comment, "rnn-comment"),
)


def _token_html(kind: _TokenType, text: str) -> str:
    css = next((name for family, name in CLASSES if kind in family), None)
    return f'<span class="{css}">{escape(text)}</span>' if css else escape(text)


def _tokens(source: str) -> list[tuple[_TokenType, str, str | None]]:
    """Pygments' tokens, each with the quantity it names; `grads.X` is one token naming the gradient of X."""
    found: list[tuple[_TokenType, str, str | None]] = []
    for kind, text in PythonLexer().get_tokens(source):
        ref = LINKED_NAMES.get(text) if kind in Name else None
        if (kind in Name and text in PARAM_NAMES and len(found) > 1 and found[-1][1] == "."
                and found[-2][1] == GRADIENTS_OF):
            found[-2:] = []
            text, ref = f"{GRADIENTS_OF}.{text}", f"{GRADIENTS_OF}.{text}"
        found.append((kind, text, ref))
    return found


def listing_html(source: str, program: str = "forward") -> Markup:
    """`<pre class="rnn-code" data-program>` with one `.rnn-line` per source line (data-line counts from 1)."""
    lines: list[list[str]] = [[]]
    for kind, text, ref in _tokens(source):
        for n, piece in enumerate(text.split("\n")):
            if n:
                lines.append([])
            if piece:
                lines[-1].append(f'<span data-ref="{ref}">{escape(piece)}</span>' if ref else _token_html(kind, piece))
    source_lines = source.rstrip("\n").split("\n")
    rows = []
    for number, (parts, raw) in enumerate(zip(lines, source_lines, strict=False), 1):
        indent = len(raw) - len(raw.lstrip(" "))
        style = f' style="--i:{indent}"' if indent else ""
        rows.append(f'<span class="rnn-line" data-line="{number}"{style}>{"".join(parts)}\n</span>')
    return Markup(f'<pre class="rnn-code" data-program="{program}"><code>{"".join(rows)}</code></pre>')
