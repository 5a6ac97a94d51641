"""The build: discover pages, train their networks, render with the theme, write build/site atomically."""

from __future__ import annotations

import errno
import functools
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import orjson
from markupsafe import Markup

from .assets import theme_assets
from .blocks import NAME, RnnBlock, Scan, scan
from .cache import RENDERER_DIGEST, RenderCache, TraceCache, cache_key, digest, figure_key, theme_digest
from .config import SiteConfig, load_config, theme_folder
from .errors import BuildError, Problems
from .learning import training_warnings
from .links import outside_site
from .navigation import NavGroup, navigation, page_tree, with_current
from .networks import Outcome, Progress, obtain_traces
from .pages import SourcePage, page_sources, read_page
from .spec import Network, build_network
from .tracefile import Trace, anchors_json, loads_later, step_file
from .values import InlineReferenceError, network_name, resolve

if TYPE_CHECKING:
    from .render.markdown_ext import SiteMarkdown

RESERVED_SLUGS = {"static", "traces", "404"}
AT_FDCWD = -100  # renameat2: paths are relative to the working directory
RENAME_EXCHANGE = 2  # renameat2: swap the two names atomically


@dataclass
class Layout:
    """Where a project keeps its inputs and writes its outputs."""

    root: Path

    @property
    def content(self) -> Path:
        """The folder of Markdown pages and site.toml."""
        return self.root / "content"

    @property
    def site(self) -> Path:
        """The finished site."""
        return self.root / "build" / "site"

    @property
    def cache(self) -> Path:
        """The trace cache."""
        return self.root / "build" / "cache"

    def display(self, path: Path) -> str:
        """A path as the author would type it: relative to the project."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()


@dataclass
class BuildResult:
    """What a build did, for the summary line."""

    pages: int
    figures: int
    trained: int
    seconds: float
    problems: Problems  # its warnings: a build that finished found no errors


@dataclass
class _Figure:
    page: SourcePage
    block: RnnBlock
    network: Network


@functools.cache
def _environment(theme: Path) -> jinja2.Environment:
    """The theme's Jinja2 environment, made once per process; its loader recompiles a template whose file changed."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(theme / "templates"),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class SiteBuilder:
    """One build of one project, from content/ to build/site."""

    def __init__(self, layout: Layout, report: Callable[[Outcome], None], strict: bool = False,
                 progress: Progress | None = None) -> None:
        self.layout = layout
        self.report = report
        self.strict = strict  # warnings stop the build too
        self.progress = progress  # how training goes, for a display on a terminal

    def build(self) -> BuildResult:
        """Run the whole pipeline; raise BuildError listing every problem, leaving build/site as it was."""
        started = time.perf_counter()
        layout, problems = self.layout, Problems(self.strict)
        # Read the configuration: content/site.toml, and the theme it names.
        config = load_config(layout.content / "site.toml", layout.display(layout.content / "site.toml"), problems)
        theme = self._find_theme(config, problems)
        # Read the pages: encoding, front matter and title of every content/*.md.
        pages = self._read_pages(problems)
        # Scan each page for {rnn} blocks and inline references, with their line numbers.
        scans = {page.slug: scan(page.body, page.body_first_line, page.display_path, problems) for page in pages}
        # Validate each block's options into a network; names are unique across the site.
        figures = _validate_networks(config, pages, scans, problems)
        # Obtain every trace: from the cache, or trained in parallel processes (which render their figures too).
        options = {figure.block.name: _figure_options(figure.block) for figure in figures}
        finish = functools.partial(_figure_of, theme, options) if theme else None
        outcomes = obtain_traces([figure.network for figure in figures], TraceCache(layout.cache), self.report,
                                 self.progress, finish)
        traces = _collect_traces(figures, outcomes, problems)
        # Resolve the inline values against the traces.
        _resolve_references(pages, scans, traces, problems)
        if theme is None:
            raise BuildError(problems)  # without a theme there is nothing to render with
        # Render the pages with the theme; figures and bodies come from the render cache when unchanged.
        try:
            rendered = {o.name: o for o in outcomes if o.figure is not None}
            files, links = self._render(config, theme, pages, scans, figures, traces, rendered, problems)
        except jinja2.TemplateSyntaxError as exc:
            where = self.layout.display(Path(exc.filename)) if exc.filename else exc.name or "template"
            problems.error(where, exc.lineno, exc.message or "template syntax error")
            raise BuildError(problems) from None
        finally:
            for outcome in outcomes:
                outcome.settle()
        files.update({f"traces/{o.name}.json": o.written for o in outcomes if o.trace is not None})
        # Check that every internal link points at a file of the site.
        outputs = set(files)
        for page in pages:
            _check_links(page, links[page.slug], outputs, problems)
        # Write the site aside and swap it in whole, only when nothing is wrong.
        if problems.stopping:
            raise BuildError(problems)
        _write_atomically(layout.site, files)
        trained = sum(1 for outcome in outcomes if not outcome.cached)
        return BuildResult(len(pages), len(figures), trained, time.perf_counter() - started, problems)

    def _find_theme(self, config: SiteConfig, problems: Problems) -> Path | None:
        """The configured theme's folder, or None after reporting that it is missing."""
        theme = theme_folder(self.layout.root, config)
        if (theme / "templates").is_dir():
            return theme
        problems.error(self.layout.display(self.layout.content / "site.toml"), 1,
                       f"theme '{config.theme}' not found: no folder {self.layout.display(theme)}")
        return None

    def _read_pages(self, problems: Problems) -> list[SourcePage]:
        """Every Markdown file under content/ (hidden folders aside), in navigation order."""
        pages: list[SourcePage] = []
        written: dict[str, str] = {}
        for source, slug in page_sources(self.layout.content):
            page = read_page(source, self.layout.display(source), problems, slug)
            if page.slug.split("/")[0] in RESERVED_SLUGS:
                problems.error(page.display_path, 1, f"'{page.slug.split('/')[0]}' is reserved for the site's own "
                                                     "files; rename the page or its folder")
            if page.output_path in written:
                problems.error(page.display_path, 1, f"this page and {written[page.output_path]} would both be "
                                                     f"written to {page.output_path}; rename one of them")
                continue
            written[page.output_path] = page.display_path
            pages.append(page)
        if not pages:
            problems.error(self.layout.display(self.layout.content), 1, "no Markdown pages found; add content/index.md")
        elif not any(page.slug == "index" for page in pages):
            problems.error(self.layout.display(self.layout.content), 1,
                           "no content/index.md: the site needs a home page")
        return page_tree(pages).every_page()

    def _render(self, config: SiteConfig, theme: Path, pages: list[SourcePage], scans: dict[str, Scan],
                figures: list[_Figure], traces: dict[str, Trace], rendered: dict[str, Outcome],
                problems: Problems) -> tuple[dict[str, bytes], dict[str, list[tuple[str, str]]]]:
        """Every file of the site but the traces, and each page's internal links (by slug); `rendered` holds the
        figures rendered where their networks trained."""
        env = _environment(theme)
        assets = RenderCache(self.layout.cache, "assets")
        files = {**theme_assets(theme, _highlight_css(assets), assets), **_content_files(self.layout.content)}
        page_urls = {page.slug: page.output_path for page in pages}
        theme_key = theme_digest(theme)
        figure_keys = {f.block.name: figure_key(cache_key(f.network), f.block.options.get("caption", ""), theme_key,
                                                f.block.options.get("show", "forward"))
                       for f in figures if f.block.name in traces}
        figure_cache, body_cache = RenderCache(self.layout.cache, "figures"), RenderCache(self.layout.cache, "pages")
        site_key = digest([RENDERER_DIGEST, json.dumps(page_urls, sort_keys=True), *sorted(figure_keys.values())])
        converter: SiteMarkdown | None = None
        links: dict[str, list[tuple[str, str]]] = {}
        tree = page_tree(pages)
        navs: dict[str, str] = {}  # the rendered navigation per folder depth
        # Every figure that loads its training step later has a step file with its replay's anchors (MBs when
        # chaotic): written out first, while figures trained in this build may still render in their processes.
        anchors = {f.block.name: anchors_json(traces[f.block.name]) for f in figures
                   if f.block.name in traces and loads_later(_figure_options(f.block)[1])}

        def figure_html(block: RnnBlock) -> str:
            def make() -> str:
                done = rendered[block.name].rendered() if block.name in rendered else None
                if done is not None:
                    return done
                from .render.figure import render_figure  # numpy and the layout code load only on a cache miss

                return render_figure(env, traces[block.name], *_figure_options(block))
            return figure_cache.fetch(figure_keys[block.name], make)

        for page in pages:
            source = "\n".join(page.body)
            key = digest(["page", site_key, page.slug, page.output_path, str(page.body_first_line), source])
            cached = body_cache.load(key)
            if cached is None:
                from .render.markdown_ext import PageContext, SiteMarkdown  # Markdown and Pygments load only on a miss

                context = PageContext(
                    first_line=page.body_first_line,
                    blocks=[b for b in scans[page.slug].blocks if b.name in traces],
                    render_figure=figure_html,
                    traces=traces, page_urls=page_urls, output_path=page.output_path, source_dir=page.folder)
                converter = converter or SiteMarkdown(set(traces))
                body, links[page.slug], later = converter.render(source, context), context.links, context.later
                if not problems.errors:
                    stored = {"html": body, "links": links[page.slug], "later": later}
                    body_cache.store(key, orjson.dumps(stored).decode())
            else:
                stored = orjson.loads(cached)
                body, links[page.slug] = stored["html"], [tuple(link) for link in stored["links"]]
                later = stored["later"]
            files.update(step_file(name, part, anchors[name]) for name, part in later.items())
            files[page.output_path] = _render_page(env, "page.html", config, navs, tree, page.output_path, page, body)
        files["404.html"] = _render_page(env, "404.html", config, navs, tree, "404.html", None, "")
        if config.base_url:
            files["sitemap.xml"] = env.get_template("sitemap.xml").render(
                urls=[config.base_url + p.output_path.removesuffix("index.html") for p in pages]
            ).encode("utf-8")
        return files, links


