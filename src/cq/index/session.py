"""One run's use of the index cache: fingerprints, cached facts, literal memos, recording.

`IndexSession` sits between the FactSource and `cq.cache.index`: it knows each in-scope
file's digest (cached header or fresh read), hands out cached facts for files whose content
is unchanged, remembers which files contain which prefilter literal (so a run after one edit
reads one file, not the tree), and writes everything the run learned back in one
transaction per kind of record. With the cache disabled it still works, uncached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from cq.cache.index import HIT, STAMP_CHANGED, STORE_BATCH, IndexCache, Lookup
from cq.cache.store import Store
from cq.coding import source_contains, source_has_word
from cq.discover import FileRef
from cq.facts import FACT_KINDS, FileFacts
from cq.index.fingerprints import KEEP_BYTES, NOT_READ, ReadFile, read_and_digest
from cq.index.memory import RESIDENT
from cq.scan import EXTRACTOR_VERSION

if TYPE_CHECKING:
    from cq.scan import ScanOutcome

LITERAL_PREFIX = "/lit/"  # memo: does the file contain this text?
# Files the index has never seen, from which a run that defers (`defer_misses`) leaves their
# reading to whatever reads them first: on a cold run, the scanner (whose digest of the bytes
# it parsed becomes the fingerprint), instead of reading and hashing every file twice, once
# before the scan while the workers wait.
DEFER_FROM = 64
WORD_PREFIX = "/word/"  # memo: does the file hold this name as a whole word?
DEFINES_PREFIX = "/def/"  # memo: does the file define a def or class of this name?


class LiteralMemo(msgspec.Struct):
    """For one literal: path → [digest, file contains the literal], as answered by the code
    that `tag` names (an upgraded cq's prefilters may answer otherwise)."""

    files: dict[str, tuple[str, bool]] = msgspec.field(default_factory=dict)
    tag: str = ""


class IndexSession:
    def __init__(self, root: Path, store: Store, max_file_bytes: int,
                 extractor_tag: str = EXTRACTOR_VERSION, *, defer_misses: bool = False) -> None:
        self.root = root
        self.defer_misses = defer_misses
        # Files not fingerprinted yet (see DEFER_FROM): their digest is taken when they are
        # first read (`text`), scanned (`note_scanned`) or settled (`settle`).
        self.pending: dict[str, FileRef] = {}
        self.store = store
        self.index = IndexCache(store)
        self.max_file_bytes = max_file_bytes
        self.extractor_tag = extractor_tag
        self.digests: dict[str, str] = {}
        self.read: dict[str, ReadFile] = {}
        self._refs: dict[str, FileRef] = {}
        self._changed: set[str] = set()
        self._hits: set[str] | frozenset[str] = set()
        self._memos: dict[str, LiteralMemo] = {}
        self.changed: set[str] = set()  # files whose bytes differ from their fingerprint
        self._dirty_memos: set[str] = set()
        self._stored: set[str] = set()  # files whose fresh facts `store_fresh` wrote already
        self._kept_bytes = 0  # file bytes held in `read`
        self._last: tuple[str, bytes | None] | None = None  # the last file `text` read

    # --- fingerprints -----------------------------------------------------------------

    def fingerprint(self, refs: Sequence[FileRef]) -> dict[str, str]:
        """Digest of every ref: from cached headers, else read and hashed now."""
        self._refs = {ref.path: ref for ref in refs}
        return self._fingerprint_some(refs)

    def _fingerprint_some(self, refs: Sequence[FileRef]) -> dict[str, str]:
        lookups = self.index.lookup_many(refs, self.extractor_tag)
        hits = self._hits = set(self._hits) if isinstance(self._hits, frozenset) else self._hits
        misses = set()
        for lookup in lookups:
            if lookup.status == HIT and lookup.digest is not None:
                hits.add(lookup.path)
                self.digests[lookup.path] = lookup.digest
            elif lookup.status == STAMP_CHANGED:
                self._changed.add(lookup.path)
            else:
                misses.add(lookup.path)
        todo = [ref for ref in refs if ref.path not in self.digests]
        if self.defer_misses and len(misses) >= DEFER_FROM:
            self.pending.update((ref.path, ref) for ref in todo if ref.path in misses)
            todo = [ref for ref in todo if ref.path not in misses]
        self._take_digests(todo)
        return self.digests

    def _take_digests(self, refs: Sequence[FileRef]) -> None:
        """Read and hash `refs` (files with no digest yet), keeping bytes within the budget."""
        if not refs:
            return
        read = read_and_digest(self.root, refs, self.max_file_bytes,
                               max(0, KEEP_BYTES - self._kept_bytes))
        self.read.update(read)
        self._kept_bytes += sum(len(found.data or b"") for found in read.values())
        self.digests.update((path, found.digest) for path, found in read.items())

    def settle(self, paths: Iterable[str] | None = None) -> None:
        """Fingerprint the pending files among `paths` (all of them when None) now."""
        chosen = list(self.pending) if paths is None else \
            [path for path in paths if path in self.pending]
        self._take_digests([self.pending.pop(path) for path in chosen])

    def adopt(self, refs: Sequence[FileRef], digests: dict[str, str],
              by_path: dict[str, FileRef] | None = None,
              hits: frozenset[str] | None = None) -> None:
        """Take the fingerprints a resident engine kept from an earlier run for the files
        that have not changed since (what `fingerprint` reaches once every stamp is settled
        and recorded; a file whose facts are not stored after all is scanned, as on any
        miss), and fingerprint the others now. When nothing changed, the engine's
        `by_path` and `hits` are shared, not rebuilt: the same cost on any tree size."""
        complete = len(digests) == len(refs) and by_path is not None and hits is not None
        self._refs = by_path if complete and by_path is not None else \
            {ref.path: ref for ref in refs}
        self.digests = digests if complete else dict(digests)
        self._hits = hits if complete and hits is not None else set(self.digests)
        self.index.hits += len(self.digests)
        if not complete:  # files the engine saw change: fingerprinted as any run would
            self._fingerprint_some([ref for ref in refs if ref.path not in self.digests])

    def refresh(self) -> None:
        """Pick up index entries another process wrote since `fingerprint`: a file it scanned
        becomes a hit when its digest is the one this run computed, without reading again.
        A file this run had not fingerprinted yet takes the entry's digest when its stamp
        matches, as on any warm run; when the stamp does not (an entry stored racily), it is
        fingerprinted now and its entry confirmed by digest when its facts are asked for."""
        refs = list(self._refs.values())
        counts = (self.index.hits, self.index.misses)  # a second look is not a second lookup
        self._hits = set(self._hits)  # never the engine's shared set
        confirm = []
        for lookup in self.index.lookup_many(refs, self.extractor_tag):
            path = lookup.path
            if lookup.status == STAMP_CHANGED and path in self.pending:
                confirm.append(path)
            elif lookup.status != HIT or lookup.digest is None:
                continue
            elif path in self.pending:
                del self.pending[path]
                self.digests[path] = lookup.digest
                self._hits.add(path)
            elif lookup.digest == self.digests.get(path):
                self._hits.add(path)
        self.settle(confirm)
        self._changed.update(confirm)
        self.index.hits, self.index.misses = counts

    def text(self, path: str) -> bytes | None:
        """The file's bytes (read once per run while the run's budget of kept bytes lasts,
        `KEEP_BYTES`, then again when asked again); None when unreadable, too large or not
        in scope."""
        if path in self.pending:  # its first read is its fingerprint
            return self._first_read(self.pending.pop(path))
        read = self.read.get(path)
        if (read is None or not read.kept) and self._last is not None and self._last[0] == path:
            return self._last[1]
        if read is None or not read.kept:
            ref = self._refs.get(path)
            if ref is None:
                return None
            # the bytes asked for are kept for this answer whatever the run's budget
            read = read_and_digest(self.root, [ref], self.max_file_bytes,
                                   self.max_file_bytes + 1)[path]
            if read.digest != self.digests.get(path):
                self.changed.add(path)  # edited since its fingerprint: this run's answer is mixed
            self.read[path] = self._keep(read)
            # Tests of one file come in a row (its literal, then its word or its `def`):
            # the last file read past the budget answers them all from one read.
            self._last = (path, read.data)
        return read.data

    def _first_read(self, ref: FileRef) -> bytes | None:
        read = read_and_digest(self.root, [ref], self.max_file_bytes,
                               self.max_file_bytes + 1)[ref.path]
        self.digests[ref.path] = read.digest
        self.read[ref.path] = self._keep(read)
        self._last = (ref.path, read.data)
        return read.data

    def _keep(self, read: ReadFile) -> ReadFile:
        size = len(read.data or b"")
        if self._kept_bytes + size > KEEP_BYTES:
            return ReadFile(read.digest, None, kept=False)
        self._kept_bytes += size
        return read

    def forget_text(self, paths: Iterable[str]) -> None:
        """Drop the bytes of files that have been scanned (the scanner read them itself and
        their digests are recorded with their facts): a full scan does not hold the whole
        tree's text for the rest of the run. `text` reads a file again if asked later."""
        for path in paths:
            if self._last is not None and self._last[0] == path:
                self._last = None
            read = self.read.pop(path, None)
            if read is not None and read.data is not None:
                self._kept_bytes -= len(read.data)

    # --- cached facts -------------------------------------------------------------------

    def cached_facts(self, paths: Iterable[str],
                     kinds: Sequence[str] = FACT_KINDS) -> dict[str, FileFacts]:
        """Facts of `paths` whose cached content is unchanged, with the parts `kinds`; the
        rest must be scanned. A resident process answers what it can from its memory of
        decoded facts (kept per set of parts: facts of fewer parts never stand in)."""
        wanted = list(paths)
        keys = {p: self._memory_key(p, kinds) for p in wanted if p in self._hits}
        memory = RESIDENT[0] if RESIDENT else None
        remembered = memory.take(keys) if memory is not None else {}
        hits = [Lookup(p, HIT, self.digests[p]) for p in keys if p not in remembered]
        loaded = self.index.load_facts(hits, kinds)
        if memory is not None:
            memory.keep({keys[p]: facts for p, facts in loaded.items()})
        found = {p: facts for p in keys
                 if (facts := remembered.get(p) or loaded.get(p)) is not None}
        for path in wanted:
            if path in self._changed and path not in found:
                facts = self.index.confirm(self._refs[path], self.digests[path], kinds)
                if facts is not None:
                    found[path] = facts
                    self._own_hits().add(path)  # confirmed: more parts load as a hit's
        return found

    def _own_hits(self) -> set[str]:
        """This run's hit set, copied first when it is a resident engine's shared one."""
        if isinstance(self._hits, frozenset):
            self._hits = set(self._hits)
        return self._hits

    def _memory_key(self, path: str, kinds: Sequence[str]) -> tuple[str, str, str, str]:
        parts = f"{self.extractor_tag}/{','.join(kinds)}"
        return (str(self.store.directory), parts, path, self.digests[path])

    # --- literal memo -------------------------------------------------------------------

    def contains(self, path: str, literal: str) -> bool:
        """Does the file contain `literal`? Answered from the memo when its digest matches."""
        return self._memoised(LITERAL_PREFIX + literal, path,
                              lambda data: source_contains(data, literal))

    def has_word(self, path: str, word: str) -> bool:
        """Does the file hold `word` as a whole word (`cq.coding.source_has_word`)? Only a
        file containing it at all is searched; the answer is memoised as `contains`'."""
        if not self.contains(path, word):
            return False
        return self._memoised(WORD_PREFIX + word, path, lambda data: source_has_word(data, word))

    def _memoised(self, key: str, path: str, test: Callable[[bytes], bool]) -> bool:
        """The memo's answer for the file's current content, else `test` of its bytes (an
        unreadable file answers yes: it may hold anything), remembered."""
        known = self.recall(key, path)
        if known is not None:
            return known
        data = self.text(path)
        found = data is None or test(data)
        self.remember(key, path, found)
        return found

    def recall(self, key: str, path: str) -> bool | None:
        """A memoised answer about the file's current content, or None."""
        known = self._memo(key).files.get(path)
        return known[1] if known is not None and known[0] == self.digests.get(path) else None

    def remember(self, key: str, path: str, answer: bool) -> None:
        if path not in self.changed:  # never remember a test made on other bytes
            self._memo(key).files[path] = (self.digests[path], answer)
            self._dirty_memos.add(key)

    def _memo(self, key: str) -> LiteralMemo:
        memo = self._memos.get(key)
        if memo is None:
            memo = self.store.get(key, LiteralMemo)
            if memo is None or memo.tag != self.extractor_tag:
                memo = LiteralMemo(tag=self.extractor_tag)
            self._memos[key] = memo
        return memo

    # --- recording ------------------------------------------------------------------------

    def note_scanned(self, scanned: Sequence[ScanOutcome]) -> None:
        """A pending file's fingerprint is the digest of the bytes the scanner read (one it
        could not read is fingerprinted now, as a stand-in). Files the scanner read as other
        bytes than fingerprinted count as changed at once, so no memo is remembered from
        their facts."""
        if self.pending:
            for outcome in scanned:
                path = outcome.facts.path
                if path in self.pending and outcome.digest:
                    del self.pending[path]
                    self.digests[path] = outcome.digest
            self.settle(o.facts.path for o in scanned)
        self.changed.update(o.facts.path for o in scanned if not self._agrees(o))

    def changed_files(self, scanned: Sequence[ScanOutcome]) -> list[str]:
        """The files whose bytes, read or scanned this run, are not the ones fingerprinted:
        the run's answer may mix two versions of the tree and must not be cached."""
        mismatched = {o.facts.path for o in scanned if not self._agrees(o)}
        return sorted(self.changed | mismatched)

    def _agrees(self, outcome: ScanOutcome) -> bool:
        """Did the scanner see the file the fingerprint saw? A file neither of them read (too
        large, unreadable: its fingerprint is a stand-in) is the same skipped file to both."""
        fingerprinted = self.digests.get(outcome.facts.path)
        if outcome.digest == fingerprinted:
            return True
        return not outcome.digest and (fingerprinted or "").startswith(NOT_READ)

    def store_fresh(self, scanned: Sequence[ScanOutcome]) -> None:
        """Write the facts of a batch of scanned files now, in one transaction, so a run
        that streams need not keep them for `record` (which then leaves them out)."""
        if self.store.status != "ok" or not scanned:
            return
        self.index.store_scanned(((self._refs[o.facts.path], o.digest, o.facts, o.kinds,
                                   o.problems) for o in scanned if o.facts.path in self._refs),
                                 self.extractor_tag)
        self._stored.update(o.facts.path for o in scanned)

    def record(self, scanned: Sequence[ScanOutcome]) -> None:
        """Write back what this run learned: fresh facts (under the digest of the bytes the
        scanner read), digests of files read but not scanned, and extended literal memos; in
        one transaction when the fresh facts fit in one batch (a run after an edit), else
        the facts batch by batch (a cold scan keeps the write lock short)."""
        if self.store.status != "ok":
            return
        unstored = [o for o in scanned if o.facts.path not in self._stored]
        fresh = {o.facts.path for o in scanned}
        unscanned = [(self._refs[p], self.digests[p]) for p in self.read
                     if p not in fresh and p in self._refs and p not in self._hits]
        if not unstored and not unscanned and not self._dirty_memos:
            return  # nothing learned (a warm hit): the store is not opened for writing
        with self.store.transact() if len(unstored) <= STORE_BATCH else nullcontext():
            self._record(unstored, unscanned)

    def _record(self, unstored: list[ScanOutcome],
                unscanned: list[tuple[FileRef, str]]) -> None:
        if unstored:
            self.index.store_scanned(((self._refs[o.facts.path], o.digest, o.facts, o.kinds,
                                       o.problems) for o in unstored
                                      if o.facts.path in self._refs), self.extractor_tag)
        if unscanned:
            self.index.store_digests(unscanned, self.extractor_tag)
        self._write_memos()

    def _write_memos(self) -> None:
        if not self._dirty_memos:
            return
        # Paths outside this run's scope stay in the memo: another scope may need them, and a
        # deleted file's row is never consulted again (lookups go by the discovered paths).
        with self.store.transact():
            for key in sorted(self._dirty_memos):
                self.store.set(key, self._memos[key])
