"""One sentence per executed line of `forward`: its code with the indices filled in, and the numbers it made."""

from __future__ import annotations

import ast
import copy
from functools import cache
from types import CodeType
from typing import Any

import numpy as np

from ..model import rnn
from ..refs import quantity
from ..values import character_label, format_quantity, format_vector

Scope = dict[str, Any]
# forward's arguments that hold indices into the vocabulary.
VOCAB_INDICES = ("inputs", "targets")
LONGEST_LISTED = 16
OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.MatMult: "@"}


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


def describe(statement: ast.stmt, before: Scope, after: Scope, vocab: list[str]) -> str:
    """What the statement did, in one line with its numbers."""
    if isinstance(statement, ast.For):
        header = f"for {ast.unparse(statement.target)} in {code(statement.iter, before)}"
        counter = ast.unparse(statement.target)
        if counter in after and (counter not in before or after[counter] != before[counter]):
            return f"{header}: {counter} = {after[counter]}"
        return f"{header}: the loop is done"
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        return _assignment(statement.targets[0], statement.value, before, after, vocab)
    if isinstance(statement, ast.AugAssign):
        target = code(statement.target, before)
        operator = OPERATORS.get(type(statement.op), "?")
        root = _root_name(statement.target)
        change = number_text(evaluate(statement.value, before), root)
        total = number_text(evaluate(statement.target, after), root)
        return f"{target} {operator}= {code(statement.value, before)} = {change}, so {target} = {total}"
    if isinstance(statement, ast.Return) and statement.value is not None:
        loss = f", with loss = {number_text(after['loss'], 'loss')}" if "loss" in after else ""
        return f"return {code(statement.value, before)}{loss}"
    return code(statement, before)


def _assignment(target: ast.expr, value: ast.expr, before: Scope, after: Scope, vocab: list[str]) -> str:
    left, right = code(target, before), code(value, before)
    if isinstance(target, ast.Tuple):
        results = [evaluate(element, after) for element in target.elts]
        shapes = ["×".join(str(n) for n in r.shape) for r in results if isinstance(r, np.ndarray)]
        return f"{left} = {right}" + (f": arrays of {', '.join(shapes)}" if shapes else "")
    name = _root_name(target)
    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Subscript):
        whole = target.value  # one element set: show the whole array it belongs to
        return f"{left} = {right}, so {code(whole, before)} = {number_text(evaluate(whole, after), name)}"
    if isinstance(value, ast.Constant):
        return f"{left} = {right}"
    result = evaluate(target, after)
    return f"{left} = {right} = {number_text(result, name)}{_index_note(value, result, vocab)}"
