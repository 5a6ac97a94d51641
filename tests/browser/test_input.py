"""Your own input: the reader types a sequence and the figure replays the forward pass on it.

Expectations come from numpy (the forward pass on the page's weights, written out here) and, for what the page
draws and says, from the generator rendering that window (record_program, number_rows, the diagram's cells).
"""

from __future__ import annotations

import json
import random
import re
from html import unescape
from typing import Any
from urllib.parse import quote

import pytest
from axe_playwright_python.sync_playwright import Axe

from generator.render.diagram import render_diagram, top_rows
from generator.render.figure import number_rows, own_sequence
from generator.render.program import record_program

from ..reference import window_trace
from .conftest import Browse, Site, ready

ARTICLE = ("untrained", "alternating", "useful")
TOLERANCE = 1e-12
SET = """([name, text]) => {
    const result = window.unrolled.figure(name).setInput(text);
    return { result: result, say: document.querySelector('#' + name + ' .rnn-in-say').textContent };
}"""
# The whole figure at every step of its program, as the reader's DOM holds it (the note beside the box aside).
DOM = """(name) => {
    const f = window.unrolled.figure(name), root = document.getElementById(name), out = [];
    for (let k = 0; k < f.steps; k++) {
        f.go(k);
        out.push(root.outerHTML.replace(/<span class="rnn-in-say"[^>]*>.*?<\\/span>/, ""));
    }
    return out;
}"""
READ = """(name) => {
    const f = window.unrolled.figure(name), root = document.getElementById(name), states = [];
    for (let k = 0; k < f.steps; k++) {
        f.go(k);
        const outlined = (css) => Array.from(root.querySelectorAll('svg.rnn-diagram .' + css), (e) =>
            (e.matches('g.rnn-array') ? 'array' : 'cell') + ':' + e.getAttribute('data-ref') + ':' +
            (e.getAttribute('data-t') || '') + ':' + (e.getAttribute('data-i') || ''));
        states.push({ say: root.querySelector('.rnn-say').textContent,
                      line: root.querySelector('pre.rnn-code .rnn-line[aria-current="step"]').getAttribute('data-line'),
                      made: outlined('is-made'), used: outlined('is-used') });
    }
    const shown = (e) => !e.closest('[display="none"]');
    return {
        trace: f.trace, input: f.input, states: states,
        cells: Array.from(root.querySelectorAll('svg.rnn-diagram > g.rnn-array .rnn-cell'), (c) => ({
            ref: c.getAttribute('data-ref'), t: c.getAttribute('data-t'), i: c.getAttribute('data-i'),
            value: c.getAttribute('data-value'), text: c.textContent, shown: shown(c),
            tone: (c.getAttribute('class').match(/\\b[sq]-?\\d\\b/) || [''])[0] })).filter((c) => c.t !== null),
        inputs: Array.from(root.querySelectorAll('svg.rnn-diagram > text.rnn-input'), (e) =>
            shown(e) ? e.textContent : null),
        rows: Array.from(root.querySelectorAll('.rnn-steps tbody tr'), (r) =>
            Array.from(r.children, (c) => c.textContent)),
        width: Number(root.querySelector('svg.rnn-diagram').getAttribute('width')),
    };
}"""


def _built_trace(site: Site, name: str) -> dict[str, Any]:
    return json.loads((site.folder / "traces" / f"{name}.json").read_text(encoding="utf-8"))


def _random_texts(trace: dict[str, Any], count: int, seed: str) -> list[str]:
    rng, vocab = random.Random(seed), trace["vocab"]
    longest = int(trace["spec"]["seq_length"]) + 1
    return ["".join(rng.choice(vocab) for _ in range(rng.randint(2, longest))) for _ in range(count)]


def _near(shown: Any, want: Any, where: str) -> list[str]:
    if isinstance(want, list):
        return [p for n, (a, b) in enumerate(zip(shown, want, strict=True)) for p in _near(a, b, f"{where}[{n}]")]
    return [] if abs(shown - want) <= TOLERANCE else [f"{where}: {shown!r}, numpy {want!r}"]


