"""The index cache: per-file `FileFacts` keyed by root-relative path (DESIGN §6, kind "index").

An entry is valid for a file when the extractor version and the facts schema version match and
either the stat stamp (size, mtime_ns, ctime_ns, inode) is unchanged, or the stamp changed but
the content digest (blake2b, computed by the caller) is the same — then the stamp is refreshed
without a rescan. Deciding what to scan and computing digests is the caller's (`cq.index`).

API:
- `FileRefLike` — any object with `path, size, mtime_ns, ctime_ns, inode` (e.g. discover's
  `FileRef`, which this module does not import);
- `IndexEntry {stamp, digest, extractor_version, schema_version, facts}` — one file's entry;
- `Lookup {path, status: "hit" | "stamp-changed" | "miss", digest}`;
- `IndexCache(store, schema_version=FACTS_SCHEMA_VERSION, clock_ns=time.time_ns)`:
  `lookup(ref, extractor_version) -> Lookup`,
  `lookup_many(refs, extractor_version) -> list[Lookup]` (batched reads),
  `load_facts(lookups) -> dict[path, FileFacts]` (the hits' facts; missing ones: rescan),
  `confirm(ref, digest) -> FileFacts | None` (after a "stamp-changed" lookup),
  `store_many([(ref, digest, facts), ...], extractor_version) -> int` (one transaction),
  `store_digests([(ref, digest), ...], extractor_version) -> int` (headers only: files read
  for their digest but not scanned),
  `retrieve(path) -> IndexEntry | None`, `forget(paths) -> int`, `transact()`,
  `stats() -> IndexStats` (files in the store and its size; hits and misses of this object).

Layout: an entry is two rows written in one transaction — the header `<path>` ->
`IndexRecord {stamp, digest, extractor_version, schema_version}` (about 100 bytes), and
`/facts/<path>` -> `FactsRecord {digest, facts}` (a leading "/" never starts a root-relative
path). Lookups read headers only: a warm run answered from the query cache needs the digests,
never the facts, and decoding FileFacts costs ~50 µs per file of 80 facts. `load_facts` accepts
a facts row only if its digest is the header's, so a row rewritten by another process in
between (or culled on its own) is a rescan, never a mismatch.

Racy stamps (git's "racily clean" problem): a file written within `RACY_WINDOW_NS` of being
stored may change again without its stamp changing (coarse file-system clocks). Such entries
are stored with a stamp that never matches, so the next lookup says "stamp-changed" and the
digest decides; `confirm` then records the real stamp once it is no longer racy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Protocol

import msgspec

from cq.cache.store import Store, encode
from cq.facts import FACTS_SCHEMA_VERSION, FileFacts
from cq.gcpause import gc_paused

HIT = "hit"
STAMP_CHANGED = "stamp-changed"
MISS = "miss"
FACTS_PREFIX = "/facts/"
RACY_WINDOW_NS = 2_000_000_000
_RACY = -1  # stored as the size of a racy stamp: no real file has size -1
STORE_BATCH = 256  # files per write transaction when storing fresh facts

Stamp = tuple[int, int, int, int]


class FileRefLike(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def mtime_ns(self) -> int: ...
    @property
    def ctime_ns(self) -> int: ...
    @property
    def inode(self) -> int: ...


class IndexRecord(msgspec.Struct, frozen=True, kw_only=True):
    """The stored header of one file's entry."""

    stamp: Stamp
    digest: str
    extractor_version: str
    schema_version: int


class FactsRecord(msgspec.Struct, frozen=True):
    digest: str
    facts: FileFacts


class IndexEntry(msgspec.Struct, frozen=True, kw_only=True):
    stamp: Stamp
    digest: str
    extractor_version: str
    schema_version: int
    facts: FileFacts


class Lookup(msgspec.Struct, frozen=True):
    """`digest` is set on a hit; "stamp-changed" asks the caller for a digest."""

    path: str
    status: str
    digest: str | None = None


class IndexStats(msgspec.Struct, frozen=True):
    entries: int = 0
    size_bytes: int = 0
    hits: int = 0
    misses: int = 0


def stamp_of(ref: FileRefLike) -> Stamp:
    return (ref.size, ref.mtime_ns, ref.ctime_ns, ref.inode)


def facts_key(path: str) -> str:
    return FACTS_PREFIX + path