def _figure_options(block: RnnBlock) -> tuple[str, str]:
    """A figure's caption and the program it opens on, as its block says."""
    return block.options.get("caption", ""), block.options.get("show", "forward")


def _figure_of(theme: Path, options: dict[str, tuple[str, str]], network: Network, trace: Trace) -> str:
    """A network's figure as HTML, with the caption and opening program its block gives (see `_figure_options`)."""
    from .render.figure import render_figure  # numpy and the layout code load only on a cache miss

    caption, show = options[network.spec.name]
    return render_figure(_environment(theme), trace, caption, show)


def _validate_networks(config: SiteConfig, pages: list[SourcePage], scans: dict[str, Scan],
                       problems: Problems) -> list[_Figure]:
    """A network for every well-formed block whose options are valid; every other block's problems reported."""
    figures: list[_Figure] = []
    seen: dict[str, str] = {}
    for page in pages:
        for block in scans[page.slug].blocks:
            if not block.name or not NAME.match(block.name):
                continue
            if block.name in seen:
                problems.error(page.display_path, block.line, f"network name '{block.name}' is already used at "
                                                              f"{seen[block.name]}; names must be unique across "
                                                              "the site")
                continue
            seen[block.name] = f"{page.display_path}:{block.line}"
            network = build_network(block.name, block.options, config.rnn, page.source.parent,
                                    functools.partial(block.report, problems))
            if network is not None:
                figures.append(_Figure(page, block, network))
    return figures


