"""The Python-Markdown extension: `{rnn}` blocks become figures, inline `{rnn}` references values."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

import markdown
from markdown.extensions import Extension, toc
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from ..blocks import INLINE_REF, TAB_LENGTH, RnnBlock
from ..links import link_target, relative_href
from ..values import InlineReferenceError, resolve

SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")


@dataclass
class PageContext:
    """What the extension needs to know about the page it renders."""

    first_line: int
    blocks: list[RnnBlock]
    render_figure: Callable[[RnnBlock], str]
    traces: Mapping[str, Mapping[str, Any]]
    page_urls: Mapping[str, str]
    output_path: str
    source_dir: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)
    programs: str = ""  # the figures' training-step states, written after the page's content
    later: dict[str, str] = field(default_factory=dict)  # each big figure's training step, by name: tracefile.step_file


# The training step's listing is the same in every figure: a forward-mode figure after the page's first leaves its
# copy empty, and the script fills it from the first (a figure that opens on the update keeps its own, for readers
# without JavaScript).
UPDATE_LISTING = re.compile(r'<pre class="rnn-code" data-program="update">.*?</pre>', re.S)
SHARED_LISTING = '<pre class="rnn-code" data-program="update" data-shared></pre>'


def shared_listing(figure_html: str) -> str:
    """The figure with its training-step listing left to be copied from the page's first figure (forward mode)."""
    if 'data-show="forward"' not in figure_html:
        return figure_html
    return UPDATE_LISTING.sub(lambda _: SHARED_LISTING, figure_html, count=1)


# A figure's programs (the training step's states, the forward pass's templates) differ between figures only in
# their numbers and names: written together at the end of the page, in `div.rnn-programs`, they compress to a
# fraction (each kind together: one figure's training step is longer than gzip's window); each names its figure.
PROGRAM = re.compile(r'<ol class="rnn-states" data-program="\w+" data-for="[^"]*".*?</ol>\n?', re.S)


def moved_program(figure_html: str) -> tuple[str, list[str]]:
    """The figure without its programs' states, and those states in its order (to be written at the end of the
    page)."""
    return PROGRAM.sub("", figure_html), [match.group(0) for match in PROGRAM.finditer(figure_html)]


# A forward-mode figure's gradients (`g.rnn-grads`, the diagram's last part) stay hidden until the reader asks for
# the training step; they too differ between figures only in their numbers, so they are written with the states
# at the end of the page, in an `svg[data-grads-for]`, and the script puts them back into the figure's diagram.
GRADIENTS = '<g class="rnn-grads">'


def moved_gradients(figure_html: str, name: str) -> tuple[str, str]:
    """A forward-mode figure without its gradients, and those gradients (to be written at the end of the page)."""
    start = figure_html.find(GRADIENTS)
    if 'data-show="forward"' not in figure_html or start < 0:
        return figure_html, ""
    end = figure_html.index("</svg>", start)  # the diagram's own end: the gradients hold no <svg>
    return figure_html[:start] + figure_html[end:], f'<svg data-grads-for="{name}">{figure_html[start:end]}</svg>'


def tagged_later(figure_html: str) -> bool:
    """Whether the rendered figure leaves its training step to traces/NAME.step.js: its tag says `data-later`
    (tracefile.loads_later decided it from the figure's `show`)."""
    return " data-later " in figure_html[:figure_html.index(">")]


# Every figure's number rules are the same: the page's first figure carries them, and the script reads the first.
RULES = re.compile(r'<script type="application/json" data-rnn-rules>.*?</script>\n?', re.S)


