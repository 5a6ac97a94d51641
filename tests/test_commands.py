"""The commands an author meets first: `unrolled new`, finding the project, and the docs' commands from a fresh copy."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main

from .project import REPO, make_project, run_build


def invoke(*args: str, cwd: Path) -> tuple[int, str]:
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args))
    finally:
        os.chdir(previous)
    return result.exit_code, result.output


def test_the_scaffold_prints_the_probability_of_the_real_target(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    assert invoke("new", "fresh", cwd=root)[0] == 0
    assert run_build(root).exit_code == 0
    trace = json.loads((root / "build/site/traces/fresh.json").read_text(encoding="utf-8"))
    expected = trace["steps"][0]["probabilities"][trace["targets"][0]]
    html = (root / "build/site/fresh/index.html").read_text(encoding="utf-8")
    sentence = re.search(r"really comes next a probability of\s+<[^>]*>([^<]+)<", html)
    assert sentence is not None, html
    assert abs(float(sentence.group(1)) - expected) <= 0.005 and expected > 0.5


def test_commands_find_the_project_from_inside_content(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "content" / "guide").mkdir()
    code, output = invoke("new", "inner", cwd=root / "content" / "guide")
    assert code == 0, output
    assert (root / "content" / "inner.md").exists() and not (root / "content" / "guide" / "content").exists()
    code, output = invoke("build", cwd=root / "content")
    assert code == 0, output
    assert (root / "build/site/inner/index.html").exists() and not (root / "content" / "build").exists()


def test_outside_a_project_nothing_is_created(tmp_path: Path) -> None:
    for command in (["new", "stray"], ["build"], ["publish"]):
        code, output = invoke(*command, cwd=tmp_path)
        assert code == 1 and "not an unrolled project (no content/ folder here or above" in output, command
        if command == ["publish"]:
            assert output.strip().splitlines()[-1].startswith("nothing published: not an unrolled project")
    assert list(tmp_path.iterdir()) == []


def test_new_refuses_the_name_of_an_existing_block(tmp_path: Path) -> None:
    root = make_project(tmp_path)  # index.md holds a block named `tiny`
    before = sorted(p.name for p in (root / "content").iterdir())
    code, output = invoke("new", "tiny", cwd=root)
    assert code == 1 and "a network named 'tiny' already exists at content/index.md:" in output
    assert sorted(p.name for p in (root / "content").iterdir()) == before


def documented_commands(markdown: str) -> list[str]:
    """The commands of every ```sh block, in order, without comments."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", markdown, re.S):
        for line in block.splitlines():
            command = line.split("#", 1)[0].strip()
            if command:
                commands.append(command)
    return commands


def fresh_copy(target: Path) -> Path:
    """The repository's tracked files, as a clone has them, and a .venv standing in for what `make` installs."""
    listing = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    files = subprocess.run(listing, cwd=REPO, capture_output=True, text=True, check=True)
    for name in files.stdout.split("\0"):
        if name and (REPO / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name)
    # `make` would create .venv and pip-install the project; offline, the test links this venv's packages
    # and the copy's own code instead, and marks the install done so make goes straight to the command.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(target / ".venv")], check=True)
    packages = next((target / ".venv" / "lib").glob("python3*")) / "site-packages"
    here = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    (packages / "unrolled-test.pth").write_text(f"{target}\n{here}\n", encoding="utf-8")
    script = target / ".venv" / "bin" / "unrolled"
    script.write_text(f"#!{target / '.venv' / 'bin' / 'python'}\nfrom generator.cli import main\nmain()\n",
                      encoding="utf-8")
    script.chmod(0o755)
    (target / ".venv" / ".installed").touch()
    return target


def test_the_documented_commands_run_in_order_from_a_fresh_copy(tmp_path: Path) -> None:
    root = fresh_copy(tmp_path / "clone")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    ran = []
    for doc in ("README.md", "content/authoring.md"):
        for command in documented_commands((REPO / doc).read_text(encoding="utf-8")):
            words = shlex.split(command)
            if words[:2] in (["make", "site"], ["make", "new"]) or words[:2] == [".venv/bin/unrolled", "build"]:
                done = subprocess.run(words, cwd=root, env=env, capture_output=True, text=True, check=False)
                assert done.returncode == 0, f"{doc}: `{command}` failed:\n{done.stdout}{done.stderr}"
                ran.append(command)
    assert "make site" in ran and any(c.startswith("make new NAME=") for c in ran), ran
    assert (root / "content" / "my-page.md").exists()
    inside = subprocess.run(["../.venv/bin/unrolled", "build", "-q"], cwd=root / "content", env=env,
                            capture_output=True, text=True, check=False)
    assert inside.returncode == 0, inside.stderr
    assert (root / "build/site/my-page/index.html").exists()


def test_new_reads_the_pages_the_build_reads_and_no_others(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    drafts = root / "content" / ".drafts"
    drafts.mkdir()
    (drafts / "old.md").write_text("# Old\n\n```{rnn} kept-aside\n:pattern: 01\n:length: 40\n```\n", encoding="utf-8")
    guide = root / "content" / "guide"
    guide.mkdir()
    (guide / "a.md").write_text("# A\n\n```{rnn} in-guide\n:pattern: 01\n:length: 40\n```\n", encoding="utf-8")
    code, output = invoke("new", "in-guide", cwd=root)
    assert code == 1 and "content/guide/a.md:3" in output
    code, output = invoke("new", "kept-aside", cwd=root)  # a hidden folder is not built, so its names are free
    assert code == 0, output
