"""Let it write: Continue and Sample against numpy and the Python reference, by keyboard, named, axe clean.

The greedy chain is recomputed here with numpy from the page's own trace (generator.model is not used for it);
sampled text is compared with generator/model/sampling.py, the documented reference the page must agree with.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from generator.model.sampling import continuation

from .conftest import Browse, Server, Site, build_project
from .expect import format_number

HOME = ("index.html", ("untrained", "alternating", "useful"))
EDGES = ("edges/index.html", ("tiny", "wide"))
TOLERANCE = 1e-12
# Characters Python's repr escapes, or shows as themselves, across the planes the label rule distinguishes.
CHARACTERS = [chr(c) for c in (*range(0, 0x250), 0x2028, 0x2029, 0x200B, 0x3000, 0xFEFF, 0xE000, 0xFFFF, 0x1F600,
                                0x10FFFF, 0x1D173, 0xE0001)]
INVISIBLE_PAGE = """# Invisible characters

```{rnn} spaced
:text: "ab a\\tb\\na b\\\\'"
:seq-length: 4
:hidden-size: 4
:updates: 40
:inputs: "a b\\t"
:targets: " b\\tb"
```
"""
CALL = "([name, method, n, options]) => window.unrolled.figure(name)[method](n, options)"


def _trace(page: Page, name: str) -> dict[str, Any]:
    trace: dict[str, Any] = page.evaluate("(name) => window.unrolled.figure(name).trace", name)
    return trace


def _greedy_by_numpy(trace: dict[str, Any], count: int) -> tuple[str, list[float]]:
    """numpy's argmax chain after the trace's sequence: its inputs, then its last target fed back in."""
    p = {name: np.array(values, dtype=np.float64) for name, values in trace["params"].items()}
    h = np.array(trace["hidden_state_prev"], dtype=np.float64)
    text, probabilities = "", []
    feed = [*trace["inputs"], trace["targets"][-1]]
    while len(probabilities) < count:
        x = feed.pop(0)
        h = np.tanh(p["input_weights_U"][:, x] + p["hidden_weights_W"] @ h + p["hidden_bias"])
        if feed:
            continue
        e = np.exp(p["output_weights_V"] @ h + p["output_bias"])
        shown = e / np.sum(e)
        chosen = int(np.argmax(shown))
        text += trace["vocab"][chosen]
        probabilities.append(float(shown[chosen]))
        feed.append(chosen)
    return text, probabilities


def _glyph(character: str) -> str:
    """How a chip shows a character: itself when repr prints it as itself (a space excepted), else repr."""
    label = repr(character)
    return character if character == "'" or (character != " " and label == f"'{character}'") else label


def _chips(page: Page, name: str) -> list[tuple[str, str, str]]:
    """Each written chip: the character it shows, its probability's text and its colour class."""
    chips: list[tuple[str, str, str]] = page.evaluate("""(name) => Array.from(
        document.querySelectorAll('figure[data-rnn="' + name + '"] .rnn-write li'),
        (li) => [li.firstChild.textContent, li.querySelector("i").textContent.trim(), li.className])""", name)
    return chips


@pytest.mark.parametrize(("path", "names"), [HOME, EDGES])
def test_continue_is_numpys_greedy_chain_for_every_figure(browse: Browse, path: str, names: tuple[str, ...]) -> None:
    page = browse.open(path)
    for name in names:
        for n in (1, 7, 50):
            got = page.evaluate(CALL, [name, "continue", n, None])
            text, probabilities = _greedy_by_numpy(_trace(page, name), n)
            assert got["text"] == text, (name, n)
            assert np.allclose(got["probabilities"], probabilities, rtol=0, atol=TOLERANCE), (name, n)
        chips = _chips(page, name)
        assert [c[0] for c in chips] == [_glyph(c) for c in text]
        assert [c[1] for c in chips] == [format_number(p, probability=True) for p in probabilities]
        assert all(c[2].startswith("q") for c in chips)


