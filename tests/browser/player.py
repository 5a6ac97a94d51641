"""A thin driver for one `figure.rnn-figure` on a page, written against the DOM contract only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Locator, Page

from .expect import Expected, Key, recompute

READ_CELLS = """(figure) => {
  const shown = (g) => figure.classList.contains('is-update') || !g.closest('.rnn-grads');
  const cells = Array.from(figure.querySelectorAll('svg.rnn-diagram .rnn-cell')).filter(shown).map((g) => ({
    // the build writes a cell's step on its array; the script copies it onto the cell
    ref: g.getAttribute('data-ref'), t: g.getAttribute('data-t') ?? g.parentNode.getAttribute('data-t'),
    i: g.getAttribute('data-i'), j: g.getAttribute('data-j'), value: g.getAttribute('data-value'),
    text: g.querySelector('text').textContent.trim(), tile: false,
  }));
  // A heat map's tiles are no elements: the page API says what each shows (the player draws none without its script).
  const api = window.unrolled && window.unrolled.figure && window.unrolled.figure(figure.getAttribute('data-rnn'));
  for (const g of api ? Array.from(figure.querySelectorAll('svg.rnn-diagram .rnn-heat')).filter(shown) : []) {
    const [rows, columns] = g.getAttribute('data-heat').split(' ').slice(4).map(Number);
    const ref = g.getAttribute('data-ref'), t = g.getAttribute('data-t');
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < (columns || 1); j++) {
        const tile = api.tile(ref, t === null ? null : Number(t), i, columns ? j : null);
        cells.push({ref: ref, t: t, i: String(i), j: columns ? String(j) : null, value: tile.value, text: null,
                    tile: true});
      }
    }
  }
  return cells;
}"""

READ_STATE = """(figure) => ({
  step: figure.getAttribute('data-step'),
  steps: figure.getAttribute('data-steps'),
  current: Array.from(figure.querySelectorAll('[aria-current="step"]'), (e) => ({
    line: e.getAttribute('data-line'), isLine: e.matches('pre.rnn-code .rnn-line'),
    refs: Array.from(e.querySelectorAll('[data-ref]'), (r) => r.getAttribute('data-ref')),
    text: e.textContent,
  })),
  say: (figure.querySelector('.rnn-say') || {textContent: null}).textContent,
  outlined: Object.fromEntries(['is-made', 'is-used'].map((name) => [name, Array.from(
    figure.querySelectorAll('svg.rnn-diagram .' + name), (e) => [e.matches('g.rnn-array') ? 'array' : 'cell',
      e.getAttribute('data-ref'), e.getAttribute('data-t'), e.getAttribute('data-i')].join(':'))])),
  slider: (figure.querySelector('input[type="range"]') || {value: null}).value,
  hash: location.hash,
})"""


WALK = """async (figure, forward) => {
  const readCells = READ_CELLS;
  const readState = READ_STATE;
  const settle = () => new Promise((done) => setTimeout(done, 0));
  const n = Number(figure.getAttribute('data-steps'));
  const states = [];
  for (let k = 0; k < n; k++) {
    if (k) {
      forward.click();
      for (let tries = 0; tries < 500 && figure.getAttribute('data-step') !== String(k); tries++) await settle();
    }
    states.push({state: readState(figure), cells: readCells(figure)});
  }
  return JSON.stringify(states);  // one string: far quicker through Playwright than a deep object
}""".replace("READ_CELLS", READ_CELLS).replace("READ_STATE", READ_STATE)


def _int(value: str | None) -> int | None:
    return None if value is None or value == "" else int(value)


@dataclass(frozen=True)
class Cell:
    """One diagram cell as the page shows it."""

    ref: str
    t: int | None
    i: int | None
    j: int | None
    value: str | None
    text: str | None
    tile: bool = False  # a heat map's tile: a colour, no text (its value in the tooltip and the tables)

    @property
    def key(self) -> Key:
        """The cell's (ref, t, i, j), normalised the way Expected keys values."""
        return Expected.key(self.ref, self.t, self.i, self.j)

    def where(self) -> str:
        """For messages: ref[t][i][j]."""
        return self.ref + "".join(f"[{n}={v}]" for n, v in (("t", self.t), ("i", self.i), ("j", self.j))
                                  if v is not None)


