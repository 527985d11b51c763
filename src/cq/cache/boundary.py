"""The fault boundary under `cq.cache.store`: lazy connections, faults, corruption, batches.

Private to the store adapter (only `cq.cache.store` imports it). `Boundary` owns:
- the connections: a plain-SQL `Reader` for reads until the first write, then the DiskCache
  object (`open_cache`) for everything; a sharded store always uses DiskCache;
- `guard(op, fn, default)` and `_read(...)`: every call into sqlite/DiskCache runs here, and
  `sqlite3.Error`, `OSError`, `diskcache.Timeout` become a disabled store (or, for a corrupt
  database, a rebuilt one) and the call's default;
- `transact()` / `read_batch()`: one sqlite transaction per batch, rolled back on any fault;
- `close(flush_counters=True)`.
See `cq.cache.store` for the behaviour callers see.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from cq.cache.profile import CacheSettings, open_cache
from cq.cache.reader import Reader, SchemaDamage, check_databases
from cq.cache.trust import distrust

T = TypeVar("T")

STATUS_OK = "ok"
STATUS_DISABLED = "disabled"
CORRUPTION_MARKERS = ("file is not a database", "database disk image is malformed",
                      "malformed database schema", "unsupported file format")
_MAX_REASON = 200


class _Rollback(Exception):
    """Thrown into DiskCache's transaction to make it roll back."""


def one_line(exc: BaseException) -> str:
    name = type(exc).__name__
    text = " ".join(str(exc).split()) or "no detail"
    if name == "Timeout":
        text = "database is locked (sqlite timeout)"
    return f"{name}: {text}"[:_MAX_REASON]


def is_corruption(exc: BaseException) -> bool:
    if isinstance(exc, SchemaDamage):
        return True
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and any(m in text for m in CORRUPTION_MARKERS)


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:
        return None


def is_fanout(cache: Any) -> bool:
    # FanoutCache.__getattr__ asserts on unknown names, so look in the instance dict.
    return "_shards" in vars(cache)


@contextlib.contextmanager
def _fanout_transact(cache: Any) -> Iterator[None]:
    # FanoutCache.transact insists on retry=True, which retries a busy shard forever; take the
    # shards' transactions ourselves so a busy database ends in Timeout, as with a Cache.
    with contextlib.ExitStack() as stack:
        for shard in cache._shards:
            stack.enter_context(shard.transact(retry=False))
        yield


def _transaction(cache: Any) -> contextlib.AbstractContextManager[Any]:
    return _fanout_transact(cache) if is_fanout(cache) else cache.transact(retry=False)


def diskcache_missing() -> str | None:
    try:
        found = importlib.util.find_spec("diskcache") is not None
    except (ImportError, ValueError) as exc:  # ValueError: sys.modules["diskcache"] is None
        return one_line(exc)
    return None if found else "No module named 'diskcache'"


# A resident process keeps the DiskCache objects it opened, by directory and settings, so
# a run that writes does not open the database again (`pool_backends`); None: no pool.
_POOL: dict[tuple[str, Any], tuple[Any, int]] | None = None


def pool_backends(enabled: bool) -> None:
    """Keep closed stores' DiskCache objects for the next run (a resident engine), or close
    the kept ones and stop keeping them."""
    global _POOL
    kept, _POOL = _POOL, ({} if enabled else None)
    for cache, _ in (kept or {}).values():
        with contextlib.suppress(Exception):
            cache.close()


def _pooled(directory: Path, settings: Any, inode: int | None) -> Any:
    """The kept DiskCache object of this directory, unless the directory was replaced since
    (moved aside as corrupt by another process, cleared away): then it is closed."""
    if _POOL is None:
        return None
    found = _POOL.pop((str(directory), settings), None)
    if found is None:
        return None
    cache, kept_inode = found
    if kept_inode == inode:
        return cache
    with contextlib.suppress(Exception):
        cache.close()
    return None


