"""What one query run shares between its filters, fields and expanders: the fact source,
the symtable scopes, decoded source lines and hazard hits, each computed once per file.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from cq.facts import Def, FileFacts, Span
from cq.index.source import FactSource
from cq.query.scopes import ScopeIndex
from cq.result import Finding

if TYPE_CHECKING:
    from cq.hazards.matcher import HazardHit


_NEWLINE = re.compile(r"\r\n|\r|\n")


def finding_order(finding: Finding) -> tuple[str, int, int, str]:
    anchor = finding.anchor
    if anchor is None:
        return ("", 0, 0, finding.message)
    return (anchor.file, anchor.line, anchor.col, finding.message)


class QueryContext:
    def __init__(self, source: FactSource, jobs: int = 0) -> None:
        self.source = source
        self.jobs = jobs
        self.scopes = ScopeIndex(source)
        self.notes: list[str] = []
        self._texts: dict[str, str] = {}
        self._lines: dict[str, list[str]] = {}
        self._hazards: dict[str, list[HazardHit]] = {}

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def text(self, path: str) -> str:
        """The file decoded like the scanner does ("" when it cannot be read)."""
        found = self._texts.get(path)
        if found is None:
            from cq.scan import decode_source

            data = self.source.session.text(path)
            found = self._texts[path] = decode_source(data)[0] if data is not None else ""
        return found

    def lines(self, path: str) -> list[str]:
        """The file's lines as Python numbers them (only \\n, \\r\\n and \\r end one)."""
        found = self._lines.get(path)
        if found is None:
            found = self._lines[path] = _NEWLINE.split(self.text(path))
        return found

    def hazards(self, paths: list[str]) -> dict[str, list[HazardHit]]:
        """Hazard hits of the registry in each of `paths` (test files keep theirs only for
        rows that apply to tests)."""
        todo = sorted(set(paths) - set(self._hazards))
        if todo:
            self._hazards.update(_match_hazards(self.source, todo, self.jobs))
        return {path: self._hazards.get(path, []) for path in paths}


def _match_hazards(source: FactSource, paths: list[str], jobs: int) -> dict[str, list[HazardHit]]:
    from cq.hazards.compile import compiled_registry
    from cq.hazards.matcher import candidates, kept_hits, match_files

    rules = compiled_registry()
    items, _unread = candidates(source, rules, paths)
    found = {result.path: kept_hits(result) for result in match_files(items, rules, jobs)}
    return {path: found.get(path, []) for path in paths}


def def_span(definition: Def) -> Span:
    """The def's lines, decorators included."""
    span = definition.span
    start = definition.decorated_line or span.line
    return Span(start, 0, span.end_line, span.end_col)


def within(span: Span, outer: Span) -> bool:
    return (outer.line, outer.col) <= (span.line, span.col) and \
        (span.end_line, span.end_col) <= (outer.end_line, outer.end_col)


def def_text(ctx: QueryContext, facts: FileFacts, definition: Def) -> str:
    span = def_span(definition)
    return "\n".join(ctx.lines(facts.path)[span.line - 1: span.end_line])
