"""Shared fixtures: the article's three networks, trained once per test session."""

from __future__ import annotations

from typing import Any

import pytest

from generator.model.trace import record_trace

from .project import valid_network

ARTICLE_NETWORKS = {
    "untrained": {"pattern": "10", "length": "720", "updates": "0"},
    "alternating": {"pattern": "10", "length": "720", "updates": "6400"},
    "useful": {"pattern": "011", "length": "295", "updates": "4700"},
}


@pytest.fixture(scope="session")
def article_traces() -> dict[str, dict[str, Any]]:
    traces = {}
    for name, options in ARTICLE_NETWORKS.items():
        traces[name] = record_trace(valid_network(name, options))
    return traces