class Boundary:
    """Connections, faults, corruption and batches: the state half of `Store`."""

    def __init__(self, kind: str, directory: Path | None, settings: CacheSettings,
                 run_id: str, top: Path | None = None) -> None:
        self.kind, self.directory, self.settings, self.run_id = kind, directory, settings, run_id
        self.top = top  # the cache root: every level from it down to `directory` is checked
        self._trust_checked = False
        self.status = STATUS_OK
        self.reason: str | None = None
        self.notices: list[str] = []
        self.rebuilt = False
        self.moved_to: Path | None = None
        self.dropped = self.faults = 0
        self._cache: Any = None
        self._reader: Reader | None = None
        self._unflushed = [0, 0]  # hits, misses seen by the reader, not yet in the database
        self._errors: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)
        self._depth, self._closed = 0, False
        self._pending: tuple[str, BaseException] | None = None
        self._inode: int | None = None

    @property
    def enabled(self) -> bool:
        return self.status == STATUS_OK and not self._closed

    def _open_errors(self) -> tuple[type[BaseException], ...]:
        # A tampered Settings table can also make DiskCache's constructor raise these.
        return (*self._errors, TypeError, ValueError, KeyError)

    def trusted(self) -> bool:
        """Whether the store may be used (checking its directory now, if not done yet)."""
        return self._trusted()

    def _trusted(self) -> bool:
        """Check once, before the first read or write, that no other user can write any level
        of the store's directory (`cq.cache.trust`); otherwise disable the store, so nothing
        is read from or created inside it."""
        if not self._trust_checked and self.directory is not None:
            self._trust_checked = True
            reason = distrust(self.top, self.directory)
            if reason is not None:
                self._disable(reason)
        return self.enabled

    def _backend(self) -> Any:
        if self._cache is None and self.enabled:
            self._open_backend()
        return self._cache

    def _open_backend(self) -> None:
        try:
            import diskcache
        except ImportError as exc:
            self._disable(f"diskcache not importable: {one_line(exc)}")
            return
        self._errors = (sqlite3.Error, OSError, diskcache.Timeout)
        self._close_reader()
        if not self._trusted():
            return
        assert self.directory is not None
        try:
            check_databases(self.directory)  # before DiskCache reads its Settings rows
            self._cache = _pooled(self.directory, self.settings, _inode(self.directory)) or \
                open_cache(self.directory, self.settings)
            self._inode = _inode(self.directory)
        except self._open_errors() as exc:
            self._handle_failure("open", exc)

    def _open_reader(self) -> Reader | None:
        if self._reader is None and self.directory is not None and self._trusted():
            self._reader = Reader.open(self.directory, self.settings.sqlite_timeout)
            if self._reader is not None and self._inode is None:
                self._inode = _inode(self.directory)
        return self._reader

    def _close_reader(self) -> None:
        reader, self._reader = self._reader, None
        hits, misses = self._unflushed
        self._unflushed = [0, 0]
        if reader is None:
            return
        with contextlib.suppress(*self._errors):
            if self.settings.statistics and (hits or misses):
                reader.add_counters(hits, misses)
        with contextlib.suppress(*self._errors):
            reader.close()

    def _close_backend(self, keep: bool = False) -> None:
        cache, self._cache = self._cache, None
        if cache is None:
            return
        if keep and _POOL is not None and self.status == STATUS_OK and self._inode and \
                self.directory is not None and self._pending is None:
            _POOL[(str(self.directory), self.settings)] = (cache, self._inode)
            return
        with contextlib.suppress(*self._errors):
            cache.close()

    def _handle_failure(self, op: str, exc: BaseException) -> None:
        self.faults += 1
        if is_corruption(exc) and not self.rebuilt and self.directory is not None:
            self._rebuild(exc)
        else:
            self._disable(f"{op}: {one_line(exc)}")

    def _rebuild(self, cause: BaseException) -> None:
        self.rebuilt = True
        self._unflushed = [0, 0]
        self._close_reader()
        self._close_backend()
        assert self.directory is not None
        aside = self.directory.with_name(f"{self.directory.name}.corrupt-{self.run_id}")
        try:
            if self._inode is None or self._inode == _inode(self.directory):
                os.rename(self.directory, aside)  # else another process already replaced it
                self.moved_to = aside
            self._cache = open_cache(self.directory, self.settings)
            self._inode = _inode(self.directory)
        except self._open_errors() as exc:
            self._disable(f"rebuild after corruption failed: {one_line(exc)}")
            return
        self.notices.append(f"cq: {self.kind} cache was corrupt ({one_line(cause)}); "
                            f"moved aside to {aside.name} and rebuilt")

    def _disable(self, reason: str, notify: bool = True) -> None:
        self._close_reader()
        self._close_backend()
        self.status, self.reason = STATUS_DISABLED, reason
        if notify:
            self.notices.append(f"cq: {self.kind} cache disabled, running uncached: {reason}")

    def _fault(self, op: str, exc: BaseException) -> None:
        if self._depth:
            self._pending = self._pending or (op, exc)
        else:
            self._handle_failure(op, exc)

    def close(self, flush_counters: bool = True) -> None:
        """Close the connections; afterwards every call is a no-op. With statistics on, the
        reads counted since opening are first added to DiskCache's hit/miss counters: one
        small write (about 1.5 ms on an idle disk, more when fsync is contended), which a
        caller in a hurry may skip with `flush_counters=False`."""
        if not flush_counters:
            self._unflushed = [0, 0]
        self._close_reader()
        self._close_backend(keep=True)
        self._closed = True

    def guard(self, op: str, fn: Callable[[Any], T], default: T) -> T:
        """`fn(diskcache object)` inside the boundary; `default` when disabled or on a fault."""
        if not self.enabled or self._pending is not None:
            return default
        try:
            cache = self._backend()
            return default if cache is None else fn(cache)
        except self._errors as exc:
            self._fault(op, exc)
            return default

    def _read(self, op: str, via_cache: Callable[[Any], T], via_reader: Callable[[Reader], T],
              default: T) -> T:
        if self._cache is not None or self.settings.shards > 1:
            return self.guard(op, via_cache, default)
        if not self.enabled or self._pending is not None:
            return default
        try:
            reader = self._open_reader()
            return default if reader is None else via_reader(reader)
        except self._errors as exc:
            self._fault(op, exc)
            return default

    # -- transactions -------------------------------------------------------------------

    def read_batch(self) -> contextlib.AbstractContextManager[None]:
        """For many reads in a row: one transaction when reads go through DiskCache (with
        statistics on, each DiskCache read is otherwise a write transaction of its own);
        nothing when they go through the plain-SQL reader."""
        if self._cache is not None or self.settings.shards > 1:
            return self.transact()
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def transact(self) -> Iterator[None]:
        """One sqlite transaction for every operation inside; nested calls join the outer one.
        A store fault inside rolls the batch back and disables (or rebuilds) the store; an
        exception from the caller's own code rolls back and propagates."""
        txn = None if self._depth or not self.enabled else self._begin()
        if txn is None:
            yield
            return
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._end(txn, rollback=True)
            raise
        self._depth = 0
        self._end(txn, rollback=self._pending is not None)

    def _begin(self) -> contextlib.AbstractContextManager[Any] | None:
        try:
            cache = self._backend()
            if cache is None:
                return None
            txn = _transaction(cache)
            txn.__enter__()
            return txn
        except self._errors as exc:
            self._handle_failure("begin transaction", exc)
            return None

    def _end(self, txn: contextlib.AbstractContextManager[Any], rollback: bool) -> None:
        try:
            if rollback:
                txn.__exit__(_Rollback, _Rollback(), None)
            else:
                txn.__exit__(None, None, None)
        except _Rollback:
            pass
        except self._errors as exc:
            self._pending = self._pending or ("commit", exc)
        pending, self._pending = self._pending, None
        if pending is not None:
            self._handle_failure(*pending)