class Figure:
    """One figure of the player, found by its network's name."""

    def __init__(self, page: Page, name: str) -> None:
        self.page = page
        self.name = name
        self.root = page.locator(f'figure.rnn-figure[data-rnn="{name}"]')

    def __repr__(self) -> str:
        return f"Figure({self.name!r})"

    # -- reading ---------------------------------------------------------------------------------
    @property
    def step(self) -> int:
        """The current state (data-step)."""
        value = self.root.get_attribute("data-step")
        assert value is not None and value.lstrip("-").isdigit(), f"{self}: data-step is {value!r}"
        return int(value)

    @property
    def steps(self) -> int:
        """How many states the figure has (data-steps)."""
        value = self.root.get_attribute("data-steps")
        assert value is not None and value.isdigit(), f"{self}: data-steps is {value!r}"
        return int(value)

    def trace(self) -> dict[str, Any]:
        """The trace embedded in the figure, with what the page works out of each step put back, as it does
        (figure.RECOMPUTED): xs, the one-hot of the input, and target_probability, the target's probability."""
        script = self.root.locator(f'script[data-rnn-trace="{self.name}"]')
        text = script.text_content()
        assert text, f"{self}: no embedded trace"
        parsed: dict[str, Any] = json.loads(text)
        for t, step in enumerate(parsed["steps"]):
            step["xs"] = [1.0 if k == parsed["inputs"][t] else 0.0 for k in range(len(parsed["vocab"]))]
            step["target_probability"] = step["probabilities"][parsed["targets"][t]]
        return parsed

    def expected(self) -> Expected:
        """The forward pass recomputed from the embedded trace."""
        return recompute(self.trace())

    def cells(self) -> list[Cell]:
        """Every value cell of the diagram: each `.rnn-cell`, and each heat map's tile (read through the page API),
        gradients in update mode."""
        return [self._cell(c) for c in json.loads(self.root.evaluate(f"(f) => JSON.stringify(({READ_CELLS})(f))"))]

    def walk(self) -> list[tuple[dict[str, Any], list[Cell]]]:
        """From state 0, press Step forward until the last state; (state(), cells()) at every state.

        The presses and the reading run inside the page, one round trip for the whole walk.
        """
        self.restart()
        walked = json.loads(self.root.evaluate(WALK, self.button("Step forward").element_handle()))
        return [(w["state"], [self._cell(c) for c in w["cells"]]) for w in walked]

    @staticmethod
    def _cell(c: dict[str, Any]) -> Cell:
        return Cell(c["ref"], _int(c["t"]), _int(c["i"]), _int(c["j"]), c["value"], c["text"], c["tile"])

    def state(self) -> dict[str, Any]:
        """data-step, data-steps, the aria-current elements, the sentence and location.hash, at once."""
        result: dict[str, Any] = self.root.evaluate(READ_STATE)
        return result

    def current_line(self) -> dict[str, Any]:
        """The one listing line with aria-current="step"."""
        current = self.state()["current"]
        assert len(current) == 1, f"{self}: expected exactly one aria-current=step element, found {current}"
        assert current[0]["isLine"], f"{self}: aria-current=step is not on a pre.rnn-code .rnn-line: {current}"
        line: dict[str, Any] = current[0]
        return line

    def linked(self) -> list[str]:
        """The data-ref of every element of this figure with the class `is-linked` (or '?' if it has none)."""
        result: list[str] = self.root.evaluate(
            "(f) => Array.from(f.querySelectorAll('.is-linked'), (e) => e.getAttribute('data-ref') || '?')")
        return result

    # -- controls --------------------------------------------------------------------------------
    def button(self, name: str) -> Locator:
        """A button of this figure, by its exact accessible name."""
        return self.root.get_by_role("button", name=name, exact=True)

    @property
    def slider(self) -> Locator:
        """The range input named Step."""
        return self.root.get_by_role("slider", name="Step", exact=True)

    @property
    def speed(self) -> Locator:
        """The control named Speed."""
        return self.root.get_by_label("Speed", exact=True)

    def code_tokens(self, ref: str) -> Locator:
        """The listing's tokens naming `ref`."""
        return self.root.locator(f'pre.rnn-code [data-ref="{ref}"]')

    def diagram_elements(self, ref: str) -> Locator:
        """The diagram's elements showing `ref`."""
        return self.root.locator(f'svg.rnn-diagram [data-ref="{ref}"]')

    def wait_step(self, expected: int, timeout: float = 5_000) -> None:
        """Wait until data-step is `expected` and the next frame has been drawn (a step scrolls in that frame)."""
        self.page.wait_for_function("([f, k]) => f.getAttribute('data-step') === String(k)",
                                    arg=[self.root.element_handle(), expected], timeout=timeout)
        self.page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done()))")

    def go_to(self, state: int) -> None:
        """Jump to a state with the slider (as a reader dragging it would)."""
        self.slider.fill(str(state))
        self.wait_step(state)

    def restart(self) -> None:
        """Press Restart and wait for state 0."""
        self.button("Restart").click()
        self.wait_step(0)

    def set_speed(self, fastest: bool) -> str:
        """Set the Speed control to its fastest or slowest setting; return what was chosen."""
        tag = self.speed.evaluate("(e) => e.tagName.toLowerCase() + ':' + (e.getAttribute('type') || '')")
        if tag.startswith("select"):
            values = self.speed.evaluate("(s) => Array.from(s.options, (o) => o.value)")
            choice = max(values, key=float) if fastest else min(values, key=float)
            self.speed.select_option(choice)
            return str(choice)
        if tag == "input:range" or tag == "input:number":
            bound = self.speed.get_attribute("max" if fastest else "min")
            assert bound is not None, f"{self}: the Speed input has no min/max"
            self.speed.fill(bound)
            return bound
        raise AssertionError(f"{self}: don't know how to set a Speed control that is a {tag}")


def figures(page: Page) -> list[Figure]:
    """Every figure on the page, in document order."""
    names = page.eval_on_selector_all("figure.rnn-figure", "(fs) => fs.map((f) => f.getAttribute('data-rnn'))")
    return [Figure(page, name) for name in names]
