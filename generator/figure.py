"""Render one `{rnn}` figure: the trace inline, the diagram, the code listing and the table."""

from __future__ import annotations

from typing import Any

import jinja2
from markupsafe import Markup

from .trace import Trace, script_safe_json


def render_figure(env: jinja2.Environment, trace: Trace, caption: str) -> str:
    """The figure's HTML, complete without JavaScript."""
    template = env.get_template("figure.html")
    context: dict[str, Any] = {
        "trace": trace,
        "caption": caption,
        "trace_json": Markup(script_safe_json(trace)),
    }
    return template.render(context).strip()
