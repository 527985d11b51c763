"""The library surface: every command of the CLI is one call here returning a CqResult.

Each function turns its arguments into a `cq.runner.Request` plus a compute function and lets
`run_cached` do the run (ids, scope, caches, timing); then `finish` saves the artifact. It
never prints; the CLI renders, writes, and shows `RunMeta.notices` on stderr. Path arguments
(`in=`, `--in`, `--include`/`--exclude`, a file TARGET) are relative to `Settings.workdir`
and made root-relative here, first (`cq.workdir`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from cq.artifacts import save_artifact
from cq.cache.query import Previous
from cq.discover import Discovery, Scope, check_in_path
from cq.errors import BadInputError
from cq.index.source import FactSource
from cq.query.parse import Query, parse_query
from cq.query.plan import Plan, plan_query, reusable
from cq.result import CqResult, result_json_schema
from cq.runner import CFG_FORMAT, Outcome, Request, RunContext, run_cached
from cq.settings import Settings
from cq.workdir import globs_from_workdir, path_from_workdir

__all__ = ["RunContext", "finish", "hazards", "macro", "report", "run_query", "schema"]

_NO_CONTEXT = RunContext()


def _scope(root: Path, query: Query) -> Scope:
    return Scope(in_paths=tuple(check_in_path(root, p) for p in query.in_paths),
                 exclude=query.exclude, globs=query.globs)


def run_query(settings: Settings, text: str, ctx: RunContext = _NO_CONTEXT,
              filters: dict[str, Any] | None = None) -> CqResult:
    """`cq q TEXT`: parse and plan (bad input fails here, before any work), then run; the
    result filters (`{"confidence": "high"}`, as the macros take them) narrow the answer."""
    chosen = None
    if filters and any(value is not None for value in filters.values()):
        from cq.resultfilter import parse_filters

        chosen = parse_filters(**filters)
    query = _query_from_workdir(parse_query(text), settings.workdir)
    plan = plan_query(query)
    request = Request(macro="q", text=text, canonical=query.canonical(),
                      plan=tuple(plan.describe()), scope=_scope(Path(settings.root), query),
                      explain=query.explain, draw_cfg=settings.format == CFG_FORMAT,
                      reusable=reusable(query))
    result = run_cached(settings, ctx, request,
                        _query_compute(query, plan, settings.jobs, settings.test_paths))
    if chosen is not None:
        from cq.resultfilter import apply_filters

        result = apply_filters(result, chosen)
    return finish(result, settings)


def _query_from_workdir(query: Query, workdir: str) -> Query:
    if not workdir or not query.in_paths:
        return query
    in_paths = tuple(path_from_workdir(workdir, p, "in=") for p in query.in_paths)
    return msgspec.structs.replace(query, in_paths=in_paths)


def _query_compute(query: Query, plan: Plan, jobs: int, test_paths: tuple[str, ...]):
    def compute(source: FactSource, discovery: Discovery,
                previous: Previous | None = None) -> Outcome:
        from cq.query.execute import execute_query  # a cache hit never needs the engine
        from cq.score import score_all  # scored like a macro's, for --impact/--confidence

        outcome = execute_query(query, plan, source, discovery, jobs=jobs,
                                test_paths=test_paths, previous=previous)
        key, sections = score_all(outcome.key_findings, outcome.sections)
        return Outcome(key_findings=key, sections=sections, summary=outcome.summary,
                       reuse_flagged=outcome.reuse_flagged)

    return compute


def macro(settings: Settings, name: str, args: dict[str, Any] | None = None,
          ctx: RunContext = _NO_CONTEXT) -> CqResult:
    """Any registered macro (`cq.macros.MACRO_MODULES`) by name, with its arguments by option
    name (`{"target": "join", "in_": "src", "limit": 5}`); bad input fails before any work."""
    from cq.macros.run import run_macro

    given = _args_from_workdir(name, dict(args or {}), settings.workdir)
    return finish(run_macro(settings, name, given, ctx), settings)


# Macros whose TARGET may be a path (`cq.macros.target.is_path`) rather than a symbol.
_PATH_TARGETS = frozenset({"scopes", "bytecode-surface"})


def _args_from_workdir(name: str, args: dict[str, Any], workdir: str) -> dict[str, Any]:
    """The path arguments of macro `name`, typed in `workdir`, made root-relative."""
    if not workdir:
        return args
    if isinstance(args.get("in_"), str):
        args["in_"] = path_from_workdir(workdir, args["in_"], "--in")
    for key in ("include", "exclude"):
        if isinstance(args.get(key), str):
            args[key] = globs_from_workdir(workdir, args[key], f"--{key}")
    target = args.get("target")
    if name in _PATH_TARGETS and isinstance(target, str) and _path_like(target):
        args["target"] = _still_a_path(path_from_workdir(workdir, target, "TARGET"))
    return args


def _path_like(text: str) -> bool:
    from cq.macros.target import is_path

    return is_path(text) or text.strip() == ".."


def _still_a_path(path: str) -> str:
    """A directory that lost its slash in the join (`..` → `pkg`) must still read as a path."""
    return path if _path_like(path) else path + "/"


def hazards(settings: Settings, category: str | None = None, severity: str | None = None,
            in_dir: str | None = None, ctx: RunContext = _NO_CONTEXT) -> CqResult:
    """`cq hazards`: the registry's hits, optionally by category and severity."""
    return macro(settings, "hazards", {"category": category, "severity": severity,
                                       "in_": in_dir}, ctx)


