"""One sentence per executed line of `forward`: its code with the indices filled in, and the numbers it made.

Next to each sentence goes its template: the same words with every number that depends on the weights written
as a slot naming the trace value it prints, so the page can rebuild the sentence from a recomputed trace.
A slot is `{REF:T}` (steps[T][REF], a vector), `{REF:T:I}` (one element of it), `{REF}` (a top-level array,
hidden_state_prev), `{loss:T}` (steps[T].loss), and any of these followed by `|-log` (minus the natural log of
the value, written as a loss). Literal braces are doubled, as in str.format. `fill` is the Python reading.
"""

from __future__ import annotations

import ast
import copy
import math
import re
from functools import cache
from types import CodeType
from typing import Any, TypeVar

import numpy as np

from ..model import rnn
from ..refs import quantity
from ..tracefile import Trace
from ..values import character_label, format_quantity, format_vector

Scope = dict[str, Any]
# forward's arguments that hold indices into the vocabulary.
VOCAB_INDICES = ("inputs", "targets")
LONGEST_LISTED = 16
OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.MatMult: "@"}
# Quantities whose printed values change with the weights: these become slots in a sentence's template.
SLOTTED = ("hidden_states", "outputs", "probabilities")
SLOT = re.compile(r"\{\{|\}\}|\{([^{}]+)\}")


def literal(text: str) -> str:
    """Text as a template holds it: braces doubled."""
    return text.replace("{", "{{").replace("}", "}}")


def _slot_value(trace: Trace, path: str) -> Any:
    """The trace value a slot's path names (see the module docstring)."""
    ref, *indices = path.split(":")
    if not indices:
        return trace[ref]
    step = trace["steps"][int(indices[0])]
    return step[ref] if len(indices) == 1 else step[ref][int(indices[1])]


def fill(template: str, trace: Trace) -> str:
    """The sentence a template makes with a trace's values (what the page's script does)."""
    def one(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)[0]
        path, _, function = match.group(1).partition("|")
        value = _slot_value(trace, path)
        if function == "-log":
            return format_quantity("loss", -math.log(value))
        ref = quantity(path.split(":")[0])
        return format_vector(ref, value) if isinstance(value, list) else format_quantity(ref, value)
    return SLOT.sub(one, template)


Node = TypeVar("Node", bound=ast.AST)


def _copied(node: Node) -> Node:
    """A copy of a syntax tree, node by node (copy.deepcopy takes 1.6 times as long on `rnn.backward`'s tree)."""
    new = copy.copy(node)
    for field, value in ast.iter_fields(node):
        if isinstance(value, ast.AST):
            setattr(new, field, _copied(value))
        elif isinstance(value, list):
            setattr(new, field, [_copied(item) if isinstance(item, ast.AST) else item for item in value])
    return new


@cache
def _compiled(node: ast.expr) -> CodeType:
    loaded = _copied(node)
    for part in ast.walk(loaded):
        if isinstance(part, ast.Name | ast.Subscript | ast.Attribute | ast.Tuple):
            part.ctx = ast.Load()  # targets are written to; read them instead
    return compile(ast.Expression(loaded), "<forward>", "eval")


def evaluate(node: ast.expr, scope: Scope) -> Any:
    """The value of an expression from `forward`, with its locals and module names in scope."""
    return eval(_compiled(node), vars(rnn), dict(scope))


@cache
def _indices(node: ast.AST) -> tuple[ast.expr, ...]:
    """Every non-constant subscript index in the expression, in walk order."""
    return tuple(part.slice for part in ast.walk(node)
                 if isinstance(part, ast.Subscript) and not isinstance(part.slice, ast.Constant))


def _index_values(node: ast.AST, scope: Scope) -> tuple[Any, ...]:
    """The value of every non-constant subscript index in the expression, in walk order (None if unknown)."""
    values = []
    for index in _indices(node):
        try:
            value = evaluate(index, scope)
        except NameError:
            value = None
        values.append(tuple(int(v) for v in value) if isinstance(value, tuple) else (
            None if value is None else int(value)))
    return tuple(values)


class _Holes(ast.NodeTransformer):
    """Drop the `np.` prefix and make each subscript index a numbered hole, outside indices (read as written)."""

    def __init__(self, holes: dict[int, int]) -> None:
        self.holes = holes  # id of a subscript -> its place among the expression's non-constant subscripts

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        node.value = self.visit(node.value)
        if id(node) in self.holes:
            node.slice = ast.Name(f"{HOLE}{self.holes[id(node)]}{HOLE}", ast.Load())
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == "np":
            return ast.Name(node.attr, ast.Load())
        return self.generic_visit(node)


