"""The `unrolled` command: build, new, serve and publish."""

from __future__ import annotations

import gc
import re
import sys
from collections.abc import Callable
from pathlib import Path

import click

from .errors import BuildError
from .learning import report_line
from .networks import Outcome
from .progress import ProgressBars
from .project import NotAProject, block_names, find_root
from .report import echo_success
from .site import Layout, SiteBuilder

NEW_PAGE = """+++
title = "{title}"
description = "A tiny network, trained at build time and stepped through."
order = 50
+++

# {title}

This network learns to continue the pattern 0, 0, 1. Press Play, or focus the figure and use the
arrow keys.

```{{rnn}} {name}
:pattern: 001
:length: 300
:updates: 3000
:caption: Trained on 0, 0, 1 repeated.
```

After training, its first hidden state is {{rnn}}`{name}.steps[0].hidden_states`, and it gives the
character that really comes next a probability of {{rnn}}`{name}.steps[0].target_probability`.
"""


def _reporter(verbosity: int) -> Callable[[Outcome], None]:
    def report(outcome: Outcome) -> None:
        if outcome.trace is None or verbosity == 0 or (outcome.cached and verbosity < 2):
            return
        click.echo(report_line(outcome.trace, None if outcome.cached else outcome.seconds))
    return report


@click.group()
@click.version_option(package_name="unrolled")
def main() -> None:
    """unrolled: animated explainer pages about tiny recurrent networks."""


@main.command()
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              help="Where to look for the project: this folder or the nearest one above holding content/.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors and warnings.")
@click.option("-v", "--verbose", is_flag=True, help="Also list networks that came from the cache.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors: fail, and leave build/site as it was.")
def build(root: Path, quiet: bool, verbose: bool, strict: bool) -> None:
    """Train the networks the Markdown declares and write build/site."""
    layout = Layout(find_root(root))
    verbosity = 0 if quiet else 2 if verbose else 1
    progress = ProgressBars(sys.stdout) if verbosity and sys.stdout.isatty() else None
    result = SiteBuilder(layout, _reporter(verbosity), strict, progress).build()
    echo_success(result, layout.display(layout.site), quiet=verbosity == 0)
    gc.freeze()  # what is left lives until exit, which then skips its last collection (35-100 ms -> 11-16 ms)


@main.command()
@click.argument("name")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              help="Where to look for the project: this folder or the nearest one above holding content/.")
def new(name: str, root: Path) -> None:
    """Scaffold content/NAME.md with an example {rnn} block."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise click.BadParameter("use lower-case letters, digits, '-' and '_'", param_hint="NAME")
    layout = Layout(find_root(root))
    target = layout.content / f"{name}.md"
    if target.exists():
        raise click.ClickException(f"{layout.display(target)} already exists; pick another name")
    used = block_names(layout.content).get(name)
    if used is not None:
        raise click.ClickException(f"a network named '{name}' already exists at {used}; the new page's block "
                                   "would take the same name, and names must be unique across the site: "
                                   "pick another name")
    title = name.replace("-", " ").replace("_", " ").capitalize()
    target.write_text(NEW_PAGE.format(title=title, name=name), encoding="utf-8")
    click.echo(f"wrote {layout.display(target)}; run `make site` to train it and build the page")


@main.command()
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              help="Where to look for the project: this folder or the nearest one above holding content/.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback opens the preview to your network.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0 picks a free one).")
def serve(root: Path, host: str, port: int) -> None:
    """Build, serve build/site, and rebuild and reload open pages on every edit."""
    from .commands.serve import serve as serve_site  # imported here: a plain build need not load the server

    serve_site(find_root(root), host, port, _reporter(1))


@main.command()
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              help="Where to look for the project (inside a git repository): here or the nearest folder above.")
@click.option("--remote", default="origin", show_default=True, help="The git remote to push to.")
@click.option("--branch", default="gh-pages", show_default=True, help="The branch that holds the site.")
@click.option("--message", "-m", default=None, help="The commit message (default names the source commit).")
def publish(root: Path, remote: str, branch: str, message: str | None) -> None:
    """Build, then commit build/site to the gh-pages branch and push it, leaving your checkout alone."""
    from .commands.publish import PublishError, publish_site, unsaved_files  # a plain build need not load git

    try:
        layout = Layout(find_root(root))
    except NotAProject as error:
        raise PublishError(error.message) from None
    unsaved = unsaved_files(layout.root)
    for path, state in unsaved:
        click.echo(f"{path}: warning: uncommitted: {state}, not committed; it is published as it is on disk",
                   err=True)
    try:
        result = SiteBuilder(layout, _reporter(1)).build()
    except BuildError as error:
        error.show()
        raise PublishError(f"the build failed; {remote}/{branch} is unchanged") from None
    echo_success(result, layout.display(layout.site))
    done = publish_site(layout.site, layout.root, remote, branch, message, unsaved)
    what = f"as commit {done.commit[:7]}" if done.changed else f"(unchanged since {done.commit[:7]})"
    caveat = f", with {len(unsaved)} uncommitted file{'s' if len(unsaved) != 1 else ''}" if unsaved else ""
    click.echo(f"published {layout.display(layout.site)} to {remote}/{branch} {what}{caveat}")
