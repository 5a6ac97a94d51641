"""A training text made of markup characters must render as text, inject nothing and still play."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import HOSTILE_TEXT, Browse, Site, Validation
from .player import Figure


@pytest.mark.parametrize("mode", ["http", "file"])
def test_markup_characters_are_shown_not_parsed(browse: Browse, hostile_site: Site, mode: str) -> None:
    page = browse.open("index.html", site=hostile_site, mode=mode, complete=False)
    figure = Figure(page, "hostile")
    trace = figure.trace()
    assert trace["vocab"] == sorted(set(HOSTILE_TEXT))
    assert page.locator("main b").count() == 0, "a <b> from the training text or caption became markup"
    # the head's loader and the unrolled.js it adds, and the figure's trace and number rules
    assert page.locator("script").count() == 4, "the trace's </script> broke out of its element"
    figure.go_to(figure.steps - 1)
    labels = figure.root.locator("svg.rnn-diagram").text_content() or ""
    for character in "<&\"/":
        assert character in labels, f"the diagram shows no label {character!r}"
    expect(figure.root.locator("figcaption")).to_contain_text('markup & "quotes"')
    figure.restart()
    figure.button("Step forward").click()
    figure.wait_step(1)



def test_markup_characters_pass_the_nu_validator(hostile_site: Site, validated: dict[str, Validation]) -> None:
    assert "hostile" in validated
    assert validated["hostile"].ok, validated["hostile"].messages

def test_markup_vocabulary_fits_on_a_phone(browse: Browse, hostile_site: Site) -> None:
    page = browse.open("index.html", site=hostile_site, viewport={"width": 320, "height": 700})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
