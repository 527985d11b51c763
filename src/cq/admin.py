"""`cq cache`, `cq index` and `cq artifacts`: cache administration as CqResults.

The work is in `cq.cache.admin` (stats, clear, evict, maintenance, migration); this module
turns its plain dicts into results the renderers show (one note line per kind, the full data
in `summary`) and adds the one admin job that needs the scanner: `index --rebuild`. A store
that cannot be opened, read or changed raises `CacheError` (exit 4) instead of a result;
`cache --clear`, `cache --maintenance` and `index --clear` also remove the repository's
`*.corrupt-<run>` copies (`--maintenance --check` only lists them). `cq artifacts` lists,
shows and prunes the saved artifacts (the files are `cq.artifacts`' business).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from cq.artifacts import ArtifactFile, find_artifact, list_artifacts, prune_artifacts
from cq.cache import admin as cache_admin
from cq.cache.coordination import barrier_for
from cq.cache.profile import KINDS, CacheProfile, profile_from_settings
from cq.cache.store import open_store
from cq.discover import Scope, discover_files
from cq.errors import BadInputError
from cq.ids import uuid7_str
from cq.index.session import IndexSession
from cq.index.source import FactSource
from cq.result import CqResult, RunMeta
from cq.runner import RunContext, extractor_tag, toolchain
from cq.settings import Settings

REBUILD_EXPIRE_S = 1800.0
_NO_CONTEXT = RunContext()


class CacheAction(msgspec.Struct, frozen=True, kw_only=True):
    stats: bool = False
    clear: bool = False
    evict_tag: str | None = None
    maintenance: bool = False
    check: bool = False
    migrate: bool = False
    prune: bool = False


class IndexAction(msgspec.Struct, frozen=True, kw_only=True):
    stats: bool = False
    clear: bool = False
    rebuild: bool = False
    evict_tag: str | None = None


def _result(macro: str, settings: Settings, ctx: RunContext, started_ns: int,
            summary: dict[str, Any], notes: list[str]) -> CqResult:
    meta = RunMeta(macro=macro, argv=ctx.argv, root=settings.root,
                   started_ms=started_ns // 1_000_000,
                   elapsed_ms=round((time.time_ns() - started_ns) / 1e6, 1),
                   toolchain=toolchain(), run_id=uuid7_str(), notices=settings.notices)
    return CqResult(run=meta, summary={**summary, "notes": notes})


def _kind_notes(title: str, per_kind: dict[str, Any]) -> list[str]:
    return [f"{title} {kind}: {_describe(value)}" for kind, value in per_kind.items()]


def _describe(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    shown = {k: v for k, v in value.items() if k not in ("notices",) and v not in (None, [], "")}
    return ", ".join(f"{k}={_human(k, v)}" for k, v in shown.items())


def _human(key: str, value: Any) -> str:
    if key in ("oldest", "newest") and isinstance(value, int | float):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(value))
    if key == "size_bytes" and isinstance(value, int):
        return f"{value / 1_000_000:.1f} MB" if value >= 100_000 else f"{value:,} B"
    return str(value)


def _check_cache_action(action: CacheAction) -> None:
    if action.check and not action.maintenance:
        raise BadInputError("--check goes with --maintenance",
                            hint="cq cache --maintenance --check")
    if action.prune and not action.migrate:
        raise BadInputError("--prune goes with --migrate", hint="cq cache --migrate --prune")


def cache_command(settings: Settings, action: CacheAction,
                  ctx: RunContext = _NO_CONTEXT) -> CqResult:
    """Run the requested cache actions in a fixed order; with none, show stats."""
    _check_cache_action(action)
    started = time.time_ns()
    profile = profile_from_settings(settings)
    summary: dict[str, Any] = {}
    notes: list[str] = []
    steps: list[tuple[bool, str, Callable[[], Any]]] = [
        (action.evict_tag is not None, "evicted",
         lambda: cache_admin.cache_evict_tag(profile, action.evict_tag or "")),
        (action.clear, "cleared", lambda: cache_admin.cache_clear(profile, KINDS)),
        (action.maintenance, "maintenance",
         lambda: cache_admin.cache_maintenance(profile, action.check)),
        (action.migrate, "migrated",
         lambda: msgspec.to_builtins(cache_admin.migrate(profile, action.prune))),
    ]
    for wanted, name, run in steps:
        if wanted:
            summary[name] = run()
            notes.extend(_kind_notes(name, summary[name]) if name != "migrated"
                         else [f"migrated: {_describe(summary[name])}"])
    if action.clear or action.maintenance:
        notes.extend(_corrupt_copies(profile, KINDS, action.check and not action.clear,
                                     summary))
    if action.stats or not summary:
        summary["stats"] = cache_admin.cache_stats(profile)
        notes.extend(_kind_notes("cache", summary["stats"]))
    old = cache_admin.old_layout_notice(profile.cache_dir)
    if old and not action.migrate:
        notes.append(old.removeprefix("cq: "))
    return _result("cache", settings, ctx, started, summary, notes)


def index_command(settings: Settings, action: IndexAction,
                  ctx: RunContext = _NO_CONTEXT) -> CqResult:
    started = time.time_ns()
    profile = profile_from_settings(settings)
    summary: dict[str, Any] = {}
    notes: list[str] = []
    if action.evict_tag is not None:
        summary["evicted"] = cache_admin.cache_evict_tag(profile, action.evict_tag, ("index",))
        notes.extend(_kind_notes("evicted", summary["evicted"]))
    if action.clear:
        summary["cleared"] = cache_admin.cache_clear(profile, ("index",))
        notes.extend(_kind_notes("cleared", summary["cleared"]))
        notes.extend(_corrupt_copies(profile, ("index",), False, summary))
    if action.rebuild:
        summary["rebuilt"] = rebuild_index(settings, profile, ctx)
        notes.append(f"rebuilt: {_describe(summary['rebuilt'])}")
    if action.stats or not summary:
        summary["stats"] = cache_admin.cache_stats(profile, ("index",))
        notes.extend(_kind_notes("index", summary["stats"]))
    return _result("index", settings, ctx, started, summary, notes)


def _corrupt_copies(profile: CacheProfile, kinds: tuple[str, ...], check: bool,
                    summary: dict[str, Any]) -> list[str]:
    """Remove (or under --check only list) the repository's corrupt copies of `kinds`."""
    names = cache_admin.remove_corrupt_copies(profile, kinds, check=check)
    if not names:
        return []
    summary["corrupt_copies"] = {"found" if check else "removed": names}
    return [f"corrupt copies {'found' if check else 'removed'}: {', '.join(names)}"]