def test_continue_uses_the_weights_of_the_update_shown(browse: Browse) -> None:
    page = browse.open()
    trained = page.evaluate(CALL, ["useful", "continue", 50, None])
    page.evaluate("() => window.unrolled.figure('useful').showUpdate(300)")
    assert page.locator('figure[data-rnn="useful"] .rnn-write li').count() == 0, "other weights keep stale text"
    trace = _trace(page, "useful")
    assert trace["training"]["shown_update"] == 300
    early = page.evaluate(CALL, ["useful", "continue", 50, None])
    text, probabilities = _greedy_by_numpy(trace, 50)
    assert early["text"] == text and np.allclose(early["probabilities"], probabilities, rtol=0, atol=TOLERANCE)
    assert early != trained


def test_continue_keeps_n_within_0_and_50_and_takes_whole_numbers_only(browse: Browse) -> None:
    page = browse.open()
    assert page.evaluate(CALL, ["alternating", "continue", 80, None]) == page.evaluate(
        CALL, ["alternating", "continue", 50, None])
    assert page.evaluate(CALL, ["alternating", "continue", -3, None]) == {"text": "", "probabilities": []}
    for bad in ("3", 2.5, None):
        message = page.evaluate("""(n) => { try { window.unrolled.figure('useful').continue(n); }
                                            catch (e) { return e.name; } }""", bad)
        assert message == "TypeError", bad


@pytest.mark.parametrize(("path", "names"), [HOME, EDGES])
def test_sampled_text_equals_the_python_reference(browse: Browse, path: str, names: tuple[str, ...]) -> None:
    page = browse.open(path)
    for name in names:
        for seed, temperature in ((1, 1.0), (0, 2.0), (4294967295, 0.2), (123456789, 0.7)):
            options = {"seed": seed, "temperature": temperature}
            got = page.evaluate(CALL, [name, "sample", 50, options])
            trace = _trace(page, name)
            want = continuation(trace, 50, temperature, seed)
            assert got["text"] == "".join(trace["vocab"][w.index] for w in want), (name, seed, temperature)
            assert np.allclose(got["probabilities"], [w.probability for w in want], rtol=0, atol=TOLERANCE)
            assert page.evaluate(CALL, [name, "sample", 50, options]) == got, "the same seed wrote other text"


def test_the_seed_decides_what_the_untrained_network_babbles(browse: Browse) -> None:
    page = browse.open()
    texts = {seed: page.evaluate(CALL, ["untrained", "sample", 50, {"seed": seed}])["text"] for seed in range(4)}
    assert len(set(texts.values())) == 4, texts
    assert page.evaluate(CALL, ["untrained", "sample", 50, None]) == page.evaluate(
        CALL, ["untrained", "sample", 50, {"seed": 1, "temperature": 1}]), "the defaults are seed 1, temperature 1"
    for bad in ({"seed": -1}, {"seed": 2**32}, {"seed": 1.5}, {"seed": "1"}, {"temperature": 0},
                {"temperature": -1}, {"temperature": "1"}):
        error = page.evaluate("""(options) => { try { window.unrolled.figure('untrained').sample(5, options); }
                                                catch (e) { return e.name; } }""", bad)
        assert error == "TypeError", bad


def test_the_label_port_is_pythons_repr(browse: Browse) -> None:
    page = browse.open()
    labels = page.evaluate("(cs) => cs.map(window.unrolled.label)", CHARACTERS)
    wrong = [(c, got, repr(c)) for c, got in zip(CHARACTERS, labels, strict=True) if got != repr(c)]
    assert not wrong, wrong[:10]


@pytest.fixture(scope="module")
def invisible_site(tmp_path_factory: pytest.TempPathFactory, server: Server) -> Site:
    content = tmp_path_factory.mktemp("invisible-content")
    (content / "index.md").write_text(INVISIBLE_PAGE, encoding="utf-8")
    folder = build_project(content, tmp_path_factory.mktemp("invisible-project"))
    return Site(folder, server.mount(folder, "invisible"))


def test_invisible_characters_are_written_visibly(browse: Browse, invisible_site: Site) -> None:
    page = browse.open(site=invisible_site)
    trace = _trace(page, "spaced")
    assert {" ", "\t", "\n", "\\", "'"} <= set(trace["vocab"])
    figure = page.locator('figure[data-rnn="spaced"]')
    expect(figure.locator(".rnn-write div span")).to_be_hidden()
    written = set()
    for seed in range(12):
        text = page.evaluate(CALL, ["spaced", "sample", 50, {"seed": seed, "temperature": 2}])["text"]
        chips = _chips(page, "spaced")
        assert [c[0] for c in chips] == [_glyph(c) for c in text]
        written |= set(text)
    assert {" ", "\t", "\n", "\\"} <= written, "the test wrote no invisible character"
    expect(figure.locator(".rnn-write div span")).to_have_text("a' 'b'\\t'b")  # the window's sequence


