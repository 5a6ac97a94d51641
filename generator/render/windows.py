"""The forward program for any window: the states before the loop, one loop step as a template, the states after.

The page writes these templates once and the script expands them for the window shown, the author's or the
reader's own input. A template is a state (line, marks, sentence template) with `$` variables:
`$t` the step, `$p` the step before it, `$x` and `$y` the indices of its input and target, `$X` and `$Y` their
characters as `values.character_label` writes them, `$o` the step's one-hot `xs` written out, `$l` the last step
and `$n` the window's length; `$$` is a literal `$`. The first step (t = 0) has its own template: it reads
`hidden_state_prev` and starts the loss. `expand` is the Python reading; the page's script expands the same way.

The templates are found by recording `forward` (program.record_program) on probe windows and seeing which numbers
change with which variable; they are checked against the recorded program of the figure's own window.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..tracefile import Trace
from ..values import character_label, format_vector
from .narration import literal
from .program import State, forward_loop_line, record_program

# A whole number standing alone: not part of a decimal (0.00), a name (xs1) or a negative (-1).
NUMBER = re.compile(r"(?<![\w.\-])\d+(?![\w.])")
VARIABLE = re.compile(r"\$([$tpxyXYoln])")
# The probes' window: long enough that a loop step past the first (t = 1) has a later one (t = 2) to compare with.
PROBE_LENGTH = 3
GENERAL_STEP = 1


class TemplateError(ValueError):
    """The recorded states of two windows differ in more than the template's variables can say."""


@dataclass(frozen=True)
class Template:
    """One state with `$` variables in its line, its marks and its sentence template."""

    line: str
    made: str
    used: str
    say: str

    def fields(self) -> tuple[str, str, str, str]:
        """The four texts, in a fixed order."""
        return self.line, self.made, self.used, self.say

    def attributes(self, part: str | None) -> dict[str, str | None]:
        """The template as the page writes it on its `<li>` (`data-loop`: 0 for the first step, t for the others)."""
        return {"data-line": self.line, "data-made": self.made or None, "data-used": self.used or None,
                "data-loop": part}


@dataclass(frozen=True)
class ForwardTemplates:
    """The forward program of any window: before the loop, its first step, any later step, after the loop."""

    before: tuple[Template, ...]
    first: tuple[Template, ...]
    later: tuple[Template, ...]
    after: tuple[Template, ...]

    def items(self) -> Iterator[tuple[Template, str | None]]:
        """Each template with its `data-loop` part, in page order."""
        for part, templates in ((None, self.before), ("0", self.first), ("t", self.later), (None, self.after)):
            yield from ((template, part) for template in templates)


def _texts(state: State) -> tuple[str, ...]:
    """A recorded state as a template's four texts, its `$` doubled."""
    return tuple(text.replace("$", "$$") for text in recorded(state))


def _steps(states: list[State], loop_line: int) -> tuple[list[State], list[list[State]], list[State]]:
    """A program cut into the states before the loop, each step's states (from its `for` line on), and the rest."""
    heads = [n for n, state in enumerate(states) if state.line == loop_line]
    if not heads:
        raise TemplateError("forward has no loop over the window")
    steps = [states[a:b] for a, b in itertools.pairwise(heads)]
    return states[:heads[0]], steps, states[heads[-1]:]


def _step_values(trace: Trace, t: int) -> dict[str, str]:
    """What the character-like variables of step t stand for, as a template (braces doubled) writes them."""
    vocab, x, y = trace["vocab"], trace["inputs"][t], trace["targets"][t]
    one_hot = [1.0 if k == x else 0.0 for k in range(len(vocab))]
    return {"X": literal(character_label(vocab[x])), "Y": literal(character_label(vocab[y])),
            "o": format_vector("xs", one_hot)}


def _characters(text: str, values: dict[str, str]) -> str:
    """Name the step's characters and one-hot vector in a sentence template: ` ('l')` -> ` ($X)`."""
    for name, value in (("X", values["X"]), ("Y", values["Y"])):
        text = text.replace(f" ({value.replace('$', '$$')})", f" (${name})")
    return text.replace(f"= {values['o']}", "= $o")


def _numbers(base: str, variants: list[tuple[str, dict[str, tuple[int, int]]]]) -> str:
    """Turn base's numbers into the variables whose change (in some variant) changes them.

    Each variant is the same state recorded with some variables moved, given as {variable: (base, variant)}.
    """
    pieces, numbers = NUMBER.split(base), NUMBER.findall(base)
    names = list(numbers)
    for text, moved in variants:
        if NUMBER.split(text) != pieces:
            raise TemplateError(f"{base!r} and {text!r} differ in more than their numbers")
        for n, (was, now) in enumerate(zip(numbers, NUMBER.findall(text), strict=True)):
            if was == now:
                continue
            found = [name for name, (a, b) in moved.items() if str(a) == was and str(b) == now]
            if len(found) != 1 or names[n] != was:
                raise TemplateError(f"cannot tell what {was} in {base!r} stands for")
            names[n] = "$" + found[0]
    return "".join(piece + (names[n] if n < len(names) else "") for n, piece in enumerate(pieces))