@pytest.mark.parametrize("name", ARTICLE)
def test_random_inputs_replay_the_forward_pass_as_numpy_does(browse: Browse, article_site: Site, name: str) -> None:
    page = browse.open("index.html", site=article_site)
    trace = _built_trace(article_site, name)
    problems: list[str] = []
    for text in _random_texts(trace, 12, name):
        assert page.evaluate(SET, [name, text])["result"] is True, text
        shown = page.evaluate(READ, name)
        codes = [trace["vocab"].index(c) for c in text]
        assert shown["input"] == text and shown["trace"]["inputs"] == codes[:-1]
        assert shown["trace"]["targets"] == codes[1:]
        want = window_trace(trace, codes)["steps"]
        for t, (got, step) in enumerate(zip(shown["trace"]["steps"], want, strict=True)):
            for key, value in step.items():
                problems += _near(got[key], value, f"{text} steps[{t}].{key}")
        for cell in shown["cells"]:
            t = int(cell["t"])
            if t < len(want) and cell["ref"] != "target":
                value = want[t][cell["ref"]]
                value = value if cell["ref"] == "loss" else value[int(cell["i"])]
                problems += _near(float(cell["value"]), value, f"{text} cell {cell['ref']}[{t}][{cell['i']}]")
    assert not problems, problems[:10]


def test_a_big_figure_takes_any_window_up_to_its_own(browse: Browse, article_site: Site) -> None:
    """The English figure (28 characters: collapsed xs, top rows of outputs and probabilities, heat maps): a typed
    window of any length up to the author's, from any first character, steps through as numpy computes it, each
    collapsed column naming the character read and each top-rows column the target and the most probable rows."""
    page = browse.open("english/index.html", site=article_site)
    trace = _built_trace(article_site, "english")
    texts = ["hello there", "ab", "zebra. jump over", *_random_texts(trace, 5, "english")]
    problems: list[str] = []
    for text in texts:
        assert page.evaluate(SET, ["english", text])["result"] is True, text
        shown = page.evaluate(READ, "english")  # steps through the whole program: a failure leaves no player
        codes = [trace["vocab"].index(c) for c in text]
        want = window_trace(trace, codes)["steps"]
        assert len(shown["trace"]["steps"]) == len(want) == len(codes) - 1
        for t, (got, step) in enumerate(zip(shown["trace"]["steps"], want, strict=True)):
            problems += _near(got["probabilities"], step["probabilities"], f"{text} steps[{t}].probabilities")
        for cell in (c for c in shown["cells"] if c["shown"]):
            t, i = int(cell["t"]), cell["i"]
            if cell["ref"] == "xs":
                assert int(i) == codes[t], (text, t)  # the collapsed column shows the character read
            elif cell["ref"] in ("outputs", "probabilities"):
                rows = top_rows(want[t]["probabilities"], codes[t + 1])
                assert int(i) in rows, (text, cell)
                problems += _near(float(cell["value"]), want[t][cell["ref"]][int(i)], f"{text} {cell['ref']}[{t}][{i}]")
        for ref in ("outputs", "probabilities"):
            for t in range(len(want)):
                drawn = sorted(int(c["i"]) for c in shown["cells"] if c["shown"] and c["ref"] == ref
                               and int(c["t"]) == t)
                assert drawn == sorted(top_rows(want[t]["probabilities"], codes[t + 1])), (text, ref, t)
    assert not problems, problems[:10]


def _cell_texts(svg: str) -> dict[tuple[str, str, str], str]:
    """(ref, t, i) -> text of every numbered cell of a step: a cell's step is its array's data-t."""
    texts: dict[tuple[str, str, str], str] = {}
    for t, inside in re.findall(r'<g class="rnn-array[^"]*" data-ref="[a-z_]+" data-t="(\d+)"[^>]*>(.*?)</g></g>', svg):
        for ref, i, text in re.findall(r'<g class="rnn-cell[^"]*" data-ref="([a-z_]+)"(?: data-i="(\d+)")?[^>]*>'
                                       r'<rect[^>]*/><text[^>]*>([^<]*)</text>', inside + "</g>"):
            texts[(ref, t, i)] = text
    return texts


