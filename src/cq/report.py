"""`cq report PRESET --target KIND:NAME`: a bundle of macros run as one answer.

A preset is a row of steps (data, `PRESETS`); each step is a macro whose arguments are
derived from the target and the report's options (`--param`, `--to`, `--in`). A step whose
input is missing (no `--param` for `impact`, a module target for `calls`) is listed as
skipped with the reason; a step whose input is rejected (an unknown function) is listed as
failed with the error's one line — the report goes on either way. Every step runs through
the macro runner, so each is cached on its own and a repeated report is a set of cache hits.

The bundle keeps every step's findings with `details.step` naming the source step;
sections are the steps' sections with the step in the title and kind (`calls.sites`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from cq.discover import Scope, check_in_path, discover_files
from cq.errors import BadInputError
from cq.ids import uuid7_str
from cq.modules import module_name
from cq.progress import current
from cq.result import ControlFlow, CqResult, Finding, RunMeta, Section
from cq.runner import RunContext, toolchain
from cq.settings import Settings

TARGET_KINDS = ("function", "method", "class", "module", "file")
_SYMBOL_KINDS = ("function", "method", "class")
_NAME = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")


class Target(msgspec.Struct, frozen=True):
    kind: str
    name: str

    @property
    def text(self) -> str:
        return f"{self.kind}:{self.name}"


class ReportInput(msgspec.Struct, frozen=True, kw_only=True):
    target: Target
    param: str | None = None
    to: str | None = None
    in_dir: str | None = None
    module_file: str | None = None  # the file of a module target, when the repo has it
    # Where a symbol target is defined: (file, module) pairs, in path order.
    places: tuple[tuple[str, str], ...] = ()


# A step's arguments from the report input, or the reason it cannot run.
Args = dict[str, Any]
Derive = Callable[[ReportInput], "Args | str"]


def _symbol(step: str) -> Callable[[ReportInput], Target | str]:
    def check(inp: ReportInput) -> Target | str:
        if inp.target.kind not in _SYMBOL_KINDS:
            return f"{step} needs a function, method or class target, not {inp.target.kind}"
        return inp.target

    return check


def _calls(inp: ReportInput) -> Args | str:
    target = _symbol("calls")(inp)
    return target if isinstance(target, str) else {"target": target.name}


def _impact(inp: ReportInput) -> Args | str:
    if inp.target.kind not in ("function", "method"):
        return f"impact needs a function or method target, not {inp.target.kind}"
    if not inp.param:
        return "impact needs --param"
    return {"target": inp.target.name, "param": inp.param}


def _sig_impact(inp: ReportInput) -> Args | str:
    target = _symbol("sig-impact")(inp)
    if isinstance(target, str):
        return target
    return {"target": target.name, "to": inp.to} if inp.to else "sig-impact needs --to"


def _imports(cycles: bool) -> Derive:
    def derive(inp: ReportInput) -> Args | str:
        args: Args = {"cycles": True} if cycles else {}
        if inp.target.kind in ("module", "file"):  # imports --module takes a path too
            args["module"] = inp.target.name
        elif inp.target.kind in _SYMBOL_KINDS:  # the imports of the module defining it
            place = _one_place("imports", inp)
            if isinstance(place, str):
                return place
            args["module"] = place[1]
        return args

    return derive


def _one_place(step: str, inp: ReportInput) -> tuple[str, str] | str:
    """The (file, module) defining a symbol target, or why the step cannot narrow to it: a
    report on a symbol never runs a step over the whole repository."""
    if not inp.places:
        return f"{step}: no {inp.target.kind} {inp.target.name} defined in scope"
    files = sorted({file for file, _ in inp.places})
    if len(files) > 1:
        return (f"{step}: {inp.target.name} is defined in {len(files)} files "
                f"({', '.join(files[:3])}); give --target file:PATH")
    return inp.places[0]


def _exceptions(inp: ReportInput) -> Args | str:
    if inp.target.kind in _SYMBOL_KINDS:
        return {"function": inp.target.name}  # a class: every def inside it
    return _in_target_file("exceptions")(inp)


def _in_target_file(step: str) -> Derive:
    """For a file or module target, the step runs on that file; for a symbol, on the file
    that defines it (its module-level findings are not tied to one def)."""

    def derive(inp: ReportInput) -> Args | str:
        if inp.target.kind == "file":
            return {"in_": inp.target.name}
        if inp.target.kind == "module":
            if inp.module_file is None:
                return f"{step}: no file in scope defines module {inp.target.name}"
            return {"in_": inp.module_file}
        place = _one_place(step, inp)
        return place if isinstance(place, str) else {"in_": place[0]}

    return derive


def _code_target(step: str) -> Derive:
    def derive(inp: ReportInput) -> Args | str:
        if inp.target.kind != "module":
            return {"target": inp.target.name}
        if inp.module_file is None:
            return f"{step}: no file in scope defines module {inp.target.name}"
        return {"target": inp.module_file}

    return derive


STEPS: dict[str, tuple[str, Derive]] = {
    "calls": ("calls", _calls),
    "impact": ("impact", _impact),
    "sig-impact": ("sig-impact", _sig_impact),
    "imports": ("imports", _imports(cycles=False)),
    "imports-cycles": ("imports", _imports(cycles=True)),
    "exceptions": ("exceptions", _exceptions),
    "side-effects": ("side-effects", _in_target_file("side-effects")),
    "hazards": ("hazards", _in_target_file("hazards")),
    "bytecode-surface": ("bytecode-surface", _code_target("bytecode-surface")),
    "scopes": ("scopes", _code_target("scopes")),
}

PRESETS: dict[str, tuple[str, ...]] = {
    "refactor-impact": ("calls", "impact", "sig-impact", "imports", "exceptions",
                        "side-effects"),
    "safety-reliability": ("exceptions", "side-effects", "hazards"),
    "change-propagation": ("impact", "calls", "bytecode-surface", "scopes"),
    "dependency-health": ("imports-cycles", "side-effects", "scopes"),
}


def parse_target(text: str) -> Target:
    kind, colon, name = text.partition(":")
    if not colon or kind not in TARGET_KINDS or not name.strip():
        raise BadInputError(f"bad --target {text!r}",
                            hint=f"KIND:NAME with KIND one of {', '.join(TARGET_KINDS)}, "
                                 "e.g. function:main or file:src/app.py")
    name = name.strip()
    if kind != "file" and not _NAME.match(name):
        raise BadInputError(f"bad --target name {name!r}",
                            hint="a dotted Python name, e.g. Class.method or pkg.mod")
    return Target(kind, name)


# Report options only some steps read: giving one to a preset without such a step is an error,
# never a silently ignored option.
OPTION_STEPS = {"--param": ("impact",), "--to": ("sig-impact",)}


def check_preset(preset: str) -> tuple[str, ...]:
    steps = PRESETS.get(preset)
    if steps is None:
        raise BadInputError(f"unknown report preset {preset!r}",
                            hint=f"valid: {', '.join(PRESETS)}")
    return steps


def check_options(preset: str, inp: ReportInput) -> None:
    """Refuse --param / --to when no step of the preset would read them."""
    steps = check_preset(preset)
    given = {"--param": inp.param, "--to": inp.to}
    for flag, readers in OPTION_STEPS.items():
        if given[flag] is not None and not set(readers) & set(steps):
            users = [name for name, row in PRESETS.items() if set(readers) & set(row)]
            raise BadInputError(f"{flag} is not used by the {preset} preset",
                                hint=f"presets that use it: {', '.join(users)}")


class StepOutcome(msgspec.Struct, frozen=True, kw_only=True):
    step: str
    macro: str
    status: str  # ran | skipped | failed
    reason: str = ""
    result: CqResult | None = None
    elapsed_ms: float = 0.0


MacroRunner = Callable[[Settings, str, Args, RunContext], CqResult]
# Where a symbol target is defined: (file, module) pairs (the `q` engine, through the API).
Locator = Callable[[Target, "str | None"], tuple[tuple[str, str], ...]]
# Steps that read the file or module of a symbol target.
_PLACED_STEPS = ("imports", "imports-cycles", "side-effects", "hazards")


def run_report(settings: Settings, preset: str, inp: ReportInput, ctx: RunContext,
               run_macro: MacroRunner, locate: Locator | None = None) -> CqResult:
    """Run every step of `preset` (validated first) and bundle the results."""
    steps = check_preset(preset)
    check_options(preset, inp)
    started_ns = time.time_ns()
    if inp.target.kind == "module":
        inp = msgspec.structs.replace(inp, module_file=module_file(settings, inp))
    if (inp.target.kind in _SYMBOL_KINDS and locate is not None
            and set(steps) & set(_PLACED_STEPS)):
        inp = msgspec.structs.replace(inp, places=locate(inp.target, inp.in_dir))
    outcomes = []
    for number, step in enumerate(steps, 1):
        current().step(number, len(steps), step)
        outcomes.append(_run_step(settings, step, inp, ctx, run_macro))
    return _bundle(settings, preset, inp, ctx, outcomes, started_ns)


def module_file(settings: Settings, inp: ReportInput) -> str | None:
    """The in-scope file whose module name is the target's (a package's `__init__` too)."""
    root = Path(settings.root)
    scope = Scope(in_paths=(check_in_path(root, inp.in_dir),) if inp.in_dir else ())
    paths = [ref.path for ref in discover_files(root, scope).files
             if module_name(ref.path) == inp.target.name]
    return min(paths, default=None)


def _run_step(settings: Settings, step: str, inp: ReportInput, ctx: RunContext,
              run_macro: MacroRunner) -> StepOutcome:
    macro, derive = STEPS[step]
    args = derive(inp)
    if isinstance(args, str):
        return StepOutcome(step=step, macro=macro, status="skipped", reason=args)
    if inp.in_dir and "in_" not in args:
        args = {**args, "in_": inp.in_dir}
    started = time.perf_counter()
    try:
        result = run_macro(settings, macro, args, ctx)
    except BadInputError as exc:
        return StepOutcome(step=step, macro=macro, status="failed", reason=exc.one_line())
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    return StepOutcome(step=step, macro=macro, status="ran", result=result, elapsed_ms=elapsed)


def _tag(findings: tuple[Finding, ...], step: str) -> tuple[Finding, ...]:
    return tuple(msgspec.structs.replace(f, details=msgspec.structs.replace(f.details, step=step))
                 for f in findings)


def _step_sections(outcome: StepOutcome) -> list[Section]:
    result = outcome.result
    if result is None:
        return []
    key = Section(title=f"{outcome.step}: key findings", kind=f"{outcome.step}.key",
                  findings=_tag(result.key_findings, outcome.step))
    rest = [msgspec.structs.replace(s, title=f"{outcome.step}: {s.title}",
                                    kind=f"{outcome.step}.{s.kind}",
                                    findings=_tag(s.findings, outcome.step))
            for s in result.sections]
    return [key, *rest] if key.findings else rest


def _step_row(outcome: StepOutcome) -> dict[str, Any]:
    row: dict[str, Any] = {"step": outcome.step, "macro": outcome.macro,
                           "status": outcome.status}
    if outcome.reason:
        row["reason"] = outcome.reason
    if outcome.result is not None:
        summary = outcome.result.summary
        row["query"] = summary.get("query", "")
        row["findings"] = len(outcome.result.key_findings) + sum(
            len(s.findings) for s in outcome.result.sections)
        row["cache"] = summary.get("cache", {}).get("status", "")
        if summary.get("headline"):  # the step's own counts (calls: its tiers)
            row["headline"] = summary["headline"]
    return row


def _bundle(settings: Settings, preset: str, inp: ReportInput, ctx: RunContext,
            outcomes: list[StepOutcome], started_ns: int) -> CqResult:
    sections = tuple(s for o in outcomes for s in _step_sections(o))
    rows = [_step_row(o) for o in outcomes]
    notes = [_note(row) for row in rows]
    summary: dict[str, Any] = {
        "query": _text(preset, inp), "preset": preset, "target": inp.target.text,
        "steps": rows, "matches": sum(r.get("findings", 0) for r in rows),
        "step_summaries": {o.step: _plain_summary(o.result) for o in outcomes if o.result},
        "notes": notes,
    }
    run = RunMeta(macro="report", argv=ctx.argv, root=settings.root,
                  started_ms=started_ns // 1_000_000,
                  elapsed_ms=round((time.time_ns() - started_ns) / 1e6, 1),
                  toolchain=toolchain(), run_id=uuid7_str(), notices=_notices(settings, outcomes),
                  stages_ms={o.step: o.elapsed_ms for o in outcomes if o.status == "ran"})
    return CqResult(run=run, summary=summary, sections=sections, cfg=_first_cfg(outcomes))


def _first_cfg(outcomes: list[StepOutcome]) -> ControlFlow | None:
    """The first step's drawn control flow (`--format mermaid-cfg`), else the first reason."""
    flows = [o.result.cfg for o in outcomes if o.result is not None and o.result.cfg]
    return next((flow for flow in flows if flow.blocks), flows[0] if flows else None)


def _note(row: dict[str, Any]) -> str:
    if row["status"] != "ran":
        return f"{row['step']} {row['status']}: {row['reason']}"
    counts = f" — {row['headline']}" if row.get("headline") else ""
    return f"{row['step']}: {row['findings']} findings (cache {row['cache'] or 'off'}){counts}"


def _plain_summary(result: CqResult | None) -> dict[str, Any]:
    if result is None:
        return {}
    return {k: v for k, v in result.summary.items() if k not in ("cache_stats",)}


def _notices(settings: Settings, outcomes: list[StepOutcome]) -> tuple[str, ...]:
    found = [*settings.notices, *(n for o in outcomes if o.result for n in o.result.run.notices)]
    return tuple(dict.fromkeys(found))


def _text(preset: str, inp: ReportInput) -> str:
    parts = ["report", preset, "--target", inp.target.text]
    for flag, value in (("--param", inp.param), ("--to", inp.to), ("--in", inp.in_dir)):
        parts.extend([flag, value] if value else [])
    return " ".join(parts)