def test_the_buttons_work_by_keyboard_and_everything_has_a_name(browse: Browse) -> None:
    page = browse.open()
    figure = page.locator('figure[data-rnn="useful"]')
    group = figure.get_by_role("group", name="Let it write")
    status = group.locator("p[aria-live=polite]")
    group.get_by_role("button", name="Continue").focus()
    page.keyboard.press("Enter")
    chips = group.get_by_role("list", name="Written text").get_by_role("listitem")
    expect(chips).to_have_count(50)
    expect(status).to_have_text("50 most likely characters")
    page.keyboard.press("Tab")
    expect(group.get_by_role("button", name="Sample")).to_be_focused()
    temperature = group.get_by_role("spinbutton", name="Temperature")
    seed = group.get_by_role("spinbutton", name="Seed")
    temperature.fill("1.5")
    seed.fill("77")
    group.get_by_role("button", name="Sample").focus()
    page.keyboard.press(" ")
    expect(status).to_have_text("50 characters sampled at temperature 1.5 from seed 77")
    trace = _trace(page, "useful")
    want = [(_glyph(trace["vocab"][w.index]), format_number(w.probability, probability=True))
            for w in continuation(trace, 50, 1.5, 77)]
    assert [tuple(chip[:2]) for chip in _chips(page, "useful")] == want
    # One tab stop for the written characters; arrows walk them and show each one's probability.
    seed.focus()
    page.keyboard.press("Tab")
    expect(chips.first).to_be_focused()
    tip = chips.first.locator("i")
    assert tip.evaluate("(i) => getComputedStyle(i).clipPath") == "none", "focus shows no probability"
    page.keyboard.press("ArrowRight")
    expect(chips.nth(1)).to_be_focused()
    page.keyboard.press("End")
    expect(chips.last).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(chips.last).to_be_focused()
    last = page.evaluate("() => window.unrolled.figure('useful').steps") - 1
    assert figure.get_attribute("data-step") == str(last), "arrows on the written characters stepped the player"
    page.keyboard.press("Home")
    expect(chips.first).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(seed).to_be_focused()


def test_a_bad_seed_or_temperature_writes_nothing(browse: Browse) -> None:
    page = browse.open()
    group = page.locator('figure[data-rnn="untrained"]').get_by_role("group", name="Let it write")
    for box, value in (("Seed", "-1"), ("Seed", "4294967296"), ("Seed", "2.5"), ("Seed", ""), ("Temperature", "0"),
                       ("Temperature", "3")):
        page.evaluate("() => 0")  # a fresh turn for the validity bubble
        group.get_by_role("spinbutton", name=box).fill(value)
        group.get_by_role("button", name="Sample").click()
        expect(group.get_by_role("listitem")).to_have_count(0)
        group.get_by_role("spinbutton", name=box).fill("1")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_written_text_is_axe_clean_and_fits_a_phone(browse: Browse, scheme: str) -> None:
    page = browse.open(viewport={"width": 390, "height": 800}, color_scheme=scheme)
    for name in HOME[1]:
        page.evaluate(CALL, [name, "sample", 50, {"seed": 3, "temperature": 2}])
    page.locator('figure[data-rnn="useful"] .rnn-write li').nth(2).focus()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    smallest = page.evaluate("""() => Math.min(...Array.from(document.querySelectorAll('.rnn-write, .rnn-write *'),
        (e) => parseFloat(getComputedStyle(e).fontSize)))""")
    assert smallest >= 11


def test_without_javascript_there_is_no_writer(browse: Browse) -> None:
    page = browse.open(java_script_enabled=False)
    writers = page.locator(".rnn-write")
    assert writers.count() == 3  # the build writes them, for the players to take their room from the first paint
    for k in range(3):
        expect(writers.nth(k)).to_be_hidden()
