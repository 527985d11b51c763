"""The library surface: every command of the CLI is one call here returning a CqResult.

The API owns a run: it mints the run id, times it, resolves the scope, drives the pipeline
stages (discover → scan → query), wraps the outcome in a CqResult with fresh RunMeta and
saves the artifact. It never prints; the CLI renders and writes.
"""

from __future__ import annotations

import sys
import time
from functools import partial
from pathlib import Path

import msgspec

from cq import __version__
from cq.artifacts import save_artifact
from cq.discover import Scope, check_in_path, discover_files
from cq.ids import uuid7_str
from cq.index.source import FactSource
from cq.query.execute import execute_query
from cq.query.parse import Query, parse_query
from cq.query.plan import plan_query
from cq.result import CqResult, RunMeta, result_json_schema
from cq.scan import scan_paths
from cq.settings import Settings


class RunContext(msgspec.Struct, frozen=True, kw_only=True):
    """What the caller knows about the invocation but the settings do not."""

    argv: tuple[str, ...] = ()
    progress: bool = False


def toolchain() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ast_grep = version("ast-grep-py")
    except PackageNotFoundError:  # pragma: no cover - only in broken installs
        ast_grep = "unknown"
    return {"cq": __version__, "python": sys.version.split()[0], "ast-grep-py": ast_grep}


def _run_meta(macro: str, settings: Settings, ctx: RunContext, run_id: str,
              started_ns: int) -> RunMeta:
    return RunMeta(macro=macro, argv=ctx.argv, root=settings.root,
                   started_ms=started_ns // 1_000_000,
                   elapsed_ms=round((time.time_ns() - started_ns) / 1e6, 1),
                   toolchain=toolchain(), run_id=run_id)


def _scope(root: Path, query: Query) -> Scope:
    return Scope(in_paths=tuple(check_in_path(root, p) for p in query.in_paths),
                 exclude=query.exclude, globs=query.globs)


def run_query(settings: Settings, text: str, ctx: RunContext = RunContext()) -> CqResult:
    """`cq q TEXT`: parse, plan, discover, scan what the plan needs, execute."""
    started_ns = time.time_ns()
    run_id = uuid7_str()
    query = parse_query(text)
    plan = plan_query(query)
    root = Path(settings.root)
    discovery = discover_files(root, _scope(root, query), explain=query.explain)
    scanner = partial(scan_paths, root, jobs=settings.jobs,
                      max_file_bytes=settings.max_file_bytes, progress=ctx.progress)
    source = FactSource(root, discovery.files, scanner, settings.max_file_bytes)
    outcome = execute_query(query, plan, source, discovery)
    summary = {"query": text, **outcome.summary}
    result = CqResult(run=_run_meta("q", settings, ctx, run_id, started_ns), summary=summary,
                      key_findings=outcome.key_findings, sections=outcome.sections)
    return finish(result, settings)


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

