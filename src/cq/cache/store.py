"""The only DiskCache adapter: typed msgpack values, string keys, and the fault boundary.

API:
- `open_store(profile, kind, run_id=None) -> Store` — one kind of one repository;
  `open_store_at(directory, kind, settings, run_id=None) -> Store` — an explicit directory;
  `disabled_store(kind, reason, notify=True) -> Store`;
- `Store.read(key, type) -> T | None` (also spelled `get`),
  `read_entry(key, type, expiring=False) -> (T, expire_at) | None`,
  `get_many(keys, type) -> dict`, `get_bytes(key)`, `get_entry(key) -> (bytes, expire_at)`,
  `set(key, value, expire=KIND_TTL, tag=None) -> bool`, `set_bytes(...)`, `delete(key)`,
  `contains(key)`, `count(prefix)`, `transact()` (one sqlite transaction for a batch of
  writes; nested calls join it), `read_batch()` (the cheapest way to do many reads),
  `iterkeys(prefix="")`, `stats() -> StoreStats`, `clear() -> int`, `volume() -> int`,
  `time_range() -> TimeRange`, `maintain(fix) -> MaintenanceReport`,
  `guard(op, fn, default)` (`fn(diskcache object)` inside the boundary, for coordination
  recipes), `close(flush_counters=True)` (afterwards every call is a no-op);
- attributes `status` ("ok" | "disabled"), `reason`, `notices` (one-line messages the caller
  may print on stderr; the store never prints), `rebuilt`, `moved_to`, `dropped` (entries
  refused or undecodable: each a miss, deleted), `faults` (failures handled so far).

Encoding: values are msgspec msgpack bytes, decoded with a typed decoder; DiskCache sees only
`str` keys and `bytes` values through the no-pickle disk (`cq.cache.disk`), so a pickle planted
in the database or in a value file is refused, never executed.

The adapter is this module plus two private helpers: `cq.cache.boundary` (connections, fault
handling, transactions) and `cq.cache.reader` (plain-SQL reads).

Laziness: opening a store does no I/O. Reads go through `cq.cache.reader` (plain SQL, no
DiskCache import, no write per read) until the first write, transaction or `guard` opens the
DiskCache object; from then on everything goes through DiskCache. A sharded (FanoutCache)
store always reads through DiskCache. Faults therefore surface on first use, not at open.

Trust: before its first read or write a store checks (`cq.cache.trust`) that every level from
the cache root down to its directory is the current user's and not writable by group or
others; if not, it is disabled with a notice naming the directory and the fix, and nothing is
read from or created inside it.

Faults: `sqlite3.Error`, `OSError` and `diskcache.Timeout` from any call (opening included)
switch the store to a disabled no-op mode: reads miss, writes return False, `status` says
"disabled" with a one-line `reason` and a notice. A fault inside `transact()` rolls the whole
batch back. A corrupt database ("file is not a database", "database disk image is malformed",
...) is handled once per store by moving the kind directory aside to `<kind>.corrupt-<run_id>`
(unless another process already replaced it) and opening a fresh one; it is never deleted in
place. A single entry that does not decode to its declared type (`msgspec.DecodeError`/
`ValidationError`, a NULL value, a refused pickle) is per-entry: a miss, deleted (if it still
holds what was read), with one notice; the store stays enabled and the caller recomputes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import msgspec

from cq.cache.boundary import (
    STATUS_DISABLED,
    STATUS_OK,
    Boundary,
    diskcache_missing,
    is_corruption,
    is_fanout,
    one_line,
)
from cq.cache.disk import RefusedValue
from cq.cache.profile import CacheProfile, CacheSettings, kind_dir, settings_for
from cq.cache.reader import Reader, db_files, read_times
from cq.ids import uuid7_str

__all__ = ["STATUS_DISABLED", "STATUS_OK", "KIND_TTL", "MaintenanceReport", "Store",
           "StoreStats", "TimeRange", "decode", "disabled_store", "encode", "is_corruption",
           "one_line", "open_store", "open_store_at"]

T = TypeVar("T")
KIND_TTL: Any = object()  # "use the kind's ttl": the default of every `expire=`
_ABSENT: Any = object()  # no such entry (a NULL value reads as None)
_ENCODER = msgspec.msgpack.Encoder()


class StoreStats(msgspec.Struct, frozen=True):
    entries: int = 0
    size_bytes: int = 0
    hits: int = 0
    misses: int = 0


class TimeRange(msgspec.Struct, frozen=True):
    oldest: float | None = None  # Unix seconds of the oldest / newest stored entry
    newest: float | None = None


class MaintenanceReport(msgspec.Struct, frozen=True):
    warnings: tuple[str, ...] = ()
    expired: int = 0
    culled: int = 0


@functools.lru_cache(maxsize=64)
def _decoder(type_: Any) -> msgspec.msgpack.Decoder[Any]:
    return msgspec.msgpack.Decoder(type_)


def encode(value: Any) -> bytes:
    return _ENCODER.encode(value)


def decode(data: bytes, type_: type[T]) -> T:
    """Typed msgpack decode; raises `msgspec.DecodeError` (or `ValidationError`)."""
    decoded: T = _decoder(cast(Any, type_)).decode(data)
    return decoded


class WrongValue(ValueError):
    """A stored value that cannot be the declared one: a SQL NULL, or a memo with no expiry."""


class Store(Boundary):
    """One kind's DiskCache behind the fault boundary (see the module docstring)."""

    def _drop(self, key: str, exc: BaseException, seen: Any = _ABSENT) -> None:
        """Count and delete an entry that did not decode, saying so once. With `seen` (the
        stored value as read) the entry is deleted only if it still holds that value:
        another process may have replaced it with a good one meanwhile."""
        self.dropped += 1
        if self.dropped == 1:
            self.notices.append(f"cq: {self.kind} cache: dropped an unreadable entry "
                                f"({one_line(exc)})")
        if seen is _ABSENT:
            self.delete(key)
            return
        with self.transact():
            now = self._raw_entry(key)
            if now is not None and now[0] == seen:
                self.delete(key)

    # -- values -------------------------------------------------------------------------

    def _count(self, found: Any) -> Any:
        self._unflushed[0 if found is not None else 1] += 1
        return found

    def _raw_entry(self, key: str) -> tuple[bytes | None, float | None] | None:
        """The stored bytes (None: a SQL NULL) and their expiry, or None when absent."""

        def via_cache(cache: Any) -> tuple[bytes | None, float | None] | None:
            value, expire_at = cache.get(key, _ABSENT, expire_time=True, retry=False)
            return None if value is _ABSENT else (value, expire_at)

        def via_reader(reader: Reader) -> tuple[bytes | None, float | None] | None:
            found: tuple[bytes | None, float | None] | None = self._count(reader.get(key))
            return found

        try:
            return self._read("get", via_cache, via_reader, None)
        except RefusedValue as exc:
            self._drop(key, exc)
            return None

    def get_entry(self, key: str) -> tuple[bytes, float | None] | None:
        """The stored bytes and their expiry time (Unix seconds; None: never), or None (also
        for a NULL value)."""
        found = self._raw_entry(key)
        return None if found is None or found[0] is None else (found[0], found[1])

    def get_bytes(self, key: str) -> bytes | None:
        entry = self.get_entry(key)
        return None if entry is None else entry[0]

    def read_entry(self, key: str, type_: type[T], expiring: bool = False,
                   wanted: Callable[[bytes], bool] | None = None
                   ) -> tuple[T, float | None] | None:
        """The value decoded as `type_` and its expiry, or None. Decoding happens here, inside
        the boundary: a value that is not a `type_` (or is NULL, or has no expiry when
        `expiring`) is a miss, deleted with a notice, and the caller recomputes. `wanted`
        looks at the bytes first (cheaply: a few fields of a large value) and, when it says
        no, the value is a miss without being decoded; its own decode errors count as the
        value's."""
        found = self._raw_entry(key)
        if found is None:
            return None
        data, expire_at = found
        try:
            if data is None:
                raise WrongValue("a NULL value")
            if expiring and expire_at is None:
                raise WrongValue("a value stored without an expiry")
            if wanted is not None and not wanted(data):
                return None
            return decode(data, type_), expire_at
        except (msgspec.DecodeError, WrongValue) as exc:  # ValidationError included
            self._drop(key, exc, data)
            return None

    def read(self, key: str, type_: type[T]) -> T | None:
        """The value decoded as `type_`, or None (see `read_entry`)."""
        found = self.read_entry(key, type_)
        return None if found is None else found[0]

    get = read  # the name most callers use

    def get_many(self, keys: list[str], type_: type[T]) -> dict[str, T]:
        """The decoded values of those `keys` that are present (many reads at once: one query
        per 500 keys on the plain-SQL path); undecodable, NULL or refused entries are dropped."""
        if self._cache is not None or self.settings.shards > 1:
            with self.read_batch():
                pairs = ((key, self.read(key, type_)) for key in keys)
                return {key: value for key, value in pairs if value is not None}
        nothing: tuple[dict[str, bytes | None], list[tuple[str, Exception]]] = ({}, [])
        found, refused = self._read("get many", lambda _cache: nothing,
                                    lambda reader: reader.get_many(keys), nothing)
        self._unflushed[0] += len(found)
        self._unflushed[1] += len(keys) - len(found)
        for key, exc in refused:
            self._drop(key, exc)
        return {key: value for key, value in self._decode_all(found, type_)}

    def _decode_all(self, found: dict[str, bytes | None],
                    type_: type[T]) -> Iterator[tuple[str, T]]:
        decoder = _decoder(cast(Any, type_))
        for key, data in found.items():
            try:
                if data is None:
                    raise WrongValue("a NULL value")
                yield key, decoder.decode(data)
            except (msgspec.DecodeError, WrongValue) as exc:
                self._drop(key, exc, data)

    def set_bytes(self, key: str, data: bytes, expire: float | None = KIND_TTL,
                  tag: str | None = None) -> bool:
        """Store pre-encoded bytes; `expire` (seconds) defaults to the kind's ttl."""
        ttl = self.settings.ttl if expire is KIND_TTL else expire
        return bool(self.guard(
            "set", lambda cache: cache.set(key, data, expire=ttl, tag=tag, retry=False), False))

    def set(self, key: str, value: Any, expire: float | None = KIND_TTL,
            tag: str | None = None) -> bool:
        """msgpack-encode `value` (any msgspec-supported object) and store it."""
        return self.set_bytes(key, encode(value), expire, tag)

    def contains(self, key: str) -> bool:
        """Whether an unexpired entry exists (its value is not read)."""
        return self._read("contains", lambda cache: key in cache,
                          lambda reader: reader.contains(key), False)

    def delete(self, key: str) -> bool:
        return bool(self.guard("delete", lambda cache: cache.delete(key, retry=False), False))

    # -- whole-store operations ---------------------------------------------------------

    @staticmethod
    def _keys_via_cache(prefix: str) -> Callable[[Any], list[str]]:
        def keys(cache: Any) -> list[str]:
            found = iter(cache) if is_fanout(cache) else cache.iterkeys()
            return sorted(k for k in found if type(k) is str and k.startswith(prefix)
                          and not k.startswith("\x00"))

        return keys

    def iterkeys(self, prefix: str = "") -> list[str]:
        """Sorted keys starting with `prefix` (expired entries included; refused keys not)."""
        return self._read("iterate keys", self._keys_via_cache(prefix),
                          lambda reader: reader.keys(prefix), [])

    def count(self, prefix: str = "") -> int:
        """How many keys start with `prefix` (expired entries included)."""

        keys = self._keys_via_cache(prefix)
        return self._read("count", lambda cache: len(keys(cache)),
                          lambda reader: reader.count(prefix), 0)

    def stats(self) -> StoreStats:
        """Entries and size on disk, and DiskCache's persistent hit/miss counters (plus this
        store's reads not yet flushed to them)."""

        def via_cache(cache: Any) -> StoreStats:
            hits, misses = cache.stats(enable=self.settings.statistics)
            return StoreStats(len(cache), cache.volume(), hits, misses)

        def via_reader(reader: Reader) -> StoreStats:
            counts = reader.counters()
            return StoreStats(counts.get("count", 0), reader.volume(),
                              counts.get("hits", 0) + self._unflushed[0],
                              counts.get("misses", 0) + self._unflushed[1])

        return self._read("stats", via_cache, via_reader, StoreStats())

    def volume(self) -> int:
        return self._read("volume", lambda cache: int(cache.volume()),
                          lambda reader: reader.volume(), 0)

    def clear(self) -> int:
        return self.guard("clear", lambda cache: int(cache.clear(retry=False)), 0)

    def time_range(self) -> TimeRange:
        """Store times of the oldest and newest entry."""

        def via_files(_cache: Any) -> TimeRange:
            pairs = [read_times(db) for db in db_files(self.directory)]
            return TimeRange(min((o for o, _ in pairs if o is not None), default=None),
                             max((n for _, n in pairs if n is not None), default=None))

        return self._read("time range", via_files,
                          lambda reader: TimeRange(*reader.time_range()), TimeRange())

    def maintain(self, fix: bool) -> MaintenanceReport:
        """DiskCache `check(fix)`; when fixing, also `expire()` and `cull()`."""

        def run(cache: Any) -> MaintenanceReport:
            warns = tuple(" ".join(str(w.message).split()) for w in cache.check(fix=fix))
            if not fix:
                return MaintenanceReport(warns)
            return MaintenanceReport(warns, int(cache.expire()), int(cache.cull()))

        return self.guard("maintenance", run, MaintenanceReport())


def disabled_store(kind: str, reason: str, notify: bool = True) -> Store:
    store = Store(kind, None, CacheSettings(), run_id="")
    store._disable(reason, notify=notify)
    return store


def open_store_at(directory: Path, kind: str, settings: CacheSettings,
                  run_id: str | None = None, top: Path | None = None) -> Store:
    """A store over `directory` (no I/O yet); disabled when DiskCache is not importable.
    Before its first read or write it checks that no other user can write `directory` or
    any directory between `top` (the cache root) and it."""
    missing = diskcache_missing()
    if missing is not None:
        return disabled_store(kind, f"diskcache not importable: {missing}")
    return Store(kind, Path(directory), settings, run_id or uuid7_str(), top)


def open_store(profile: CacheProfile, kind: str, run_id: str | None = None) -> Store:
    """The store of `kind` for `profile`'s repository; disabled without a notice under
    --no-cache, with one when DiskCache is missing or the cache cannot be used."""
    if not profile.enabled:
        return disabled_store(kind, "caching disabled (--no-cache)", notify=False)
    return open_store_at(kind_dir(profile, kind), kind, settings_for(profile, kind), run_id,
                         top=profile.cache_dir)
