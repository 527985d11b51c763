"""Cache settings and on-disk layout: which DiskCache opens where, with which limits (DESIGN §6).

API:
- `CacheSettings` — frozen limits of one kind (size, shards, ttl, eviction, cull, sqlite timeout,
  statistics);
- `CacheProfile` — the repository root, the cache directory, base settings, per-kind overrides
  and whether caching is enabled at all;
- `profile_from_settings(settings) -> CacheProfile` — maps cq's resolved `Settings`;
- `settings_for(profile, kind) -> CacheSettings`;
- `repo_key(root) -> str` — 16 hex chars of blake2b over the resolved root path;
- `layout_dir(cache_dir, version) -> Path`, `kind_dir(profile, kind) -> Path`
  (`<cache_dir>/v<LAYOUT_VERSION>/<repo_key>/<kind>`);
- `make_private_dirs(path)` — creates every missing level with mode 0o700;
- `find_old_layouts(cache_dir)`, `old_layout_notice(cache_dir)` — older `v<n>` layouts, and
  the one line a run prints about them (none when the cache root is untrusted);
- `open_cache(directory, settings)` / `cache_for_kind(profile, kind)` — a `diskcache.Cache`, or a
  `FanoutCache` when shards > 1, always with the no-pickle disk of `cq.cache.disk`.

Opening raises whatever DiskCache or sqlite raise; catching faults is `cq.cache.store`'s job.
This module reads no environment: `Settings` arrives resolved.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from cq.cache.disk import no_pickle_disk
from cq.cache.trust import distrust
from cq.digests import digest

if TYPE_CHECKING:
    from cq.settings import Settings

LAYOUT_VERSION = 1
KINDS = ("index", "query", "coordination")
DIR_MODE = 0o700
MIB = 1024 * 1024


class CacheSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Limits of one cache kind. ttl is seconds (None: entries never expire); sqlite_timeout is
    how long one sqlite call waits for a busy database before the store gives up."""

    size_limit: int = 1024 * MIB
    shards: int = 1
    ttl: float | None = None
    eviction_policy: str = "least-recently-stored"
    cull_limit: int = 10
    sqlite_timeout: float = 2.0
    statistics: bool = True


class CacheProfile(msgspec.Struct, frozen=True, kw_only=True):
    root: Path
    cache_dir: Path
    base: CacheSettings = CacheSettings()
    overrides: dict[str, CacheSettings] = msgspec.field(default_factory=dict)
    enabled: bool = True  # False under --no-cache


class UnknownKindError(ValueError):
    """A kind name outside `KINDS` (a programming error, not a user error)."""


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise UnknownKindError(f"unknown cache kind {kind!r}; kinds: {', '.join(KINDS)}")
    return kind


def profile_from_settings(settings: Settings) -> CacheProfile:
    """Map the resolved options: per-kind sizes, the query kind's ttl and shards, and a small
    never-evicting coordination kind (locks must not be culled while held)."""
    overrides = {
        "index": CacheSettings(size_limit=settings.cache_index_size),
        "query": CacheSettings(size_limit=settings.cache_query_size,
                               shards=max(1, settings.cache_query_shards),
                               ttl=settings.cache_query_ttl),
        "coordination": CacheSettings(size_limit=64 * MIB, eviction_policy="none"),
    }
    return CacheProfile(root=Path(settings.root), cache_dir=Path(settings.cache_dir),
                        overrides=overrides, enabled=not settings.no_cache)


def settings_for(profile: CacheProfile, kind: str) -> CacheSettings:
    return profile.overrides.get(_check_kind(kind), profile.base)


def repo_key(root: Path | str) -> str:
    resolved = str(Path(root).resolve())
    return digest(resolved.encode("utf-8", "surrogateescape"), 8)


def layout_dir(cache_dir: Path, version: int = LAYOUT_VERSION) -> Path:
    return Path(cache_dir) / f"v{version}"


def kind_dir(profile: CacheProfile, kind: str) -> Path:
    return layout_dir(profile.cache_dir) / repo_key(profile.root) / _check_kind(kind)


def make_private_dirs(path: Path) -> Path:
    """Create `path` and any missing parents, each with mode 0o700 (umask notwithstanding).
    Existing directories keep their mode; a non-directory in the way raises OSError."""
    missing = []
    current = Path(path)
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIR_MODE)
        except FileExistsError:
            if not directory.is_dir():
                raise
            continue
        directory.chmod(DIR_MODE)
    return Path(path)


