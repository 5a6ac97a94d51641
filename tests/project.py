"""A throwaway project for build tests: content written by the test, the real theme beside it."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from click.testing import CliRunner, Result

from generator.cli import main
from generator.spec import Network, build_network

REPO = Path(__file__).resolve().parent.parent

TINY_PAGE = """+++
title = "Tiny"
order = 0
+++

# Tiny

The first hidden state is {rnn}`tiny.steps[0].hidden_states`.

```{rnn} tiny
:pattern: 10
:length: 40
:updates: 20
:caption: A tiny network.
```

See [the other page](other.md).
"""

OTHER_PAGE = """# Other

Back [home](index.md).
"""


def make_project(root: Path, pages: dict[str, str] | None = None, site_toml: str = 'title = "Test"\n') -> Path:
    """Write content/ (the given pages, or a tiny two-page site) and copy the default theme."""
    content = root / "content"
    content.mkdir(parents=True, exist_ok=True)
    for name, text in (pages or {"index.md": TINY_PAGE, "other.md": OTHER_PAGE}).items():
        (content / name).write_text(text, encoding="utf-8")
    (content / "site.toml").write_text(site_toml, encoding="utf-8")
    if not (root / "themes").exists():
        shutil.copytree(REPO / "themes", root / "themes")
    return root


def run_build(root: Path, *args: str) -> Result:
    """`unrolled build --root ROOT`, in process."""
    return CliRunner().invoke(main, ["build", "--root", str(root), *args])


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under a folder with the hash of its bytes."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def valid_network(name: str, options: dict[str, object], base: Path = REPO,
                  defaults: dict[str, object] | None = None) -> Network:
    """build_network for options that must be valid: the test fails with every problem otherwise."""
    found: list[tuple[str, str]] = []
    network = build_network(name, options, defaults or {}, base, lambda *problem: found.append(problem))
    assert network is not None and not found, found
    return network