def report(settings: Settings, preset: str, target: str, *, param: str | None = None,
           to: str | None = None, in_dir: str | None = None,
           filters: dict[str, Any] | None = None, ctx: RunContext = _NO_CONTEXT) -> CqResult:
    """`cq report PRESET --target KIND:NAME`: the preset's macros as one bundle, narrowed by
    the result filters (`{"limit": 5, "impact": "high"}`, as the CLI options)."""
    from cq.macros.run import run_macro
    from cq.report import ReportInput, check_options, run_report
    from cq.resultfilter import apply_filters, parse_filters

    for flag, value in (("--param", param), ("--to", to), ("--in", in_dir)):
        if value is not None and not value.strip():
            raise BadInputError(f"report: {flag} needs a value")
    workdir = settings.workdir
    given = _args_from_workdir("report", {"in_": in_dir, **(filters or {})}, workdir)
    in_dir = given.pop("in_")
    chosen = parse_filters(**given)
    if in_dir:
        check_in_path(Path(settings.root), in_dir)
    inp = ReportInput(target=_report_target(target, workdir), param=param, to=to,
                      in_dir=in_dir)
    if inp.target.kind == "file":
        check_in_path(Path(settings.root), inp.target.name)
    check_options(preset, inp)
    result = run_report(settings, preset, inp, ctx, run_macro, _locator(settings, ctx))
    return finish(apply_filters(result, chosen), settings)


def _report_target(text: str, workdir: str) -> Any:
    from cq.report import Target, parse_target

    target = parse_target(text)
    if target.kind != "file" or not workdir:
        return target
    return Target(kind="file", name=path_from_workdir(workdir, target.name, "file:"))


def _locator(settings: Settings, ctx: RunContext) -> Any:
    """Where a report's symbol target is defined: (file, module) pairs from a cached `q`."""
    from cq.details import DefinitionDetails

    # the target's in_dir is root-relative already: no working directory to resolve against
    quiet = msgspec.structs.replace(settings, save_artifact=False, fail_on=None, workdir="")

    def locate(target: Any, in_dir: str | None) -> tuple[tuple[str, str], ...]:
        text = f"entity={target.kind} name={target.name}"
        if in_dir:
            text += ' in="' + in_dir.replace('"', '\\"') + '"'  # q's quoting
        found = run_query(quiet, text, ctx)
        return tuple(dict.fromkeys(
            (f.anchor.file, f.details.module) for f in found.key_findings
            if f.anchor is not None and isinstance(f.details, DefinitionDetails)))

    return locate


def finish(result: CqResult, settings: Settings) -> CqResult:
    """Judge `--fail-on` on the (filtered) result, then save the artifact unless disabled;
    a failed save is a note, never a lost answer."""
    if settings.fail_on is not None:
        from cq.resultfilter import judge_fail_on  # not on the hot path of every run

        result = judge_fail_on(result, settings.fail_on)
    if settings.include_possible:  # what the graph formats draw (cq.render.graph)
        result = msgspec.structs.replace(result, summary={**result.summary,
                                                          "include_possible": True})
    if not settings.save_artifact:
        return result
    try:
        return save_artifact(result, settings.artifact_path, settings.artifacts_keep)
    except OSError as exc:
        notes = [*result.summary.get("notes", []), f"artifact not saved: {exc}"]
        return msgspec.structs.replace(result, summary={**result.summary, "notes": notes})


def schema() -> dict[str, object]:
    return result_json_schema()
