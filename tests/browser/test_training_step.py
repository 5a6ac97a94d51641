"""The training step in Chromium: the mode buttons, and every gradient cell against numpy at every state."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from .conftest import Browse
from .expect import cell_text, close, recompute_update
from .player import Figure

HOME = "index.html"
STEP_GRADIENTS = ("output_grad", "hidden_grad", "hidden_grad_next")


def _show(page: Page, name: str, mode: str) -> None:
    assert page.evaluate(f"window.unrolled.figure({name!r}).showMode({mode!r})") == mode


@pytest.mark.parametrize("name", ["untrained", "useful"])
def test_every_state_of_the_training_step_shows_numpys_gradients(browse: Browse, name: str) -> None:
    page = browse.open(HOME)
    figure = Figure(page, name)
    _show(page, name, "update")
    expected = recompute_update(figure.trace())
    forward = figure.expected()
    walked = figure.walk()
    assert len(walked) == figure.steps > len(forward.trace["inputs"]) * 20
    problems: list[str] = []
    seen_sum, seen_after = set(), set()
    for k, (state, cells) in enumerate(walked):
        if len(state["current"]) != 1 or not (state["say"] or "").strip():
            problems.append(f"state {k}: {len(state['current'])} current lines, sentence {state['say']!r}")
        for cell in cells:
            key, where = cell.key, f"state {k}: {cell.where()}"
            raw = (cell.ref, cell.t, cell.i, cell.j)  # gradients keep their cells' own attributes
            ref = cell.ref
            if cell.value is None:
                if cell.text and ref != "target":  # the target is a character, without data-value
                    problems.append(f"{where} has no data-value yet shows {cell.text!r}")
                continue
            value = float(cell.value)
            if cell.text != cell_text(ref, value) and ref != "target":
                problems.append(f"{where} shows {cell.text!r}, the format rules give {cell_text(ref, value)!r}")
            if ref in STEP_GRADIENTS:
                copied = (state["say"] or "").startswith("output_grad = copy(")  # the probabilities, before -1
                if copied and ref == "output_grad" and close(value, forward.values[("probabilities", cell.t, cell.i,
                                                                                    None)]):
                    continue
                if not close(value, expected.steps[raw]):
                    problems.append(f"{where}: {value!r} but numpy's backward gives {expected.steps[raw]!r}")
            elif ref.startswith("grads."):
                if close(value, expected.grads[raw]):
                    continue
                if close(value, expected.sums[raw]):
                    seen_sum.add(raw)  # the whole sum, before clipping moved it
                else:
                    problems.append(f"{where}: {value!r} is neither numpy's sum {expected.sums[raw]!r} nor "
                                    f"its clipped {expected.grads[raw]!r}")
            elif key in expected.before:
                if close(value, expected.after[key]) and not close(value, expected.before[key]):
                    seen_after.add(key)
                elif not close(value, expected.before[key]):
                    problems.append(f"{where}: {value!r} is neither the weight {expected.before[key]!r} nor "
                                    f"the new weight {expected.after[key]!r}")
            elif key in forward.values and ref not in ("target", "xs") and not close(value, forward.values[key]):
                problems.append(f"{where}: {value!r} but numpy's forward pass gives {forward.values[key]!r}")
    last = {(c.ref, c.t, c.i, c.j) if c.ref in STEP_GRADIENTS or c.ref.startswith("grads.") else c.key: float(c.value)
            for c in walked[-1][1] if c.value is not None}
    for table in (expected.steps, expected.grads, expected.after):
        for key, want in table.items():
            if key not in last or not close(last[key], want):
                problems.append(f"the last state shows {last.get(key)!r} for {key}, numpy gives {want!r}")
    moved = {k for k in expected.after if not close(expected.after[k], expected.before[k])}
    assert seen_after == moved, "the step does not show every weight that moves"
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])


def test_clipped_gradients_are_marked_and_said(browse: Browse) -> None:
    page = browse.open(HOME)
    figure = Figure(page, "untrained")
    _show(page, "untrained", "update")
    trace = figure.trace()
    clipped = trace["update"]["clipped"]
    marked = figure.root.locator("g.rnn-grads .is-clipped")
    expect(marked).to_have_count(sum(len(v) for v in clipped.values()))
    says = page.locator('.rnn-programs > ol[data-program="update"][data-for="untrained"] > li', has_text="clip(grads.")
    expect(says).to_have_count(5)


def test_mode_buttons_by_name_pressed_state_and_keyboard(browse: Browse) -> None:
    page = browse.open(HOME)
    figure = Figure(page, "useful")
    group = figure.root.locator(".rnn-bar > .rnn-modes:first-child")
    expect(group).to_have_attribute("role", "group")
    expect(group).to_have_attribute("aria-label", "Show")
    forward = group.get_by_role("button", name="Forward pass", exact=True)
    update = group.get_by_role("button", name="Training step", exact=True)
    expect(forward).to_have_attribute("aria-pressed", "true")
    expect(update).to_have_attribute("aria-pressed", "false")
    steps = figure.steps
    api = "window.unrolled.figure('useful')"
    update.focus()
    page.keyboard.press("Enter")
    expect(update).to_have_attribute("aria-pressed", "true")
    expect(forward).to_have_attribute("aria-pressed", "false")
    expect(figure.root).to_have_class(re.compile(r"(^|\s)is-update(\s|$)"))
    assert page.evaluate(f"{api}.mode") == "update" and figure.steps > steps
    assert page.evaluate(f"{api}.step") == figure.steps - 1
    expect(figure.root.locator('pre.rnn-code[data-program="update"]')).to_be_visible()
    expect(figure.root.locator('pre.rnn-code[data-program="forward"]')).to_be_hidden()
    expect(figure.root.locator("g.rnn-grads")).to_be_visible()
    figure.button("Step back").click()
    page.wait_for_function("location.hash.startsWith('#useful:update:')")
    forward.focus()
    page.keyboard.press(" ")
    expect(forward).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(f"{api}.mode") == "forward" and figure.steps == steps
    expect(figure.root.locator("g.rnn-grads")).to_be_hidden()
    expect(figure.root).not_to_have_class(re.compile(r"(^|\s)is-update(\s|$)"))
    with pytest.raises(Exception, match="showMode"):
        page.evaluate(f"{api}.showMode('backward')")


def test_the_address_keeps_the_mode(browse: Browse) -> None:
    page = browse.open(HOME, fragment="useful:update:5")
    figure = Figure(page, "useful")
    assert page.evaluate("window.unrolled.figure('useful').mode") == "update"
    figure.wait_step(5)
    page = browse.open(HOME, fragment="useful:5")
    assert page.evaluate("window.unrolled.figure('useful').mode") == "forward"
    Figure(page, "useful").wait_step(5)


def test_forward_mode_looks_as_before(browse: Browse) -> None:
    page = browse.open(HOME)
    for figure in page.locator("figure.rnn-figure").all():
        box = figure.locator("svg.rnn-diagram").bounding_box()
        heights = (figure.locator("svg.rnn-diagram").get_attribute("data-heights") or "").split()
        assert box is not None and heights and abs(box["height"] - float(heights[0])) < 1
        expect(figure.locator("g.rnn-grads")).to_be_hidden()
        expect(figure.locator(".rnn-grad-key")).to_be_hidden()


@pytest.mark.parametrize(("scheme", "width"), [("light", 1280), ("dark", 390)])
def test_axe_finds_no_violations_in_the_training_step(browse: Browse, scheme: str, width: int) -> None:
    page = browse.open(HOME, color_scheme=scheme, viewport={"width": width, "height": 900})
    for name in ("untrained", "alternating", "useful"):
        _show(page, name, "update")
    figure = Figure(page, "useful")
    figure.go_to(figure.steps - 30)
    figure.code_tokens("grads.hidden_weights_W").first.hover()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