def rebuild_index(settings: Settings, profile: CacheProfile, ctx: RunContext) -> dict[str, Any]:
    """Clear the index and scan every in-scope file, serialized across processes."""
    if not profile.enabled:
        raise BadInputError("cannot rebuild the index with caching disabled (--no-cache)")

    def rebuild() -> dict[str, Any]:
        cache_admin.cache_clear(profile, ("index",))
        return _scan_everything(settings, profile, ctx)

    coordination = open_store(profile, "coordination")
    try:
        return barrier_for(coordination, "index-rebuild", REBUILD_EXPIRE_S)(rebuild)()
    finally:
        coordination.close()


def _scan_everything(settings: Settings, profile: CacheProfile,
                     ctx: RunContext) -> dict[str, Any]:
    from cq.scan import scan_paths

    root = Path(settings.root)
    store = open_store(profile, "index", uuid7_str())
    try:
        discovery = discover_files(root, Scope())
        session = IndexSession(root, store, settings.max_file_bytes, extractor_tag(settings))
        session.fingerprint(discovery.files)
        source = FactSource(discovery.files, session, lambda paths, kinds: scan_paths(
            root, paths, jobs=settings.jobs, max_file_bytes=settings.max_file_bytes,
            progress=ctx.progress, kinds=kinds))
        source.all_facts()
        session.record(source.scanned)
        flagged = sum(1 for o in source.scanned if o.view.flags)
    finally:
        store.close()
    rebuilt = {"files": len(discovery.files), "scanned": source.files_scanned,
               "flagged": flagged, "status": store.status, "reason": store.reason,
               "directory": str(store.directory)}
    cache_admin.check_failures({"index": rebuilt}, "rebuild the index")
    return rebuilt


class ArtifactsAction(msgspec.Struct, frozen=True, kw_only=True):
    prune: bool = False
    keep: int | None = None  # with prune: None keeps settings.artifacts_keep


def artifacts_command(settings: Settings, action: ArtifactsAction,
                      ctx: RunContext = _NO_CONTEXT) -> CqResult:
    """List the saved artifacts, newest first, or prune them to the newest `keep`."""
    started = time.time_ns()
    directory = settings.artifact_path
    summary: dict[str, Any] = {"directory": str(directory)}
    notes: list[str] = []
    if action.prune:
        keep = settings.artifacts_keep if action.keep is None else action.keep
        removed = prune_artifacts(directory, keep)
        summary["pruned"] = [_artifact_row(a) for a in removed]
        notes.append(f"pruned {len(removed):,} artifact{'s' if len(removed) != 1 else ''}, "
                     f"kept the newest {keep:,}" if keep else "kept every artifact (--keep 0)")
    listed = list_artifacts(directory)
    summary["artifacts"] = [_artifact_row(a) for a in listed]
    notes.extend(f"{a.time} · {a.macro} · {a.run_id} · {_human('size_bytes', a.size)}"
                 for a in listed)
    if not listed:
        notes.append(f"no artifacts in {directory}")
    return _result("artifacts", settings, ctx, started, summary, notes)


def _artifact_row(artifact: ArtifactFile) -> dict[str, Any]:
    return {"time": artifact.time, "command": artifact.macro, "run_id": artifact.run_id,
            "size_bytes": artifact.size, "path": artifact.path}


def artifact_text(settings: Settings, prefix: str) -> str:
    """The saved JSON of the artifact whose run id starts with `prefix`, indented."""
    artifact = find_artifact(settings.artifact_path, prefix)
    try:
        data = Path(artifact.path).read_bytes()
    except OSError as exc:
        raise BadInputError(f"cannot read {artifact.path}: {exc.strerror or exc}") from None
    try:
        return msgspec.json.format(data, indent=2).decode()
    except msgspec.DecodeError:
        raise BadInputError(f"{artifact.path} is not JSON") from None
