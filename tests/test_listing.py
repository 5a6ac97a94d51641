"""The code listing: forward's source, one element per line, every quantity's name tagged with its ref."""

from __future__ import annotations

import html
import re

from generator.model import rnn
from generator.refs import INPUTS, REFS
from generator.render.listing import listing_html
from generator.render.program import forward_source

LINE = re.compile(r'<span class="rnn-line" data-line="(\d+)"(?: style="--i:(\d+)")?>(.*?)\n</span>', re.S)
REF = re.compile(r'<span data-ref="([a-z_A-Z]+)">([^<]*)</span>')


def _lines(markup: str) -> list[tuple[int, int, str]]:
    return [(int(n), int(indent or 0), body) for n, indent, body in LINE.findall(markup)]


def test_one_element_per_source_line_with_the_source_as_its_text() -> None:
    source = forward_source(rnn.forward)[0]
    markup = str(listing_html(source))
    assert markup.startswith('<pre class="rnn-code" data-program="forward"><code>') and markup.endswith("</code></pre>")
    lines = _lines(markup)
    expected = source.rstrip("\n").split("\n")
    assert [n for n, _, _ in lines] == list(range(1, len(expected) + 1))
    for (_, indent, body), text in zip(lines, expected, strict=True):
        assert html.unescape(re.sub(r"<[^>]+>", "", body)) == text
        assert indent == len(text) - len(text.lstrip(" "))


def test_every_quantity_in_the_code_carries_its_ref() -> None:
    markup = str(listing_html(forward_source(rnn.forward)[0]))
    tagged = REF.findall(markup)
    assert {ref for ref, _ in tagged} == {*REFS, INPUTS}
    assert all(ref == name or (ref, name) == ("target", "targets") for ref, name in tagged)
    plain = re.sub(r"<span[^>]*>[^<]*</span>", "", markup)
    for name in (*REFS, "targets", INPUTS):
        assert not re.search(rf"\b{name}\b", html.unescape(plain)), f"{name} appears without data-ref"


def test_markup_in_the_source_is_escaped() -> None:
    markup = str(listing_html('def f(a: int) -> str:\n    """<b>&</b>"""\n    return "<script>"\n'))
    assert "<b>" not in markup and "<script>" not in markup
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in markup and "-&gt;" in markup
    assert len(_lines(markup)) == 3


def test_token_classes_say_what_they_are() -> None:
    markup = str(listing_html(forward_source(rnn.forward)[0]))
    classes = set(re.findall(r'class="([^"]+)"', markup))
    assert classes == {"rnn-code", "rnn-line", "rnn-keyword", "rnn-function", "rnn-builtin", "rnn-number",
                       "rnn-string"}, classes
