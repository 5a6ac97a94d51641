"""`unrolled publish` to a local bare repository: the branch grows, the author's checkout stays as it was."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main

REPO = Path(__file__).resolve().parents[1]
PAGE = """+++
title = "Tiny"
+++

# A tiny page

Version one of the page.

```{rnn} tiny
:pattern: 10
:length: 20
:updates: 10
```
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def author(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An author's repository with one commit, a staged change, an unstaged change and a bare `origin`."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for variable in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(variable, raising=False)
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    root = tmp_path / "author"
    (root / "content").mkdir(parents=True)
    (root / "content" / "index.md").write_text(PAGE, encoding="utf-8")
    shutil.copytree(REPO / "themes", root / "themes")
    (root / ".gitignore").write_text("/build/\n", encoding="utf-8")
    (root / "notes.txt").write_text("first\n", encoding="utf-8")
    git(tmp_path, "init", "--quiet", "-b", "main", str(root))
    git(root, "config", "user.name", "Author")
    git(root, "config", "user.email", "author@example.com")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "Write the page")
    git(root, "remote", "add", "origin", str(remote))
    (root / "notes.txt").write_text("first\nstaged\n", encoding="utf-8")
    git(root, "add", "notes.txt")
    (root / "notes.txt").write_text("first\nstaged\nunstaged\n", encoding="utf-8")
    (root / "draft.md").write_text("untracked\n", encoding="utf-8")
    return root


def checkout_state(root: Path) -> tuple[str, ...]:
    """Everything publishing must leave alone: HEAD, branch, index, working tree, stashes."""
    return (git(root, "rev-parse", "HEAD"), git(root, "symbolic-ref", "HEAD"), git(root, "diff", "--cached"),
            git(root, "diff"), git(root, "status", "--porcelain", "--untracked-files=all"),
            git(root, "stash", "list"), (root / "notes.txt").read_text(encoding="utf-8"))


def publish(root: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["publish", "--root", str(root), *extra])
    return result.exit_code, result.output


