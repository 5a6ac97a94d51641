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
# What `backward` computes per time step (the trace keeps each per step), and of those what the diagram draws in
# its step's column (hidden_grad_raw, between hidden_grad and the weights' gradients, is in the sentences only).
STEP_GRADIENTS = ("output_grad", "hidden_grad", "hidden_grad_raw", "hidden_grad_next")
DRAWN_STEP_GRADIENTS = ("output_grad", "hidden_grad", "hidden_grad_next")
# Every name the listing links to the diagram.
LINKED_NAMES = CODE_NAMES | {INPUTS: INPUTS} | {name: name for name in DRAWN_STEP_GRADIENTS}
# `grads.X` in the code is the gradient of weight X, drawn under that name.
GRADIENTS_OF = "grads"
# Gradients are often tiny (a trained network's are): written like small probabilities, signed (-6.2e-5).
SIGNED_SMALL = (GRADIENTS_OF, *DRAWN_STEP_GRADIENTS)


def signed_small(ref: str) -> bool:
    """Whether numbers of `ref` keep their digits when tiny, either sign: the gradients (`grads.X` included)."""
    return ref in SIGNED_SMALL or ref.startswith(GRADIENTS_OF + ".")
# Other names in the trace for a quantity: the training record's losses are losses, the target's probability
# a probability.
TRACE_NAMES = {"final_loss": "loss", "loss_history": "loss", "recent_loss": "loss", "chance_loss": "loss",
               "target_probability": "probabilities"}
# Written so that tiny values keep their digits (6.2e-5, 0.99994): see values.format_quantity.
SMALL_KEEPING = ("probabilities", "loss")
# Coloured on the 0..1 scale (q0..q8); the others on the signed scale (s-8..s8), except these, not coloured.
UNIT_SCALE = ("xs", "probabilities")
UNTONED = ("target", "loss")
# Names that hold characters, and names that hold positions in the vocabulary (both written as characters).
CHARACTERS = ("vocab",)
CHARACTER_INDICES = ("inputs", "targets")


def quantity(name: str) -> str:
    """The quantity a name in the code or the trace stands for: `targets` -> target, `final_loss` -> loss."""
    return CODE_NAMES.get(name) or TRACE_NAMES.get(name, name)