HOLE = "\x00"  # marks a hole in a template: never in Python source
HOLES = re.compile(HOLE + r"(\d+)" + HOLE)


def _index_text(index: ast.expr) -> str:
    """An index as it is written between a subscript's brackets (a tuple without parentheses)."""
    return ast.unparse(ast.Subscript(ast.Name("_", ast.Load()), index, ast.Load()))[2:-1]


@cache
def _template(node: ast.AST) -> tuple[str, dict[int, str]]:
    """The expression as the reader sees it, each index that `_index_values` lists as a hole numbered by its place
    there, and the index's own text for when its value is unknown. Indices inside another index are read as written."""
    copied = _copied(node)
    subscripts = [part for part in ast.walk(copied)
                  if isinstance(part, ast.Subscript) and not isinstance(part.slice, ast.Constant)]
    inside = {id(inner) for part in ast.walk(copied) if isinstance(part, ast.Subscript)
              for inner in ast.walk(part.slice)}
    holes = {id(s): place for place, s in enumerate(subscripts) if id(s) not in inside}
    written = {place: _index_text(s.slice) for place, s in enumerate(subscripts) if id(s) not in inside}
    return ast.unparse(_Holes(holes).visit(copied)), written


def code(node: ast.AST, scope: Scope) -> str:
    """The expression as the reader sees it, with indices as numbers: `hidden_states[t - 1]` -> `[0]`."""
    if isinstance(node, ast.Tuple):
        return ", ".join(code(element, scope) for element in node.elts)  # as written, without parentheses
    return _code(node, _index_values(node, scope))


@cache
def _code(node: ast.AST, values: tuple[Any, ...]) -> str:
    template, written = _template(node)

    def filled(match: re.Match[str]) -> str:
        place = int(match.group(1))
        value = values[place]
        if value is None:
            return written[place]
        items = value if isinstance(value, tuple) else (value,)
        constants: list[ast.expr] = [ast.Constant(v) for v in items]
        return _index_text(ast.Tuple(constants, ast.Load()) if isinstance(value, tuple) else constants[0])
    return HOLES.sub(filled, template)


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def number_text(value: Any, name: str | None) -> str:
    """A value in the page's number format: arrays as [a, b, c], big arrays by their shape."""
    ref = quantity(name or "")
    if isinstance(value, np.ndarray):
        if value.size > LONGEST_LISTED or (value.ndim == 2 and value.shape[1] > 1):
            return "a " + "×".join(str(n) for n in value.shape) + " array"
        return format_vector(ref, value.ravel())
    if isinstance(value, bool | int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return format_quantity(ref, float(value))
    return repr(value)


def _index_note(node: ast.expr, value: Any, vocab: list[str]) -> str:
    """` ('l')` when the value is an index into the vocabulary, read from inputs or targets."""
    if isinstance(node, ast.Subscript) and _root_name(node) in VOCAB_INDICES:
        return f" ({character_label(vocab[int(value)])})"
    return ""


def describe(statement: ast.stmt, before: Scope, after: Scope, vocab: list[str]) -> tuple[str, str]:
    """What the statement did, in one line with its numbers, and that line's template (see the module docstring)."""
    if isinstance(statement, ast.For):
        header = f"for {ast.unparse(statement.target)} in {code(statement.iter, before)}"
        counter = ast.unparse(statement.target)
        if counter in after and (counter not in before or after[counter] != before[counter]):
            return _plain(f"{header}: {counter} = {after[counter]}")
        return _plain(f"{header}: the loop is done")
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        return _assignment(statement.targets[0], statement.value, before, after, vocab)
    if isinstance(statement, ast.AugAssign):
        target = code(statement.target, before)
        operator = OPERATORS.get(type(statement.op), "?")
        root = _root_name(statement.target)
        change = number_text(evaluate(statement.value, before), root)
        total = number_text(evaluate(statement.target, after), root)
        head = f"{target} {operator}= {code(statement.value, before)} = "
        sentence = f"{head}{change}, so {target} = {total}"
        t = before.get("t")
        if root == "loss" and isinstance(t, int) and _is_log_term(statement.value):
            return sentence, f"{literal(head)}{{target_probability:{t}|-log}}, so {literal(target)} = {{loss:{t}}}"
        return _plain(sentence)
    if isinstance(statement, ast.Return) and statement.value is not None:
        if "loss" not in after:
            return _plain(f"return {code(statement.value, before)}")
        head = f"return {code(statement.value, before)}, with loss = "
        last = len(after.get("inputs", [])) - 1
        return head + number_text(after["loss"], "loss"), literal(head) + f"{{loss:{last}}}"
    return _plain(code(statement, before))


def _plain(sentence: str) -> tuple[str, str]:
    return sentence, literal(sentence)


def _is_log_term(value: ast.expr) -> bool:
    """`-np.log(probabilities[t][target, 0])`: the step's loss term, minus the log of the target's probability."""
    return (isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub) and isinstance(value.operand, ast.Call)
            and isinstance(value.operand.func, ast.Attribute) and value.operand.func.attr == "log"
            and len(value.operand.args) == 1 and _root_name(value.operand.args[0]) == "probabilities")


