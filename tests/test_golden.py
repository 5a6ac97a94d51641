"""Golden folders: each tests/cases/<case>/content builds to exactly tests/cases/<case>/expected.

Regenerate the expected folders after an intended change with
`UNROLLED_UPDATE_GOLDEN=1 pytest tests/test_golden.py`.
Theme assets (static/) are left out of the comparison, and long floats are compared to 9 decimals so that
a different BLAS cannot fail the test in the last bit.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from .project import REPO, run_build

CASES = Path(__file__).parent / "cases"
LONG_FLOAT = re.compile(r"-?\d+\.\d{10,}(?:e-?\d+)?")


def _normalised(data: bytes) -> str:
    return LONG_FLOAT.sub(lambda m: f"{float(m.group(0)):.9f}", data.decode("utf-8"))


def _site_files(site: Path) -> dict[str, str]:
    files = (p for p in sorted(site.rglob("*")) if p.is_file())
    return {p.relative_to(site).as_posix(): _normalised(p.read_bytes())
            for p in files if not p.relative_to(site).as_posix().startswith("static/")}


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if (p / "content").is_dir()))
def test_case_builds_to_its_expected_folder(tmp_path: Path, case: str) -> None:
    shutil.copytree(CASES / case / "content", tmp_path / "content")
    shutil.copytree(REPO / "themes", tmp_path / "themes")
    result = run_build(tmp_path, "-q")
    assert result.exit_code == 0, result.output
    site = tmp_path / "build" / "site"
    assert (site / "static" / "unrolled.css").is_file() and (site / "static" / "unrolled.js").is_file()
    expected_folder = CASES / case / "expected"
    if os.environ.get("UNROLLED_UPDATE_GOLDEN"):
        shutil.rmtree(expected_folder, ignore_errors=True)
        for relative, text in _site_files(site).items():
            (expected_folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (expected_folder / relative).write_text(text, encoding="utf-8")
    expected = {p.relative_to(expected_folder).as_posix(): p.read_text(encoding="utf-8")
                for p in sorted(expected_folder.rglob("*")) if p.is_file()}
    actual = _site_files(site)
    assert sorted(actual) == sorted(expected)
    for relative, text in expected.items():
        assert actual[relative] == text, f"{case}/{relative} differs; regenerate with UNROLLED_UPDATE_GOLDEN=1"