class IndexCache:
    def __init__(self, store: Store, schema_version: int = FACTS_SCHEMA_VERSION,
                 clock_ns: Callable[[], int] = time.time_ns) -> None:
        self.store = store
        self.schema_version = schema_version
        self.hits = 0
        self.misses = 0
        self._clock_ns = clock_ns
        self._pending: dict[str, IndexRecord] = {}

    def transact(self) -> AbstractContextManager[None]:
        return self.store.transact()

    def _stored_stamp(self, ref: FileRefLike) -> Stamp:
        racy = self._clock_ns() - max(ref.mtime_ns, ref.ctime_ns) < RACY_WINDOW_NS
        return (_RACY, ref.mtime_ns, ref.ctime_ns, ref.inode) if racy else stamp_of(ref)

    def _judge(self, ref: FileRefLike, record: IndexRecord | None,
               extractor_version: str) -> Lookup:
        if (record is None or record.extractor_version != extractor_version
                or record.schema_version != self.schema_version):
            self.misses += 1
            return Lookup(ref.path, MISS)
        if record.stamp == stamp_of(ref):
            self.hits += 1
            return Lookup(ref.path, HIT, record.digest)
        self._pending[ref.path] = record
        return Lookup(ref.path, STAMP_CHANGED)

    def lookup(self, ref: FileRefLike, extractor_version: str) -> Lookup:
        return self._judge(ref, self.store.get(ref.path, IndexRecord), extractor_version)

    def lookup_many(self, refs: Iterable[FileRefLike], extractor_version: str) -> list[Lookup]:
        refs = list(refs)
        records = self.store.get_many([ref.path for ref in refs], IndexRecord)
        return [self._judge(ref, records.get(ref.path), extractor_version) for ref in refs]

    def _facts_with_digests(self, wanted: dict[str, str]) -> dict[str, FileFacts]:
        with gc_paused():
            rows = self.store.get_many([facts_key(p) for p in wanted], FactsRecord)
        return {path: row.facts for path, digest in wanted.items()
                if (row := rows.get(facts_key(path))) is not None and row.digest == digest}

    def load_facts(self, lookups: Iterable[Lookup]) -> dict[str, FileFacts]:
        """The facts of every hit, by path (batched reads). A hit whose facts are missing,
        undecodable or of another digest is left out: the caller rescans it."""
        wanted = {f.path: f.digest for f in lookups if f.status == HIT and f.digest is not None}
        return self._facts_with_digests(wanted)

    def confirm(self, ref: FileRefLike, digest: str) -> FileFacts | None:
        """The cached facts when the content digest is unchanged (refreshing the stamp), else
        None: the caller rescans. Only meaningful after a "stamp-changed" lookup."""
        record = self._pending.pop(ref.path, None)
        facts = None
        if record is not None and record.digest == digest:
            facts = self._facts_with_digests({ref.path: digest}).get(ref.path)
        if record is None or facts is None:
            self.misses += 1
            return None
        self.store.set(ref.path, msgspec.structs.replace(record, stamp=self._stored_stamp(ref)))
        self.hits += 1
        return facts

    def _encoded(self, items: Iterable[tuple[FileRefLike, str, FileFacts]],
                 extractor_version: str) -> Iterator[tuple[str, bytes, bytes]]:
        for ref, digest, facts in items:
            record = IndexRecord(stamp=self._stored_stamp(ref), digest=digest,
                                 extractor_version=extractor_version,
                                 schema_version=self.schema_version)
            yield ref.path, encode(record), encode(FactsRecord(digest, facts))

    def store_many(self, items: Iterable[tuple[FileRefLike, str, FileFacts]],
                   extractor_version: str) -> int:
        """Store fresh facts, one transaction per batch of STORE_BATCH files (each batch
        encoded before its transaction starts, to keep the write lock short; batches keep
        the encoded bytes of a full scan from all being held at once). The number of files
        written: a batch that faulted was rolled back and counts 0."""
        written = 0
        batch: list[tuple[FileRefLike, str, FileFacts]] = []
        for item in items:
            batch.append(item)
            if len(batch) == STORE_BATCH:
                written += self._store_batch(batch, extractor_version)
                batch = []
        return written + (self._store_batch(batch, extractor_version) if batch else 0)

    def _store_batch(self, items: list[tuple[FileRefLike, str, FileFacts]],
                     extractor_version: str) -> int:
        encoded = list(self._encoded(items, extractor_version))
        faults = self.store.faults
        with self.store.transact():
            for path, _, facts in encoded:
                self.store.set_bytes(facts_key(path), facts)
            # Headers after the batch's facts rows: new headers sit side by side in the table,
            # so a warm run's lookups read a few pages instead of one page per file.
            written = sum(1 for path, header, _ in encoded if self.store.set_bytes(path, header))
        return written if self.store.faults == faults else 0

    def store_digests(self, items: Iterable[tuple[FileRefLike, str]],
                      extractor_version: str) -> int:
        """Record (stamp, digest) headers without facts for files read but not scanned, so
        later runs know their digests without reading them. `load_facts` leaves such files
        out (no facts row), and the caller scans them when a query needs their facts."""
        headers = [(ref.path, encode(IndexRecord(
            stamp=self._stored_stamp(ref), digest=digest, extractor_version=extractor_version,
            schema_version=self.schema_version))) for ref, digest in items]
        faults = self.store.faults
        with self.store.transact():
            written = sum(1 for path, header in headers if self.store.set_bytes(path, header))
        return written if self.store.faults == faults else 0

    def retrieve(self, path: str) -> IndexEntry | None:
        """The entry for `path` (not validated against any file), or None."""
        record = self.store.get(path, IndexRecord)
        if record is None:
            return None
        facts = self._facts_with_digests({path: record.digest}).get(path)
        if facts is None:
            return None
        return IndexEntry(stamp=record.stamp, digest=record.digest, facts=facts,
                          extractor_version=record.extractor_version,
                          schema_version=record.schema_version)

    def forget(self, paths: Iterable[str]) -> int:
        """Delete the entries of `paths`; the number of files that had one."""
        with self.store.transact():
            return sum(1 for path in paths
                       if self.store.delete(facts_key(path)) | self.store.delete(path))

    def stats(self) -> IndexStats:
        stored = self.store.stats()
        files = stored.entries - self.store.count("/")  # facts rows and memos start with "/"
        return IndexStats(files, stored.size_bytes, self.hits, self.misses)
