"""The library surface: every command of the CLI is one call here returning a CqResult.

Each function turns its arguments into a `cq.runner.Request` plus a compute function and lets
`run_cached` do the run (ids, scope, caches, timing); then `finish` saves the artifact. It
never prints; the CLI renders, writes, and shows `RunMeta.notices` on stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from cq.artifacts import save_artifact
from cq.discover import Discovery, Scope, check_in_path
from cq.index.source import FactSource
from cq.query.parse import Query, parse_query
from cq.query.plan import Plan, plan_query
from cq.result import CqResult, result_json_schema
from cq.runner import Outcome, Request, RunContext, run_cached
from cq.settings import Settings

if TYPE_CHECKING:
    from cq.hazards.report import HazardSelection

__all__ = ["RunContext", "finish", "hazards", "run_query", "schema"]

_NO_CONTEXT = RunContext()


def _scope(root: Path, query: Query) -> Scope:
    return Scope(in_paths=tuple(check_in_path(root, p) for p in query.in_paths),
                 exclude=query.exclude, globs=query.globs)


def run_query(settings: Settings, text: str, ctx: RunContext = _NO_CONTEXT) -> CqResult:
    """`cq q TEXT`: parse and plan (bad input fails here, before any work), then run."""
    query = parse_query(text)
    plan = plan_query(query)
    request = Request(macro="q", text=text, canonical=query.canonical(),
                      plan=tuple(plan.describe()), scope=_scope(Path(settings.root), query),
                      explain=query.explain)
    result = run_cached(settings, ctx, request, _query_compute(query, plan, settings.jobs))
    return finish(result, settings)


def _query_compute(query: Query, plan: Plan, jobs: int):
    def compute(source: FactSource, discovery: Discovery) -> Outcome:
        from cq.query.execute import execute_query  # a cache hit never needs the engine

        outcome = execute_query(query, plan, source, discovery, jobs=jobs)
        return Outcome(key_findings=outcome.key_findings, sections=outcome.sections,
                       summary=outcome.summary)

    return compute


def hazards(settings: Settings, category: str | None = None, severity: str | None = None,
            in_dir: str | None = None, ctx: RunContext = _NO_CONTEXT) -> CqResult:
    """`cq hazards`: validate the selection (bad input fails here), then run the registry."""
    from cq.hazards.registry import registry_digest
    from cq.hazards.report import parse_selection

    selection = parse_selection(category, severity)
    root = Path(settings.root)
    in_paths = (check_in_path(root, in_dir),) if in_dir else ()
    digest = registry_digest()
    text = " ".join(["hazards", *selection.flags(), *(f"--in {p}" for p in in_paths)])
    request = Request(macro="hazards", text=text,
                      canonical=msgspec.json.encode([selection, digest]).decode(),
                      plan=(f"hazard registry {digest}",
                            "select " + (" ".join(selection.flags()) or "every rule")),
                      scope=Scope(in_paths=in_paths))
    result = run_cached(settings, ctx, request, _hazards_compute(settings, selection))
    return finish(result, settings)


def _hazards_compute(settings: Settings, selection: HazardSelection):
    def compute(source: FactSource, discovery: Discovery) -> Outcome:

        from cq.hazards.compile import load_rules
        from cq.hazards.report import run_hazards

        report = run_hazards(source, load_rules(settings), selection, settings.jobs)
        return Outcome(key_findings=report.key_findings, sections=report.sections,
                       summary=report.summary)

    return compute


def finish(result: CqResult, settings: Settings) -> CqResult:
    """Save the artifact unless disabled; a failed save is a note, never a lost answer."""
    if not settings.save_artifact:
        return result
    try:
        return save_artifact(result, settings.artifact_path)
    except OSError as exc:
        notes = [*result.summary.get("notes", []), f"artifact not saved: {exc}"]
        return msgspec.structs.replace(result, summary={**result.summary, "notes": notes})


def schema() -> dict[str, object]:
    return result_json_schema()
