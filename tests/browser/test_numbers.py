"""The page's script writes and colours every number exactly as the build does: one rule, two languages.

The script's `window.unrolled.format(ref, value)` and `.tone(ref, value)` run in Chromium on the same few
thousand values as Python's `values.format_quantity` and `tones.tone`, compared string for string.
"""

from __future__ import annotations

import json
import math
import random
import struct

from generator.render.figure import number_rules
from generator.render.tones import tone
from generator.values import format_quantity

from .conftest import Browse

REFS = ("probabilities", "loss", "outputs", "xs", "target", "hidden_grad", "grads.output_bias")  # each kind of rule


def _tie_candidates() -> list[float]:
    """Exact ties (k/8 at two decimals, odd k/2^n at more) with their neighbours, and every k/1000 (near-ties)."""
    exact = [k / 8 for k in range(-160, 161)] + [k / 2 ** n for n in range(3, 12) for k in range(-39, 40, 2)]
    exact += [math.nextafter(v, math.inf) for v in exact] + [math.nextafter(v, -math.inf) for v in exact]
    near = [k / 1000 for k in range(-1500, 1501)]
    return exact + near + [m * 10.0 ** e for m in (1.25, 2.5, 4.95, 9.95, 9.96, 1.05) for e in range(-12, 3)]


def _edges() -> list[float]:
    """Zeros, extremes, non-finite values and the boundaries of the small-keeping rule."""
    return [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308,
            1e21, -1e21, 1e22, 123456789012345678901234.0, 1e300, 2.0 ** 53 + 0.0, 2.0 ** 53 - 0.5, math.nan,
            math.inf, -math.inf, 0.005, math.nextafter(0.005, 0), 0.995, math.nextafter(0.995, 0),
            math.nextafter(1.0, 0), 1.0, 0.9999995, 0.9999994999999999, 1 - 1e-3, 1 - 1e-4, 1 - 1e-5, 1 - 1e-6,
            0.0049999999999999, 0.00995, 0.000995, 9.95e-5, 0.04, -0.04, 0.1385, 9.0, -9.0, 2.6, 0.0625, 0.9375]


def _powers_of_ten() -> list[float]:
    """10^-3 .. 10^-323 and their neighbours: where the exponent form's log10 may land on either side."""
    powers = [float(f"1e-{n}") for n in range(3, 324)]
    return powers + [math.nextafter(v, 0) for v in powers] + [math.nextafter(v, 1) for v in powers]


def parity_values() -> list[float]:
    """A few thousand doubles: random bit patterns, random magnitudes of both signs, ties, edges, probabilities."""
    rng = random.Random(9)
    bits = [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(800)]
    magnitudes = [rng.choice((-1, 1)) * 10 ** rng.uniform(-325, 25) for _ in range(1500)]
    near_zero = [rng.random() * 0.006 for _ in range(600)] + [10 ** rng.uniform(-12, -2) for _ in range(300)]
    near_one = [1 - rng.random() * 0.006 for _ in range(600)] + [1 - 10 ** rng.uniform(-9, -2) for _ in range(300)]
    signed = [rng.uniform(-12, 12) for _ in range(600)]
    return bits + magnitudes + near_zero + near_one + signed + _tie_candidates() + _powers_of_ten() + _edges()


def _as_js(value: float) -> str:
    """A double as text that JavaScript's Number() reads back to exactly the same double."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def test_a_page_with_figures_carries_pythons_number_rules_once(browse: Browse) -> None:
    page = browse.open("index.html")
    texts = page.eval_on_selector_all("script[data-rnn-rules]", "(s) => s.map((e) => e.textContent)")
    assert page.locator("figure.rnn-figure").count() > 1 and len(texts) == 1  # the first figure's, read by all
    assert json.loads(texts[0]) == number_rules()
    first = page.locator("figure.rnn-figure").first
    assert first.locator("script[data-rnn-rules]").count() == 1


def test_the_script_formats_and_colours_every_value_as_python_does(browse: Browse) -> None:
    page = browse.open("index.html")
    values = parity_values()
    shown = page.evaluate("""([refs, values]) => values.map((text) => {
        const v = Number(text), api = window.unrolled;
        return refs.map((ref) => [api.format(ref, v), api.tone(ref, v)]);
    })""", [list(REFS), [_as_js(v) for v in values]])
    mismatches = [f"{ref} {value!r}: Python {want!r}, JavaScript {got!r}"
                  for value, row in zip(values, shown, strict=True)
                  for ref, got in zip(REFS, row, strict=True)
                  if got != (want := [format_quantity(ref, value), tone(ref, value)])]
    assert len(values) > 3000
    assert not mismatches, f"{len(mismatches)} of {len(values) * len(REFS)} differ:\n" + "\n".join(mismatches[:30])