def _template(base: State, base_values: dict[str, str],
              variants: list[tuple[State, dict[str, str], dict[str, tuple[int, int]]]]) -> Template:
    def texts(state: State, values: dict[str, str]) -> tuple[str, ...]:
        line, made, used, say = _texts(state)
        return line, made, used, _characters(say, values) if values else say

    fields = [_numbers(field, [(texts(state, values)[n], moved) for state, values, moved in variants])
              for n, field in enumerate(texts(base, base_values))]
    return Template(*fields)


def _probe(trace: Trace, length: int, x: int, y: int) -> tuple[Trace, list[State]]:
    probe = {**trace, "inputs": [x] * length, "targets": [y] * length}
    return probe, record_program(probe)


def forward_templates(trace: Trace, recorded_program: list[State] | None = None) -> ForwardTemplates:
    """The forward program's templates for the trace's network, checked against the trace's own window (whose
    recorded program may be given, when the caller has it).

    They depend on the vocabulary and the hidden size only (every number the weights decide is a slot), so
    networks of one shape share them: found once per shape and process, checked for every network.
    """
    shape = (tuple(trace["vocab"]), len(trace["hidden_state_prev"]))
    templates = _SHAPES.get(shape) or _SHAPES.setdefault(shape, _probed(trace))
    if expand(templates, trace) != [recorded(s) for s in recorded_program or record_program(trace)]:
        raise TemplateError(f"the templates do not give back the program of {trace['name']}'s window")
    return templates


_SHAPES: dict[tuple[tuple[str, ...], int], ForwardTemplates] = {}


def _probed(trace: Trace) -> ForwardTemplates:
    """The templates found by recording `forward` on probe windows of the trace's network."""
    loop_line = forward_loop_line()
    a, b = 0, 1  # a step reads a and aims at b in one probe, the other way round in the next
    probe, program = _probe(trace, PROBE_LENGTH, a, b)
    swapped_probe, swapped = _probe(trace, PROBE_LENGTH, b, a)
    _, short = _probe(trace, PROBE_LENGTH - 1, a, b)
    before, steps, after = _steps(program, loop_line)
    _, swapped_steps, _ = _steps(swapped, loop_line)
    _, _, short_after = _steps(short, loop_line)
    swap = {"x": (a, b), "y": (b, a)}

    def loop(t: int, later: bool) -> tuple[Template, ...]:
        base, values = steps[t], _step_values(probe, t)
        if len({len(base), len(swapped_steps[t]), len(steps[t + 1])}) != 1:
            raise TemplateError("the loop's steps execute different lines")
        moved_on = {"t": (t, t + 1), "p": (t - 1, t)}
        return tuple(_template(state, values, [(swapped_steps[t][n], _step_values(swapped_probe, t), swap)]
                               + ([(steps[t + 1][n], _step_values(probe, t + 1), moved_on)] if later else []))
                     for n, state in enumerate(base))

    ends = {"l": (PROBE_LENGTH - 1, PROBE_LENGTH - 2), "n": (PROBE_LENGTH, PROBE_LENGTH - 1)}
    if len(after) != len(short_after):
        raise TemplateError("the states after the loop depend on the window")
    return ForwardTemplates(
        tuple(_template(state, {}, []) for state in before), loop(0, False), loop(GENERAL_STEP, True),
        tuple(_template(state, {}, [(short_after[n], {}, ends)]) for n, state in enumerate(after)))


def recorded(state: State) -> tuple[str, str, str, str]:
    """A recorded state as `expand` gives it: its line, marks and sentence template (the page fills the sentence)."""
    attributes = state.attributes()
    return attributes["data-line"] or "", attributes["data-made"] or "", attributes["data-used"] or "", state.template


def expand(templates: ForwardTemplates, trace: Trace) -> list[tuple[str, str, str, str]]:
    """The forward program of the trace's window: each state's line, made, used and sentence template."""
    length = len(trace["inputs"])
    ends = {"l": str(length - 1), "n": str(length)}

    def written(template: Template, values: dict[str, str]) -> tuple[str, str, str, str]:
        def one(m: re.Match[str]) -> str:
            return "$" if m.group(1) == "$" else values[m.group(1)]

        return tuple(VARIABLE.sub(one, field) for field in template.fields())  # type: ignore[return-value]

    def step(t: int) -> dict[str, str]:
        return {"t": str(t), "p": str(t - 1), "x": str(trace["inputs"][t]), "y": str(trace["targets"][t]),
                **_step_values(trace, t), **ends}

    states = [written(template, ends) for template in templates.before]
    for t in range(length):
        states += [written(template, step(t)) for template in (templates.later if t else templates.first)]
    return states + [written(template, ends) for template in templates.after]
