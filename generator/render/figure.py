"""Render one `{rnn}` figure: the trace inline, the diagram, the code listing, the player and the table."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from .. import values
from ..model import rnn
from ..refs import GRADIENTS_OF, PARAM_NAMES, SIGNED_SMALL, SMALL_KEEPING, UNIT_SCALE, UNTONED
from ..tracefile import Trace, loads_later, script_safe_json
from ..values import character_label, format_quantity, format_vector
from .diagram import render_diagram
from .listing import listing_html
from .program import State, forward_source, record_program
from .state_plot import inline_space, space_sentence
from .timeline import curve_x, loss_curve
from .tones import SIGNED_BREAKS, TONES, UNIT_BREAKS
from .update_program import record_update
from .windows import forward_templates

# The training record stays in traces/NAME.json; the page replays training from `training.replay`.
NOT_INLINE = ("checkpoints", "loss_history", "loss_history_updates")
# Of the next update, the page embeds what its cells do not already hold: which update, the clip, what was clipped.
UPDATE_INLINE = ("number", "clip", "clipped")
# Diagrams at most this wide (px) sit beside the code on a desktop; wider ones get the full width.
BESIDE_CODE = 560
# What the page works out from the rest of a step, exactly: xs is the one-hot of its input, target_probability the
# target's row of probabilities.
RECOMPUTED = ("xs", "target_probability")


def inline_trace(trace: Trace, later: bool = False) -> Trace:
    """The trace as the page embeds it: everything but the bulky training history, the update's arrays and what
    the page recomputes exactly; a figure that loads its training step later leaves the replay's anchors to it."""
    training = {key: value for key, value in trace["training"].items() if key not in NOT_INLINE}
    if later and training.get("replay"):
        training["replay"] = {key: value for key, value in training["replay"].items() if key != "anchors"}
    update = {key: value for key, value in trace["update"].items() if key in UPDATE_INLINE}
    steps = [{key: value for key, value in step.items() if key not in RECOMPUTED} for step in trace["steps"]]
    return {**trace, "steps": steps, "update": update, "state_space": inline_space(trace), "training": training}


@cache
def _listing(source: str, program: str = "forward") -> Markup:
    return listing_html(source, program)


def number_rules() -> dict[str, Any]:
    """What the player's script needs to write and colour numbers as the build does, from their one definition."""
    return {"decimals": values.DECIMALS, "small_below": values.SMALL_BELOW, "near_one": values.NEAR_ONE,
            "most_decimals": values.MOST_DECIMALS, "small_keeping": list(SMALL_KEEPING),
            "unit_scale": list(UNIT_SCALE), "untoned": list(UNTONED), "tones": TONES,
            "unit_breaks": list(UNIT_BREAKS), "signed_breaks": list(SIGNED_BREAKS),
            "signed_small": list(SIGNED_SMALL), "gradient_prefix": GRADIENTS_OF + "."}


def number_rows(trace: Trace) -> list[dict[str, str]]:
    """One row per time step, every value in the page's number format."""
    vocab = trace["vocab"]
    return [{"t": str(t), "input": character_label(vocab[trace["inputs"][t]]),
             "target": character_label(vocab[trace["targets"][t]]),
             **{ref: format_vector(ref, step[ref]) for ref in ("xs", "hidden_states", "outputs", "probabilities")},
             "loss": format_quantity("loss", step["loss"])} for t, step in enumerate(trace["steps"])]


def weight_rows(trace: Trace) -> list[tuple[str, str]]:
    """Each weight with its values, a matrix as its rows."""
    rows = []
    for name in (*PARAM_NAMES, "hidden_state_prev"):
        values = trace["params"].get(name, trace["hidden_state_prev"])
        text = ", ".join(format_vector(name, row) for row in values) if isinstance(values[0], list) else (
            format_vector(name, values))
        rows.append((name, text))
    return rows


def _forward_inside(states: list[State], update_states: list[State]) -> tuple[int, int]:
    """Where the forward pass's states sit in the update's, and how far its lines move in the update's listing.

    The page writes them once: the script puts the forward program's states back in at that place.
    """
    at = next(n for n, state in enumerate(update_states) if state.sentence == states[0].sentence)
    offset = update_states[at].line - states[0].line
    inside = update_states[at:at + len(states)]
    if inside != [State(s.line + offset, s.made, s.used, s.sentence, s.template) for s in states]:
        raise ValueError("the update's forward pass is not the forward program")  # both trace the same `forward`
    return at, offset


def own_sequence(trace: Trace) -> str:
    """The window as the text a reader would type for it (its inputs, then its last target), or "" when its
    targets do not follow its inputs (an author's explicit window may pair them otherwise)."""
    inputs, targets = trace["inputs"], trace["targets"]
    if inputs[1:] != targets[:-1]:
        return ""
    return "".join(trace["vocab"][k] for k in [*inputs, targets[-1]])


def render_figure(env: jinja2.Environment, trace: Trace, caption: str, show: str = "forward") -> str:
    """The figure's HTML, complete without JavaScript: the diagram and the sentence show the final state.

    Both programs are written (the forward pass, and the training step); `show` says which one the figure opens on.
    """
    states = record_program(trace)
    update_states, update_source = record_update(trace)
    forward_at, forward_offset = _forward_inside(states, update_states)
    diagram = render_diagram(trace, show)
    later = loads_later(show)
    context: dict[str, Any] = {
        "show": show,
        "later": later,
        "update_states": update_states[:forward_at] + update_states[forward_at + len(states):],
        "forward_inside": f"{forward_at} {forward_offset}",
        "update_listing": _listing(update_source, "update"),
        "given": " ".join(PARAM_NAMES),
        "trace": trace,
        "caption": caption,
        "trace_json": Markup(script_safe_json(inline_trace(trace, later))),
        "rules_json": Markup(script_safe_json(number_rules())),
        "forward": forward_templates(trace, states),
        "labels": "\n".join(character_label(c) for c in trace["vocab"]),
        "own": own_sequence(trace),
        "diagram": diagram,
        "beside_code": diagram.width <= BESIDE_CODE,
        "listing": _listing(forward_source(rnn.forward)[0]),
        "steps": len(update_states if show == "update" else states),
        "last_sentence": (update_states if show == "update" else states)[-1].sentence,
        "last_line": (update_states if show == "update" else states)[-1].line,
        "number_rows": number_rows(trace),
        "weight_rows": weight_rows(trace),
        "curve": loss_curve(trace),
        "curve_x": curve_x,
        "space_sentence": space_sentence(trace["state_space"]),
    }
    return env.get_template("figure.html").render(context).strip()
