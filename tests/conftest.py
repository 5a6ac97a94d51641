"""Shared fixtures: the article's three networks, trained once per test session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.model.trace import record_trace
from generator.spec import build_network

ARTICLE_NETWORKS = {
    "untrained": {"pattern": "10", "length": "720", "updates": "0"},
    "alternating": {"pattern": "10", "length": "720", "updates": "6400"},
    "useful": {"pattern": "011", "length": "295", "updates": "4700"},
}
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def article_traces() -> dict[str, dict[str, Any]]:
    traces = {}
    for name, options in ARTICLE_NETWORKS.items():
        network, errors = build_network(name, options, {}, REPO)
        assert network is not None, errors
        traces[name] = record_trace(network)
    return traces
