"""The training step's program: one state per line of one update, followed into `forward`, `backward` and the
optimizer's step, recorded by running `make_update` under a tracer."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import Any

import numpy as np

from ..model import rnn
from ..model.tracing import run_traced
from ..refs import DRAWN_STEP_GRADIENTS, PARAM_NAMES, STEPWISE
from ..tracefile import Trace
from .narration import Scope, describe, literal, update_sentence
from .program import Mark, State, _arguments, _made, _statements, _used, forward_source

# Locals holding a `Params`: their attributes are the weights (`params.X`, drawn as X) and gradients (`grads.X`).
HOLDERS = {"params": "", "grads": "grads."}


def functions() -> tuple[Callable[..., Any], ...]:
    """The functions the listing shows, in its order: the update, then what it calls."""
    return rnn.make_update, rnn.forward, rnn.backward, rnn.Optimizer.step


def update_listing() -> tuple[str, dict[Callable[..., Any], int]]:
    """The listing's source (the functions, a blank line apart) and each function's first line in it, minus 1."""
    parts, offsets, line = [], {}, 0
    for function in functions():
        source = forward_source(function)[0]
        offsets[function] = line
        parts.append(source)
        line += source.count("\n") + 1
    return "\n".join(parts), offsets


@dataclass
class _Event:
    function: Callable[..., Any]
    line: int  # in the function's own source
    before: Scope
    aliases: dict[str, str]
    after: Scope = field(default_factory=dict)
    next_aliases: dict[str, str] = field(default_factory=dict)  # as they stand after the line
    final: Scope = field(default_factory=dict)  # the frame's locals at its return


def _frozen(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, rnn.Params | rnn.Optimizer):
        return value.copy()
    if isinstance(value, dict):
        return {key: _frozen(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_frozen(item) for item in value]
    return value


def _aliases(local_vars: dict[str, Any]) -> dict[str, str]:
    """Locals that are one of the weights or gradients themselves (`param`, `grad`) -> `params.X`, `grads.X`."""
    found = {}
    for holder in HOLDERS:
        params = local_vars.get(holder)
        if not isinstance(params, rnn.Params):
            continue
        for name, value in local_vars.items():
            for attribute in PARAM_NAMES:
                if isinstance(value, np.ndarray) and value is getattr(params, attribute):
                    found[name] = f"{holder}.{attribute}"
    return found


def _run(trace: Trace) -> list[_Event]:
    """Every line event of one `make_update` on the trace's window and of the functions it calls, in order."""
    codes = {function.__code__: function for function in functions()}
    events: list[_Event] = []

    def tracer(function: Callable[..., Any]) -> Callable[[FrameType, str, object], Any]:
        mine: list[_Event] = []
        first = forward_source(function)[1]

        def local(frame: FrameType, event: str, arg: object) -> Any:
            snapshot = {name: _frozen(value) for name, value in frame.f_locals.items()}
            if mine:
                mine[-1].after, mine[-1].next_aliases = snapshot, _aliases(frame.f_locals)
            if event == "line":
                mine.append(_Event(function, frame.f_lineno - first + 1, snapshot, _aliases(frame.f_locals)))
                events.append(mine[-1])
            elif event == "return":
                for done in mine:
                    done.final = snapshot
            return local
        return local

    def tracer_for(code: CodeType) -> Any:
        function = codes.get(code)
        return tracer(function) if function is not None else None

    params, inputs, targets, hidden_state_prev = _arguments(trace)
    optimizer = rnn.Optimizer(trace["spec"]["optimizer"], trace["spec"]["learning_rate"], _memory(trace))
    run_traced(lambda: rnn.make_update(params, optimizer, inputs, targets, hidden_state_prev, trace["spec"]["clip"]),
               tracer_for)
    return events


def _memory(trace: Trace) -> list[rnn.Array]:
    """The optimizer's memory before the update, from the trace (none for sgd)."""
    kept = trace["update"].get("memory_before")
    if kept is None:
        return []
    return [np.array(kept[name], dtype=np.float64).reshape(np.shape(trace["params"][name]) if isinstance(
        trace["params"][name][0], list) else (-1, 1)) for name in PARAM_NAMES]


