"""Pattern queries (QUERY.md §3): prefilter by text, parse the candidates, match one rule.

Files are candidates when they contain every literal word of the plan (`Plan.requires`,
answered from the literal memo or the bytes already read for fingerprints); candidates are
decoded like the scanner does and matched in worker processes when there are many
(`cq.query.pattern_pool`). Each match is a `pattern_match` finding anchored at the matched
node, with its text (capped) and the metavariable captures.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from cq.coding import ascii_view
from cq.details import PatternMatchDetails
from cq.discover import Discovery
from cq.findings import file_issue, make_finding
from cq.index.source import FactSource
from cq.query.model import Query
from cq.query.pattern_pool import FileMatches, MatchJob, RuleMatch, match_files
from cq.query.plan import Plan
from cq.result import Anchor, Finding, Section, finding_order
from cq.rules.build import metavariables
from cq.rules.literals import has_words, word_regexes

MESSAGE_WIDTH = 100


class Candidates:
    """Files that may match: those of `paths` (default: the scope) containing every word of
    `requires`, with their bytes; and the paths that could not be read, with the reason."""

    def __init__(self, source: FactSource, requires: tuple[str, ...],
                 paths: Iterable[str] | None = None) -> None:
        session = source.session
        ordered = sorted(requires, key=len, reverse=True)  # the rarest word first, usually
        self.items: list[tuple[str, bytes]] = []
        self.unread: dict[str, str] = {}
        wanted = [ref.path for ref in source.files] if paths is None else paths
        self._words = word_regexes(tuple(ordered))
        for path in wanted:
            if all(session.contains(path, word) for word in ordered):
                self._add(source, path)

    def _add(self, source: FactSource, path: str) -> None:
        data = source.session.text(path)
        if data is not None:
            if has_words(ascii_view(data), self._words):  # words as the decoder reads them
                self.items.append((path, data))
            return
        digest = source.session.digests.get(path, "")
        self.unread[path] = "too large" if digest.startswith("stamp:") else "unreadable"


def match_candidates(source: FactSource, plan: Plan, job: MatchJob,
                     jobs: int) -> tuple[Candidates, list[FileMatches]]:
    candidates = Candidates(source, plan.requires)
    return candidates, match_files(candidates.items, job, jobs)


def query_job(query: Query, plan: Plan) -> MatchJob:
    """What each file is matched with: the plan's config and the metavariables to capture."""
    assert plan.rule is not None
    names: dict[str, str] = {}
    texts = [query.pattern.text if query.pattern else ""]
    texts.extend(r.pattern for r in query.relations)
    for text in texts:
        for name, written in metavariables(text).items():
            names.setdefault(name, written)
    return MatchJob(json.loads(plan.rule), names)


class PatternRun:
    """One pattern query's work: the candidates, what matching each returned, the findings
    (sorted by file, line, col; an enclosing match before the ones it contains)."""

    def __init__(self, candidates: Candidates, results: list[FileMatches]) -> None:
        self.candidates = candidates
        self.results = results
        self.findings = sorted((match_finding(found.path, match) for found in results
                                for match in found.matches), key=finding_order)


def run_pattern(query: Query, plan: Plan, source: FactSource, jobs: int = 0) -> PatternRun:
    candidates, results = match_candidates(source, plan, query_job(query, plan), jobs)
    return PatternRun(candidates, results)


def match_finding(path: str, match: RuleMatch) -> Finding:
    span = match.span
    anchor = Anchor(file=path, line=span.line, col=span.col, end_line=span.end_line,
                    end_col=span.end_col)
    details = PatternMatchDetails(text=match.text, kind=match.kind,
                                  text_truncated=match.truncated,
                                  captures=dict(match.captures) if match.captures else None,
                                  evidence="pattern")
    return make_finding("pattern_match", anchor, details, message=_headline(match.text))


def _headline(text: str) -> str:
    lines = text.strip().splitlines() or [""]
    first = lines[0].strip()
    more = len(lines) > 1
    if len(first) > MESSAGE_WIDTH:
        first, more = first[: MESSAGE_WIDTH - 1], True
    return first + (" …" if more else "")


def problem_findings(candidates: Candidates, results: list[FileMatches]) -> list[Finding]:
    """Files that could not be read, or were matched with a problem (explain=true)."""
    rows: list[tuple[str, str, str | None]] = [
        (path, reason, None) for path, reason in candidates.unread.items()]
    rows.extend((found.path, ", ".join(found.flags), found.error)
                for found in results if found.flags)
    return [file_issue(path, problem, "match", error) for path, problem, error in sorted(rows)]


def pattern_summary(run: PatternRun, discovery: Discovery, shown: int) -> dict[str, Any]:
    selected = run.findings
    return {
        "matches": len(selected),
        "files_with_matches": len({f.anchor.file for f in selected if f.anchor}),
        "files_in_scope": len(discovery.files), "files_scanned": len(run.results),
        "truncated": shown < len(selected),
    }


def problems_section(run: PatternRun) -> Section:
    return Section(title="Files parsed with problems", kind="file_issues",
                   findings=tuple(problem_findings(run.candidates, run.results)))
