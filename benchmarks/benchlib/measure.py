"""Time several tools side by side: one untimed warm-up each, then N rounds, interleaved.

Interleaving (cq, ast-grep, rg, cq, ast-grep, rg, ...) spreads background noise over every
tool instead of letting it land on whichever ran during a busy moment. A tool whose run fails
stops being run and is reported as `n/a (...)`; the other tools carry on.
"""

from __future__ import annotations

import shutil
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from benchlib.proc import Invocation, Outcome, run_command

OK_CQ = frozenset({0})
OK_GREP = frozenset({0, 1})  # rg and ast-grep exit 1 when nothing matched


@dataclass(frozen=True)
class Spec:
    """A tool in a row: how to build each invocation and which exit codes mean success."""

    tool: str
    make: Callable[[], Invocation]
    ok: frozenset[int] = OK_CQ


@dataclass
class Measure:
    """Timings of one tool in one row; `error` holds the n/a text when it failed."""

    tool: str
    argv: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    error: str | None = None
    last: Outcome | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.times)

    def median(self) -> float | None:
        return statistics.median(self.times) if self.ok else None

    def cell(self) -> str:
        if self.error:
            return self.error
        if not self.times:
            return ""
        low, mid, high = min(self.times), statistics.median(self.times), max(self.times)
        return f"{low:.3f} / {mid:.3f} / {high:.3f}"

    def to_json(self) -> dict[str, object]:
        return {"tool": self.tool, "argv": self.argv, "times_s": self.times,
                "error": self.error}


@dataclass(frozen=True)
class Budget:
    """How many timed runs, whether to warm up first, and the per-command timeout."""

    runs: int
    warmup: bool
    timeout: float


def run_spec(spec: Spec, measure: Measure, budget: Budget,
             sample_rss: bool = False) -> Outcome | None:
    """One run of `spec`; records a failure in `measure` and returns None on failure."""
    inv = spec.make()
    try:
        outcome = run_command(inv, budget.timeout, sample_rss)
    finally:
        if inv.cleanup_dir is not None:
            shutil.rmtree(inv.cleanup_dir, ignore_errors=True)
    measure.argv = inv.argv
    measure.last = outcome
    measure.error = outcome.failure(spec.ok, budget.timeout)
    return None if measure.error else outcome


def measure_side_by_side(specs: list[Spec], budget: Budget) -> dict[str, Measure]:
    """Warm up each spec once (if the budget says so), then time `runs` interleaved rounds."""
    measures = {spec.tool: Measure(spec.tool) for spec in specs}
    live = list(specs)
    if budget.warmup:
        live = [spec for spec in live if run_spec(spec, measures[spec.tool], budget)]
    for _ in range(budget.runs):
        for spec in list(live):
            outcome = run_spec(spec, measures[spec.tool], budget)
            if outcome is None:
                live.remove(spec)
            else:
                measures[spec.tool].times.append(outcome.seconds)
    return measures


def ratio(numerator: Measure | None, denominator: Measure | None) -> float | None:
    """Ratio of medians, or None when either side has no timings."""
    top = numerator.median() if numerator else None
    bottom = denominator.median() if denominator else None
    if top is None or not bottom:
        return None
    return top / bottom