def _diskcache_settings(settings: CacheSettings) -> dict[str, Any]:
    return {
        "size_limit": settings.size_limit,
        "eviction_policy": settings.eviction_policy,
        "cull_limit": settings.cull_limit,
        "statistics": int(settings.statistics),
        # No memory map and a 4 MB page cache per connection (DiskCache's defaults: a 64 MB
        # map and 32 MB): the pages a run touches would otherwise stay in its memory, which
        # then grows with the index (CPython ×4: 34 MB of a cold run's peak). Reads are
        # mostly whole rows once per run: the times are the same.
        "sqlite_mmap_size": 0,
        "sqlite_cache_size": 2**10,
    }


def open_cache(directory: Path, settings: CacheSettings) -> Any:
    """Open (creating if needed) the DiskCache in `directory` with `settings` applied."""
    import diskcache

    make_private_dirs(directory)
    options = _diskcache_settings(settings)
    disk = no_pickle_disk()
    if settings.shards > 1:
        for shard in range(settings.shards):  # FanoutCache's own names; created private here
            make_private_dirs(Path(directory) / f"{shard:03d}")
        return diskcache.FanoutCache(str(directory), shards=settings.shards,
                                     timeout=settings.sqlite_timeout, disk=disk, **options)
    cache_class = _bounded_cache_class(settings.sqlite_timeout)
    return cache_class(str(directory), timeout=settings.sqlite_timeout, disk=disk, **options)


CULL_EVERY = 32  # writes between two culls (DiskCache's own: every write)


@functools.cache
def _bounded_cache_class(timeout_s: float) -> Any:
    """`diskcache.Cache` whose set-up statements give up on "database is locked" after
    `timeout_s` instead of DiskCache's fixed 60 s, so a cache locked by another process
    turns into an uncached run quickly (the store boundary catches the error), and that
    culls every few writes instead of on each. FanoutCache builds its shards itself and
    keeps DiskCache's behaviour."""
    import diskcache

    class BoundedCache(diskcache.Cache):  # type: ignore[misc]
        _writes_since_cull = 0

        def _cull(self, now: float, sql: Any, cleanup: Any, limit: int | None = None) -> None:
            """DiskCache culls on every write (expired rows, then the size check: two
            statements, a third of a cold scan's write-back). Cull on this object's first
            write, then every CULL_EVERY writes with a limit covering the writes between."""
            writes = self._writes_since_cull
            if 0 < writes < CULL_EVERY:
                self._writes_since_cull = writes + 1
                return
            self._writes_since_cull = 1
            base = self.cull_limit if limit is None else limit
            super()._cull(now, sql, cleanup, base * max(1, writes))

        @property
        def _sql_retry(self) -> Callable[..., Any]:
            sql = self._sql
            deadline = time.monotonic() + timeout_s

            def execute(statement: str, *args: Any, **kwargs: Any) -> Any:
                while True:
                    try:
                        return sql(statement, *args, **kwargs)
                    except sqlite3.OperationalError as exc:
                        if str(exc) != "database is locked" or time.monotonic() > deadline:
                            raise
                        time.sleep(0.005)

            return execute

    return BoundedCache


def cache_for_kind(profile: CacheProfile, kind: str) -> Any:
    return open_cache(kind_dir(profile, kind), settings_for(profile, kind))


_LAYOUT_RE = re.compile(r"v(\d+)")


def find_old_layouts(cache_dir: Path) -> list[Path]:
    try:
        children = list(Path(cache_dir).iterdir())
    except OSError:
        return []
    versions = [(int(m.group(1)), p) for p in children
                if (m := _LAYOUT_RE.fullmatch(p.name)) and p.is_dir()]
    return [path for version, path in sorted(versions) if version < LAYOUT_VERSION]


def old_layout_notice(cache_dir: Path) -> str | None:
    old = find_old_layouts(cache_dir)
    if not old or distrust(None, cache_dir) is not None:
        return None  # an untrusted cache is not used at all: its notice says so already
    names = ", ".join(p.name for p in old)
    return f"cq: older cache layout found ({names}); run `cq cache --migrate` to carry it over"
