"""A page with one big figure (vocabulary 28, hidden size 32, a 16-step window): what it weighs, and its numbers.

The page loads its HTML, unrolled.js and unrolled.css; its training step waits in traces/NAME.step.js until the
reader asks for it (tracefile.loads_later). Sizes are gzip -9 bytes of the built files, 1 KB = 1,000 bytes.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generator.model import rnn
from generator.model.trace import params_json
from generator.render.figure import number_rows, weight_rows

from .project import make_project, run_build

TEXT = "the quick brown fox jumps over the lazy dog. " * 2
UPDATES = 200
BIG_PAGE = f"""# Big

```{{rnn}} big
:text: "{TEXT}"
:hidden-size: 32
:seq-length: 16
:optimizer: adagrad
:learning-rate: 0.03
:updates: {UPDATES}
```
"""
PAGE_BUDGET = 100_000  # the page and everything it loads
LOADED = ("index.html", "static/unrolled.js", "static/unrolled.css")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("big"), {"index.md": BIG_PAGE})
    result = run_build(root)
    assert result.exit_code == 0, result.output
    return root / "build" / "site"


def _gzip(data: bytes) -> int:
    return len(gzip.compress(data, 9))


def _inline(site: Path) -> dict[str, Any]:
    html = (site / "index.html").read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" data-rnn-trace="big">(.*?)</script>', html, re.S)
    assert found is not None
    inline: dict[str, Any] = json.loads(found.group(1))
    return inline


def test_the_page_with_everything_it_loads_weighs_at_most_100_kb(site: Path) -> None:
    """The HTML (trace, diagram, forward states, listing, tables) with the player's script and stylesheet."""
    assert (site / "traces" / "big.step.js").is_file()  # the training step waits there
    assert sum(_gzip((site / name).read_bytes()) for name in LOADED) <= PAGE_BUDGET


def test_the_page_leaves_its_training_step_to_the_step_file(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    assert 'data-later' in html and 'data-program="update" data-for' not in html and "data-grads-for" not in html
    assert "anchors" not in _inline(site)["training"]["replay"]
    step = (site / "traces" / "big.step.js").read_text(encoding="utf-8")
    found = re.fullmatch(r'unrolled\.later\("big",(.*)\);\n', step, re.S)
    assert found is not None
    later = json.loads(found.group(1))
    full = json.loads((site / "traces" / "big.json").read_text(encoding="utf-8"))
    assert later["anchors"] == full["training"]["replay"]["anchors"]
    assert later["html"].count('data-program="update"') == 2  # the states and the listing
    assert '<svg data-grads-for="big">' in later["html"]


def test_the_downloadable_trace_holds_every_number_of_the_models_run(site: Path) -> None:
    """traces/big.json against min-char-rnn's numpy loop run here: the weights, the window, the next update."""
    full = json.loads((site / "traces" / "big.json").read_text(encoding="utf-8"))
    vocab = full["vocab"]
    assert len(vocab) == 28
    encoded = [vocab.index(c) for c in TEXT]
    params = rnn.init_params(28, 32, 0.1, 42)
    optimizer = rnn.Optimizer("adagrad", 0.03)
    run = rnn.train(params, encoded, 16, UPDATES, optimizer, 5.0)
    assert full["params"] == params_json(run.params)  # every weight, bit for bit
    window = run.loop.next_window()
    assert (full["inputs"], full["targets"]) == (window.inputs, window.targets)
    shown = rnn.forward(run.params, window.inputs, window.targets, window.hidden_state_prev)
    for t, step in enumerate(full["steps"]):
        for name in ("xs", "hidden_states", "outputs", "probabilities"):
            assert step[name] == [float(x) for x in getattr(shown, name)[t].ravel()], (t, name)
    grads = rnn.backward(run.params, shown, window.targets, 5.0)
    assert full["update"]["grads"] == params_json(grads)
    assert len(full["training"]["checkpoints"]) == len(rnn.checkpoint_updates(UPDATES))


def test_the_pages_numbers_are_the_traces(site: Path) -> None:
    """The inline trace is the file's (but what the page recomputes), and the tables write its values."""
    full = json.loads((site / "traces" / "big.json").read_text(encoding="utf-8"))
    inline = _inline(site)
    assert inline["params"] == full["params"] and inline["hidden_state_prev"] == full["hidden_state_prev"]
    for mine, theirs in zip(inline["steps"], full["steps"], strict=True):
        assert mine == {k: v for k, v in theirs.items() if k not in ("xs", "target_probability")}
    html = (site / "index.html").read_text(encoding="utf-8")
    for row in number_rows(full):
        cells = "".join(f"<td>{row[key]}</td>" for key in ("xs", "hidden_states", "outputs", "probabilities"))
        assert cells in html, row["t"]
    for name, values in weight_rows(full):
        assert f'<dt data-ref="{name}">{name}</dt><dd>{values}</dd>' in html, name
    assert np.isfinite(full["training"]["final_loss"])
