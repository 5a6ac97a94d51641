"""The GitHub Actions workflows pass zizmor's security audit with no findings."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / ".github" / "workflows"


def zizmor() -> str:
    beside_python = Path(sys.executable).with_name("zizmor")
    found = str(beside_python) if beside_python.exists() else shutil.which("zizmor")
    if found is None:
        pytest.fail("zizmor is not installed; `pip install -e '.[test]'` installs it")
    return found


def test_zizmor_finds_nothing_in_the_workflows() -> None:
    result = subprocess.run([zizmor(), "--offline", "--format", "plain", str(WORKFLOWS)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_the_pages_workflow_builds_strictly_and_grants_pages_rights_to_deploy_only() -> None:
    text = (WORKFLOWS / "pages.yml").read_text(encoding="utf-8")
    assert "make site BUILD_ARGS=--strict" in text
    build, deploy = text.split("\n  deploy:\n")
    assert "pages: write" not in build and "id-token: write" not in build
    assert "pages: write" in deploy and "id-token: write" in deploy
