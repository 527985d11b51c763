"""The query cache: whole `CqResult`s keyed by the request, validated by a scope digest
(DESIGN §6, kind "query").

The key covers what decides the answer's *code* (canonical request, plan, cq version,
extractor and schema versions); the scope digest covers the *data* (every in-scope file's path
and content digest), so an edited, added or deleted file changes it and the stored entry is a
miss (and is removed). What the caller must do: build the canonical request, compute the scope
digest from the index, tag entries via `cq.cache.tags.entry_tags` + `cited_files`, and put the
new run's `RunMeta` on a hit.

Stored results carry no meaningful run metadata: `run` is replaced by `BLANK_RUN` and the
run-specific summary keys `cache` and `cache_stats` are dropped before storing. `set` decides
cacheability itself (`is_cacheable`): error results (a truthy `summary["error"]`) are not
stored and `set` returns False; answers with no finding are stored like any other.

API:
- `request_key(canonical_request, plan, cq_version, extractor_version, schema_version) -> str`
  (32 hex chars of blake2b over the msgpack array of the five fields, so fields never blur);
- `scope_digest(pairs) -> str` (order-independent: the (path, digest) pairs are sorted first);
- `is_cacheable(result) -> bool`, `strip_run(result) -> CqResult`;
- `CachedResult {key, result, stored_at, age_s}`;
- `QueryCache(store, clock=time.time)`: `get(key, scope_digest, keep_stale=False) ->
  CachedResult | None`, `set(key, scope_digest, result, tags, ttl=<kind ttl>, reuse=None) ->
  bool`, `previous(key) -> Previous | None`, `delete(key) -> bool`, `evict_tag(tag) -> int`,
  `stats() -> QueryStats` (result entries and store size; hits and misses of this object).

Answers reused file by file: an answer that is a selection made file by file (each file's
findings depend on that file alone) may be stored with a `Reuse` record (`reuse:<key>`,
written in the entry's transaction): the digest of every file in scope when it was
computed, and the flagged files it counted. After an edit the entry is stale, but
`previous` hands it out with that record, so the next run recomputes the changed files only
and keeps the other files' findings (`cq.query.execute`). A record belongs to the entry
whose scope digest it names; any other pairing is ignored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import msgspec

from cq.cache.store import KIND_TTL, Store, decode, encode
from cq.cache.tags import TagIndex
from cq.digests import digest
from cq.facts import FileFacts
from cq.result import CqResult, RunMeta

RESULT_PREFIX = "result:"
REUSE_PREFIX = "reuse:"
RUN_SUMMARY_KEYS = ("cache", "cache_stats")
BLANK_RUN = RunMeta(macro="", argv=(), root="", started_ms=0, elapsed_ms=0.0, toolchain={},
                    run_id="")


class StoredResult(msgspec.Struct, frozen=True, kw_only=True):
    result: CqResult
    scope_digest: str
    stored_at: float


class StoredScope(msgspec.Struct, frozen=True):
    """The one field of a `StoredResult` a lookup compares first: decoding it skips the
    findings, so a stale entry (every run after an edit) costs no full decode."""

    scope_digest: str


class Reuse(msgspec.Struct, frozen=True, kw_only=True):
    """What reusing an answer file by file needs besides the answer: every in-scope file's
    digest when it was computed, and the flagged files (flags only) it counted."""

    scope_digest: str
    digests: dict[str, str]
    flagged: tuple[FileFacts, ...] = ()


class Previous(msgspec.Struct, frozen=True, kw_only=True):
    """A stored answer for another scope digest (an earlier state of the tree), with its
    `Reuse` record."""

    result: CqResult  # run is BLANK_RUN
    digests: dict[str, str]
    flagged: tuple[FileFacts, ...]


class CachedResult(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    result: CqResult  # run is BLANK_RUN
    stored_at: float
    age_s: float


class QueryStats(msgspec.Struct, frozen=True):
    entries: int = 0
    size_bytes: int = 0
    hits: int = 0
    misses: int = 0


def _blake(data: bytes) -> str:
    return digest(data)


def request_key(canonical_request: str, plan: str, cq_version: str, extractor_version: str,
                schema_version: str) -> str:
    return _blake(encode([canonical_request, plan, cq_version, extractor_version,
                          schema_version]))


def scope_digest(pairs: Iterable[tuple[str, str]]) -> str:
    return _blake(encode(sorted((str(path), str(digest)) for path, digest in pairs)))


def is_cacheable(result: CqResult) -> bool:
    """Every answer but an error: "nothing found" on a large tree costs as much to compute as
    any other answer, and the scope digest invalidates it the same way."""
    return not result.summary.get("error")


def strip_run(result: CqResult) -> CqResult:
    summary = {k: v for k, v in result.summary.items() if k not in RUN_SUMMARY_KEYS}
    return msgspec.structs.replace(result, run=BLANK_RUN, summary=summary)


def entry_key(key: str) -> str:
    return RESULT_PREFIX + key


def reuse_key(key: str) -> str:
    return REUSE_PREFIX + key


class QueryCache:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.tags = TagIndex(store)
        self.hits = 0
        self.misses = 0
        self._clock = clock
        self._stale: tuple[str, bytes] | None = None

    def get(self, key: str, scope_digest: str, keep_stale: bool = False) -> CachedResult | None:
        """The answer stored under `key` for this scope digest. With `keep_stale`, a stale
        entry's bytes are kept (not decoded) for a `previous` that may follow."""
        # A stale entry is not deleted here: that would open DiskCache for writing on the
        # read path, and the run that computes the fresh answer overwrites it moments later.
        self._stale = None

        def wanted(data: bytes) -> bool:
            current = decode(data, StoredScope).scope_digest == scope_digest
            if not current and keep_stale:
                self._stale = (key, data)
            return current

        found = self.store.read_entry(entry_key(key), StoredResult, wanted=wanted)
        stored = None if found is None else found[0]
        if stored is None:
            self.misses += 1
            return None
        self.hits += 1
        age = max(0.0, self._clock() - stored.stored_at)
        return CachedResult(key=key, result=stored.result, stored_at=stored.stored_at, age_s=age)

    def previous(self, key: str) -> Previous | None:
        """The stale answer `get(key, ..., keep_stale=True)` just saw, when a `Reuse` record
        belongs to it (else None: the caller computes from scratch)."""
        stale, self._stale = self._stale, None
        if stale is None or stale[0] != key:
            return None
        reuse = self.store.read(reuse_key(key), Reuse)
        if reuse is None or decode(stale[1], StoredScope).scope_digest != reuse.scope_digest:
            return None
        try:
            stored = decode(stale[1], StoredResult)
        except msgspec.DecodeError:
            return None  # `get` read it as a miss; whoever stores next replaces it
        return Previous(result=stored.result, digests=reuse.digests, flagged=reuse.flagged)

    def _encode(self, scope_digest: str, result: CqResult) -> bytes | None:
        stored = StoredResult(result=strip_run(result), scope_digest=scope_digest,
                              stored_at=self._clock())
        try:
            return encode(stored)
        except (msgspec.EncodeError, TypeError, OverflowError):
            return None  # a summary value msgpack cannot hold: answer uncached

    def set(self, key: str, scope_digest: str, result: CqResult, tags: Iterable[str],
            ttl: float | None = KIND_TTL, reuse: Reuse | None = None) -> bool:
        """Store the result with its tags (plus `query:<key>`) and its `Reuse` record (or
        none: an older one is removed) in one transaction; False when the result is not
        cacheable or the store did not take it."""
        data = self._encode(scope_digest, result) if is_cacheable(result) else None
        if data is None:
            return False
        faults = self.store.faults
        with self.store.transact():
            stored = self.store.set_bytes(entry_key(key), data, expire=ttl)
            if stored:
                self.tags.attach(entry_key(key), {*tags, f"query:{key}"})
                if reuse is not None and reuse.scope_digest == scope_digest:
                    self.store.set(reuse_key(key), reuse, expire=ttl)
                else:
                    self.store.delete(reuse_key(key))
        return stored and self.store.faults == faults

    def delete(self, key: str) -> bool:
        with self.store.transact():
            self.tags.detach(entry_key(key))
            self.store.delete(reuse_key(key))
            return self.store.delete(entry_key(key))

    def evict_tag(self, tag: str) -> int:
        return self.tags.evict(tag)

    def stats(self) -> QueryStats:
        stored = self.store.stats()
        entries = self.store.count(RESULT_PREFIX)
        return QueryStats(entries, stored.size_bytes, self.hits, self.misses)
