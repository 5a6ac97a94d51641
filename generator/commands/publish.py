"""`unrolled publish`: commit build/site (plus `.nojekyll`) to the gh-pages branch and push it.

Only git plumbing is used, against a temporary index file, so the author's working tree, index,
HEAD and current branch are never touched: hash the site's files into blobs, list them in the
temporary index, write a tree, commit it on top of the branch's current tip, move the branch,
push.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import click

FALLBACK_IDENTITY = {"GIT_AUTHOR_NAME": "unrolled publish", "GIT_AUTHOR_EMAIL": "unrolled@localhost",
                     "GIT_COMMITTER_NAME": "unrolled publish", "GIT_COMMITTER_EMAIL": "unrolled@localhost"}


class PublishError(click.ClickException):
    """Publishing stopped; printed as one line, `nothing published: WHY`, that says why and what to do."""

    def show(self, file: IO[str] | None = None) -> None:
        """Print the one closing line on stderr."""
        click.echo(f"nothing published: {self.message}", file=file or sys.stderr)


@dataclass
class Git:
    """Runs git in one repository, with an optional extra environment."""

    cwd: Path
    env: dict[str, str] | None = None

    def run(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
        """Run `git ARGS`, returning stdout without its final newline; raise PublishError on failure."""
        finished = self._run(args, stdin, env)
        if finished.returncode != 0:
            detail = finished.stderr.strip() or finished.stdout.strip()
            raise PublishError(f"git {args[0]} failed: {detail}")
        return finished.stdout.rstrip("\n")

    def maybe(self, *args: str) -> str | None:
        """Run `git ARGS`; None when it fails (for questions such as 'does this ref exist?')."""
        finished = self._run(args, None, None)
        return finished.stdout.rstrip("\n") if finished.returncode == 0 else None

    def _run(self, args: Sequence[str], stdin: str | None,
             env: dict[str, str] | None) -> subprocess.CompletedProcess[str]:
        merged = {**os.environ, **(self.env or {}), **(env or {})}
        return subprocess.run(["git", *args], cwd=self.cwd, input=stdin, capture_output=True, text=True,
                              env=merged, check=False)


@dataclass(frozen=True)
class Published:
    """What `publish_site` did: the branch's tip now, and whether this publish made it."""

    commit: str
    changed: bool


UNSAVED_FOLDERS = ("content", "themes")


STATES = {"M": "modified", "A": "added", "D": "deleted", "R": "renamed", "C": "copied", "T": "type changed",
          "?": "not in git", "U": "unmerged"}


def unsaved_files(repository: Path) -> list[tuple[str, str]]:
    """Files under content/ or themes/ that differ from HEAD (modified, staged, new or deleted), and how."""
    listing = Git(repository).maybe("-c", "core.quotePath=false", "status", "--porcelain",
                                    "--untracked-files=all", "--", *UNSAVED_FOLDERS)
    files = []
    for line in (listing or "").splitlines():
        if line.strip():
            code = (line[0] if line[0] not in " ?" else line[1]) if line[:2] != "??" else "?"
            files.append((line[3:].split(" -> ")[-1], STATES.get(code, "changed")))
    return files


def _site_files(site: Path) -> list[str]:
    files = []
    for path in sorted(site.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        relative = path.relative_to(site).as_posix()
        if "\n" in relative or "\t" in relative:
            raise PublishError(f"cannot publish a file whose name holds a tab or newline: {relative!r}")
        files.append(relative)
    return files


def _write_tree(git: Git, site: Path) -> str:
    """Hash every file of the site, plus an empty .nojekyll, into a tree object; return its id."""
    files = _site_files(site)
    if not files:
        raise PublishError(f"{site} is empty; nothing to publish")
    blobs = git.run("hash-object", "-w", "--no-filters", "--stdin-paths",
                    stdin="".join(f"{site / name}\n" for name in files)).split("\n")
    empty = git.run("hash-object", "-w", "--stdin", stdin="")
    entries = [f"100644 {blob}\t{name}" for blob, name in zip(blobs, files, strict=True)]
    if ".nojekyll" not in files:
        entries.append(f"100644 {empty}\t.nojekyll")
    with tempfile.TemporaryDirectory(prefix="unrolled-publish-") as folder:
        index = {"GIT_INDEX_FILE": str(Path(folder) / "index")}
        git.run("update-index", "--add", "--index-info", stdin="".join(f"{entry}\n" for entry in entries), env=index)
        return git.run("write-tree", env=index)


def _parent(git: Git, remote: str, ref: str) -> tuple[str | None, str | None]:
    """The branch's local tip, and the tip to build on: the local one, else the remote's (fetched), else None."""
    local = git.maybe("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if local:
        return local, local
    if git.maybe("fetch", "--quiet", "--no-tags", remote, ref) is None:
        return None, None
    return None, git.maybe("rev-parse", "--verify", "--quiet", "FETCH_HEAD^{commit}")


def publish_site(site: Path, repository: Path, remote: str, branch: str, message: str | None,
                 unsaved: list[tuple[str, str]]) -> Published:
    """Commit `site` (and .nojekyll) as the new tip of `branch` and push it to `remote`, leaving HEAD alone.

    `unsaved` (from `unsaved_files`) is listed in the commit message: the site was built from those files as
    they are on disk, not as HEAD holds them.
    """
    git = Git(repository)
    if git.maybe("rev-parse", "--git-dir") is None:
        raise PublishError(f"{repository} is not inside a git repository; run `git init` and add a remote first")
    if git.maybe("check-ref-format", "--branch", branch) is None:
        raise PublishError(f"'{branch}' is not a valid branch name")
    ref = f"refs/heads/{branch}"
    if git.maybe("symbolic-ref", "--quiet", "HEAD") == ref:
        raise PublishError(f"you are on the '{branch}' branch; switch to your source branch before publishing")
    if git.maybe("var", "GIT_COMMITTER_IDENT") is None or git.maybe("var", "GIT_AUTHOR_IDENT") is None:
        git.env = FALLBACK_IDENTITY
    tree = _write_tree(git, site)
    local, parent = _parent(git, remote, ref)
    changed = parent is None or git.run("rev-parse", f"{parent}^{{tree}}") != tree
    commit = parent or ""
    if changed:
        text = message or _default_message(git.maybe("rev-parse", "--short", "HEAD"), bool(unsaved))
        if unsaved:
            text += "\n\nBuilt with changes not committed to the source branch:\n" + "".join(
                f"- {path} ({state})\n" for path, state in unsaved)
        commit = git.run("commit-tree", tree, *(["-p", parent] if parent else []), "-m", text)
        git.run("update-ref", "-m", f"unrolled publish: {text}", ref, commit, local or "")
    elif local is None:
        git.run("update-ref", "-m", "unrolled publish: take the remote's branch", ref, commit, "")
    pushed = subprocess.run(["git", "push", remote, f"{ref}:{ref}"], cwd=repository, check=False,
                            env={**os.environ, **(git.env or {})})
    if pushed.returncode != 0:
        raise PublishError(f"git push failed; the site is committed on the local '{branch}' branch, so "
                           f"`git push {remote} {branch}` sends it once the problem above is fixed")
    return Published(commit, changed)


def _default_message(head: str | None, unsaved: bool) -> str:
    text = f"Publish the site built from {head}" if head else "Publish the site"
    return text + " plus uncommitted changes" if unsaved else text
