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
  `load_facts(lookups, kinds) -> dict[path, FileFacts]` (the hits' facts with the parts
  `kinds`; missing ones: rescan),
  `confirm(ref, digest) -> FileFacts | None` (after a "stamp-changed" lookup),
  `store_many([(ref, digest, facts), ...], extractor_version) -> int` (one transaction),
  `store_scanned([(ref, digest, facts, kinds, problems), ...], extractor_version)` (the
  parts `kinds` only),
  `store_digests([(ref, digest), ...], extractor_version) -> int` (headers only: files read
  for their digest but not scanned),
  `retrieve(path) -> IndexEntry | None`, `forget(paths) -> int`, `transact()`,
  `stats() -> IndexStats` (files in the store and its size; hits and misses of this object).

Layout: an entry is rows written in one transaction — the header `<path>` ->
`IndexRecord {stamp, digest, extractor_version, schema_version}` (about 100 bytes), the base
row `/facts/<path>` -> `FactsRecord {digest, facts}` (the definitions and file-level fields;
a leading "/" never starts a root-relative path), and one row per part kind extracted
(`cq.facts.PART_KINDS`) `/part/<kind>/<path>` -> `PartRecord {digest, items, problem}`.
Lookups read headers only: a warm run answered from the query cache needs the digests, never
the facts; a definition query decodes base rows only (calls are most of a file's facts). A
row is accepted only if its digest is the header's, so a row rewritten by another process in
between (or culled on its own) is a rescan, never a mismatch; a file missing a part that is
asked for is rescanned for it (`store_scanned` records which parts a scan extracted).

Racy stamps (git's "racily clean" problem): a file written within `RACY_WINDOW_NS` of being
stored may change again without its stamp changing (coarse file-system clocks). Such entries
are stored with a stamp that never matches, so the next lookup says "stamp-changed" and the
digest decides; `confirm` then records the real stamp once it is no longer racy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Generic, Protocol, TypeVar, cast

import msgspec

from cq.cache.store import Store, encode
from cq.facts import (
    FACT_KINDS,
    FACTS_SCHEMA_VERSION,
    PART_KINDS,
    Assign,
    Call,
    Except,
    FileFacts,
    Import,
    Raise,
    with_problems,
    without_parts,
)
from cq.gcpause import gc_paused

HIT = "hit"
STAMP_CHANGED = "stamp-changed"
MISS = "miss"
FACTS_PREFIX = "/facts/"
PART_PREFIX = "/part/"
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


T = TypeVar("T")


class PartRecord(msgspec.Struct, Generic[T], frozen=True):
    """One kind of fact of one file (`cq.facts.PART_KINDS`), stored apart from the base row
    so a question that does not read it neither extracts nor decodes it."""

    digest: str
    items: tuple[T, ...] = ()
    problem: str | None = None  # the first problem met extracting this kind


PART_TYPES: dict[str, type[PartRecord[object]]] = cast(dict[str, "type[PartRecord[object]]"], {
    "calls": PartRecord[Call], "imports": PartRecord[Import], "raises": PartRecord[Raise],
    "excepts": PartRecord[Except], "assigns": PartRecord[Assign]})

# A scanned file to store: its ref, digest and facts (`kinds` of them extracted), and the
# problems of its parts.
Fresh = tuple[FileRefLike, str, FileFacts, Sequence[str], dict[str, str]]


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


def part_key(kind: str, path: str) -> str:
    return f"{PART_PREFIX}{kind}/{path}"


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

    def _facts_with_digests(self, wanted: dict[str, str],
                            kinds: Sequence[str] = FACT_KINDS) -> dict[str, FileFacts]:
        """The base rows of `wanted` with the parts `kinds`; a file missing any of them (or
        holding one of another digest) is left out whole, never served half old."""
        with gc_paused():
            rows = self.store.get_many([facts_key(p) for p in wanted], FactsRecord)
            found = {path: row.facts for path, digest in wanted.items()
                     if (row := rows.get(facts_key(path))) is not None and row.digest == digest}
            parts: dict[str, dict[str, object]] = {path: {} for path in found}
            problems: dict[str, dict[str, str]] = {path: {} for path in found}
            for kind in (k for k in PART_KINDS if k in kinds):
                stored = self.store.get_many([part_key(kind, p) for p in found],
                                             PART_TYPES[kind])
                for path in list(found):
                    part = stored.get(part_key(kind, path))
                    if part is None or part.digest != wanted[path]:
                        del found[path]
                        continue
                    parts[path][kind] = part.items
                    if part.problem is not None:
                        problems[path][kind] = part.problem
        return {path: with_problems(msgspec.structs.replace(facts, **parts[path]),
                                    problems[path]) for path, facts in found.items()}

    def load_facts(self, lookups: Iterable[Lookup],
                   kinds: Sequence[str] = FACT_KINDS) -> dict[str, FileFacts]:
        """The facts of every hit, by path (batched reads): definitions and the parts
        `kinds` (the others left empty). A hit whose facts are missing, undecodable or of
        another digest is left out: the caller rescans it."""
        wanted = {f.path: f.digest for f in lookups if f.status == HIT and f.digest is not None}
        return self._facts_with_digests(wanted, kinds)

    def confirm(self, ref: FileRefLike, digest: str,
                kinds: Sequence[str] = FACT_KINDS) -> FileFacts | None:
        """The cached facts when the content digest is unchanged (refreshing the stamp), else
        None: the caller rescans. Only meaningful after a "stamp-changed" lookup."""
        record = self._pending.pop(ref.path, None)
        facts = None
        if record is not None and record.digest == digest:
            facts = self._facts_with_digests({ref.path: digest}, kinds).get(ref.path)
        if record is None or facts is None:
            self.misses += 1
            return None
        self.store.set(ref.path, msgspec.structs.replace(record, stamp=self._stored_stamp(ref)))
        self.hits += 1
        return facts

    def _encoded(self, items: Iterable[Fresh],
                 extractor_version: str) -> Iterator[tuple[str, bytes, list[tuple[str, bytes]]]]:
        for ref, digest, facts, kinds, problems in items:
            record = IndexRecord(stamp=self._stored_stamp(ref), digest=digest,
                                 extractor_version=extractor_version,
                                 schema_version=self.schema_version)
            rows = [(facts_key(ref.path), encode(FactsRecord(digest, without_parts(facts))))]
            rows.extend((part_key(kind, ref.path), encode(PartRecord(
                digest, getattr(facts, kind), problems.get(kind))))
                for kind in PART_KINDS if kind in kinds)
            yield ref.path, encode(record), rows

    def store_many(self, items: Iterable[tuple[FileRefLike, str, FileFacts]],
                   extractor_version: str) -> int:
        """Store every kind of fact of fresh files (see `store_scanned`)."""
        return self.store_scanned(((ref, digest, facts, FACT_KINDS, {})
                                   for ref, digest, facts in items), extractor_version)

    def store_scanned(self, items: Iterable[Fresh], extractor_version: str) -> int:
        """Store fresh facts, one transaction per batch of STORE_BATCH files (each batch
        encoded before its transaction starts, to keep the write lock short; batches keep
        the encoded bytes of a full scan from all being held at once). The number of files
        written: a batch that faulted was rolled back and counts 0."""
        written = 0
        batch: list[Fresh] = []
        for item in items:
            batch.append(item)
            if len(batch) == STORE_BATCH:
                written += self._store_batch(batch, extractor_version)
                batch = []
        return written + (self._store_batch(batch, extractor_version) if batch else 0)

    def _store_batch(self, items: list[Fresh], extractor_version: str) -> int:
        encoded = list(self._encoded(items, extractor_version))
        faults = self.store.faults
        with self.store.transact():
            for _, _, rows in encoded:
                for key, data in rows:
                    self.store.set_bytes(key, data)
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
            return sum(1 for path in paths if self._forget_one(path))

    def _forget_one(self, path: str) -> bool:
        parts = [self.store.delete(part_key(kind, path)) for kind in PART_KINDS]
        return any(parts) | self.store.delete(facts_key(path)) | self.store.delete(path)

    def stats(self) -> IndexStats:
        stored = self.store.stats()
        files = stored.entries - self.store.count("/")  # facts rows and memos start with "/"
        return IndexStats(files, stored.size_bytes, self.hits, self.misses)
