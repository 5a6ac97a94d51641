"""Markdown to HTML: the `{rnn}` block, inline values and their formats, links and code spans."""

from __future__ import annotations

from typing import Any

import pytest

from generator.blocks import scan
from generator.errors import Problems
from generator.render.markdown_ext import PageContext, SiteMarkdown
from generator.values import InlineReferenceError, resolve

TRACE: dict[str, Any] = {
    "name": "net",
    "vocab": [" ", "\n", "0", "a"],
    "inputs": [3, 0, 2],
    "targets": [0, 2, 1],
    "spec": {"inputs": "a 0", "optimizer": "sgd"},
    "steps": [{"hidden_states": [0.7213, -0.004, 0.9649], "probabilities": [6.2e-5, 0.999938], "loss": 2.5},
              {"hidden_states": [0.125, 0.375, -0.125], "probabilities": [0.5, 0.5], "loss": 0.0046}],
    "training": {"updates": 6400, "final_loss": 0.0046, "loss_history": [1.39, 0.0046]},
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
                  "q = {rnn}`net.steps[0].probabilities[1]`, n = {rnn}`net.training.updates`.")
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
    ("net.steps[0].hidden_states[0]", "0.72"),
    # One rule per quantity, chosen by the path's last named key: every loss keeps its small digits.
    ("net.steps[1].loss", "4.6e-3"),
    ("net.steps[-1].loss", "4.6e-3"),
    ("net.training.final_loss", "4.6e-3"),
    ("net.training.loss_history", "[1.39, 4.6e-3]"),
    ("net.steps[1].hidden_states", "[0.12, 0.38, -0.12]"),  # exact ties round half to even
    # Characters are written so a reader can see them; inputs and targets are positions of characters.
    ("net.vocab", "[' ', '\\n', '0', 'a']"),
    ("net.vocab[0]", "' '"),
    ("net.inputs", "['a', ' ', '0']"),
    ("net.targets[-1]", "'\\n'"),
    ("net.inputs|d", "[3, 0, 2]"),
    ("net.spec.inputs", "a 0"),  # an option's text is text, not characters of the vocabulary
    ("net.spec.optimizer", "sgd"),
])
def test_formats(reference: str, text: str) -> None:
    assert resolve({"net": TRACE}, reference) == text


@pytest.mark.parametrize(("reference", "words"), [
    ("nett.vocab", "did you mean 'net'"),
    ("net.steps[3].loss", "out of range: net.steps has 2 items"),
    ("net.steps[0]", "is a group"),
    ("net.vocab.x", "has no 'x'"),
    ("net.training.updates[0]", "not a list"),
    ("net.steps[0].loss|.3q", "cannot format"),
    ("net steps", "cannot read"),
])
def test_bad_references_explain_themselves(reference: str, words: str) -> None:
    with pytest.raises(InlineReferenceError, match=words.replace("[", r"\[").replace("(", r"\(")):
        resolve({"net": TRACE}, reference)


def test_md_links_point_at_pages_relative_to_the_page() -> None:
    html = render("[home](index.md#top) and [site](https://example.org) and [here](#x)")
    assert 'href="../index.html#top"' in html and 'href="https://example.org"' in html and 'href="#x"' in html


def test_code_blocks_are_highlighted() -> None:
    html = render("```python\nx = 1\n```\n")
    assert '<div class="highlight">' in html and '<span class="n">x</span>' in html


def test_admonitions_become_boxed_notes_as_in_mkdocs() -> None:
    html = render('!!! warning "Mind the rate"\n    A learning rate of 10 diverges.\n')
    assert '<div class="admonition warning">' in html and '<p class="admonition-title">Mind the rate</p>' in html
    assert "!!!" not in html


def test_heading_ids_never_collide_with_figure_ids() -> None:
    html = render("# Net\n\n## Other\n")
    assert '<h1 id="net-section">Net</h1>' in html and '<h2 id="other">Other</h2>' in html


def test_block_indented_in_a_list_item_becomes_a_figure_in_that_item() -> None:
    source = ("1. Train it:\n\n   ```{rnn} net\n   :pattern: ab\n   :length: 10\n   ```\n\n2. Look.\n\n"
              "- nested, no blank line:\n    ```{rnn} other\n    :text: abab\n    ```\n")
    problems = Problems()
    found = scan(source.splitlines(), 1, "page.md", problems)
    assert not problems.errors
    assert [(b.name, b.line, b.end_line, b.options) for b in found.blocks] == [
        ("net", 3, 6, {"pattern": "ab", "length": "10"}), ("other", 11, 13, {"text": "abab"})]
    html = render(source)
    assert render(source.replace("    ", "\t")) == html  # a tab is four spaces, as Python-Markdown reads it
    assert '<li>\n<p>Train it:</p>\n<figure data-rnn="net"></figure>\n</li>' in html
    assert '<li>\n<p>nested, no blank line:</p>\n<figure data-rnn="other"></figure>\n</li>' in html


def errors_of(lines: list[str]) -> list[tuple[int, str]]:
    problems = Problems()
    scan(lines, 1, "page.md", problems)
    return [(p.line, p.message) for p in problems.errors]


def test_fences_are_read_as_python_markdown_reads_them() -> None:
    # Indented 4 spaces outside a list is an indented code block: shown as code, not a network.
    indented = ["Text.", "", "    ```{rnn} shown", "    :pattern: ab", "    ```"]
    assert errors_of(indented) == [] and scan(indented, 1, "page.md", Problems()).blocks == []
    # A fence indented in a list that is not {rnn} is not a fence for Python-Markdown: its text is prose.
    found = scan(["- item", "", "    ```python", "    {rnn}`net.vocab`", "    ```"], 1, "page.md", Problems())
    assert found.references == [(4, "net.vocab")]
    # Ordinary languages, attribute lists and hl_lines are fine; R is not mistaken for rnn.
    for line in ("```python", "```r", "``` .c", "```{.python #id}", '```python hl_lines="1 2"', "~~~"):
        assert errors_of([line, "x", line[:3]]) == [], line
    # A block quote cannot hold a fence, nor can a list marker's line.
    assert errors_of(["> ```{rnn} net", "> :pattern: ab", "> ```"])[0][0] == 1
    assert errors_of(["1. ```{rnn} net", "   :pattern: ab", "   ```"])[0][0] == 1


def test_links_keep_their_query_and_fragment_and_are_percent_encoded() -> None:
    html = render("[a](pic.png?v=2#top) [b](my%20notes.txt) ![c](café.png)",
                  page_urls={"index": "index.html", "guide/index": "guide/index.html"})
    assert 'href="../pic.png?v=2#top"' in html and 'href="../my%20notes.txt"' in html
    assert 'src="../caf%C3%A9.png"' in html
