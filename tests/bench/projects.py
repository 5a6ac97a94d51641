"""Bench inputs: project folders for unrolled, the same Markdown for MkDocs, and the networks the pages declare.

Nothing here imports `generator`: the bench reads the `{rnn}` blocks itself, so that the reference
loop trains what the Markdown says, not what unrolled thinks it says.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
THEMES = REPO / "themes"  # run.py's --themes changes it

BLOCK = re.compile(r"^```\{rnn\}[ \t]*([^\n]*)\n(.*?)^```[ \t]*$\n?", re.M | re.S)
FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*(\{rnn\}[ \t]*(\S+))?")
OPTION = re.compile(r"^[ \t]*:([a-z-]+):[ \t]*(.*?)[ \t]*$")
INLINE = re.compile(r"\{rnn\}`[^`]*`")
FRONT_MATTER = re.compile(r"\A\+\+\+\n(.*?)\n\+\+\+\n", re.S)
DEFAULTS = {"hidden-size": 3, "seq-length": 4, "learning-rate": 0.1, "optimizer": "sgd", "init-scale": 0.1,
            "clip": 5.0, "seed": 42, "updates": 0}
NUMBER_OPTIONS = {"hidden-size": int, "seq-length": int, "learning-rate": float, "init-scale": float,
                  "clip": float, "seed": int, "updates": int, "length": int}


def fresh(folder: Path) -> Path:
    """An empty folder (removed first if it exists)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def unrolled_project(root: Path, pages: dict[str, str], extra: Path | None = None) -> Path:
    """A project root with content/ (the given pages, plus the files of `extra`) and the repo's themes/."""
    fresh(root)
    content = root / "content"
    if extra is not None:
        shutil.copytree(extra, content)
    content.mkdir(exist_ok=True)
    for name, text in pages.items():
        (content / name).write_text(text, encoding="utf-8")
    (root / "themes").symlink_to(THEMES, target_is_directory=True)
    return root


def article_project(root: Path, source: Path) -> Path:
    """A copy of the article (content/ of the repo, or another folder) as a bench project."""
    return unrolled_project(root, {}, extra=source)


def blocks(markdown: str) -> list[tuple[str, dict[str, str]]]:
    """Each `{rnn}` block's name and raw options, skipping every other fenced block (examples in ```` fences)."""
    found: list[tuple[str, dict[str, str]]] = []
    fence, block = "", None
    for line in markdown.splitlines():
        opening = FENCE.match(line)
        if not fence:
            if opening:
                fence = opening.group(1)
                block = (opening.group(3), {}) if opening.group(2) else None
            continue
        if opening and opening.group(2) is None and opening.group(1)[0] == fence[0] \
                and len(opening.group(1)) >= len(fence) and line.strip() == opening.group(1):
            if block is not None:
                found.append(block)
            fence, block = "", None
        elif block is not None and (option := OPTION.match(line)):
            value = option.group(2)
            block[1][option.group(1)] = json.loads(value) if value.startswith('"') else value
    return found