def _collect_traces(figures: list[_Figure], outcomes: list[Outcome], problems: Problems) -> dict[str, Trace]:
    """The traces by name; a warning at the block of a network that trained badly, an error where training failed."""
    traces: dict[str, Trace] = {}
    for figure, outcome in zip(figures, outcomes, strict=True):
        if outcome.trace is not None:
            traces[outcome.name] = outcome.trace
            for name, message in training_warnings(outcome.trace):
                problems.warn(figure.page.display_path, figure.block.line, name, message)
        elif outcome.error is not None:
            figure.block.report(problems, "learning-rate", outcome.error)
    return traces


def _resolve_references(pages: list[SourcePage], scans: dict[str, Scan], traces: dict[str, Trace],
                        problems: Problems) -> None:
    """Report every inline reference that names nothing; those to a block that failed were reported with it."""
    failed = {block.name for found in scans.values() for block in found.blocks} - set(traces)
    for page in pages:
        for line, reference in scans[page.slug].references:
            if network_name(reference) in failed:
                continue
            try:
                resolve(traces, reference)
            except InlineReferenceError as exc:
                problems.error(page.display_path, line, str(exc))


def _check_links(page: SourcePage, links: list[tuple[str, str]], outputs: set[str], problems: Problems) -> None:
    """Each link as (written, the site file it names, from the root) must name a file of the site."""
    for original, target in links:
        line = next((i for i, text in enumerate(page.lines, 1) if original in text), page.body_first_line)
        if target.startswith("/"):
            problems.error(page.display_path, line, f"link '{original}' starts with '/'; use a relative link so "
                                                    "the site works under any path")
        elif outside_site(target):
            problems.error(page.display_path, line, f"link '{original}' leads out of content/; links are read "
                                                    f"from the folder of {page.display_path}")
        elif target not in outputs:
            problems.error(page.display_path, line, f"link '{original}' points to nothing in the site; check the "
                                                    "file name (links are read from the page's own folder)")


