"""The training replayed: every checkpoint of the article's trained figures against a reference run and numpy.

The reference is generator/model/rnn.py's `train` (the numpy loop the unrolled one is checked against), run
here update by update to each position; the forward pass on the page's weights is recomputed independently
by expect.recompute. The last position must give back the page the build wrote, byte for byte.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from generator.model import rnn
from generator.render.narration import fill
from generator.render.program import record_program
from generator.render.windows import ForwardTemplates, Template, expand

from .conftest import Browse, Server, Site, build_project
from .expect import TOLERANCE, cell_text, recompute
from .player import Figure, figures

TRAINED = ("alternating", "useful")
DRIFT = 1e-9  # every position against the reference run
SHOW = """([name, n]) => {
    const figure = window.unrolled.figure(name);
    figure.showUpdate(n);
    const root = document.querySelector('figure[data-rnn="' + name + '"]');
    return { trace: figure.trace, say: root.querySelector(".rnn-say").textContent,
             table: Array.from(root.querySelectorAll(".rnn-steps td, .rnn-weights dd"), (e) => e.textContent) };
}"""
SNAPSHOT = """(root) => ({
    cells: Array.from(root.querySelectorAll(".rnn-cell"), (c) => [c.getAttribute("class"), c.getAttribute("data-value"),
                                                               c.textContent]),
    numbers: root.querySelector(".rnn-tables").innerHTML,
    sentences: (() => {
        const f = window.unrolled.figure(root.dataset.rnn), out = [];
        for (let k = 0; k < f.steps; k++) { f.go(k); out.push(root.querySelector(".rnn-say").textContent); }
        return out;
    })(),
})"""


def _reference_runs(trace: dict[str, Any], updates: list[int]) -> dict[int, rnn.Params]:
    """min-char-rnn (the numpy reference) stopped at each of `updates`, resumed between them."""
    spec, vocab = trace["spec"], trace["vocab"]
    encoded = [vocab.index(c) for c in trace["training"]["replay"]["text"]]
    params = rnn.init_params(len(vocab), spec["hidden_size"], spec["init_scale"], spec["seed"])
    optimizer = rnn.Optimizer(spec["optimizer"], spec["learning_rate"])
    loop: rnn.DataLoop | None = None
    runs = {}
    for n in sorted(updates):
        if n:
            loop = rnn.train(params, encoded, spec["seq_length"], n, optimizer, spec["clip"], loop).loop
        runs[n] = params.copy()
    return runs


def _positions(trace: dict[str, Any]) -> list[int]:
    """Every checkpoint, and updates between them (one past an anchor, one before the next, one before the end).

    `trace` is the trace file (traces/NAME.json): the page loads the anchors with the training step.
    """
    record, updates = trace["training"]["replay"], trace["training"]["updates"]
    between = [a["update"] + 1 for a in record["anchors"]] + [a["update"] - 1 for a in record["anchors"][1:]]
    return sorted(set(rnn.checkpoint_updates(updates)) | set(between) | {updates // 3, updates - 1})


def _problems_at(n: int, shown: dict[str, Any], reference: rnn.Params) -> list[str]:
    trace, problems = shown["trace"], []
    if trace["training"]["shown_update"] != n:
        problems.append(f"update {n}: shown_update is {trace['training']['shown_update']}")
    for name, want in zip(rnn.PARAM_NAMES, reference.arrays(), strict=True):
        got = np.array(trace["params"][name], dtype=np.float64).reshape(want.shape)
        if (drift := float(np.max(np.abs(got - want)))) > DRIFT:
            problems.append(f"update {n}: {name} is {drift:.2g} from the reference run")
    expected = recompute(trace)  # numpy's forward pass on the page's own weights
    for t, step in enumerate(trace["steps"]):
        for ref in ("hidden_states", "outputs", "probabilities"):
            for i, value in enumerate(step[ref]):
                want_value = expected.values[(ref, t, i, None)]
                if abs(value - want_value) > TOLERANCE * max(1.0, abs(want_value)):
                    problems.append(f"update {n}: {ref}[{t}][{i}] = {value!r}, numpy gives {want_value!r}")
        if abs(step["loss"] - expected.values[("loss", t, None, None)]) > TOLERANCE:
            problems.append(f"update {n}: loss[{t}] = {step['loss']!r}")
    last = trace["steps"][-1]
    if not shown["say"].endswith(f"probabilities, float(loss)), with loss = {cell_text('loss', last['loss'])}"):
        problems.append(f"update {n}: the sentence says {shown['say']!r}")
    rows = [cell_text("hidden_states", v) for v in trace["steps"][0]["hidden_states"]]
    if "[" + ", ".join(rows) + "]" not in shown["table"]:
        problems.append(f"update {n}: the numbers table lacks hidden_states[0] {rows}")
    return problems


@pytest.mark.parametrize(("where", "name"), [("index.html", "alternating"), ("index.html", "useful"),
                                             ("edges/index.html", "wide"), ("edges/index.html", "tiny")])
def test_every_position_equals_the_reference_run_and_its_forward_pass_numpy(browse: Browse, article_site: Site,
                                                                           where: str, name: str) -> None:
    """The article's two trained figures (sgd), and the fixture's adagrad figure and its smallest."""
    page = browse.open(where, site=article_site if where == "index.html" else None)
    built = Figure(page, name).trace()
    site = article_site if where == "index.html" else browse.site
    positions = _positions(json.loads((site.folder / "traces" / f"{name}.json").read_text(encoding="utf-8")))
    reference = _reference_runs(built, positions)
    problems = []
    for n in positions:
        problems += _problems_at(n, page.evaluate(SHOW, [name, n]), reference[n])
    assert not problems, "\n".join(problems[:30])
    assert not browse.watcher(page).problems


@pytest.mark.parametrize("name", TRAINED)
def test_the_last_position_is_the_built_figure_bit_for_bit(browse: Browse, article_site: Site, name: str) -> None:
    page = browse.open("index.html", site=article_site)
    root = page.locator(f'figure[data-rnn="{name}"]')
    at_load = root.evaluate(SNAPSHOT)
    updates = Figure(page, name).trace()["training"]["updates"]
    page.evaluate(SHOW, [name, updates // 3])
    moved = root.evaluate(SNAPSHOT)
    assert moved["cells"] != at_load["cells"] and moved["sentences"] != at_load["sentences"]
    assert moved["numbers"] != at_load["numbers"]
    page.evaluate(SHOW, [name, updates])
    assert root.evaluate(SNAPSHOT) == at_load
    assert page.evaluate(f"window.unrolled.figure('{name}').trace") == Figure(page, name).trace()


def test_the_pages_filled_templates_are_the_builds_sentences_for_every_figure(browse: Browse,
                                                                             article_site: Site) -> None:
    problems = []
    for path in article_site.pages():
        page = browse.open(path, site=article_site)
        for figure in figures(page):
            trace = figure.trace()
            # The forward program as the page writes it (templates per loop step), expanded for the figure's window.
            items = figure.root.evaluate("""(root) => Array.from(document.querySelectorAll(
                '.rnn-programs > [data-program="forward"][data-for="' + root.dataset.rnn + '"] > li'),
                (li) => [li.getAttribute("data-loop"), li.getAttribute("data-line"), li.getAttribute("data-made") || "",
                         li.getAttribute("data-used") || "", li.textContent])""")
            parts: dict[str, list[Template]] = {"before": [], "0": [], "t": [], "after": []}
            for loop, *fields in items:
                parts[loop or ("after" if parts["t"] else "before")].append(Template(*fields))
            templates = ForwardTemplates(*(tuple(parts[k]) for k in ("before", "0", "t", "after")))
            expanded = [state[3] for state in expand(templates, trace)]
            filled = page.evaluate("([states, trace]) => states.map((t) => window.unrolled.fill(t, trace))",
                                   [expanded, trace])
            built = [state.sentence for state in record_program(trace)]
            for template, by_page, sentence in zip(expanded, filled, built, strict=True):
                if not (by_page == sentence == fill(template, trace)):
                    problems.append(f"{path} {figure}: page {by_page!r}, build {sentence!r}")
            assert sum("{" in t for t in expanded) > 10, f"{path} {figure}: no templates"
    assert not problems, "\n".join(problems[:20])


def test_the_page_works_out_the_checkpoints_as_the_build_does(browse: Browse) -> None:
    page = browse.open("index.html")
    counts = [*range(0, 260), 4700, 6400, 12_345, 99_999, 100_000, 1_000_001, 2_718_281]
    found = page.evaluate("(counts) => counts.map((n) => window.unrolled.checkpoints(n))", counts)
    assert found == [rnn.checkpoint_updates(n) for n in counts]


def _timeline(page: Page, name: str) -> dict[str, Any]:
    root = page.locator(f'figure[data-rnn="{name}"]')
    return {"slider": root.get_by_role("slider", name="Training update"),
            "play": root.get_by_role("button", name="Play training"),
            "curve": root.get_by_role("img", name=re.compile(r"^Loss during training, on a log scale: "))}


def _shown(page: Page, name: str) -> int:
    value: int = page.evaluate(f"window.unrolled.figure('{name}').trace.training.shown_update")
    return value


@pytest.mark.parametrize("mode", ["http", "file"])
def test_the_timeline_works_by_keyboard_and_names_its_controls(browse: Browse, article_site: Site, mode: str) -> None:
    page = browse.open("index.html", site=article_site, mode=mode)
    parts = _timeline(page, "useful")
    expect(parts["curve"]).to_have_count(1)
    expect(parts["slider"]).to_have_attribute("aria-valuetext", "Update 4,700 of 4,700, as trained")
    parts["slider"].focus()
    page.keyboard.press("ArrowLeft")
    assert _shown(page, "useful") == 4699
    expect(parts["slider"]).to_have_attribute("aria-valuetext", "Update 4,699 of 4,700")
    page.keyboard.press("Home")
    assert _shown(page, "useful") == 0
    page.keyboard.press("Tab")  # on to the next control, then back to Play
    parts["play"].focus()
    page.keyboard.press("Enter")
    pause = page.locator('figure[data-rnn="useful"]').get_by_role("button", name="Pause training")
    expect(pause).to_have_count(1)
    page.wait_for_function("window.unrolled.figure('useful').trace.training.shown_update >= 188")
    pause.press("Space")
    expect(parts["play"]).to_have_count(1)
    assert 0 < _shown(page, "useful") < 4700
    assert page.locator("figure.rnn-figure[data-rnn='untrained'] .rnn-timeline").count() == 0
    assert not browse.watcher(page).problems


def test_the_address_keeps_the_shown_update(browse: Browse, article_site: Site) -> None:
    page = browse.open("index.html", site=article_site, fragment="useful:u=940:5")
    assert _shown(page, "useful") == 940 and Figure(page, "useful").step == 5
    page.evaluate(SHOW, ["useful", 1880])
    page.locator('figure[data-rnn="useful"]').get_by_role("slider", name="Training update").press("ArrowRight")
    page.wait_for_function("location.hash === '#useful:u=1881:5'")
    page.evaluate(SHOW, ["useful", 4699])
    page.locator('figure[data-rnn="useful"]').get_by_role("slider", name="Training update").press("End")
    page.wait_for_function("location.hash === '#useful:5'")


def test_print_shows_the_trained_network_then_puts_the_update_back(browse: Browse, article_site: Site) -> None:
    page = browse.open("index.html", site=article_site)
    page.evaluate(SHOW, ["useful", 940])
    page.evaluate("() => dispatchEvent(new Event('beforeprint'))")
    assert _shown(page, "useful") == 4700
    page.evaluate("() => dispatchEvent(new Event('afterprint'))")
    assert _shown(page, "useful") == 940


CHAOTIC_PAGE = """# Rounding decides