@pytest.mark.parametrize("name", [*ARTICLE, "hello"])
def test_a_random_window_is_what_the_build_draws_and_says_for_it(browse: Browse, article_site: Site,
                                                                 name: str) -> None:
    path = "hello/index.html" if name == "hello" else "index.html"
    page = browse.open(path, site=article_site)
    built = _built_trace(article_site, name)
    for text in _random_texts(built, 4, name + " windows"):
        assert page.evaluate(SET, [name, text])["result"] is True, text
        shown = page.evaluate(READ, name)
        codes = [built["vocab"].index(c) for c in text]
        window = {**built, "inputs": codes[:-1], "targets": codes[1:],
                  "steps": window_trace(built, codes)["steps"]}
        program = record_program(window)
        assert [s["say"] for s in shown["states"]] == [s.sentence for s in program], text
        assert [s["line"] for s in shown["states"]] == [str(s.line) for s in program], text
        for k, (state, recorded) in enumerate(zip(shown["states"], program, strict=True)):
            for css, marks in (("made", recorded.made), ("used", recorded.used)):
                want = {f"cell:{m.ref}:{'' if m.t is None else m.t}:{m.i}" if m.i is not None
                        else f"array:{m.ref}:{'' if m.t is None else m.t}:" for m in marks}
                assert set(state[css]) == want, (text, k, css)
        rows = number_rows(window)
        assert shown["rows"] == [[r["t"], r["input"], r["xs"], r["hidden_states"], r["outputs"], r["probabilities"],
                                  r["target"], r["loss"]] for r in rows], text
        drawn = render_diagram(window).svg
        want_cells = _cell_texts(str(drawn))
        for cell in shown["cells"]:
            key = (cell["ref"], cell["t"], cell["i"] or "")
            assert cell["shown"] == (int(cell["t"]) < len(codes) - 1), (text, key)
            if cell["shown"]:
                assert cell["text"] == unescape(want_cells[key]), (text, key)
        labels = [unescape(label) for label in re.findall(
            r'<text class="rnn-label anchor-middle rnn-input"[^>]*>([^<]*)</text>', str(drawn))]
        assert shown["inputs"][:len(codes) - 1] == labels[:len(codes) - 1]
        assert shown["inputs"][len(codes) - 1:] == [None] * (len(labels) - len(codes) + 1)
        assert shown["width"] == render_diagram(window).width or len(codes) - 1 == len(built["inputs"])


@pytest.mark.parametrize("name", ARTICLE)
def test_the_figures_own_sequence_and_reset_give_back_the_built_figure(browse: Browse, article_site: Site,
                                                                      name: str) -> None:
    page = browse.open("index.html", site=article_site)
    built = page.evaluate(DOM, name)
    own = own_sequence(_built_trace(article_site, name))
    assert page.evaluate(SET, [name, own])["result"] is True
    assert page.evaluate(DOM, name) == built
    assert page.evaluate(SET, [name, own[:3]])["result"] is True
    assert page.evaluate(DOM, name) != built
    page.get_by_role("button", name="Reset").nth(ARTICLE.index(name)).click()
    assert page.evaluate(f"window.unrolled.figure('{name}').input") is None
    assert page.evaluate(DOM, name) == built


@pytest.mark.parametrize(("text", "said"), [
    ("01x", "Not in the vocabulary ('0', '1'): 'x'."),
    ("a\tb a", "Not in the vocabulary ('0', '1'): 'a', '\\t', 'b', ' '."),
    ("1", "Type 2 to 5 characters (1 now)"),
    ("", "Type 2 to 5 characters (0 now)"),
    ("010101", "Type 2 to 5 characters (6 now)"),
])
def test_bad_input_is_named_and_changes_nothing(browse: Browse, article_site: Site, text: str, said: str) -> None:
    page = browse.open("index.html", site=article_site)
    page.evaluate(SET, ["useful", "0110"])
    before, hash_before = page.evaluate(DOM, "useful"), page.evaluate("location.hash")
    answer = page.evaluate(SET, ["useful", text])
    assert answer["result"] == answer["say"] and answer["say"].startswith(said)
    assert page.evaluate(DOM, "useful") == before and page.evaluate("location.hash") == hash_before
    assert page.evaluate("window.unrolled.figure('useful').input") == "0110"