def test_publish_twice_keeps_history_and_leaves_the_checkout_alone(author: Path) -> None:
    remote = author.parent / "remote.git"
    before = checkout_state(author)
    code, output = publish(author)
    assert code == 0, output
    assert checkout_state(author) == before
    first = git(remote, "rev-parse", "gh-pages")
    files = git(remote, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
    assert {".nojekyll", "index.html", "404.html", "traces/tiny.json", "static/unrolled.js"} <= set(files)
    assert git(remote, "show", "gh-pages:index.html") == (author / "build/site/index.html").read_text().strip()
    assert "__unrolled" not in git(remote, "show", "gh-pages:index.html")
    assert git(remote, "cat-file", "-s", "gh-pages:.nojekyll") == "0"
    assert not (author / "build" / "site" / ".nojekyll").exists()

    (author / "content" / "index.md").write_text(PAGE.replace("Version one", "Version two"), encoding="utf-8")
    before = checkout_state(author)
    code, output = publish(author, "--message", "Second edition")
    assert code == 0, output
    assert checkout_state(author) == before
    log = git(remote, "log", "--format=%H %P %s", "gh-pages").splitlines()
    assert len(log) == 2
    second, parent, subject = log[0].split(" ", 2)
    assert parent == first and subject == "Second edition"
    assert "Version two" in git(remote, "show", "gh-pages:index.html")
    assert git(author, "rev-parse", "refs/heads/gh-pages") == second
    assert git(author, "rev-parse", "--abbrev-ref", "HEAD") == "main"


def test_a_failing_build_publishes_nothing(author: Path) -> None:
    remote = author.parent / "remote.git"
    assert publish(author)[0] == 0
    tip = git(remote, "rev-parse", "gh-pages")
    broken = PAGE.replace(":updates: 10\n", ":updates: 10\n:hidden-size: 999\n")
    (author / "content" / "index.md").write_text(broken, encoding="utf-8")
    before = checkout_state(author)
    code, output = publish(author)
    assert code == 1
    assert "content/index.md:13: tiny: hidden-size" in output
    assert git(remote, "rev-parse", "gh-pages") == tip
    assert git(author, "rev-parse", "gh-pages") == tip
    assert checkout_state(author) == before


def test_publish_refuses_when_on_the_pages_branch(author: Path) -> None:
    git(author, "stash", "--quiet", "--include-untracked")
    git(author, "checkout", "--quiet", "-b", "gh-pages")
    code, output = publish(author)
    assert code == 1 and "switch to your source branch" in output
    assert git(author.parent / "remote.git", "branch", "--list") == ""


def test_a_fresh_clone_builds_on_the_remote_branch(author: Path) -> None:
    remote = author.parent / "remote.git"
    assert publish(author)[0] == 0
    first = git(remote, "rev-parse", "gh-pages")
    git(author, "branch", "--quiet", "-D", "gh-pages")  # as in a clone that never had the branch
    (author / "content" / "index.md").write_text(PAGE.replace("Version one", "Version two"), encoding="utf-8")
    code, output = publish(author)
    assert code == 0, output
    assert git(remote, "rev-parse", "gh-pages^") == first


def test_the_pages_workflow_builds_with_make_and_deploys_build_site() -> None:
    text = (REPO / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines()]
    assert "branches: [main]" in lines and "workflow_dispatch:" in lines
    for permission in ("pages: write", "id-token: write", "contents: read"):
        assert permission in lines
    assert "group: pages" in lines
    assert 'python-version: "3.11"' in lines
    assert "- run: make site BUILD_ARGS=--strict" in lines
    upload = next(i for i, line in enumerate(lines) if line.startswith("- uses: actions/upload-pages-artifact@"))
    assert lines[upload + 2] == "path: build/site"
    assert any(line.startswith("uses: actions/deploy-pages@") for line in lines)


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_uncommitted_pages_are_named_in_a_warning_and_in_the_commit(author: Path) -> None:
    remote = author.parent / "remote.git"
    code, output = publish(author)
    assert code == 0 and "warning: uncommitted" not in output  # notes.txt and draft.md are outside content/
    assert last_line(output).startswith("published build/site to origin/gh-pages as commit ")
    (author / "content" / "index.md").write_text(PAGE.replace("Version one", "Version two"), encoding="utf-8")
    (author / "content" / "extra.txt").write_text("new\n", encoding="utf-8")
    code, output = publish(author)
    assert code == 0, output
    assert "content/index.md: warning: uncommitted: modified" in output
    assert "content/extra.txt: warning: uncommitted: not in git" in output
    assert last_line(output).endswith("with 2 uncommitted files")
    message = git(remote, "log", "-1", "--format=%B", "gh-pages")
    assert message.splitlines()[0].endswith("plus uncommitted changes")
    assert "- content/index.md (modified)" in message and "- content/extra.txt (not in git)" in message
    code, output = publish(author)
    assert code == 0 and last_line(output).startswith("published build/site to origin/gh-pages (unchanged since ")


def test_every_failure_ends_with_nothing_published_and_why(author: Path, tmp_path: Path) -> None:
    (author / "content" / "index.md").write_text(PAGE + "\n[broken](nowhere.md)\n", encoding="utf-8")
    code, output = publish(author)
    assert code == 1 and last_line(output) == "nothing published: the build failed; origin/gh-pages is unchanged"
    (author / "content" / "index.md").write_text(PAGE, encoding="utf-8")
    code, output = publish(author, "--remote", "nowhere")
    assert code == 1 and last_line(output).startswith("nothing published: git push failed")
    loose = tmp_path / "loose"
    shutil.copytree(author / "content", loose / "content")
    shutil.copytree(author / "themes", loose / "themes")
    code, output = publish(loose)
    assert code == 1 and last_line(output).startswith("nothing published: ") and "not inside a git repository" in output
