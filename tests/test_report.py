"""The problem collector and the closing lines every command prints."""

from __future__ import annotations

import io

import pytest

from generator.errors import Problem, Problems
from generator.report import echo_failure, echo_success, failure
from generator.site import BuildResult


def test_problems_are_sorted_by_place_and_reported_once() -> None:
    problems = Problems()
    problems.error("content/b.md", 3, "late")
    problems.error("content/a.md", 12, "second")
    problems.error("content/a.md", 2, "first")
    problems.error("content/a.md", 2, "first")
    problems.warn("content/a.md", 5, "slow-training", "takes a while")
    assert [str(p) for p in problems.errors] == ["content/a.md:2: first", "content/a.md:12: second",
                                                 "content/b.md:3: late"]
    assert problems.warnings == [Problem("content/a.md", 5, "takes a while", "slow-training")]
    assert str(problems.warnings[0]) == "content/a.md:5: warning: slow-training: takes a while"


def test_failure_lists_errors_and_warnings_in_order_and_counts_only_errors() -> None:
    problems = Problems()
    problems.error("content/index.md", 9, "broken")
    problems.warn("content/index.md", 4, "unused", "never shown")
    out = io.StringIO()
    echo_failure(problems, file=out)
    assert out.getvalue().splitlines() == [
        "content/index.md:4: warning: unused: never shown",
        "content/index.md:9: broken",
        "build failed: 1 problem; build/site left as it was",
    ]
    assert failure(2, "serving the last good build") == "build failed: 2 problems; serving the last good build"


def test_success_prints_warnings_even_when_quiet_then_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    problems = Problems()
    problems.warn("content/index.md", 3, "slow-training", "takes a while")
    result = BuildResult(pages=2, figures=3, trained=1, seconds=0.25, problems=problems)
    echo_success(result, "build/site")
    out, err = capsys.readouterr()
    assert out == "built 2 pages, 3 figures (1 trained, 2 cached) in 0.25 s -> build/site\n"
    assert err == "content/index.md:3: warning: slow-training: takes a while\n"
    echo_success(result, "build/site", quiet=True)
    assert capsys.readouterr() == ("", err)
