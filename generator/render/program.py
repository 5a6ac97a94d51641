"""The player's program: one state per line `forward` executed, recorded by running it under a tracer."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from types import FrameType
from typing import Any

import numpy as np

from ..model import rnn
from ..model.tracing import run_traced
from ..refs import CODE_NAMES, PER_STEP, STEPWISE
from ..tracefile import Trace
from .narration import Scope, describe, evaluate, literal


@dataclass(frozen=True)
class Mark:
    """A quantity a state touches: a whole array, or element i of it; t is None for weights."""

    ref: str
    t: int | None = None
    i: int | None = None
    values: tuple[float, ...] | None = None  # what it held then, when that differs from the final value
    same_as: str | None = None  # or: it held what this drawn array (`ref:t`) shows at the end, or `sgd`'s step

    def token(self) -> str:
        """`ref`, `ref:t`, `ref:t:i` or `ref::i`, then `=v,v,...` (or `=@ref:t`) when it held other values then."""
        fields = [self.ref] + ([] if self.t is None and self.i is None else [str(self.t if self.t is not None else "")])
        fields += [] if self.i is None else [str(self.i)]
        values = "" if self.values is None else "=" + ",".join(repr(v) for v in self.values)
        values = f"=@{self.same_as}" if self.same_as else values
        return ":".join(fields) + values


@dataclass(frozen=True)
class State:
    """One executed line: where it is in the listing, what it wrote and read, and what it did in words."""

    line: int
    made: tuple[Mark, ...]
    used: tuple[Mark, ...]
    sentence: str
    template: str  # the sentence with slots for the numbers the weights decide (narration's module docstring)

    def attributes(self) -> dict[str, str | None]:
        """The state as the script reads it from its `<li>`: the line, what it made, what it used (None: nothing),
        and its template when it has slots."""
        return {"data-line": str(self.line), "data-made": " ".join(m.token() for m in self.made) or None,
                "data-used": " ".join(m.token() for m in self.used) or None,
                "data-say": None if self.template == literal(self.sentence) else self.template}


@cache
def forward_source(function: Callable[..., Any]) -> tuple[str, int]:
    """The source of a function (`forward`) exactly as the listing shows it, and the file line it starts on."""
    lines, first = inspect.getsourcelines(function)
    return textwrap.dedent("".join(lines)), first


@cache
def _statements(forward: Callable[..., Any]) -> dict[int, ast.stmt]:
    """Each line of `forward`'s body -> the innermost statement that spans it (parsed once)."""
    function = ast.parse(forward_source(forward)[0]).body[0]
    by_line: dict[int, ast.stmt] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.stmt) and node is not function:
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                if line not in by_line or by_line[line].lineno < node.lineno:
                    by_line[line] = node
    return by_line


def record_program(trace: Trace) -> list[State]:
    """Run `forward` on the trace's window under a tracer and describe every line it executed."""
    forward = rnn.forward  # looked up now, so a changed `forward` is what gets described
    events, final = _run(forward, trace)
    afters = [before for _, before in events[1:]] + [final]
    runs: list[tuple[ast.stmt, Scope, Scope]] = []
    for (line, before), after in zip(events, afters, strict=True):
        statement = _statements(forward)[line]
        if runs and runs[-1][0] is statement and not isinstance(statement, ast.For | ast.While):
            runs[-1] = (statement, runs[-1][1], after)  # one statement over several lines: one state
        else:
            runs.append((statement, before, after))
    states = []
    for statement, before, after in runs:
        made = _made(statement, before, after, final)
        used = [m for m in _used(statement, before) if (m.ref, m.t) not in {(p.ref, p.t) for p in made}
                and not (m.ref in STEPWISE and m.t is None)]  # `return ForwardPass(xs, ...)`: every step
        sentence, template = describe(statement, before, after, trace["vocab"])
        states.append(State(statement.lineno, tuple(made), tuple(used), sentence, template))
    return states


def _arguments(trace: Trace) -> tuple[rnn.Params, list[int], list[int], rnn.Array]:
    def column(values: list[float]) -> rnn.Array:
        return np.array(values, dtype=np.float64).reshape(-1, 1)

    def matrix(rows: list[list[float]]) -> rnn.Array:
        return np.array(rows, dtype=np.float64)

    p = trace["params"]
    params = rnn.Params(matrix(p["input_weights_U"]), matrix(p["hidden_weights_W"]), column(p["hidden_bias"]),
                        matrix(p["output_weights_V"]), column(p["output_bias"]))
    return params, list(trace["inputs"]), list(trace["targets"]), column(trace["hidden_state_prev"])


