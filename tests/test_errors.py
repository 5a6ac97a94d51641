"""Bad input: one line per problem naming path:line, exit status 1, and build/site untouched."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from generator import forked, networks

from .project import TINY_PAGE, make_project, run_build, tree_digest

BLOCK_LINE = TINY_PAGE.splitlines().index("```{rnn} tiny") + 1


def _break(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


CASES = {
    "unknown option": (
        {"index.md": _break(TINY_PAGE, ":updates: 20", ":updatse: 20")},
        f"content/index.md:{BLOCK_LINE + 3}: tiny: unknown option 'updatse'; did you mean 'updates'?"),
    "bad value": (
        {"index.md": _break(TINY_PAGE, ":updates: 20", ":updates: lots")},
        f"content/index.md:{BLOCK_LINE + 3}: tiny: updates must be a whole number"),
    "unknown show mode": (
        {"index.md": _break(TINY_PAGE, ":updates: 20", ":updates: 20\n:show: backward")},
        f"content/index.md:{BLOCK_LINE + 4}: tiny: show must be one of forward, update, not 'backward'"),
    "missing text source": (
        {"index.md": _break(TINY_PAGE, ":pattern: 10\n:length: 40\n", "")},
        f"content/index.md:{BLOCK_LINE}: tiny: give exactly one text source"),
    "missing text file": (
        {"index.md": _break(TINY_PAGE, ":pattern: 10\n:length: 40\n", ":text-file: corpus.txt\n")},
        f"content/index.md:{BLOCK_LINE + 1}: tiny: text-file 'corpus.txt' not found"),
    "window outside vocabulary": (
        {"index.md": _break(TINY_PAGE, ":updates: 20", ":updates: 20\n:inputs: 1x\n:targets: 01")},
        f"content/index.md:{BLOCK_LINE + 4}: tiny: inputs uses 'x', which the training text never contains"),
    "duplicate network name": (
        {"index.md": TINY_PAGE, "other.md": "# Other\n\n```{rnn} tiny\n:pattern: 01\n:length: 30\n```\n"},
        "content/other.md:3: network name 'tiny' is already used at content/index.md:"),
    "unknown inline reference": (
        {"index.md": _break(TINY_PAGE, "tiny.steps[0].hidden_states", "tiny.steps[0].hiden_states")},
        "content/index.md:8: tiny.steps[0] has no 'hiden_states'; did you mean 'hidden_states'?"),
    "training that diverges": (
        {"index.md": _break(TINY_PAGE, ":updates: 20", ":updates: 20\n:learning-rate: 1e300")},
        f"content/index.md:{BLOCK_LINE + 4}: tiny: training of 'tiny' diverged"),
    "sgd that diverges": (
        {"index.md": _break(TINY_PAGE, ":updates: 20", ":updates: 20\n:learning-rate: 1e3")},
        f"content/index.md:{BLOCK_LINE + 4}: tiny: training of 'tiny' diverged: NaN or infinity in the weights or "
        "the loss (the loss of update 3 is nan); lower learning-rate or clip"),
    "adagrad that diverges": (
        {"index.md": _break(TINY_PAGE, ":updates: 20", ":updates: 20\n:optimizer: adagrad\n:learning-rate: 1e6")},
        f"content/index.md:{BLOCK_LINE + 5}: tiny: training of 'tiny' diverged: NaN or infinity"),
    "unknown network in inline reference": (
        {"index.md": _break(TINY_PAGE, "tiny.steps[0].hidden_states", "tiyn.steps[0].hidden_states")},
        "content/index.md:8: inline reference names no network 'tiyn'; did you mean 'tiny'?"),
    "broken internal link": (
        {"index.md": _break(TINY_PAGE, "(other.md)", "(othr.md)")},
        "content/index.md:17: link 'othr.md' points to nothing in the site"),
    "unclosed block": (
        {"index.md": _break(TINY_PAGE, ":caption: A tiny network.\n```\n", ":caption: A tiny network.\n")},
        f"content/index.md:{BLOCK_LINE}: the {{rnn}} block 'tiny' is never closed"),
    "malformed option line": (
        {"index.md": _break(TINY_PAGE, ":updates: 20", "updates = 20")},
        f"content/index.md:{BLOCK_LINE + 3}: expected ':option: value'"),
    "misspelt block, capitals": (
        {"index.md": _break(TINY_PAGE, "```{rnn} tiny", "```{RNN} tiny")},
        f"content/index.md:{BLOCK_LINE}: '{{RNN}} tiny' is not an {{rnn}} block: did you mean '```{{rnn}} tiny'?"),
    "misspelt block, typo": (
        {"index.md": _break(TINY_PAGE, "```{rnn} tiny", "```{rnm} tiny")},
        f"content/index.md:{BLOCK_LINE}: '{{rnm}} tiny' is not an {{rnn}} block: did you mean '```{{rnn}} tiny'?"),
    "misspelt block, no braces": (
        {"index.md": _break(TINY_PAGE, "```{rnn} tiny", "```rnn tiny")},
        f"content/index.md:{BLOCK_LINE}: 'rnn tiny' is not an {{rnn}} block: did you mean '```{{rnn}} tiny'?"),
    "block indented outside a list": (
        {"index.md": _break(TINY_PAGE, "```{rnn} tiny", "  ```{rnn} tiny")},
        f"content/index.md:{BLOCK_LINE}: this fence is indented 2 spaces outside a list"),
    "fence line Markdown cannot read": (
        {"index.md": TINY_PAGE + '\n```python title="x"\nprint(1)\n```\n'},
        "content/index.md:19: Markdown cannot read the fence line '```python title=\"x\"'"),
    "unterminated quoted value": (
        {"index.md": _break(TINY_PAGE, ":pattern: 10", ':pattern: "10')},
        f"content/index.md:{BLOCK_LINE + 1}: tiny: pattern opens a quote it never closes"),
    "unknown escape in a quoted value": (
        {"index.md": _break(TINY_PAGE, ":pattern: 10", ':pattern: "1\\q0"')},
        f"content/index.md:{BLOCK_LINE + 1}: tiny: pattern has the unknown escape '\\q'"),
    "inline reference to a list of groups": (
        {"index.md": _break(TINY_PAGE, "tiny.steps[0].hidden_states", "tiny.steps")},
        "content/index.md:8: tiny.steps is a list of groups, not of values; pick one with tiny.steps[0]"),
    "format on text": (
        {"index.md": _break(TINY_PAGE, "tiny.steps[0].hidden_states", "tiny.vocab|.2f")},
        "content/index.md:8: tiny.vocab is text, and a format ('|.2f') applies to numbers only"),
    "order that is not a number": (
        {"index.md": _break(TINY_PAGE, "order = 0", 'order = "first"')},
        "content/index.md:3: front matter 'order' must be a whole number, not 'first'"),
    "misspelt front matter key": (
        {"index.md": _break(TINY_PAGE, 'title = "Tiny"', 'titel = "Tiny"')},
        "content/index.md:2: unknown front matter key 'titel'; did you mean 'title'?"),
    "empty title": (
        {"index.md": _break(TINY_PAGE, 'title = "Tiny"', 'title = ""')},
        "content/index.md:2: front matter 'title' is empty, which would make an invisible link"),
    "YAML front matter it cannot read": (
        {"index.md": _break(TINY_PAGE, '+++\ntitle = "Tiny"\norder = 0\n+++', "---\ntitle: [Tiny]\n---")},
        "content/index.md:2: front matter 'title' has '[Tiny]', which YAML reads as something other than text; "
        'quote it, or write TOML between +++ lines: title = "[Tiny]"'),
    "YAML front matter, misspelt key": (
        {"index.md": _break(TINY_PAGE, '+++\ntitle = "Tiny"\norder = 0\n+++', "---\ntitel: Tiny\n---")},
        "content/index.md:2: unknown front matter key 'titel'; did you mean 'title'?"),
    "YAML front matter never closed": (
        {"index.md": _break(TINY_PAGE, '+++\ntitle = "Tiny"\norder = 0\n+++', "---\ntitle: Tiny\n")},
        "content/index.md:1: front matter opened with --- is never closed"),
    "two pages written to one place": (
        {"index.md": TINY_PAGE, "guide.md": "# Guide\n", "guide/index.md": "# Guide index\n"},
        "content/guide.md:1: this page and content/guide/index.md would both be written to guide/index.html"),
    "page in a reserved folder": (
        {"index.md": TINY_PAGE, "static/notes.md": "# Notes\n"},
        "content/static/notes.md:1: 'static' is reserved for the site's own files"),
    "link that leads out of content": (
        {"index.md": TINY_PAGE, "guide/intro.md": "# Intro\n\n[up](../../README.md)\n"},
        "content/guide/intro.md:3: link '../../README.md' leads out of content/"),
    "link read against the page's own folder": (
        {"index.md": TINY_PAGE, "guide/intro.md": "# Intro\n\n[other](other.md)\n"},
        "content/guide/intro.md:3: link 'other.md' points to nothing in the site"),
    "bad front matter": (
        {"index.md": _break(TINY_PAGE, 'title = "Tiny"', "title = Tiny")},
        "content/index.md:2: front matter is not valid TOML"),
}


@pytest.fixture
def built(tmp_path: Path) -> Path:
    root = make_project(tmp_path)
    assert run_build(root, "-q").exit_code == 0
    return root


def _assert_fails_cleanly(root: Path, expected: str) -> None:
    site = root / "build" / "site"
    before = tree_digest(site)
    result = run_build(root, "-q")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert any(line.startswith(expected) for line in lines), result.output
    assert lines[-1].startswith("build failed:")
    assert tree_digest(site) == before
    assert sorted(p.name for p in (root / "build").iterdir()) == ["cache", "site"]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_reported_at_its_line(built: Path, case: str) -> None:
    pages, expected = CASES[case]
    for name, text in pages.items():
        (built / "content" / name).parent.mkdir(parents=True, exist_ok=True)
        (built / "content" / name).write_text(text, encoding="utf-8")
    _assert_fails_cleanly(built, expected)


def test_invalid_site_toml_names_its_line(built: Path) -> None:
    (built / "content" / "site.toml").write_text('title = "T"\n\n[rnn]\nhidden-size = "x"\nsede = 3\n', "utf-8")
    _assert_fails_cleanly(built, "content/site.toml:4: [rnn] hidden-size must be a whole number")
    _assert_fails_cleanly(built, "content/site.toml:5: [rnn] cannot set 'sede'; did you mean 'seed'?")
    (built / "content" / "site.toml").write_text('title = "T"\nthem = "default"\n', "utf-8")
    _assert_fails_cleanly(built, "content/site.toml:2: unknown setting 'them'; did you mean 'theme'?")
    (built / "content" / "site.toml").write_text('title = "T"\nauthor = \n', "utf-8")
    _assert_fails_cleanly(built, "content/site.toml:2: not valid TOML")


def test_a_file_that_is_not_utf8(built: Path) -> None:
    (built / "content" / "other.md").write_bytes(b"# Other\n\nCaf\xe9 au lait\n")
    _assert_fails_cleanly(built, "content/other.md:3: not UTF-8 text (byte 0xe9)")


def test_every_problem_is_reported_in_one_run(built: Path) -> None:
    page = _break(TINY_PAGE, ":updates: 20", ":updates: -3\n:hiden-size: 2")
    page = _break(page, "(other.md)", "(gone.md)")
    (built / "content" / "index.md").write_text(page, encoding="utf-8")
    result = run_build(built, "-q")
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if line.startswith("content/")]
    assert len(problems) == 3, result.output
    assert "build failed: 3 problems" in result.output


def test_an_absolute_link_is_refused(built: Path) -> None:
    (built / "content" / "other.md").write_text("# Other\n\n[home](/index.html)\n", encoding="utf-8")
    _assert_fails_cleanly(built, "content/other.md:3: link '/index.html' starts with '/'")


def test_a_missing_theme_is_named(built: Path) -> None:
    (built / "content" / "site.toml").write_text('theme = "fancy"\n', encoding="utf-8")
    _assert_fails_cleanly(built, "content/site.toml:1: theme 'fancy' not found")


@pytest.mark.parametrize("name", ["404.html", "figure.html"])
def test_a_template_syntax_error_names_the_template_and_line(built: Path, name: str) -> None:
    template = built / "themes" / "default" / "templates" / name
    lines = template.read_text(encoding="utf-8").splitlines()
    template.write_text("\n".join([lines[0], "{% if %}", *lines[1:]]) + "\n", encoding="utf-8")
    (built / "content" / "second.md").write_text("# Second\n\n```{rnn} second\n:pattern: 011\n:length: 40\n"
                                                 ":updates: 20\n```\n", encoding="utf-8")
    shutil.rmtree(built / "build" / "cache")  # two networks train, in worker processes that render their figures
    _assert_fails_cleanly(built, f"themes/default/templates/{name}:2: Expected an expression")


def test_a_template_error_in_a_figure_rendered_apart_names_the_template_and_line(
        built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A lone network's figure renders in a forked process while the build goes on; when the template fails there,
    the build renders it again itself to report where."""
    monkeypatch.setattr(networks.os, "cpu_count", lambda: 2)  # a spare core
    monkeypatch.setattr(forked.threading, "active_count", lambda: 1)  # the test runner's own threads aside
    started: list[tuple[object, ...]] = []

    class Counted(forked.Forked[Any]):
        def __init__(self, *work: Any) -> None:
            started.append(work)
            super().__init__(*work)

    monkeypatch.setattr(networks, "Forked", Counted)
    template = built / "themes" / "default" / "templates" / "figure.html"
    lines = template.read_text(encoding="utf-8").splitlines()
    template.write_text("\n".join([lines[0], "{% if %}", *lines[1:]]) + "\n", encoding="utf-8")
    shutil.rmtree(built / "build" / "cache")
    _assert_fails_cleanly(built, "themes/default/templates/figure.html:2: Expected an expression")
    assert len(started) == 1  # the one network's figure was given a process
