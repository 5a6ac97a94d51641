"""Source pages: TOML and YAML-style front matter, the title, and what is reported about them."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import Problem, Problems
from generator.pages import SourcePage, read_page


def page_of(tmp_path: Path, text: str) -> tuple[SourcePage, list[Problem]]:
    (tmp_path / "page.md").write_text(text, encoding="utf-8")
    problems = Problems()
    page = read_page(tmp_path / "page.md", "content/page.md", problems)
    return page, problems.errors


def test_yaml_front_matter_sets_the_same_keys_as_toml(tmp_path: Path) -> None:
    page, problems = page_of(tmp_path, '---\n# a comment\ntitle: Hidden 8, a start\n'
                                       'description: "Say \\"hi\\""  # why\norder: -2\n\n---\n# Heading\n')
    assert not problems
    assert (page.title, page.description, page.order, page.body_first_line) == ("Hidden 8, a start", 'Say "hi"', -2, 8)
    assert page.body == ["# Heading"]
    page, problems = page_of(tmp_path, "---\ntitle: 'It''s here'\n---\n")
    assert not problems and page.title == "It's here"


@pytest.mark.parametrize(("front", "line", "message"), [
    ("title: a: b", 2, "front matter 'title' has 'a: b', which YAML reads as something other than text"),
    ("title: yes", 2, "front matter 'title' has 'yes', which YAML reads as true, false or nothing"),
    ("title:", 2, "front matter 'title' has no value"),
    ("order: 1.5", 2, "front matter 'order' must be a whole number, not '1.5'"),
    ("title: 2024", 2, "front matter 'title' must be text, not 2024"),
    ("title: ''", 2, "front matter 'title' is empty"),
    ("tags:\n  - a\n  - b\nlayout: post", 2, "unknown front matter key 'tags'; use title, description, order"),
    ("title: x\ntitle: y", 3, "front matter 'title' is given twice"),
    ("  indented: x", 2, "cannot read front matter line 'indented: x'"),
])
def test_yaml_front_matter_it_cannot_read_is_reported_at_its_line(tmp_path: Path, front: str, line: int,
                                                                  message: str) -> None:
    page, problems = page_of(tmp_path, f"---\n{front}\n---\n# Body\n")
    assert any(p.line == line and p.message.startswith(message) for p in problems), problems
    assert page.body == ["# Body"]


def test_toml_messages_say_what_is_expected(tmp_path: Path) -> None:
    page, problems = page_of(tmp_path, '+++\ntitles = "x"\ntitle = 3\ndescription = "  "\n+++\n# Heading\n')
    assert [(p.line, p.message) for p in problems] == [
        (2, "unknown front matter key 'titles'; did you mean 'title'?"),
        (3, "front matter 'title' must be text, not 3")]
    assert page.title == "Heading"
