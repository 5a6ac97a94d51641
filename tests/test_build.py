"""Whole builds: outputs, cache, determinism, safety and progress lines."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import site as site_module
from generator.cache import TraceCache, cache_key
from generator.model.trace import record_trace
from generator.site import Layout, SiteBuilder
from generator.tracefile import SCHEMA, trace_json

from .project import make_project, run_build, tree_digest, valid_network


def test_build_writes_pages_traces_and_404(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    result = run_build(root)
    assert result.exit_code == 0, result.output
    site = root / "build" / "site"
    files = set(tree_digest(site))
    assert {"index.html", "other/index.html", "404.html", "traces/tiny.json",
            "static/unrolled.css", "static/unrolled.js"} <= files
    assert "sitemap.xml" not in files
    html = (site / "index.html").read_text(encoding="utf-8")
    assert '<script type="application/json" data-rnn-trace="tiny">' in html
    assert 'href="other/index.html"' in html
    inline = re.search(r'<script type="application/json" data-rnn-trace="tiny">(.*?)</script>', html, re.S)
    assert inline is not None
    # The page embeds the whole trace but the training history, the next update's arrays (its cells hold them) and
    # the hidden state's cloud, which only traces/NAME.json keeps.
    full = json.loads((site / "traces" / "tiny.json").read_text(encoding="utf-8"))
    history = ("checkpoints", "loss_history", "loss_history_updates")
    assert all(full["training"][key] for key in history)
    full["training"] = {key: value for key, value in full["training"].items() if key not in history}
    assert {"grads", "params_after", "steps"} <= set(full["update"])
    full["update"] = {key: full["update"][key] for key in ("number", "clip", "clipped")}
    # Of the hidden state's space, the projection: the script recomputes the points from the replay's text.
    assert set(full["state_space"]) == {"text", "visited", "points", "counts", "limited", "projection"}
    full["state_space"] = {"projection": full["state_space"]["projection"]}
    # Nor what the page works out from a step exactly: the one-hot xs and the target's probability.
    full["steps"] = [{k: v for k, v in step.items() if k not in ("xs", "target_probability")} for step in full["steps"]]
    # Nor the replay's anchors, which wait with the training step in traces/NAME.step.js (the figure opens forward).
    anchors = full["training"]["replay"].pop("anchors")
    later = (site / "traces" / "tiny.step.js").read_text(encoding="utf-8")
    assert later.startswith('unrolled.later("tiny",') and later.endswith(");\n")
    assert json.loads(later[len('unrolled.later("tiny",'):-3])["anchors"] == anchors
    assert json.loads(inline.group(1)) == full
    assert 'href="../index.html"' in (site / "other" / "index.html").read_text(encoding="utf-8")


def test_progress_lines_and_quiet(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    first = run_build(root)
    assert re.search(r"^trained tiny: 20 updates in \d+\.\d\d s, final loss 2\.\d\d \(chance 2\.77\), "
                     r"window [0-4]/4 right$", first.output, re.M)
    assert re.search(r"^built 2 pages, 1 figures \(1 trained, 0 cached\) in \d+\.\d\d s", first.output, re.M)
    quiet = run_build(root, "-q").output.splitlines()  # only tiny's warning: 20 updates teach it little
    assert len(quiet) == 1 and quiet[0].startswith("content/index.md:10: warning: did-not-learn: 'tiny' did not learn")
    assert "cached tiny" in run_build(root, "-v").output


def test_second_build_trains_nothing_and_truncated_cache_is_retrained(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    layout = Layout(root)
    assert SiteBuilder(layout, lambda o: None).build().trained == 1
    assert SiteBuilder(layout, lambda o: None).build().trained == 0
    entry = next(layout.cache.glob("*.json"))
    entry.write_bytes(entry.read_bytes()[:100])
    assert SiteBuilder(layout, lambda o: None).build().trained == 1
    assert SiteBuilder(layout, lambda o: None).build().trained == 0


def test_an_edited_text_file_is_trained_again_not_served_from_the_cache(tmp_path: Path) -> None:
    page = "# Home\n\n```{rnn} tiny\n:text-file: corpus.txt\n:updates: 20\n```\n"
    root = make_project(tmp_path, {"index.md": page})
    corpus, written = root / "content" / "corpus.txt", root / "build" / "site" / "traces" / "tiny.json"
    corpus.write_text("0110" * 10, encoding="utf-8")
    layout = Layout(root)
    assert SiteBuilder(layout, lambda o: None).build().trained == 1
    before = written.read_text(encoding="utf-8")
    corpus.write_text("0011" * 10, encoding="utf-8")  # same options, same vocabulary, same length
    assert SiteBuilder(layout, lambda o: None).build().trained == 1
    after = written.read_text(encoding="utf-8")
    assert after != before
    assert after == trace_json(record_trace(valid_network("tiny", {"text-file": "corpus.txt", "updates": "20"},
                                                          root / "content")))


def _edit_other_page(root: Path) -> None:
    (root / "content" / "other.md").write_text("# Other, edited\n\nBack [home](index.md).\n", encoding="utf-8")


def test_a_complete_site_is_at_build_site_at_every_moment_of_the_swap(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path)
    layout = Layout(root)
    SiteBuilder(layout, lambda o: None).build()
    old = tree_digest(layout.site)
    _edit_other_page(root)
    seen: list[dict[str, str]] = []
    real_exchange, real_replace = site_module._exchange, os.replace

    def exchange(first: Path, second: Path) -> bool:
        seen.append(tree_digest(layout.site))
        done = real_exchange(first, second)
        seen.append(tree_digest(layout.site))
        return done

    def replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        seen.append(tree_digest(layout.site))
        real_replace(source, target)
        seen.append(tree_digest(layout.site))

    monkeypatch.setattr(site_module, "_exchange", exchange)
    monkeypatch.setattr(os, "replace", replace)
    SiteBuilder(layout, lambda o: None).build()
    new = tree_digest(layout.site)
    assert new != old and seen[0] == old and seen[-1] == new
    assert all(state in (old, new) for state in seen)
    assert sorted(p.name for p in (root / "build").iterdir()) == ["cache", "site"]


def test_a_killed_build_leaves_nothing_behind_for_long(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    layout = Layout(root)
    dead = subprocess.Popen(["true"])  # its process id no longer runs once it has been waited for
    dead.wait()
    abandoned = [root / "build" / f".site-new-{dead.pid}-x1y2", root / "build" / f".site-old-{dead.pid}"]
    live = root / "build" / f".site-new-{os.getpid()}-busy"  # a build still running (this process)
    for folder in (*abandoned, live):
        (folder / "static").mkdir(parents=True)
        (folder / "index.html").write_text("half", encoding="utf-8")
    SiteBuilder(layout, lambda o: None).build()
    assert sorted(p.name for p in (root / "build").iterdir()) == sorted(["cache", "site", live.name])


@pytest.mark.parametrize("failure", ["the exchange fails", "no exchange, and the final rename fails"])
def test_a_failed_swap_leaves_the_old_site_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     failure: str) -> None:
    root = make_project(tmp_path)
    layout = Layout(root)
    SiteBuilder(layout, lambda o: None).build()
    old = tree_digest(layout.site)
    _edit_other_page(root)
    real_replace = os.replace

    def exchange(first: Path, second: Path) -> bool:
        if failure == "the exchange fails":
            raise OSError(errno.EIO, "input/output error")
        return False  # a system without an atomic exchange

    def replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        if Path(source).name.startswith(".site-new-"):
            raise OSError(errno.EIO, "input/output error")
        real_replace(source, target)

    monkeypatch.setattr(site_module, "_exchange", exchange)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError):
        SiteBuilder(layout, lambda o: None).build()
    assert tree_digest(layout.site) == old
    assert sorted(p.name for p in (root / "build").iterdir()) == ["cache", "site"]


def test_renders_come_from_the_cache_and_match_a_fresh_render(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    layout = Layout(root)
    SiteBuilder(layout, lambda o: None).build()
    figures, pages = layout.cache / "figures", layout.cache / "pages"
    assert len(list(figures.glob("*.html"))) == 1 and len(list(pages.glob("*.html"))) == 2
    page = root / "content" / "index.md"
    page.write_text(page.read_text(encoding="utf-8").replace("The first hidden", "Its first hidden"), "utf-8")
    SiteBuilder(layout, lambda o: None).build()
    assert len(list(figures.glob("*.html"))) == 1 and len(list(pages.glob("*.html"))) == 3
    assert "Its first hidden" in (layout.site / "index.html").read_text(encoding="utf-8")
    from_cache = tree_digest(layout.site)
    shutil.rmtree(figures)
    shutil.rmtree(pages)
    SiteBuilder(layout, lambda o: None).build()
    assert tree_digest(layout.site) == from_cache
    page.write_text(page.read_text(encoding="utf-8").replace(":caption: A tiny network.", ":caption: New."), "utf-8")
    SiteBuilder(layout, lambda o: None).build()
    assert len(list(figures.glob("*.html"))) == 2
    assert "New." in (layout.site / "index.html").read_text(encoding="utf-8")


def test_cache_rejects_a_mismatched_entry(tmp_path: Path) -> None:
    network = valid_network("tiny", {"pattern": "10", "length": "40"}, tmp_path)
    cache = TraceCache(tmp_path / "cache")
    cache.store(network, f'{{"schema":{SCHEMA},"name":"tiny"}}'.encode())
    assert cache.load(network) == ({"schema": SCHEMA, "name": "tiny"}, f'{{"schema":{SCHEMA},"name":"tiny"}}'.encode())
    path = tmp_path / "cache" / f"{cache_key(network)}.json"
    path.write_text("0" * 64 + f'\n{{"schema":{SCHEMA},"name":"tiny"}}', encoding="utf-8")
    assert cache.load(network) is None
    path.write_text(cache_key(network) + f'\n{{"schema":{SCHEMA + 1},"name":"tiny"}}', encoding="utf-8")
    assert cache.load(network) is None
    path.write_text("not json", encoding="utf-8")
    assert cache.load(network) is None
    assert not list((tmp_path / "cache").glob(".*.tmp"))


def test_cold_and_warm_builds_are_byte_identical(tmp_path: Path) -> None:
    root = make_project(tmp_path, site_toml='title = "Test"\nbase_url = "https://example.org/unrolled"\n')
    assert run_build(root, "-q").exit_code == 0
    cold = tree_digest(root / "build" / "site")
    assert run_build(root, "-q").exit_code == 0
    warm = tree_digest(root / "build" / "site")
    shutil.rmtree(root / "build")
    assert run_build(root, "-q").exit_code == 0
    assert cold == warm == tree_digest(root / "build" / "site")
    sitemap = (root / "build" / "site" / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://example.org/unrolled/</loc>" in sitemap
    assert "<loc>https://example.org/unrolled/other/</loc>" in sitemap


HOSTILE = '</script><b>&"'


def test_hostile_training_text_injects_nothing(tmp_path: Path) -> None:
    page = ("# Hostile &amp; <i>title</i>\n\n```{rnn} hostile\n"
            f":text: {HOSTILE * 3}\n:updates: 5\n:caption: {HOSTILE}\n```\n\n"
            "Vocabulary: {rnn}`hostile.vocab`.\n")
    root = make_project(tmp_path, {"index.md": page})
    result = run_build(root)
    assert result.exit_code == 0, result.output
    html = (root / "build" / "site" / "index.html").read_text(encoding="utf-8")
    assert "<b>" not in html and "</script><" not in html.replace('</script>\n<', "")
    assert html.count("</script>") == html.count("<script")
    trace = json.loads((root / "build" / "site" / "traces" / "hostile.json").read_text(encoding="utf-8"))
    assert "".join(trace["vocab"]) == "".join(sorted(set(HOSTILE)))


def test_new_scaffolds_a_page_that_builds(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from generator.cli import main

    root = make_project(tmp_path)
    result = CliRunner().invoke(main, ["new", "my-section", "--root", str(root)])
    assert result.exit_code == 0, result.output
    assert (root / "content" / "my-section.md").exists()
    again = CliRunner().invoke(main, ["new", "my-section", "--root", str(root)])
    assert again.exit_code == 1 and "already exists" in again.output
    built = run_build(root)
    assert built.exit_code == 0, built.output
    assert (root / "build" / "site" / "my-section" / "index.html").exists()


def test_theme_scripts_and_stylesheets_ship_minified_and_a_warm_build_loads_no_minifier(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    assert run_build(root).exit_code == 0
    theme = Path(__file__).resolve().parent.parent / "themes" / "default" / "static"
    for name in ("unrolled.js", "unrolled.css"):
        source = (theme / name).read_text(encoding="utf-8")
        shipped = (root / "build" / "site" / "static" / name).read_text(encoding="utf-8")
        assert "/*" in source and "\n  " in source, name  # the theme's sources keep comments and indentation
        assert "/*" not in shipped and "\n  " not in shipped, name
    assert "window.unrolled" in (root / "build" / "site" / "static" / "unrolled.js").read_text(encoding="utf-8")
    probe = ("import sys\nfrom generator.cli import main\ntry:\n    main(['build', '--root', sys.argv[1], '-q'])\n"
             "except SystemExit:\n    pass\nprint(sorted(m for m in ('numpy', 'markdown', 'pygments', 'rjsmin', "
             "'rcssmin') if m in sys.modules))\n")
    warm = subprocess.run([sys.executable, "-c", probe, str(root)], capture_output=True, text=True, check=True)
    assert warm.stdout.strip().splitlines()[-1] == "[]", warm.stdout + warm.stderr
