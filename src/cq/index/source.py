"""FactSource: the facts of in-scope files, loaded from the index cache or scanned on demand.

A query asks for "the facts of every file that could answer me", expressed as literals such
a file must contain (`None`: every file). The literal test is answered from the session's
memo or the file's bytes (read once per run), and only passing files are loaded: cached
facts when the content is unchanged, a scan otherwise. Everything is memoised for the run,
so an expander asking again costs nothing. Files that a deeper (stdlib) analysis could not
read are recorded here too (`not_analysed`), so the runner can say the answer is partial.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

from cq.cache.index import STORE_BATCH
from cq.coding import nfkc, nfkc_may_add, raw_answers, search_text
from cq.deadline import NO_DEADLINE, Deadline
from cq.discover import FileRef
from cq.facts import FACT_KINDS, FileFacts
from cq.index.session import DEFINES_PREFIX, IndexSession

if TYPE_CHECKING:  # the scanner is imported only by runs that scan
    from cq.scan import ScanOutcome

# (paths, the fact kinds to extract) → one outcome per path, in order (lazily: a stream
# hands out each chunk as the workers finish it).
Scanner = Callable[[Sequence[str], Sequence[str]], "Iterable[ScanOutcome]"]


@functools.lru_cache(maxsize=256)
def definition_pattern(name: str) -> re.Pattern[bytes] | None:
    """`def NAME` or `class NAME` as bytes (whitespace or a line continuation between), or
    None for a name the bytes test cannot judge (not ASCII: the file's encoding decides)."""
    if not name.isascii() or not name.isidentifier():
        return None
    return re.compile(rb"\b(?:def|class)(?:\s|\\)+" + name.encode() + rb"\b")


@functools.lru_cache(maxsize=256)
def _text_definition(name: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:def|class)(?:\s|\\)+" + re.escape(name) + r"(?!\w)")


def could_define(data: bytes, name: str) -> bool:
    """Could this file define a def or class `name`? False only when its text has no `def
    NAME` / `class NAME`: from the raw bytes when they give the decoder's answer, else from
    the decoded, NFKC-normalised text (Python reads `def ﬁle` as `def file`)."""
    name = nfkc(name)
    if not name.isidentifier():
        return True
    if raw_answers(data, name):
        pattern = definition_pattern(name)
        if pattern is not None and pattern.search(data):
            return True
        if not nfkc_may_add(data, name):
            return False
    return _text_definition(name).search(search_text(data)) is not None


# Flags of a file whose bytes the scanner never saw: its facts say nothing about its names.
UNREAD_FLAGS = frozenset({"unreadable", "too-large"})
SCAN_BATCH = 256  # files scanned between two looks at the run's deadline
STREAM_BATCH = 128  # files whose facts a stream hands out (and holds) at a time


class FactSource:
    def __init__(self, files: Sequence[FileRef], session: IndexSession, scanner: Scanner,
                 deadline: Deadline = NO_DEADLINE) -> None:
        self.files = tuple(files)
        self.session = session
        self._scanner = scanner
        self.deadline = deadline
        self.unread = 0  # files a bulk load left out because the deadline had passed
        self._facts: dict[str, FileFacts] = {}
        # The kinds of fact this run reads (`narrow`), and those each loaded file has.
        self.kinds: tuple[str, ...] = FACT_KINDS
        self._kinds: dict[str, frozenset[str]] = {}
        self.scanned: list[ScanOutcome] = []
        # Files a stdlib analysis could not read this run (path → why): the answer is partial.
        self.unanalysed: dict[str, str] = {}

    def narrow(self, kinds: Sequence[str]) -> None:
        """Load only the definitions and the parts `kinds` from now on (the other parts
        of the facts handed out are empty): for a question that is known to read no more.
        They are neither extracted nor decoded; a later `narrow` to more kinds loads the
        rest for the files asked for then."""
        self.kinds = tuple(kind for kind in FACT_KINDS if kind == "defs" or kind in kinds)

    def not_analysed(self, path: str, reason: str) -> None:
        """Record that `path` could not be analysed (the first reason wins)."""
        self.unanalysed.setdefault(path, reason)

    def facts_for(self, literals: Iterable[str] | None) -> list[FileFacts]:
        """Facts of every in-scope file containing one of `literals` (all if None), in
        path order."""
        wanted = None if literals is None else tuple(dict.fromkeys(literals))
        paths = [ref.path for ref in self.files if self._may_match(ref.path, wanted)]
        self._load([p for p in paths if not self._has(p)])
        return [self._facts[p] for p in paths if p in self._facts]

    def facts_naming(self, names: Iterable[str]) -> Iterator[FileFacts]:
        """Like `facts_for(names)`, keeping only the files that hold one of the `names` as a
        whole word (`IndexSession.has_word`): every file with a call, def or import of one
        of them, and far fewer files than the substring test passes for a short name
        (`get` is in `getattr`). Each file is handed out as soon as its facts are loaded
        (cached ones first, then as the workers scan the rest), so the caller's work on
        one file overlaps the scan of the others; what is loaded is kept, as `facts_for`
        keeps it."""
        wanted = tuple(dict.fromkeys(names))
        paths = [ref.path for ref in self.files
                 if any(self.session.has_word(ref.path, name) for name in wanted)]
        have = [p for p in paths if self._has(p)]
        yield from (self._facts[p] for p in have)
        handed = set(have)
        for path in self._loading([p for p in paths if p not in handed]):
            if path not in handed:
                handed.add(path)
                yield self._facts[path]

    def count_containing(self, literals: Iterable[str]) -> int:
        """How many in-scope files contain one of `literals` (their facts are not loaded)."""
        wanted = tuple(dict.fromkeys(literals))
        return sum(1 for ref in self.files if self._may_match(ref.path, wanted))

    def facts_defining(self, literals: Iterable[str] | None, name: str) -> list[FileFacts]:
        """Like `facts_for`, keeping only files that define a def or class named `name`, and
        the files that could not be read (they may define it: the answer counts and lists
        them as flagged). The answer per file is memoised by content digest, so after an edit
        only the edited file's facts are loaded to answer a definition query again."""
        key = DEFINES_PREFIX + name
        wanted = None if literals is None else tuple(dict.fromkeys(literals))
        paths = [ref.path for ref in self.files if self._may_match(ref.path, wanted)
                 and self._may_define(key, ref.path, name)]
        self._load([p for p in paths if not self._has(p)])
        found = []
        for path in (p for p in paths if p in self._facts):
            facts = self._facts[path]
            if UNREAD_FLAGS.intersection(facts.flags):
                found.append(facts)  # unknown, not "no": never remembered as "no"
                continue
            defines = any(d.name == name for d in facts.defs)
            self.session.remember(key, path, defines)
            if defines:
                found.append(facts)
        return found

    def stream(self, literals: Iterable[str] | None, name: str | None = None,
               skip: AbstractSet[str] = frozenset()) -> Iterator[list[FileFacts]]:
        """The facts `facts_for(literals)` (with `name`: `facts_defining(literals, name)`)
        would give, in batches of no particular order, none of them kept: memory holds one
        batch, whatever the tree's size. Scanned files are written to the index batch by
        batch (`scanned` keeps their paths and digests only). For a question that reads
        each file once; the others ask `facts_for`, which keeps what it loads. The files in
        `skip` are left out (not even tested for the literals)."""
        wanted = None if literals is None else tuple(dict.fromkeys(literals))
        key = DEFINES_PREFIX + name if name is not None else ""
        paths = [ref.path for ref in self.files if ref.path not in skip
                 and self._may_match(ref.path, wanted)
                 and (name is None or self._may_define(key, ref.path, name))]
        todo: list[str] = []
        for start in range(0, len(paths), STREAM_BATCH):
            batch = paths[start:start + STREAM_BATCH]
            found = [self._facts[p] for p in batch if self._has(p)]
            cached = self.session.cached_facts([p for p in batch if not self._has(p)],
                                               self.kinds)
            todo.extend(p for p in batch if not self._has(p) and p not in cached)
            yield self._answering([*found, *cached.values()], key, name)
        for scanned in self._scan_stream(todo):
            yield self._answering(scanned, key, name)

    def _answering(self, batch: list[FileFacts], key: str, name: str | None) -> list[FileFacts]:
        if name is None:
            return batch
        found = []
        for facts in batch:
            if UNREAD_FLAGS.intersection(facts.flags):
                found.append(facts)  # unknown, not "no": never remembered as "no"
                continue
            defines = any(d.name == name for d in facts.defs)
            self.session.remember(key, facts.path, defines)
            if defines:
                found.append(facts)
        return found

    def _scan_stream(self, paths: list[str]) -> Iterator[list[FileFacts]]:
        """Scan `paths` (within the deadline, as `_load`), batch by batch: each batch is
        written to the index and handed out, then dropped."""
        timed = self.deadline.seconds is not None
        calls = [paths[i:i + SCAN_BATCH] for i in range(0, len(paths), SCAN_BATCH)] \
            if timed else [paths] if paths else []
        for number, call in enumerate(calls):
            if timed and self.deadline.expired():
                self.unread += sum(len(rest) for rest in calls[number:])
                return
            batch: list[ScanOutcome] = []
            for outcome in self._scanner(call, self.kinds):
                batch.append(outcome)
                if len(batch) == STREAM_BATCH:
                    yield self._stored(batch)
                    batch = []
            if batch:
                yield self._stored(batch)

    def _stored(self, batch: list[ScanOutcome]) -> list[FileFacts]:
        self.session.note_scanned(batch)
        self.session.store_fresh(batch)
        self.session.forget_text(o.facts.path for o in batch)
        self.scanned.extend(o.stub for o in batch)
        return [o.view for o in batch]

    def facts_of(self, path: str) -> FileFacts:
        """Facts of one in-scope file."""
        if not self._has(path):
            self._load([path], bulk=False)
        return self._facts[path]

    def loaded(self) -> list[FileFacts]:
        """Every file's facts this run has used so far, in path order."""
        return [self._facts[ref.path] for ref in self.files if ref.path in self._facts]

    def all_facts(self) -> list[FileFacts]:
        return self.facts_for(None)

    @property
    def files_scanned(self) -> int:
        return len(self.scanned)

    def _has(self, path: str) -> bool:
        """Are the file's facts loaded with every kind this run reads?"""
        have = self._kinds.get(path)
        return have is not None and have.issuperset(self.kinds)

    def _may_define(self, key: str, path: str, name: str) -> bool:
        """False when the file cannot define `name`: the memo says so, or its text has no
        `def NAME` / `class NAME` (a file is only parsed when it might)."""
        known = self.session.recall(key, path)
        if known is not None:
            return known
        data = self.session.text(path)
        if data is None or could_define(data, name):
            return True
        self.session.remember(key, path, False)
        return False

    def _may_match(self, path: str, wanted: tuple[str, ...] | None) -> bool:
        if wanted is None:
            return True
        return any(self.session.contains(path, literal) for literal in wanted)

    def _load(self, paths: list[str], bulk: bool = True) -> None:
        """Cached facts of `paths`, the rest scanned. With a time budget, a bulk load scans
        in batches and stops once the deadline has passed (the files left out are counted
        in `unread`); one file asked for by name is always loaded."""
        for _ in self._loading(paths, bulk):
            pass

    def _loading(self, paths: list[str], bulk: bool = True) -> Iterator[str]:
        """`_load`, naming each path as soon as its facts are in `_facts`."""
        if not paths:
            return
        cached = self.session.cached_facts(paths, self.kinds)
        self._facts.update(cached)
        kinds = frozenset(self.kinds)
        self._kinds.update(dict.fromkeys(cached, kinds))
        yield from cached
        todo = [p for p in paths if p not in cached]
        timed = bulk and self.deadline.seconds is not None
        batches = [todo[i:i + SCAN_BATCH] for i in range(0, len(todo), SCAN_BATCH)] if timed \
            else [todo] if todo else []
        for number, batch in enumerate(batches):
            if timed and self.deadline.expired():
                self.unread += sum(len(rest) for rest in batches[number:])
                return
            yield from self._scanning(batch)

    def _scanning(self, paths: list[str]) -> Iterator[str]:
        """Scan `paths`, naming each as its facts arrive. A file the caller needed (and so
        loaded) while the workers were still scanning it keeps the facts it was given."""
        outcomes = self._stored_early(paths) if len(paths) > STORE_BATCH \
            else self._scanner(paths, self.kinds)
        for outcome in outcomes:
            path = outcome.facts.path
            if not self._has(path):
                self.session.note_scanned([outcome])
                self._facts[path] = outcome.view
                self._kinds[path] = frozenset(outcome.kinds)
                self.scanned.append(outcome)
            yield path
        self.session.forget_text(paths)

    def _stored_early(self, paths: list[str]) -> Iterator[ScanOutcome]:
        """A scan too big for one write transaction anyway, stored batch by batch as the
        workers hand it out: the writes overlap the scan instead of following it. Each
        outcome is handed on as it arrives, not held until its batch is written."""
        batch: list[ScanOutcome] = []
        for outcome in self._scanner(paths, self.kinds):
            yield outcome
            batch.append(outcome)
            if len(batch) == STORE_BATCH:
                self.session.store_fresh(batch)
                batch = []
        # the rest is written with the run's other records