def drawn_values(trace: Trace) -> dict[tuple[str, int | None], rnn.Array]:
    """What the diagram draws for each array of the update (the values it holds at the end of `backward`)."""
    update, steps = trace["update"], len(trace["inputs"])
    drawn: dict[tuple[str, int | None], rnn.Array] = {}
    for name in PARAM_NAMES:
        drawn[(name, None)] = np.array(trace["params"][name], dtype=np.float64)
        drawn[(f"grads.{name}", None)] = np.array(update["grads"][name], dtype=np.float64)
    for t, step in enumerate(update["steps"]):
        for name in DRAWN_STEP_GRADIENTS:
            drawn[(name, t)] = np.array(step[name], dtype=np.float64)
    drawn[("hidden_grad_next", steps)] = np.zeros(len(trace["hidden_state_prev"]))
    for t, forward_step in enumerate(trace["steps"]):
        for name in STEPWISE:
            drawn[(name, t)] = np.array(forward_step[name], dtype=np.float64)
    return drawn


class _Resolver:
    """Which drawn quantity an expression of `backward` or the step names, in one state's scope."""

    def __init__(self, scope: Scope, aliases: dict[str, str], steps: int) -> None:
        self.scope, self.aliases, self.steps = scope, aliases, steps

    def ref(self, node: ast.expr, store: bool = False) -> Mark | None:
        """The mark of a name, `holder.X`, `run.X[t]` or `grad_name[...]` (the whole array), or None."""
        t = self.scope.get("t")
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in HOLDERS:
            return Mark(HOLDERS[node.value.id] + node.attr) if node.attr in PARAM_NAMES else None
        if isinstance(node, ast.Subscript):
            base = node.value
            if (isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name) and base.value.id == "run"
                    and base.attr in STEPWISE):
                key = int(_evaluate(node.slice, self.scope))
                return Mark("hidden_state_prev") if base.attr == "hidden_states" and key < 0 else Mark(base.attr, key)
            if isinstance(base, ast.Name) and base.id == "targets":
                return Mark("target", int(_evaluate(node.slice, self.scope)))
            return self.ref(base, store)
        if not isinstance(node, ast.Name):
            return None
        if node.id in self.aliases:
            holder, attribute = self.aliases[node.id].split(".")
            return Mark(HOLDERS[holder] + attribute)
        if node.id == "hidden_grad_next":
            if t is None:
                return Mark(node.id, self.steps)  # the zeros sent back from beyond the last step
            return Mark(node.id, int(t) if store else int(t) + 1)
        if node.id in DRAWN_STEP_GRADIENTS and t is not None:
            return Mark(node.id, int(t))
        return None

    def used(self, node: ast.AST) -> list[Mark]:
        """Every drawn quantity the expression reads."""
        found: list[Mark] = []
        if isinstance(node, ast.expr):
            mark = self.ref(node)
            if mark is not None and not (isinstance(node, ast.Name) and node.id in HOLDERS):
                found.append(mark)
                if not isinstance(node, ast.Subscript) or isinstance(node.value, ast.Attribute):
                    return found
        for child in ast.iter_child_nodes(node):
            found.extend(self.used(child))
        return list(dict.fromkeys(found))


def _evaluate(node: ast.expr, scope: Scope) -> Any:
    return eval(compile(ast.Expression(node), "<update>", "eval"), vars(rnn), dict(scope))


