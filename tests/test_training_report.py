"""A build says how training went: one report line per trained network, warnings at the block, --strict."""

from __future__ import annotations

import re
from pathlib import Path

from .project import make_project, run_build, tree_digest

PAGE = """# How training went

```{rnn} chaotic
:pattern: 00101
:length: 300
:hidden-size: 4
:optimizer: adagrad
:learning-rate: 0.1
:updates: 3000
```

```{rnn} lazy
:pattern: 0110
:length: 40
:updates: 20
```

```{rnn} muddled
:pattern: 10
:length: 40
:updates: 400
:inputs: 0000
:targets: 0000
```

```{rnn} learned
:pattern: 10
:length: 40
:updates: 400
```
"""


def test_report_lines_and_warnings_at_each_block(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"index.md": PAGE})
    result = run_build(root)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.search(r"^trained learned: 400 updates in \d+\.\d\d s, final loss 0\.\d+ \(chance 2\.77\), "
                     r"window 4/4 right$", result.output, re.M)
    assert re.search(r"^trained muddled: .* window 2/4 right$", result.output, re.M)
    warnings = [line for line in lines if ": warning: " in line]
    assert [w.split(": warning: ")[0] + " " + w.split(": ")[2] for w in warnings] == [
        "content/index.md:3 chaotic", "content/index.md:12 did-not-learn", "content/index.md:18 did-not-learn"]
    chaotic, lazy, muddled = warnings
    assert "rounding" in chaotic and "try a smaller learning-rate" in chaotic
    assert "'lazy' did not learn: its final loss" in lazy and "no better than half of chance" in lazy
    assert "'muddled' did not learn: it gets the shown window wrong, 2 of 4 targets" in muddled
    for warning in (lazy, muddled):
        assert "more updates" in warning and "another learning-rate" in warning
    assert lines[-1].startswith("built 1 pages, 4 figures (4 trained, 0 cached)")
    warm = run_build(root)  # warnings come from the trace, so the cache keeps them
    assert warm.exit_code == 0 and [line for line in warm.output.splitlines() if ": warning: " in line] == warnings
    assert "trained" not in warm.output.replace("(0 trained", "")


def test_strict_turns_warnings_into_a_failed_build(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"index.md": PAGE.split("```{rnn} lazy")[0] + "```{rnn} learned" +
                                   PAGE.split("```{rnn} learned")[1]})
    assert run_build(root, "--strict").exit_code == 1
    assert not (root / "build" / "site").exists()
    assert run_build(root, "-q").exit_code == 0
    before = tree_digest(root / "build" / "site")
    strict = run_build(root, "--strict")
    assert strict.exit_code == 1
    lines = strict.output.strip().splitlines()
    assert lines[0].startswith("content/index.md:3: warning: chaotic: ")
    assert lines[-1] == "build failed: 1 problem (1 warning, errors under --strict); build/site left as it was"
    assert tree_digest(root / "build" / "site") == before
    (root / "content" / "index.md").write_text(PAGE.split("```{rnn} chaotic")[0] + "```{rnn} learned" +
                                               PAGE.split("```{rnn} learned")[1], encoding="utf-8")
    assert run_build(root, "--strict").exit_code == 0


def test_the_shipped_site_builds_strictly(tmp_path: Path) -> None:
    import shutil

    from .project import REPO

    shutil.copytree(REPO / "content", tmp_path / "content")
    shutil.copytree(REPO / "themes", tmp_path / "themes")
    result = run_build(tmp_path, "--strict")
    assert result.exit_code == 0, result.output
    assert ": warning: " not in result.output