class FigurePreprocessor(Preprocessor):
    """Replace each `{rnn}` block's lines with its rendered figure, stashed as raw HTML."""

    def __init__(self, md: markdown.Markdown, extension: RnnExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        """Swap each block's lines for a placeholder, last block first so earlier indices hold."""
        page = self.extension.page
        result = list(lines)
        programs: list[list[str]] = []
        rendered = [page.render_figure(block) for block in page.blocks]
        # The training-step listing stays in the first figure that does not load its training step later.
        keeper = next((n for n, html in enumerate(rendered) if not tagged_later(html)), None)
        for n, block in reversed(list(enumerate(page.blocks))):
            start = block.line - page.first_line
            end = block.end_line - page.first_line
            html, program = moved_program(rendered[n])
            html, gradients = moved_gradients(html, block.name)
            forward = [part for part in program if 'data-program="update"' not in part]
            update = "".join(part for part in program if 'data-program="update"' in part) + gradients
            if tagged_later(html):
                listing = UPDATE_LISTING.search(html)
                page.later[block.name] = update + (listing.group(0) if listing else "")
                programs.insert(0, forward)
            else:
                programs.insert(0, [*forward, update])
            html = html if n == keeper else shared_listing(html)
            placeholder = self.md.htmlStash.store(RULES.sub("", html) if n else html)
            result[start:end + 1] = ["", _list_indent(block.indent) + placeholder, ""]
        page.programs = "".join("".join(kind) for kind in itertools.zip_longest(*programs, fillvalue=""))
        return result


def _list_indent(indent: int) -> str:
    """A block indented in a list item stays in it: Python-Markdown nests content by whole tab stops."""
    return " " * (-(-indent // TAB_LENGTH) * TAB_LENGTH)


class InlineValueProcessor(InlineProcessor):
    """Render `` {rnn}`name.path|format` `` as the value it names."""

    def __init__(self, pattern: str, extension: RnnExtension) -> None:
        super().__init__(pattern)
        self.extension = extension

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int]:
        """Resolve the reference; site.py has already reported any that fail."""
        element = etree.Element("span", {"class": "rnn-value"})
        try:
            element.text = resolve(self.extension.page.traces, m.group("ref"))
        except InlineReferenceError as exc:
            element.text = f"[{exc}]"
            element.set("class", "rnn-value rnn-value-error")
        return element, m.start(0), m.end(0)


class LinkProcessor(Treeprocessor):
    """Read every relative link against the Markdown file, write it for the page's output path, record it."""

    def __init__(self, md: markdown.Markdown, extension: RnnExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        """Rewrite and collect links in place: (as written, the site file it names)."""
        page = self.extension.page
        for element in root.iter():
            attribute = {"a": "href", "img": "src"}.get(element.tag)
            value = element.get(attribute) if attribute else None
            if attribute is None or value is None or value.startswith("#") or SCHEME.match(value):
                continue
            path, _, fragment = value.partition("#")
            path, _, query = path.partition("?")
            if path.startswith("/"):
                page.links.append((value, path))
                continue
            target = link_target(unquote(path), page.source_dir, page.page_urls)
            href = quote(relative_href(target, page.output_path))
            element.set(attribute, href + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else ""))
            page.links.append((value, target))


class RnnExtension(Extension):
    """Registers the figure preprocessor, the inline value pattern and the link processor."""

    def __init__(self) -> None:
        super().__init__()
        self._page: PageContext | None = None

    @property
    def page(self) -> PageContext:
        """The page being converted."""
        if self._page is None:
            raise RuntimeError("RnnExtension used before a page was set")
        return self._page

    @page.setter
    def page(self, page: PageContext) -> None:
        self._page = page

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        """Hook into Python-Markdown: before fenced code, before backticks, after the tree is built."""
        md.preprocessors.register(FigurePreprocessor(md, self), "rnn_figures", 28)
        md.inlinePatterns.register(InlineValueProcessor(INLINE_REF.pattern, self), "rnn_values", 195)
        md.treeprocessors.register(LinkProcessor(md, self), "rnn_links", 5)


def _heading_slugs(figure_ids: set[str]) -> Callable[[str, str], str]:
    """Heading ids as toc makes them, but never one a figure (id = its network's name) already has."""
    def slugify(value: str, separator: str) -> str:
        slug = str(toc.slugify(value, separator))
        return f"{slug}{separator}section" if slug in figure_ids else slug
    return slugify


class SiteMarkdown:
    """One Markdown converter for a whole build (setting it up costs more than a page), reset per page."""

    def __init__(self, figure_ids: set[str]) -> None:
        self.extension = RnnExtension()
        self.md = markdown.Markdown(extensions=[
            self.extension, "fenced_code", "codehilite", "tables", "toc", "attr_list", "footnotes",
            "admonition",  # `!!! note "Title"` blocks, as MkDocs authors write them
        ], extension_configs={
            "codehilite": {"css_class": "highlight", "guess_lang": False},
            "toc": {"permalink": False, "slugify": _heading_slugs(figure_ids)},
        })

    def render(self, source: str, page: PageContext) -> str:
        """Markdown to HTML with the site's extensions, Pygments highlighting included."""
        self.extension.page = page
        self.md.reset()
        html = str(self.md.convert(source))
        return html + (f'\n<div class="rnn-programs" hidden>{page.programs}</div>' if page.programs else "")


def highlight_css() -> str:
    """Pygments' stylesheet for highlighted code: a light style, and a dark one under prefers-color-scheme."""
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style="default").get_style_defs(".highlight")
    dark = HtmlFormatter(style="monokai").get_style_defs(".highlight")
    return f"\n/* Pygments: code highlighting */\n{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