def _render_page(env: jinja2.Environment, template: str, config: SiteConfig, navs: dict[str, str], tree: NavGroup,
                 output_path: str, page: SourcePage | None, body: str) -> bytes:
    depth = output_path.count("/")
    root = "../" * depth
    if root not in navs:  # the same links for every page at this depth: nav.html renders once per depth
        navs[root] = env.get_template("nav.html").render(nav=navigation(tree, root))
    context: dict[str, Any] = {
        "site": config,
        "page": page,
        "root": root,
        "content": Markup(body),
        "nav": with_current(navs[root], root + page.output_path) if page else Markup(navs[root]),
        "canonical": (config.base_url + output_path.removesuffix("index.html")) if config.base_url else "",
    }
    return env.get_template(template).render(context).encode("utf-8")


def _highlight_css(cache: RenderCache) -> str:
    def make() -> str:
        from .render.markdown_ext import highlight_css  # Pygments loads only when the cache lacks its CSS

        return highlight_css()
    return cache.fetch(digest(["highlight.css", RENDERER_DIGEST]), make)


def _content_files(content: Path) -> dict[str, bytes]:
    """The files beside the pages (images and the like), at the same place in the site."""
    files: dict[str, bytes] = {}
    for path in sorted(content.rglob("*")):
        if path.is_file() and path.suffix != ".md" and path.name != "site.toml":
            files[path.relative_to(content).as_posix()] = path.read_bytes()
    return files


def _write_atomically(site: Path, files: dict[str, bytes]) -> None:
    """Write every file into a fresh folder beside `site`, then swap it in whole."""
    site.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(site.parent)
    temporary = Path(tempfile.mkdtemp(prefix=f".site-new-{os.getpid()}-", dir=site.parent))
    try:
        for relative, data in sorted(files.items()):
            target = temporary / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        os.chmod(temporary, 0o755)
        _swap_in(temporary, site)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)  # the unused new site, or after a swap the old one


def _remove_abandoned(folder: Path) -> None:
    """Delete the half-written or swapped-out sites that builds killed before their cleanup left in `folder`.

    Each such folder is named after its build's process (`.site-new-PID-...`, `.site-old-PID`); one whose process
    still runs belongs to a build in progress (a `serve` beside a `make site`) and is left alone.
    """
    for entry in folder.glob(".site-*-*"):
        parts = entry.name.split("-")
        if len(parts) >= 3 and parts[1] in ("new", "old") and parts[2].isdigit() and not _running(int(parts[2])):
            shutil.rmtree(entry, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _swap_in(new: Path, site: Path) -> None:
    """Put the folder `new` at `site`; whatever fails, `site` holds a complete site (the old or the new)."""
    if not site.exists():
        os.replace(new, site)
    elif not _exchange(new, site):
        # Without an atomic exchange, `site` is missing for the moment between two renames (serve waits it out).
        old = site.with_name(f".site-old-{os.getpid()}")
        os.replace(site, old)
        try:
            os.replace(new, site)
        except BaseException:
            os.replace(old, site)
            raise
        shutil.rmtree(old, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders' names in one step (Linux's renameat2 with RENAME_EXCHANGE); False where unsupported."""
    import ctypes  # only a build that swaps a site in pays for it

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError, TypeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))