def _assignment(target: ast.expr, value: ast.expr, before: Scope, after: Scope,
                vocab: list[str]) -> tuple[str, str]:
    left, right = code(target, before), code(value, before)
    if isinstance(target, ast.Tuple):
        results = [evaluate(element, after) for element in target.elts]
        shapes = ["×".join(str(n) for n in r.shape) for r in results if isinstance(r, np.ndarray)]
        return _plain(f"{left} = {right}" + (f": arrays of {', '.join(shapes)}" if shapes else ""))
    name = _root_name(target)
    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Subscript):
        whole = target.value  # one element set: show the whole array it belongs to
        return _plain(f"{left} = {right}, so {code(whole, before)} = {number_text(evaluate(whole, after), name)}")
    if isinstance(value, ast.Constant):
        return _plain(f"{left} = {right}")
    result = evaluate(target, after)
    head, note = f"{left} = {right} = ", _index_note(value, result, vocab)
    sentence = head + number_text(result, name) + note
    indices = _index_values(target, before)
    if isinstance(result, np.ndarray) and result.size > LONGEST_LISTED:  # named by its shape, whatever the weights
        return _plain(sentence)
    if name in SLOTTED and isinstance(target, ast.Subscript) and len(indices) == 1 and isinstance(indices[0], int):
        slot = quantity(name) + ":" + str(indices[0]) if indices[0] >= 0 else "hidden_state_prev"
        return sentence, literal(head) + "{" + slot + "}" + literal(note)
    return _plain(sentence)


# Written out in full up to this many numbers; a bigger array is named by its shape.
LONGEST_WRITTEN = 36


def array_text(value: Any, ref: str) -> str:
    """An array of the update in the page's number format, a small matrix written out as its rows."""
    if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[1] > 1:
        if value.size > LONGEST_WRITTEN:
            return "a " + "×".join(str(n) for n in value.shape) + " array"
        return "[" + ", ".join(format_vector(ref, row) for row in value) + "]"
    if isinstance(value, np.ndarray):
        return format_vector(ref, value.ravel()) if value.size <= LONGEST_WRITTEN else f"{value.size} numbers"
    return number_text(value, ref)


class _Named(ast.NodeTransformer):
    """Write each local that is one of the weights or gradients (`param`, `grad`) as what it is: `params.X`."""

    def __init__(self, aliases: dict[str, str]) -> None:
        self.aliases = aliases

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Name(self.aliases[node.id], ast.Load()) if node.id in self.aliases else node


def named_code(node: ast.AST, scope: Scope, aliases: dict[str, str]) -> str:
    """`code`, with `param` and `grad` written as the weight or gradient they are (`grads.hidden_bias`)."""
    return code(_named(node, tuple(sorted(aliases.items()))), scope)


@cache
def _named(node: ast.AST, aliases: tuple[tuple[str, str], ...]) -> ast.AST:
    """The statement's expression with the aliases written out, made once per alias set (so `_code`'s cache holds)."""
    named: ast.AST = _Named(dict(aliases)).visit(_copied(node))
    return named


def _ref_of(text: str) -> str:
    """The quantity whose number format a value takes: a weight's own, any gradient the signed default."""
    return text if text in rnn.Params.__dataclass_fields__ else "grads"


def _calls(statement: ast.stmt, after: Scope) -> str | None:
    """What a line of `make_update` hands over: the pass it runs, the gradients, the step."""
    call = getattr(statement, "value", None)
    if not isinstance(call, ast.Call):
        return None
    called = ast.unparse(call.func)
    if called == "forward":
        return "the forward pass" + (f", loss = {number_text(after['run'].loss, 'loss')}" if "run" in after else "")
    if called == "backward":
        return "back through time, last step first, then clipped"
    if called == "optimizer.step":
        return "each weight moves against its gradient"
    return None


