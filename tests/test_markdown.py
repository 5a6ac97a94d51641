"""Markdown to HTML: the `{rnn}` block, inline values and their formats, links and code spans."""

from __future__ import annotations

from typing import Any

import pytest

from generator.blocks import scan
from generator.errors import Problems
from generator.render.markdown_ext import PageContext, SiteMarkdown
from generator.values import InlineReferenceError, format_number, resolve

TRACE: dict[str, Any] = {
    "name": "net",
    "vocab": ["a", "b"],
    "steps": [{"hidden_states": [0.7213, -0.004, 0.9649], "probabilities": [6.2e-5, 0.999938], "loss": 2.5}],
    "training": {"updates": 6400},
}


def render(source: str, traces: dict[str, Any] | None = None, page_urls: dict[str, str] | None = None) -> str:
    found = scan(source.splitlines(), 1, "page.md", Problems())
    context = PageContext(first_line=1, blocks=found.blocks, render_figure=lambda b: f"<figure data-rnn=\"{b.name}\">"
                          "</figure>", traces=traces or {"net": TRACE}, page_urls=page_urls or {"index": "index.html"},
                          output_path="guide/index.html")
    return SiteMarkdown(set(context.traces)).render(source, context)


def test_block_becomes_a_figure_between_paragraphs() -> None:
    html = render("Before.\n\n```{rnn} net\n:pattern: ab\n:length: 10\n```\nAfter.\n")
    assert html == '<p>Before.</p>\n<figure data-rnn="net"></figure>\n<p>After.</p>'


def test_scan_reads_options_with_lines_and_skips_code_fences() -> None:
    source = ("````markdown\n```{rnn} example\n:pattern: 1\n```\n````\n\n"
              "```{rnn} real\n:pattern: 01\n\n:length: 9\n```\n")
    found = scan(source.splitlines(), 5, "page.md", Problems())
    assert [b.name for b in found.blocks] == ["real"]
    block = found.blocks[0]
    assert block.options == {"pattern": "01", "length": "9"}
    assert block.option_lines == {"pattern": 12, "length": 14} and (block.line, block.end_line) == (11, 15)


def test_scan_reports_bad_names_and_lines() -> None:
    problems = Problems()
    scan(["```{rnn} bad name!", "oops", "```", "```{rnn}", "```"], 1, "page.md", problems)
    assert [(p.path, p.line) for p in problems.errors] == [("page.md", 1), ("page.md", 2), ("page.md", 4)]


def test_inline_values_render_from_the_trace() -> None:
    html = render("h = {rnn}`net.steps[0].hidden_states`, p = {rnn}`net.steps[0].probabilities[0]`, "
                  "q = {rnn}`net.steps[-1].probabilities[1]`, n = {rnn}`net.training.updates`.")
    assert '<span class="rnn-value">[0.72, 0.00, 0.96]</span>' in html
    assert '<span class="rnn-value">6.2e-5</span>' in html
    assert '<span class="rnn-value">0.99994</span>' in html
    assert '<span class="rnn-value">6,400</span>' in html


def test_code_spans_keep_the_syntax_literal() -> None:
    html = render("Write `` {rnn}`net.vocab` `` in prose.")
    assert "<code>{rnn}`net.vocab`</code>" in html


@pytest.mark.parametrize(("reference", "text"), [
    ("net.steps[0].loss|.3f", "2.500"),
    ("net.steps[0].probabilities[1]|.2%", "99.99%"),
    ("net.vocab", "[a, b]"),
    ("net.steps[0].hidden_states[0]", "0.72"),
])
def test_formats(reference: str, text: str) -> None:
    assert resolve({"net": TRACE}, reference) == text


@pytest.mark.parametrize(("reference", "words"), [
    ("nett.vocab", "did you mean 'net'"),
    ("net.steps[3].loss", "out of range: net.steps has 1 items"),
    ("net.steps[0]", "is a group"),
    ("net.vocab.x", "has no 'x'"),
    ("net.training.updates[0]", "not a list"),
    ("net.steps[0].loss|.3q", "cannot format"),
    ("net steps", "cannot read"),
])
def test_bad_references_explain_themselves(reference: str, words: str) -> None:
    with pytest.raises(InlineReferenceError, match=words.replace("[", r"\[").replace("(", r"\(")):
        resolve({"net": TRACE}, reference)


@pytest.mark.parametrize(("value", "probability", "text"), [
    (0.7213, False, "0.72"), (-0.004, False, "0.00"), (-0.76, False, "-0.76"), (6.2e-5, True, "6.2e-5"),
    (0.004999, True, "5.0e-3"), (0.5021, True, "0.50"), (0.9998, True, "0.9998"), (0.99994, True, "0.99994"),
    (1 - 1e-9, True, "1.00"), (0.0, True, "0.00"), (1.0, True, "1.00"),
])
def test_number_format(value: float, probability: bool, text: str) -> None:
    assert format_number(value, probability) == text


def test_md_links_point_at_pages_relative_to_the_page() -> None:
    html = render("[home](index.md#top) and [site](https://example.org) and [here](#x)")
    assert 'href="../index.html#top"' in html and 'href="https://example.org"' in html and 'href="#x"' in html


def test_code_blocks_are_highlighted() -> None:
    html = render("```python\nx = 1\n```\n")
    assert '<div class="highlight">' in html and '<span class="n">x</span>' in html


def test_heading_ids_never_collide_with_figure_ids() -> None:
    html = render("# Net\n\n## Other\n")
    assert '<h1 id="net-section">Net</h1>' in html and '<h2 id="other">Other</h2>' in html