def test_the_address_keeps_the_input_and_the_step(browse: Browse, article_site: Site) -> None:
    page = browse.open("index.html", site=article_site)
    box = page.get_by_role("textbox", name="Input sequence").nth(2)
    box.fill("0110")
    box.press("Enter")
    page.evaluate("window.unrolled.figure('useful').go(7)")
    page.locator("#useful .rnn-stage").click()  # a step by the reader writes the address
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("location.hash.indexOf(':in=') > 0")
    page.wait_for_timeout(400)
    step = page.evaluate("window.unrolled.figure('useful').step")
    assert page.evaluate("location.hash") == f"#useful:in={quote('0110', safe='')}:{step}"
    page.reload()
    ready(page)
    figure = page.evaluate("(() => { const f = window.unrolled.figure('useful'); return [f.input, f.step]; })()")
    assert figure == ["0110", step]
    assert page.locator("#useful .rnn-in").input_value() == "0110"
    page.locator("#useful").get_by_role("button", name="Reset").click()
    page.wait_for_function("location.hash.indexOf(':in=') < 0")
    assert page.evaluate("window.unrolled.figure('useful').input") is None


def test_an_input_composes_with_the_replayed_training(browse: Browse, article_site: Site) -> None:
    page = browse.open("index.html", site=article_site, fragment="useful:u=940:in=01101:3")
    shown = page.evaluate(READ, "useful")
    assert shown["input"] == "01101" and shown["trace"]["training"]["shown_update"] == 940
    built = _built_trace(article_site, "useful")
    codes = [int(c) for c in "01101"]
    problems: list[str] = []
    want = window_trace({**built, "params": shown["trace"]["params"]}, codes)["steps"]  # at the replayed weights
    for t, (got, step) in enumerate(zip(shown["trace"]["steps"], want, strict=True)):
        for key, value in step.items():
            problems += _near(got[key], value, f"steps[{t}].{key}")
    assert not problems, problems[:10]
    # The same weights as the replay shows on the author's window, and back to the trained ones with the input kept.
    page.evaluate("window.unrolled.figure('useful').setInput(null)")
    assert page.evaluate("window.unrolled.figure('useful').trace.params") == shown["trace"]["params"]
    page.evaluate("window.unrolled.figure('useful').setInput('01101')")
    page.evaluate("window.unrolled.figure('useful').showUpdate(4700)")
    trained = page.evaluate(READ, "useful")
    assert trained["input"] == "01101" and trained["trace"]["params"] == built["params"]


def test_the_training_step_brings_the_networks_own_window_back(browse: Browse, article_site: Site) -> None:
    page = browse.open("index.html", site=article_site)
    page.evaluate(SET, ["useful", "011"])
    page.locator("#useful").get_by_role("button", name="Training step").click()
    assert page.evaluate("window.unrolled.figure('useful').mode") == "update"
    assert page.evaluate("window.unrolled.figure('useful').input") is None
    assert "network's own window" in page.locator("#useful .rnn-in-say").text_content()
    assert page.locator("#useful .rnn-in").input_value() == own_sequence(_built_trace(article_site, "useful"))


def test_keyboard_only(browse: Browse, article_site: Site) -> None:
    page = browse.open("index.html", site=article_site)
    box = page.locator("#untrained .rnn-in")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.querySelector('#untrained .rnn-in')"):
            break
    else:
        pytest.fail("Tab never reached the Input sequence box")
    page.keyboard.press("Control+A")
    page.keyboard.type("0011")
    page.keyboard.press("Enter")
    assert page.evaluate("window.unrolled.figure('untrained').input") == "0011"
    steps = page.evaluate("window.unrolled.figure('untrained').steps")
    page.keyboard.press("Tab")  # to Reset: arrows step the figure from its buttons
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("window.unrolled.figure('untrained').step") == steps - 3
    page.keyboard.press("Enter")  # Reset
    assert page.evaluate("window.unrolled.figure('untrained').input") is None
    assert box.get_attribute("id") == page.locator("#untrained .rnn-entry label").get_attribute("for")


@pytest.mark.parametrize(("scheme", "width"), [("light", 1280), ("dark", 1280)])
def test_axe_with_an_input_and_a_message_shown(browse: Browse, article_site: Site, scheme: str, width: int) -> None:
    page = browse.open("index.html", site=article_site, color_scheme=scheme, viewport={"width": width, "height": 900})
    page.evaluate(SET, ["useful", "0110"])
    page.evaluate(SET, ["alternating", "012"])
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

