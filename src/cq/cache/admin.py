"""Library functions behind `cq cache ...` and `cq index ...` (DESIGN §6, Admin and Migration).

Each function opens the stores it needs for one repository (`CacheProfile`), closes them, and
returns plain data; the CLI renders it. A kind whose directory does not exist is reported as
"absent" and is never created by a read-only command. An admin command must not report
success on a cache it could not use: every kind is tried, then `CacheError` (exit 4) names
the first store that could not be opened, read or changed (read-only, unopenable, untrusted),
its directory and why, and the other kinds that failed (`check_failures`).

API:
- `cache_stats(profile, kinds=KINDS) -> dict[kind, dict]` — status, reason, directory,
  entries (query: stored results), size_bytes, hits and misses (DiskCache's persistent
  counters: every get, bookkeeping included), oldest / newest store time (Unix seconds);
- `cache_clear(profile, kinds=KINDS) -> dict[kind, int]` — entries removed;
- `cache_evict_tag(profile, tag, kinds=("index", "query")) -> dict[kind, int]` — query entries
  carrying `tag`; for the index, `file:<path>` removes that file's facts;
- `cache_maintenance(profile, check) -> dict[kind, dict]` — under `barrier_for(..., "maintenance")`:
  DiskCache `check(fix=not check)`, and unless `check`, `expire()`, `cull()` and (query) a
  tag-index vacuum;
- `corrupt_copies(profile, kinds) -> list[Path]`, `remove_corrupt_copies(profile, kinds,
  check=False) -> list[str]` — this repository's `<kind>.corrupt-<run>` directories;
- `find_old_layouts(cache_dir) -> list[Path]` — `v<n>` directories with n < LAYOUT_VERSION;
  `old_layout_notice(cache_dir) -> str | None` — the one line a run prints about them;
- `migrate(profile, prune) -> MigrationReport` — copies this repository's entries from older
  layouts when their values decode under the current schema (index: headers of the current
  facts schema and facts rows that decode; query: `StoredResult`s and tag-index lists),
  keeping their remaining ttl; old directories stay until `prune=True` removes this
  repository's part of them. An old layout another user could write is not read. Any error
  raises `CacheError`; under --no-cache, `BadInputError`.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import msgspec

from cq.cache.coordination import barrier_for
from cq.cache.index import (
    FACTS_PREFIX,
    PART_PREFIX,
    PART_TYPES,
    FactsRecord,
    IndexCache,
    IndexRecord,
)
from cq.cache.profile import (
    KINDS,
    CacheProfile,
    find_old_layouts,
    kind_dir,
    repo_key,
)
from cq.cache.profile import old_layout_notice as old_layout_notice  # part of this API
from cq.cache.query import RESULT_PREFIX, QueryCache, StoredResult
from cq.cache.reader import read_entries
from cq.cache.store import Store, decode, open_store
from cq.cache.tags import TAG_PREFIX, TAGS_OF_PREFIX, TagIndex
from cq.cache.trust import distrust
from cq.errors import BadInputError, CacheError
from cq.facts import FACTS_SCHEMA_VERSION

MAINTENANCE_EXPIRE_S = 600.0


class MigrationReport(msgspec.Struct, frozen=True):
    sources: tuple[str, ...] = ()
    copied: dict[str, int] = msgspec.field(default_factory=dict)
    skipped: dict[str, int] = msgspec.field(default_factory=dict)
    errors: tuple[str, ...] = ()
    pruned: tuple[str, ...] = ()


def _absent(profile: CacheProfile, kind: str) -> dict[str, Any] | None:
    if not profile.enabled:
        return {"status": "disabled", "reason": "caching disabled (--no-cache)"}
    directory = kind_dir(profile, kind)
    if not directory.is_dir():
        untrusted = distrust(profile.cache_dir, directory)
        if untrusted is not None:  # nothing to read, but an admin command must still say so
            return {"status": "disabled", "reason": untrusted, "directory": str(directory)}
        return {"status": "absent", "directory": str(directory)}
    return None


def _with_store(profile: CacheProfile, kind: str, work: Callable[[Store], dict[str, Any]],
                ) -> dict[str, Any]:
    absent = _absent(profile, kind)
    if absent is not None:
        return absent
    store = open_store(profile, kind)
    try:
        found = work(store) if store.trusted() else {}
    finally:
        store.close()
    found.update(status=store.status, reason=store.reason, notices=list(store.notices),
                 directory=str(store.directory))
    return found


def _failed(per_kind: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(kind, found) for kind, found in per_kind.items()
            if found.get("status") == "disabled" and "--no-cache" not in str(found["reason"])]


def check_failures(per_kind: dict[str, dict[str, Any]], action: str) -> dict[str, dict[str, Any]]:
    """`per_kind` unchanged when every store could be used; else `CacheError` naming the
    first store that could not, its directory and why, and the other kinds that failed."""
    failed = _failed(per_kind)
    if not failed:
        return per_kind
    kind, found = failed[0]
    others = [k for k, _ in failed[1:]]
    also = f" (also failed: {', '.join(others)})" if others else ""
    raise CacheError(f"cannot {action}: the {kind} cache at {found.get('directory')}: "
                     f"{found['reason']}{also}")


def _entries(kind: str, store: Store, rows: int) -> int:
    """What a user calls entries: stored results (query), files (index), else rows."""
    if kind == "query":
        return store.count(RESULT_PREFIX)
    if kind == "index":
        # Headers are keyed by path; every other index row (facts, literal memos) starts "/".
        return rows - store.count("/")
    return rows


def _kind_stats(kind: str) -> Callable[[Store], dict[str, Any]]:
    def work(store: Store) -> dict[str, Any]:
        stats, span = store.stats(), store.time_range()
        return {"entries": _entries(kind, store, stats.entries),
                "size_bytes": stats.size_bytes, "hits": stats.hits, "misses": stats.misses,
                "oldest": span.oldest, "newest": span.newest}

    return work


def cache_stats(profile: CacheProfile,
                kinds: Iterable[str] = KINDS) -> dict[str, dict[str, Any]]:
    per_kind = {kind: _with_store(profile, kind, _kind_stats(kind)) for kind in kinds}
    return check_failures(per_kind, "read cache statistics")


def _clear(kind: str) -> Callable[[Store], dict[str, Any]]:
    def work(store: Store) -> dict[str, Any]:
        entries = _entries(kind, store, store.stats().entries)
        store.clear()
        return {"n": entries if store.enabled else 0}

    return work


def cache_clear(profile: CacheProfile, kinds: Iterable[str] = KINDS) -> dict[str, int]:
    """Remove every entry of `kinds`; per kind, the entries removed (as `cache_stats` counts)."""
    per_kind = check_failures({kind: _with_store(profile, kind, _clear(kind)) for kind in kinds},
                              "clear the cache")
    return {kind: int(found.get("n", 0)) for kind, found in per_kind.items()}


def _evict_in(kind: str, tag: str) -> Callable[[Store], dict[str, Any]]:
    def work(store: Store) -> dict[str, Any]:
        if kind == "query":
            return {"n": QueryCache(store).evict_tag(tag)}
        if kind == "index" and tag.startswith("file:"):
            return {"n": IndexCache(store).forget([tag[len("file:"):]])}
        return {"n": 0}

    return work


def cache_evict_tag(profile: CacheProfile, tag: str,
                    kinds: Iterable[str] = ("index", "query")) -> dict[str, int]:
    per_kind = check_failures({kind: _with_store(profile, kind, _evict_in(kind, tag))
                               for kind in kinds}, f"evict {tag}")
    return {kind: int(found.get("n", 0)) for kind, found in per_kind.items()}


def _maintain(kind: str, check: bool) -> Callable[[Store], dict[str, Any]]:
    def work(store: Store) -> dict[str, Any]:
        report = store.maintain(fix=not check)
        vacuumed = TagIndex(store).vacuum() if kind == "query" and not check else 0
        return {"warnings": list(report.warnings), "expired": report.expired,
                "culled": report.culled, "tag_refs_dropped": vacuumed}

    return work


def cache_maintenance(profile: CacheProfile, check: bool) -> dict[str, dict[str, Any]]:
    """Check (and unless `check`, repair, expire and cull) every kind, serialized across
    processes by a barrier in the coordination store."""

    def run_all() -> dict[str, dict[str, Any]]:
        per_kind = {kind: _with_store(profile, kind, _maintain(kind, check)) for kind in KINDS}
        return check_failures(per_kind, "check the cache" if check else "maintain the cache")

    if not profile.enabled:
        return run_all()
    coordination = open_store(profile, "coordination")
    try:
        return barrier_for(coordination, "maintenance", MAINTENANCE_EXPIRE_S)(run_all)()
    finally:
        coordination.close()


def corrupt_copies(profile: CacheProfile, kinds: Iterable[str] = KINDS) -> list[Path]:
    """This repository's `<kind>.corrupt-<run>` directories (databases moved aside by a
    rebuild: they hold source text, so they do not stay forever); none under --no-cache."""
    if not profile.enabled:
        return []
    repo_dir = kind_dir(profile, KINDS[0]).parent
    return sorted(path for kind in kinds for path in repo_dir.glob(f"{kind}.corrupt-*")
                  if path.is_dir())


def remove_corrupt_copies(profile: CacheProfile, kinds: Iterable[str] = KINDS,
                          check: bool = False) -> list[str]:
    """The names of this repository's corrupt copies of `kinds`, removed unless `check`."""
    found = corrupt_copies(profile, kinds)
    if not found or check:
        return [path.name for path in found]
    untrusted = distrust(profile.cache_dir, found[0].parent)
    if untrusted is not None:
        raise CacheError(f"cannot remove corrupt cache copies: {untrusted}")
    for path in found:
        try:
            shutil.rmtree(path)
        except OSError as exc:
            raise CacheError(f"cannot remove the corrupt cache copy {path}: {exc}") from exc
    return [path.name for path in found]