def networks(content: Path) -> list[dict[str, object]]:
    """Every `{rnn}` block of the folder's pages, with site.toml's [rnn] defaults and the built-in ones applied."""
    defaults = dict(DEFAULTS)
    site_toml = content / "site.toml"
    if site_toml.exists():
        defaults.update(tomllib.loads(site_toml.read_text(encoding="utf-8")).get("rnn", {}))
    found = []
    for page in sorted(content.rglob("*.md")):
        for name, raw in blocks(page.read_text(encoding="utf-8")):
            options: dict[str, object] = dict(defaults)
            for key, value in raw.items():
                options[key] = NUMBER_OPTIONS[key](value.replace(",", "")) if key in NUMBER_OPTIONS else value
            if "pattern" in options:
                pattern, length = str(options["pattern"]), int(str(options["length"]))
                text = (pattern * (length // len(pattern) + 1))[:length]
            elif "text" in options:
                text = str(options["text"])
            else:
                text = (page.parent / str(options["text-file"])).read_text(encoding="utf-8").removeprefix("\ufeff")
            found.append({"name": name, "text": text,
                          **{key.replace("-", "_"): options[key] for key in DEFAULTS}})
    return found


def write_networks(content: Path, target: Path) -> list[dict[str, object]]:
    """The folder's networks, written as the reference loop's input."""
    found = networks(content)
    target.write_text(json.dumps(found), encoding="utf-8")
    return found


def mkdocs_project(root: Path, content: Path, site_name: str = "Bench") -> Path:
    """The same Markdown for MkDocs: front matter as YAML, `{rnn}` blocks removed, inline values as numbers."""
    fresh(root)
    docs = root / "docs"
    docs.mkdir()
    for path in sorted(content.rglob("*")):
        if not path.is_file() or path.name == "site.toml":
            continue
        target = docs / path.relative_to(content)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix != ".md":
            shutil.copyfile(path, target)
            continue
        text = path.read_text(encoding="utf-8")
        front = FRONT_MATTER.match(text)
        meta = tomllib.loads(front.group(1)) if front else {}
        body = text[front.end():] if front else text
        body = INLINE.sub("0.42", BLOCK.sub("", body))
        yaml = "".join(f"{key}: {json.dumps(meta[key])}\n" for key in ("title", "description") if key in meta)
        target.write_text(f"---\n{yaml}---\n\n{body}" if yaml else body, encoding="utf-8")
    (root / "mkdocs.yml").write_text(f"site_name: {json.dumps(site_name)}\ndocs_dir: docs\nsite_dir: site\n",
                                     encoding="utf-8")
    return root


PROSE = (
    "A recurrent network reads its input one character at a time and carries a small vector from "
    "each step to the next. Page {n} trains one such network on the pattern {pattern} and steps "
    "through its forward pass, so that every number on the page can be traced to the line of code "
    "that computed it. The weights start small and random; training nudges them until the network "
    "predicts the next character of the pattern with some confidence."
)


def scale_pages(count: int = 200, updates: int = 100) -> dict[str, str]:
    """`count` generated pages, each with some prose, a list, one small network and one inline value."""
    pages = {"index.md": "+++\ntitle = \"Scale\"\n+++\n\n# Scale\n\n" + "".join(
        f"- [Page {n}](page-{n:03d}.md)\n" for n in range(count))}
    for n in range(count):
        pattern = "0" + format(n % 61 + 1, "b")
        pages[f"page-{n:03d}.md"] = (
            f"+++\ntitle = \"Page {n}\"\norder = {n + 1}\n+++\n\n# Page {n}\n\n"
            f"{PROSE.format(n=n, pattern=pattern)}\n\n## The network\n\n"
            f"- pattern: `{pattern}`\n- updates: {updates}\n- three hidden units\n\n"
            f"```{{rnn}} net{n:03d}\n:pattern: {pattern}\n:length: 60\n:updates: {updates}\n```\n\n"
            f"After training, the first hidden state is {{rnn}}`net{n:03d}.steps[0].hidden_states`.\n\n"
            f"{PROSE.format(n=n, pattern=pattern)}\n"
        )
    return pages


def one_network_page(updates: int, hidden_size: int) -> dict[str, str]:
    """A home page with one network, for the growth series."""
    return {"index.md": ("+++\ntitle = \"Growth\"\n+++\n\n# Growth\n\n"
                         f"```{{rnn}} grow\n:pattern: 011\n:length: 295\n:updates: {updates}\n"
                         f":hidden-size: {hidden_size}\n```\n")}


# The big figure: English text (28 characters), 32 hidden units, a 16-step window, adagrad at 0.1.
BIG_TEXT = "the quick brown fox jumps over the lazy dog. " * 2


def big_page(updates: int = 1000) -> dict[str, str]:
    """A home page with one figure of vocabulary 28, hidden size 32 and a 16-step window, for the `big` row."""
    return {"index.md": ("+++\ntitle = \"Big\"\n"
                         "description = \"One figure of vocabulary 28, hidden size 32 and a 16-step window.\"\n"
                         "+++\n\n# Big\n\n"
                         f"```{{rnn}} big\n:text: \"{BIG_TEXT}\"\n:hidden-size: 32\n:seq-length: 16\n"
                         f":optimizer: adagrad\n:learning-rate: 0.1\n:updates: {updates}\n```\n\n"
                         "After training, the window's loss is {rnn}`big.training.final_loss`.\n")}


ENGLISH = ("the quick brown fox jumps over the lazy dog. a small bird sang in the old oak tree and the fox "
           "listened. then the dog woke up and barked once. it went back to sleep in the warm sun.")


def english_page(hidden_size: int, updates: int = 3000) -> dict[str, str]:
    """A home page with one network trained on a short English paragraph (28 distinct characters), adagrad."""
    return {"index.md": ("+++\ntitle = \"English\"\n+++\n\n# English\n\n"
                         f"```{{rnn}} english\n:text: {ENGLISH}\n:updates: {updates}\n:hidden-size: {hidden_size}\n"
                         ":seq-length: 16\n:optimizer: adagrad\n:learning-rate: 0.1\n```\n")}
