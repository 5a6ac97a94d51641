"""What a trace says about how its training went: the build's report line and its warnings (no numpy needed)."""

from __future__ import annotations

from .tracefile import Trace

ROUNDING_LIMIT = 1000.0  # a one-ulp nudge grown past this many ulps means chaos; calibrated in model/health.py
RECENT_UPDATES = 100  # the final loss is the mean window loss over this many last updates


def _number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def report_line(trace: Trace, seconds: float | None) -> str:
    """One line per network: name, updates, seconds (None: from the cache), final loss against chance, window right."""
    training = trace["training"]
    how = "cached" if seconds is None else "trained"
    took = "" if seconds is None else f" in {seconds:.2f} s"
    window = f"window {training['window_correct']}/{len(trace['targets'])} right"
    if not training["updates"]:
        return f"{how} {trace['name']}: 0 updates (untrained){took}, {window}"
    return (f"{how} {trace['name']}: {training['updates']:,} updates{took}, final loss "
            f"{_number(training['recent_loss'])} (chance {_number(training['chance_loss'])}), {window}")


def training_warnings(trace: Trace) -> list[tuple[str, str]]:
    """The (name, message) warnings a trained network deserves: did-not-learn and chaotic."""
    training = trace["training"]
    if not training["updates"]:
        return []
    found = []
    name, spec = trace["name"], trace["spec"]
    recent, chance = training["recent_loss"], training["chance_loss"]
    wrong = len(trace["targets"]) - training["window_correct"]
    advice = "train it for more updates or try another learning-rate"
    if chance > 0 and recent > chance / 2:
        found.append(("did-not-learn", f"'{name}' did not learn: its final loss, {_number(recent)} (the mean over "
                                       f"the last {min(RECENT_UPDATES, training['updates'])} updates), is no "
                                       f"better than half of chance ({_number(chance)}); {advice}"))
    elif wrong:
        found.append(("did-not-learn", f"'{name}' did not learn: it gets the shown window wrong, {wrong} of "
                                       f"{len(trace['targets'])} targets do not get the highest probability; "
                                       f"{advice}"))
    growth = training["rounding_growth"]
    if growth >= ROUNDING_LIMIT:
        fix = "a smaller learning-rate" if spec["optimizer"] == "adagrad" else "a smaller learning-rate or adagrad"
        found.append(("chaotic", f"the numbers of '{name}' depend on floating-point rounding: training again from "
                                 "weights changed in their last bit ends "
                                 f"{growth:.2g} units in the last place away, so another machine or numpy "
                                 f"may print other numbers; try {fix}"))
    return found