def _snapshot(local_vars: dict[str, Any]) -> Scope:
    def frozen(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            return value.copy()
        if isinstance(value, dict):
            return {key: frozen(item) for key, item in value.items()}
        return value

    return {name: frozen(value) for name, value in local_vars.items()}


def _run(forward: Callable[..., Any], trace: Trace) -> tuple[list[tuple[int, Scope]], Scope]:
    """Every line event of one call of `forward` with the locals before it, and the locals at return."""
    code, first = forward.__code__, forward_source(forward)[1]
    events: list[tuple[int, Scope]] = []
    final: Scope = {}

    def local(frame: FrameType, event: str, arg: object) -> Any:
        if event == "line":
            events.append((frame.f_lineno - first + 1, _snapshot(frame.f_locals)))
        elif event == "return":
            final.update(_snapshot(frame.f_locals))
        return local

    run_traced(lambda: forward(*_arguments(trace)), lambda c: local if c is code else None)
    return events, final


def _index_chain(node: ast.Subscript) -> tuple[ast.expr, list[ast.expr]]:
    """`a[x][y]` -> (a, [x, y])."""
    indices: list[ast.expr] = []
    current: ast.expr = node
    while isinstance(current, ast.Subscript):
        indices.insert(0, current.slice)
        current = current.value
    return current, indices


def _element(index: Any) -> int:
    """The row an element index picks: `v[2]` and `v[2, 0]` both pick row 2."""
    return int(index[0] if isinstance(index, tuple) else index)


def _mark(name: str, indices: list[Any], scope: Scope) -> Mark | None:
    """The mark for `name[indices...]` (or plain `name`), or None when it names nothing drawn."""
    ref = CODE_NAMES.get(name)
    if ref is None:
        return None
    t = scope.get("t")
    if name in STEPWISE:
        if not indices:
            return Mark(ref)
        key = int(indices[0])
        element = _element(indices[1]) if len(indices) > 1 else None
        if name == "hidden_states" and key < 0:
            return Mark("hidden_state_prev", None, element)
        return Mark(ref, key, element)
    if ref in PER_STEP:
        if indices:
            return Mark(ref, int(indices[0]))
        return Mark(ref, t) if t is not None else None
    return Mark(ref)


def _marks_in(node: ast.AST, scope: Scope, found: list[Mark]) -> None:
    """Every quantity an expression reads, with its time step and element resolved in scope."""
    if isinstance(node, ast.Subscript):
        root, indices = _index_chain(node)
        if isinstance(root, ast.Name) and root.id in CODE_NAMES:
            mark = _mark(root.id, [evaluate(index, scope) for index in indices], scope)
            if mark is not None:
                found.append(mark)
            for index in indices:
                _marks_in(index, scope, found)
            return
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        mark = _mark(node.id, [], scope)
        if mark is not None:
            found.append(mark)
        return
    for child in ast.iter_child_nodes(node):
        _marks_in(child, scope, found)


def _unique(marks: list[Mark]) -> list[Mark]:
    return list(dict.fromkeys(marks))


def _used(statement: ast.stmt, before: Scope) -> list[Mark]:
    found: list[Mark] = []
    if isinstance(statement, ast.AugAssign):
        old = _assigned(statement.target, before)
        if old is not None and old.t is not None and old.t > 0:
            found.append(Mark(old.ref, old.t - 1))  # a per-step total carries the previous step's value
    value = statement.iter if isinstance(statement, ast.For) else getattr(statement, "value", None)
    if isinstance(value, ast.AST):
        _marks_in(value, before, found)
    return _unique(found)


def _assigned(target: ast.expr, before: Scope) -> Mark | None:
    if isinstance(target, ast.Name):
        return _mark(target.id, [], before)
    if isinstance(target, ast.Subscript):
        root, indices = _index_chain(target)
        if isinstance(root, ast.Name):
            return _mark(root.id, [evaluate(index, before) for index in indices], before)
    return None


def _made(statement: ast.stmt, before: Scope, after: Scope, final: Scope) -> list[Mark]:
    if isinstance(statement, ast.Assign):
        targets = [e for t in statement.targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
    elif isinstance(statement, ast.AugAssign | ast.AnnAssign):
        targets = [statement.target]
    else:
        return []
    marks = []
    for target in targets:
        mark = _assigned(target, before)
        if mark is None or (mark.ref in STEPWISE and mark.t is None):
            continue  # a whole dict of steps (`xs = {}`) draws nothing until a step is filled
        if mark.i is None and mark.t is not None and mark.ref in STEPWISE:
            now, last = after[mark.ref][mark.t], final[mark.ref][mark.t]
            if not np.array_equal(now, last):
                mark = Mark(mark.ref, mark.t, None, tuple(float(x) for x in now.ravel()))
        marks.append(mark)
    return _unique(marks)


@cache
def _loop_line(forward: Callable[..., Any]) -> int:
    function = ast.parse(forward_source(forward)[0]).body[0]
    return next(node.lineno for node in ast.walk(function) if isinstance(node, ast.For))


def forward_loop_line() -> int:
    """The listing line of `forward`'s loop over the window's steps."""
    return _loop_line(rnn.forward)
