"""Problems found in an author's input, and the exception that reports them all at once."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import IO

import click


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake at one place: printed as `path:line: message`."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class OptionError(ValueError):
    """A single option's value is wrong; `option` names it (kebab-case, as the author wrote it)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option
        self.message = message


class BuildError(click.ClickException):
    """The build found problems; it prints one line per problem and exits 1."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))

    def show(self, file: IO[str] | None = None) -> None:
        """Print every problem on its own line, then a count."""
        out = file or sys.stderr
        for problem in self.problems:
            click.echo(str(problem), file=out)
        count = len(self.problems)
        click.echo(f"build failed: {count} problem{'s' if count != 1 else ''}; build/site left as it was",
                   file=out)
