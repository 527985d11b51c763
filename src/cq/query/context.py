"""What one query run shares between its filters, fields and expanders: the fact source,
the symtable scopes, decoded source lines and hazard hits, each computed once per file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cq.analysis.scopes import ScopeIndex
from cq.analysis.sourcefile import lines_of, text_of
from cq.facts import Def, FileFacts, def_span
from cq.hazards.compile import compiled_registry
from cq.hazards.matcher import HazardHit, candidates, kept_hits, match_files
from cq.index.source import FactSource
from cq.settings import DEFAULT_TEST_PATHS


class QueryContext:
    def __init__(self, source: FactSource, jobs: int = 0,
                 test_paths: Sequence[str] = DEFAULT_TEST_PATHS) -> None:
        self.source = source
        self.jobs = jobs
        self.test_paths = tuple(test_paths)
        self.scopes = ScopeIndex(source)
        self.notes: list[str] = []
        self.suggestions: list[str] = []  # nearest names when nothing matched (nearmiss)
        self._texts: dict[str, str] = {}
        self._lines: dict[str, list[str]] = {}
        self._hazards: dict[str, list[HazardHit]] = {}
        self.memo: dict[tuple[str, ...], Any] = {}  # what a filter computes once per run

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def text(self, path: str) -> str:
        """The file decoded like the scanner does ("" when it cannot be read)."""
        found = self._texts.get(path)
        if found is None:
            found = self._texts[path] = text_of(self.source, path) or ""
        return found

    def lines(self, path: str) -> list[str]:
        """The file's lines as Python numbers them (only \\n, \\r\\n and \\r end one)."""
        found = self._lines.get(path)
        if found is None:
            found = self._lines[path] = lines_of(self.text(path))
        return found

    def hazards(self, paths: list[str]) -> dict[str, list[HazardHit]]:
        """Hazard hits of the registry in each of `paths` (test files keep theirs only for
        rows that apply to tests)."""
        todo = sorted(set(paths) - set(self._hazards))
        if todo:
            self._hazards.update(_match_hazards(self.source, todo, self.jobs,
                                                self.test_paths))
        return {path: self._hazards.get(path, []) for path in paths}


def _match_hazards(source: FactSource, paths: list[str], jobs: int,
                   test_paths: Sequence[str]) -> dict[str, list[HazardHit]]:
    rules = compiled_registry()
    items, _unread = candidates(source, rules, paths)
    found = {result.path: kept_hits(result, test_paths)
             for result in match_files(items, rules, jobs)}
    return {path: found.get(path, []) for path in paths}


def def_text(ctx: QueryContext, facts: FileFacts, definition: Def) -> str:
    span = def_span(definition)
    return "\n".join(ctx.lines(facts.path)[span.line - 1: span.end_line])