```{rnn} chaotic
:pattern: 0010111
:length: 200
:updates: 300
```
"""  # model/health.py's calibration: this network's training amplifies rounding (growth 2.5e8)


@pytest.fixture(scope="module")
def chaotic_site(tmp_path_factory: pytest.TempPathFactory, server: Server) -> Site:
    content = tmp_path_factory.mktemp("chaotic-content")
    (content / "index.md").write_text(CHAOTIC_PAGE, encoding="utf-8")
    folder = build_project(content, tmp_path_factory.mktemp("chaotic-project"))
    return Site(folder, server.mount(folder, "chaotic"))


def test_a_network_that_depends_on_rounding_is_replayed_at_its_checkpoints_only(browse: Browse,
                                                                              chaotic_site: Site) -> None:
    page = browse.open("index.html", site=chaotic_site)
    built = Figure(page, "chaotic").trace()
    assert built["training"]["replay"]["snap"] is True
    # Here even numpy's reference loop ends 7e-9 away from the build's own run (which is why the build flags
    # the network), so every checkpoint shown must be the build's own checkpoint, exactly, and its forward
    # pass numpy's to 1e-12.
    recorded = json.loads((chaotic_site.folder / "traces" / "chaotic.json").read_text(encoding="utf-8"))
    problems = []
    for checkpoint in recorded["training"]["checkpoints"][:-1]:
        n = checkpoint["update"]
        shown = page.evaluate(SHOW, ["chaotic", n])
        if shown["trace"]["params"] != checkpoint["params"]:
            problems.append(f"update {n}: the weights are not the build's checkpoint")
        weights = rnn.Params(*(np.array(checkpoint["params"][name], dtype=np.float64).reshape(
            np.shape(built["params"][name])) for name in rnn.PARAM_NAMES))
        problems += _problems_at(n, shown, weights)
    assert not problems, "\n".join(problems[:30])
    slider = page.locator('figure[data-rnn="chaotic"]').get_by_role("slider", name="Training update")
    page.evaluate(SHOW, ["chaotic", 100])
    assert _shown(page, "chaotic") == 102  # the next checkpoint on
    slider.press("ArrowRight")
    assert _shown(page, "chaotic") == 108
    expect(slider).to_have_attribute("aria-valuetext", "Update 108 of 300, checkpoints only")
    slider.press("ArrowLeft")
    assert _shown(page, "chaotic") == 102