def _targets(statement: ast.stmt) -> list[ast.expr]:
    if isinstance(statement, ast.Assign):
        return [e for t in statement.targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
    if isinstance(statement, ast.AugAssign):
        return [statement.target]
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        return [k.value for k in statement.value.keywords if k.arg == "out"]  # np.clip(..., out=grad)
    return []


def _value_of(mark: Mark, scope: Scope) -> rnn.Array | None:
    """The array a mark names, as the scope holds it."""
    if "." in mark.ref:
        return np.asarray(getattr(scope["grads"], mark.ref.split(".")[1]))
    if mark.ref in PARAM_NAMES:
        return np.asarray(getattr(scope["params"], mark.ref))
    value = scope.get(mark.ref)
    return np.asarray(value) if isinstance(value, np.ndarray) else None


def _update_marks(statement: ast.stmt, event: _Event, drawn: dict[tuple[str, int | None], rnn.Array],
                  steps: int, sgd_rate: float | None) -> tuple[list[Mark], list[Mark]]:
    """What a line of `backward` or the step made (with its values when they differ from the drawn ones) and used.

    A weight that sgd moved (`sgd_rate`: the learning rate, None for adagrad) is marked `=@sgd`: the page works
    out its new values from the drawn weight and gradient, as numpy did (w - rate * g), instead of reading them."""
    before = _Resolver(event.before, event.aliases, steps)
    made: list[Mark] = []
    running: list[Mark] = []
    for target in _targets(statement):
        mark = before.ref(target, store=True)
        if mark is None or (isinstance(statement, ast.Assign) and isinstance(target, ast.Name)
                            and target.id in event.next_aliases):
            continue  # `param, grad = getattr(...)` names the weights; it changes nothing
        if mark.ref.startswith("grads.") and int(event.after.get("t", 0)) > 0 and "grad" not in event.after:
            running.append(mark)  # a running sum: its sentence gives it; the cells fill once it is whole (t = 0)
            continue
        now = _value_of(mark, event.after)
        if now is not None and not np.array_equal(now.ravel(), drawn[(mark.ref, mark.t)].ravel()):
            stepped = mark.ref in PARAM_NAMES and sgd_rate is not None and np.array_equal(
                now.ravel(), (drawn[(mark.ref, None)] - sgd_rate * drawn[(f"grads.{mark.ref}", None)]).ravel())
            mark = Mark(mark.ref, mark.t, None, tuple(float(x) for x in now.ravel()), "sgd" if stepped else None)
        made.append(mark)
    value: ast.AST | None = statement.iter if isinstance(statement, ast.For) else getattr(statement, "value", None)
    if isinstance(statement, ast.Assign) and not made and event.next_aliases:
        value, before = statement, _Resolver(event.after, event.next_aliases, steps)  # the weights it names
    used = before.used(value) if value is not None else []
    if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Subscript):
        used = [*before.used(statement.target.slice), *used]  # `output_grad[targets[t]]`: the target
    for n, mark in enumerate(made):  # `output_grad = np.copy(run.probabilities[t])`: it holds what that shows
        same = next((u for u in used if u.i is None and u.ref in STEPWISE and mark.values is not None
                     and np.array_equal(np.array(mark.values), drawn[(u.ref, u.t)].ravel())), None)
        if same is not None:
            made[n] = Mark(mark.ref, mark.t, None, mark.values, f"{same.ref}:{same.t}")
    made_keys = {(m.ref, m.t) for m in made}
    return list(dict.fromkeys(made)), [m for m in dict.fromkeys(running + used) if (m.ref, m.t) not in made_keys]


def record_update(trace: Trace) -> tuple[list[State], str]:
    """Run one update on the trace's window under a tracer; its states (lines of the listing) and the listing."""
    source, offsets = update_listing()
    drawn = drawn_values(trace)
    steps = len(trace["inputs"])
    sgd_rate = trace["spec"]["learning_rate"] if trace["spec"]["optimizer"] == "sgd" else None
    states: list[State] = []
    previous: tuple[ast.stmt, _Event] | None = None
    for event in _run(trace):
        statement = _statements(event.function)[event.line]
        if previous and previous[0] is statement and not isinstance(statement, ast.For | ast.While):
            states.pop()  # one statement over several lines: one state, from its first line's locals
            event = _Event(event.function, event.line, previous[1].before, previous[1].aliases, event.after,
                           event.next_aliases, event.final)
        line = statement.lineno + offsets[event.function]
        if event.function is rnn.forward:
            made = _made(statement, event.before, event.after, event.final)
            used = [m for m in _used(statement, event.before) if (m.ref, m.t) not in {(p.ref, p.t) for p in made}
                    and not (m.ref in STEPWISE and m.t is None)]
            sentence, template = describe(statement, event.before, event.after, trace["vocab"])
        else:
            made, used = ([], []) if event.function is rnn.make_update else (
                _update_marks(statement, event, drawn, steps, sgd_rate))
            sentence = update_sentence(statement, event.before, event.after, event.aliases, event.next_aliases)
            template = literal(sentence)  # the update is the trained network's: nothing in it is replayed
        states.append(State(line, tuple(made), tuple(used), sentence, template))
        previous = (statement, event)
    return states, source
