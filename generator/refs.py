"""The quantities a reader can point at: one name each, shared by the code, the diagram and the trace."""

from __future__ import annotations

# The five learned arrays, in the order `init_params` and `Params` keep them.
PARAM_NAMES = (
    "input_weights_U",
    "hidden_weights_W",
    "hidden_bias",
    "output_weights_V",
    "output_bias",
)
# Arrays `forward` keeps in dicts keyed by the time step t.
STEPWISE = ("xs", "hidden_states", "outputs", "probabilities")
# Scalars that belong to one time step.
PER_STEP = ("target", "loss")
REFS = (*PARAM_NAMES, *STEPWISE, "hidden_state_prev", *PER_STEP)
# A name in the code -> the quantity it names (`targets` and `target` both name the target).
CODE_NAMES = {name: name for name in REFS} | {"targets": "target"}
# Shown as the characters over each step's column: linked with the listing on hover, never a cell a line fills.
INPUTS = "inputs"
# Every name the listing links to the diagram.
LINKED_NAMES = CODE_NAMES | {INPUTS: INPUTS}
# Formatted with format_number(probability=True), so tiny values keep their digits (6.2e-5).
SMALL_KEEPING = ("probabilities", "loss")