def _valid_index(key: str, data: bytes) -> bool:
    if key.startswith(FACTS_PREFIX):
        decode(data, FactsRecord)
        return True
    if key.startswith(PART_PREFIX):
        part = PART_TYPES.get(key[len(PART_PREFIX):].split("/", 1)[0])
        if part is None:
            return False
        decode(data, part)
        return True
    return decode(data, IndexRecord).schema_version == FACTS_SCHEMA_VERSION


def _valid_query(key: str, data: bytes) -> bool:
    if key.startswith(RESULT_PREFIX):
        decode(data, StoredResult)
    elif key.startswith((TAG_PREFIX, TAGS_OF_PREFIX)):
        decode(data, list[str])
    else:
        return False
    return True


_VALIDATORS: dict[str, Callable[[str, bytes], bool]] = {"index": _valid_index,
                                                        "query": _valid_query}


def _still_valid(kind: str, key: str, data: bytes) -> bool:
    try:
        return _VALIDATORS[kind](key, data)
    except msgspec.DecodeError:
        return False


def _copy_kind(source: Path, target: Store, kind: str) -> tuple[int, int]:
    now, copied, skipped = time.time(), 0, 0
    with target.transact():
        for key, data, expire_at in read_entries(source):
            remaining = None if expire_at is None else expire_at - now
            if (remaining is not None and remaining <= 0) or not _still_valid(kind, key, data):
                skipped += 1
                continue
            copied += bool(target.set_bytes(key, data, expire=remaining))
    if kind == "query":
        TagIndex(target).vacuum()
    return copied, skipped


