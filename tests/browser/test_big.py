"""A big figure (vocabulary 28, hidden size 32, a 16-step window) loads its training step only when asked.

Its page opens on the forward pass without the training step's states, gradients and replay anchors
(tracefile.loads_later); the first "Training step", replay move or address that needs them loads
traces/NAME.step.js, over http and from file:// alike, and the figure then works as a small one does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page

from generator.model import rnn

from ..test_page_weight import BIG_PAGE, TEXT
from .conftest import Browse, Server, Site, build_project
from .player import Figure

STEP_FILE = "traces/big.step.js"
# A big figure before a small one: the small one keeps the training step's listing the big one shares.
MIXED_PAGE = f"""# Mixed

```{{rnn}} later
:text: "{TEXT}"
:hidden-size: 32
:updates: 20
```

```{{rnn}} small
:pattern: 011
:length: 60
:updates: 20
```
"""


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory, server: Server) -> Site:
    content = tmp_path_factory.mktemp("big-content")
    (content / "index.md").write_text(BIG_PAGE, encoding="utf-8")
    (content / "mixed.md").write_text(MIXED_PAGE, encoding="utf-8")
    folder = build_project(content, tmp_path_factory.mktemp("big-project"))
    return Site(folder, server.mount(folder, "big"))


def _requested(browse: Browse, page: Page, path: str) -> bool:
    return any(r.url.endswith(path) for r in browse.watcher(page).responses)


def _ready(page: Page) -> None:
    """The big figure has started (browse.open waits for `unrolled.ready`, which a figure that failed settles too)."""
    assert page.evaluate("window.unrolled.figure('big') !== null")


def test_the_page_opens_without_the_training_step_and_steps_through_the_forward_pass(browse: Browse,
                                                                                      big_site: Site) -> None:
    page = browse.open(site=big_site, complete=False)
    _ready(page)
    figure = Figure(page, "big")
    assert figure.root.get_attribute("data-later") == ""
    later = '.rnn-programs > ol[data-program="update"], .rnn-programs > svg[data-grads-for]'  # the training step's
    assert not page.locator(later).count() and not _requested(browse, page, STEP_FILE)
    last = figure.step
    page.locator('figure[data-rnn="big"] [data-do="back"]').click()
    assert figure.step == last - 1
    assert page.evaluate("window.unrolled.figure('big').mode") == "forward"
    assert not _requested(browse, page, STEP_FILE)
    assert not browse.watcher(page).problems


@pytest.mark.parametrize("mode", ["http", "file"])
def test_training_step_loads_its_states_and_gradients_once(browse: Browse, big_site: Site, mode: str) -> None:
    page = browse.open(site=big_site, mode=mode, complete=False)
    _ready(page)
    root = page.locator('figure[data-rnn="big"]')
    forward = page.evaluate("window.unrolled.figure('big').steps")  # the forward pass's states
    root.locator('[data-mode="update"]').click()
    page.wait_for_function("window.unrolled.figure('big').mode === 'update'")
    assert root.get_attribute("data-show") == "update"
    values = root.evaluate("""(f) => Array.from(f.querySelectorAll('.rnn-diagram .rnn-grads .rnn-heat'), (g) => g
        .getAttribute('data-heat').split(' ').slice(4).map(Number).reduce((r, c) => r * (c || 1)))
        .reduce((a, b) => a + b, 0) + f.querySelectorAll('.rnn-diagram .rnn-grads .rnn-cell').length""")
    assert values > 2876  # every gradient of the five weights, heat-mapped or in cells
    assert root.locator(".rnn-diagram .rnn-grads .rnn-heat .rnn-tiles").count() > 0
    steps = page.evaluate("window.unrolled.figure('big').steps")
    assert steps == page.locator('.rnn-programs > ol[data-program="update"][data-for="big"] > li').count() + forward
    page.evaluate("window.unrolled.figure('big').go(3)")
    assert root.get_attribute("data-step") == "3"
    page.evaluate("['forward', 'update'].map((mode) => window.unrolled.figure('big').showMode(mode))")
    for part in ('ol[data-program="update"][data-for="big"]', 'svg[data-grads-for="big"]'):  # loaded once
        assert page.locator(".rnn-programs > " + part).count() == 1
    assert not browse.watcher(page).problems


def test_the_replay_loads_its_anchors_and_matches_the_reference_run(browse: Browse, big_site: Site) -> None:
    page = browse.open(site=big_site, complete=False)
    _ready(page)
    built = Figure(page, "big").trace()
    assert "anchors" not in built["training"]["replay"]
    page.evaluate("window.unrolled.figure('big').showUpdate(120)")
    page.wait_for_function("window.unrolled.figure('big').trace.training.shown_update === 120")
    shown = page.evaluate("window.unrolled.figure('big').trace")
    spec, vocab = built["spec"], built["vocab"]
    params = rnn.init_params(len(vocab), spec["hidden_size"], spec["init_scale"], spec["seed"])
    rnn.train(params, [vocab.index(c) for c in TEXT], spec["seq_length"], 120,
              rnn.Optimizer(spec["optimizer"], spec["learning_rate"]), spec["clip"])
    for name, want in zip(rnn.PARAM_NAMES, params.arrays(), strict=True):
        got = np.array(shown["params"][name], dtype=np.float64).reshape(want.shape)
        assert float(np.max(np.abs(got - want))) <= 1e-9, name
    page.evaluate("window.unrolled.figure('big').showUpdate(200)")
    assert page.evaluate("window.unrolled.figure('big').trace") == built  # the anchors stay with the timeline
    assert _requested(browse, page, STEP_FILE)
    assert not browse.watcher(page).problems


def test_an_address_into_the_training_step_opens_it(browse: Browse, big_site: Site) -> None:
    page = browse.open(site=big_site, complete=False)
    _ready(page)
    page.evaluate("location.hash = '#big:update:5'")  # the address is read on load and on every change alike
    page.wait_for_function("window.unrolled.figure('big').step === 5 "
                           "&& window.unrolled.figure('big').mode === 'update'", timeout=20_000)
    assert not browse.watcher(page).problems


def test_the_step_file_sits_beside_the_trace(big_site: Site) -> None:
    step = Path(big_site.folder, STEP_FILE).read_text(encoding="utf-8")
    assert step.startswith('unrolled.later("big",{"html":"<ol class=\\"rnn-states\\" data-program=\\"update\\"')
    assert '"anchors":[{"update":0,' in step


def test_a_big_figure_and_a_small_one_share_the_training_step_listing(browse: Browse, big_site: Site) -> None:
    page = browse.open("mixed/index.html", site=big_site, complete=False)
    page.wait_for_function("window.unrolled.figure('later') && window.unrolled.figure('small')")
    assert page.locator('figure[data-rnn="later"] pre[data-program="update"][data-shared]').count() == 1
    for name in ("small", "later"):
        page.locator(f'figure[data-rnn="{name}"] [data-mode="update"]').click()
        page.wait_for_function(f"window.unrolled.figure('{name}').mode === 'update'")
        listing = page.locator(f'figure[data-rnn="{name}"] pre[data-program="update"] .rnn-line')
        assert listing.count() > 40, name
    assert not browse.watcher(page).problems
