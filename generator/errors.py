"""Problems in an author's input: one collector that every build stage reports into, and the error that ends a build."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

import click

from .report import echo_failure


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake (or, when `warning` names it, one warning) at one place."""

    path: str
    line: int
    message: str
    warning: str = ""

    def __str__(self) -> str:
        if self.warning:
            return f"{self.path}:{self.line}: warning: {self.warning}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class Problems:
    """Every error and warning a build finds, collected so that one run reports them all."""

    def __init__(self, strict: bool = False) -> None:
        self._found: list[Problem] = []
        self.strict = strict  # `--strict`: warnings stop the build as errors do

    def error(self, path: str, line: int, message: str) -> None:
        """Record a mistake that stops the build."""
        self._found.append(Problem(path, line, message))

    def warn(self, path: str, line: int, name: str, message: str) -> None:
        """Record something worth a look that does not stop the build; `name` says which kind."""
        self._found.append(Problem(path, line, message, name))

    @property
    def errors(self) -> list[Problem]:
        """The errors, sorted by place, each once."""
        return sorted({p for p in self._found if not p.warning})

    @property
    def warnings(self) -> list[Problem]:
        """The warnings, sorted by place, each once."""
        return sorted({p for p in self._found if p.warning})

    @property
    def stopping(self) -> list[Problem]:
        """What stops the build: the errors, and with `strict` the warnings too."""
        return sorted([*self.errors, *self.warnings]) if self.strict else self.errors


class BuildError(click.ClickException):
    """The build found errors; it prints every problem on its own line, then a count, and exits 1."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems.stopping))

    def show(self, file: IO[str] | None = None) -> None:
        """Print the errors and warnings, then the failure line."""
        echo_failure(self.problems, file=file)