def update_sentence(statement: ast.stmt, before: Scope, after: Scope, aliases: dict[str, str],
                    next_aliases: dict[str, str]) -> str:
    """What a line of the update outside `forward` (in `make_update`, `backward` or the step) did, with its numbers."""
    if isinstance(statement, ast.For):
        names = [e.id for e in ast.walk(statement.target) if isinstance(e, ast.Name)]
        header = f"for {', '.join(names)} in {named_code(statement.iter, before, aliases)}"

        def now(scope: Scope, known: dict[str, str], name: str) -> Any:
            return known.get(name, scope.get(name)) if isinstance(scope.get(name), np.ndarray) else scope.get(name)

        if any(name not in before or now(before, aliases, name) != now(after, next_aliases, name) for name in names):
            bound = ", ".join(next_aliases[n] if n in next_aliases else repr(after[n]) for n in names)
            verb = "is" if all(n in next_aliases for n in names) else "="
            return f"{header}: {', '.join(names)} {verb} {bound}"
        return f"{header}: the loop is done"
    if isinstance(statement, ast.If):
        return f"if {named_code(statement.test, before, aliases)}: {bool(evaluate(statement.test, before))}"
    if isinstance(statement, ast.Continue):
        return "continue: on to the next parameter"
    if isinstance(statement, ast.Return) and statement.value is not None:
        return f"return {named_code(statement.value, before, aliases)}"
    handed = _calls(statement, after)
    if handed is not None:
        return f"{named_code(statement, before, aliases)}: {handed}"
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        return _clipped(statement.value, before, after, aliases)
    if isinstance(statement, ast.AugAssign):
        target = named_code(statement.target, before, aliases)
        operator = OPERATORS.get(type(statement.op), "?")
        ref = _ref_of(target.split(".")[-1]) if target.startswith("params.") else "grads"
        if isinstance(statement.value, ast.Constant):  # `output_grad[targets[t]] -= 1`: show the whole array
            whole = statement.target.value if isinstance(statement.target, ast.Subscript) else statement.target
            return (f"{target} {operator}= {statement.value.value!r}, so {named_code(whole, before, aliases)} = "
                    f"{array_text(evaluate(whole, after), ref)}")
        change = array_text(evaluate(statement.value, before), ref)
        total = array_text(evaluate(statement.target, after), ref)
        was = f" (it was {array_text(evaluate(statement.target, before), ref)})" if target.startswith("params.") else ""
        right = named_code(statement.value, before, aliases)
        if target.startswith("grads.") and int(before.get("t", 0)) > 0:  # a running sum: whole at t = 0
            return f"{target} {operator}= {right}: step {before['t']}'s share joins the sum, complete at t = 0"
        if target.startswith(("grads.", "params.")):  # the whole sum, or a weight: what it holds now says it all
            return f"{target} {operator}= {right}, so {target} = {total}{was}"
        return f"{target} {operator}= {right} = {change}, so {target} = {total}"
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        assigned = statement.targets[0]
        left, right = named_code(assigned, before, next_aliases), named_code(statement.value, before, aliases)
        names = [e.id for e in ast.walk(assigned) if isinstance(e, ast.Name)]
        if isinstance(assigned, ast.Tuple) and names and all(name in next_aliases for name in names):
            return f"{', '.join(names)} = {', '.join(next_aliases[name] for name in names)}"
        value = evaluate(assigned, after)
        if isinstance(value, rnn.Params):
            zero = all(not a.any() for a in value.arrays())
            return f"{left} = {right}: one {'zero ' if zero else ''}array per weight, shaped like it"
        return f"{left} = {right} = {array_text(value, 'grads')}"
    return named_code(statement, before, aliases)


def _clipped(call: ast.Call, before: Scope, after: Scope, aliases: dict[str, str]) -> str:
    """`np.clip(grad, -clip, clip, out=grad)`: how many entries it moved to ±clip, and where."""
    out = next((k.value for k in call.keywords if k.arg == "out"), None)
    if out is None:
        return named_code(call, before, aliases)
    old, new = evaluate(out, before), evaluate(out, after)
    limit = number_text(float(after["clip"]), "grads")
    name = named_code(out, before, aliases)
    text = f"clip({name}, -{limit}, {limit}, out={name})"
    moved = [tuple(int(i) for i in index) for index in zip(*np.nonzero(old != new), strict=True)]
    if not moved:
        return f"{text}: none beyond ±{limit}"
    where = ", ".join("[" + ", ".join(str(i) for i in (index if old.shape[1] > 1 else index[:1])) + "]"
                      for index in moved)
    return f"{text}: {len(moved)} clipped to ±{limit} (at {where}), so it is {array_text(new, 'grads')}"
