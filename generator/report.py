"""What a build says when it ends, worded once for `build`, `publish` and `serve`."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

import click

if TYPE_CHECKING:
    from .errors import Problem, Problems
    from .site import BuildResult

SITE_KEPT = "build/site left as it was"


def summary(result: BuildResult, site: str) -> str:
    """The line a successful build ends with: what it built, what it trained, how long it took, where."""
    cached = result.figures - result.trained
    return (f"built {result.pages} pages, {result.figures} figures ({result.trained} trained, {cached} cached) "
            f"in {result.seconds:.2f} s -> {site}")


def failure(errors: int, consequence: str = SITE_KEPT, strict_warnings: int = 0) -> str:
    """The line a failed build ends with: how many errors (and warnings under --strict), what happened to the site."""
    count = errors + strict_warnings
    strict = f" ({strict_warnings} warning{'s' if strict_warnings != 1 else ''}, errors under --strict)"
    return f"build failed: {count} problem{'s' if count != 1 else ''}{strict if strict_warnings else ''}; {consequence}"


def echo_problems(problems: list[Problem], file: IO[str] | None = None) -> None:
    """Print each problem on its own line (to stderr unless told otherwise)."""
    for problem in problems:
        click.echo(str(problem), file=file, err=file is None)


def echo_success(result: BuildResult, site: str, quiet: bool = False) -> None:
    """Print the warnings, then (unless quiet) the summary line."""
    echo_problems(result.problems.warnings)
    if not quiet:
        click.echo(summary(result, site))


def echo_failure(problems: Problems, consequence: str = SITE_KEPT, file: IO[str] | None = None) -> None:
    """Print the errors and warnings in order of place, then the failure line."""
    echo_problems(sorted([*problems.errors, *problems.warnings]), file)
    strict_warnings = len(problems.warnings) if problems.strict else 0
    click.echo(failure(len(problems.errors), consequence, strict_warnings), file=file, err=file is None)
