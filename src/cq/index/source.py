"""FactSource: the facts of in-scope files, scanned on demand.

A query asks for "the facts of every file that could answer me", expressed as literals that
such a file must contain (`None`: every file). Files are read once each to test the literals
and scanned only when they pass, so a cold query for one name parses a handful of files, not
the whole tree. Scans are memoised for the run, so an expander asking again costs nothing.
Files whose facts come from the index cache skip the text test: their facts are already there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from cq.discover import FileRef
from cq.facts import FileFacts
from cq.scan import ScanOutcome

Scanner = Callable[[Sequence[str]], list[ScanOutcome]]


class FactSource:
    def __init__(self, root: Path, files: Sequence[FileRef], scanner: Scanner,
                 max_file_bytes: int, known: dict[str, FileFacts] | None = None) -> None:
        self.root = root
        self.files = tuple(files)
        self._scanner = scanner
        self._max_bytes = max_file_bytes
        self._facts: dict[str, FileFacts] = dict(known or {})
        self._digests: dict[str, str] = {}
        self._rejected: dict[str, set[str]] = {}  # path -> literals known to be absent
        self.scanned: list[ScanOutcome] = []

    def facts_for(self, literals: Iterable[str] | None) -> list[FileFacts]:
        """Facts of every in-scope file that contains one of `literals` (all if None),
        in path order."""
        wanted = None if literals is None else tuple(dict.fromkeys(literals))
        todo = [ref.path for ref in self.files
                if ref.path not in self._facts and self._may_match(ref, wanted)]
        self._scan(todo)
        return [self._facts[ref.path] for ref in self.files
                if ref.path in self._facts and self._passes(ref.path, wanted)]

    def facts_of(self, path: str) -> FileFacts:
        """Facts of one in-scope file, scanning it if needed."""
        if path not in self._facts:
            self._scan([path])
        return self._facts[path]

    def all_facts(self) -> list[FileFacts]:
        return self.facts_for(None)

    @property
    def files_scanned(self) -> int:
        return len(self.scanned)

    def _may_match(self, ref: FileRef, wanted: tuple[str, ...] | None) -> bool:
        if wanted is None or ref.size > self._max_bytes:
            return True  # too-large files are "scanned" into a flagged, empty FileFacts
        rejected = self._rejected.setdefault(ref.path, set())
        pending = [lit for lit in wanted if lit not in rejected]
        if not pending:
            return False
        data = self._read(ref.path)
        if data is None:
            return True  # unreadable: let the scanner flag it
        hits = [lit for lit in pending if lit.encode("utf-8", "replace") in data]
        rejected.update(lit for lit in pending if lit not in hits)
        return bool(hits)

    def _passes(self, path: str, wanted: tuple[str, ...] | None) -> bool:
        if wanted is None:
            return True
        rejected = self._rejected.get(path)
        return not rejected or any(lit not in rejected for lit in wanted)

    def _read(self, path: str) -> bytes | None:
        try:
            return (self.root / path).read_bytes()
        except OSError:
            return None

    def _scan(self, paths: list[str]) -> None:
        if not paths:
            return
        outcomes = self._scanner(paths)
        for outcome in outcomes:
            self._facts[outcome.facts.path] = outcome.facts
            self._digests[outcome.facts.path] = outcome.digest
        self.scanned.extend(outcomes)