def _migrate_repo(profile: CacheProfile, old_repo: Path, report: dict[str, Any]) -> None:
    for kind in _VALIDATORS:
        source = old_repo / kind
        if not source.is_dir():
            continue
        untrusted = distrust(profile.cache_dir, source)
        if untrusted is not None:  # another user could have written what it holds
            report["errors"].append(f"{source.name} not migrated: {untrusted}")
            continue
        target = open_store(profile, kind)
        try:
            copied, skipped = _copy_kind(source, target, kind)
        except (ImportError, sqlite3.Error, OSError) as exc:
            report["errors"].append(f"{source}: {type(exc).__name__}: {exc}")
            continue
        finally:
            target.close()
        if target.status != "ok":  # nothing it said it copied was kept
            report["errors"].append(f"{target.directory}: {target.reason}")
            continue
        report["copied"][kind] = report["copied"].get(kind, 0) + copied
        report["skipped"][kind] = report["skipped"].get(kind, 0) + skipped


def _prune(layout: Path, old_repo: Path) -> list[str]:
    removed = []
    if old_repo.is_dir():
        shutil.rmtree(old_repo)
        removed.append(str(old_repo))
    if layout.is_dir() and not any(layout.iterdir()):
        layout.rmdir()
        removed.append(str(layout))
    return removed


def migrate(profile: CacheProfile, prune: bool) -> MigrationReport:
    """Carry this repository's still-valid entries from older layouts into the current one."""
    report: dict[str, Any] = {"sources": [], "copied": {}, "skipped": {}, "errors": [],
                              "pruned": []}
    if not profile.enabled:
        raise BadInputError("cannot migrate the cache with caching disabled (--no-cache)")
    untrusted = distrust(profile.cache_dir, kind_dir(profile, "index"))
    if untrusted is not None:  # neither source nor target may be used
        return _checked(MigrationReport(errors=(untrusted,)))
    for layout in find_old_layouts(profile.cache_dir):
        old_repo = layout / repo_key(profile.root)
        if old_repo.is_dir():
            report["sources"].append(str(old_repo))
            _migrate_repo(profile, old_repo, report)
        if prune:
            try:
                report["pruned"].extend(_prune(layout, old_repo))
            except OSError as exc:
                report["errors"].append(f"prune {old_repo}: {exc}")
    return _checked(MigrationReport(
        sources=tuple(report["sources"]), copied=report["copied"], skipped=report["skipped"],
        errors=tuple(report["errors"]), pruned=tuple(report["pruned"])))


def _checked(report: MigrationReport) -> MigrationReport:
    if not report.errors:
        return report
    more = len(report.errors) - 1
    also = f" (and {more} more)" if more else ""
    copied = sum(report.copied.values())
    raise CacheError(f"cache migration failed: {report.errors[0]}{also}; "
                     f"{copied} entr{'y' if copied == 1 else 'ies'} copied")
