"""One build in a fresh Python process, for `serve` after an edit to generator/: problems go back as JSON.

`python -m generator.commands.child ROOT RESULT` builds the project at ROOT and writes every error
and warning it found to the file RESULT, so that `serve` reads them as data rather than scraping
the child's terminal output. A crash writes nothing; its traceback goes to stderr as usual.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from ..errors import BuildError, Problems
from ..site import Layout, SiteBuilder


def build_once(root: Path) -> Problems:
    """Build the project; the errors and warnings found (no errors means build/site is new)."""
    try:
        return SiteBuilder(Layout(root), lambda outcome: None).build().problems
    except BuildError as exc:
        return exc.problems


def write_problems(problems: Problems, path: Path) -> None:
    """Write the errors and warnings to `path` as a JSON list of their fields."""
    found = [*problems.errors, *problems.warnings]
    path.write_text(json.dumps([asdict(problem) for problem in found]), encoding="utf-8")


def read_problems(path: Path) -> Problems:
    """Read what write_problems wrote back into a collector."""
    problems = Problems()
    for found in json.loads(path.read_text(encoding="utf-8")):
        if found["warning"]:
            problems.warn(found["path"], found["line"], found["warning"], found["message"])
        else:
            problems.error(found["path"], found["line"], found["message"])
    return problems


if __name__ == "__main__":
    write_problems(build_once(Path(sys.argv[1])), Path(sys.argv[2]))
