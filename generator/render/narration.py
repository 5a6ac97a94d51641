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
from typing import Any

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


@cache
def _compiled(node: ast.expr) -> CodeType:
    loaded = copy.deepcopy(node)
    for part in ast.walk(loaded):
        if isinstance(part, ast.Name | ast.Subscript | ast.Attribute | ast.Tuple):
            part.ctx = ast.Load()  # targets are written to; read them instead
    return compile(ast.Expression(loaded), "<forward>", "eval")


def evaluate(node: ast.expr, scope: Scope) -> Any:
    """The value of an expression from `forward`, with its locals and module names in scope."""
    return eval(_compiled(node), vars(rnn), dict(scope))


def _index_values(node: ast.AST, scope: Scope) -> tuple[Any, ...]:
    """The value of every non-constant subscript index in the expression, in walk order (None if unknown)."""
    values = []
    for part in ast.walk(node):
        if isinstance(part, ast.Subscript) and not isinstance(part.slice, ast.Constant):
            try:
                value = evaluate(part.slice, scope)
            except NameError:
                value = None
            values.append(tuple(int(v) for v in value) if isinstance(value, tuple) else (
                None if value is None else int(value)))
    return tuple(values)


class _Concrete(ast.NodeTransformer):
    """Replace subscript indices by their values and drop the `np.` prefix, for reading."""

    def __init__(self, indices: dict[int, Any]) -> None:
        self.indices = indices

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        value = self.indices.get(id(node))
        node.value = self.visit(node.value)
        if value is not None:
            items = value if isinstance(value, tuple) else (value,)
            constants: list[ast.expr] = [ast.Constant(int(v) if isinstance(v, int | np.integer) else v)
                                         for v in items]
            node.slice = ast.Tuple(constants, ast.Load()) if isinstance(value, tuple) else constants[0]
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == "np":
            return ast.Name(node.attr, ast.Load())
        return self.generic_visit(node)


def code(node: ast.AST, scope: Scope) -> str:
    """The expression as the reader sees it, with indices as numbers: `hidden_states[t - 1]` -> `[0]`."""
    if isinstance(node, ast.Tuple):
        return ", ".join(code(element, scope) for element in node.elts)  # as written, without parentheses
    return _code(node, _index_values(node, scope))


@cache
def _code(node: ast.AST, values: tuple[Any, ...]) -> str:
    copied = copy.deepcopy(node)
    subscripts = [part for part in ast.walk(copied)
                  if isinstance(part, ast.Subscript) and not isinstance(part.slice, ast.Constant)]
    return ast.unparse(_Concrete({id(s): v for s, v in zip(subscripts, values, strict=True)}).visit(copied))


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
    if name in SLOTTED and isinstance(target, ast.Subscript) and len(indices) == 1 and isinstance(indices[0], int):
        slot = quantity(name) + ":" + str(indices[0]) if indices[0] >= 0 else "hidden_state_prev"
        return sentence, literal(head) + "{" + slot + "}" + literal(note)
    return _plain(sentence)
