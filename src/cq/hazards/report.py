"""The `cq hazards` report: every hit of the selected rows (`cq.hazards.selection`) as a
`hazard` finding, counts by rule, category and severity, the files that were read with
problems, and the hits under a suppression comment: counted in the summary (`suppressed`,
`suppressed_by_rule`) and listed in their own section, never dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import msgspec

from cq.details import HazardDetails
from cq.findings import details_of, file_issue
from cq.hazards.compile import CompiledRule
from cq.hazards.matcher import FileHazards, candidates, hazard_finding, kept_hits, match_files
from cq.hazards.selection import HazardSelection
from cq.index.source import FactSource
from cq.result import Finding, Section, finding_order
from cq.settings import DEFAULT_TEST_PATHS


class HazardReport(msgspec.Struct, frozen=True, kw_only=True):
    key_findings: tuple[Finding, ...]
    sections: tuple[Section, ...]
    summary: dict[str, Any]


def run_hazards(source: FactSource, rules: Sequence[CompiledRule], selection: HazardSelection,
                jobs: int = 0, test_paths: Sequence[str] = DEFAULT_TEST_PATHS) -> HazardReport:
    chosen = [rule for rule in rules if selection.wants(rule.id)]
    items, unread = candidates(source, chosen)
    results = match_files(items, chosen, jobs)
    findings = _findings(results, test_paths, suppressed=False)
    quiet = _findings(results, test_paths, suppressed=True)
    summary = _summary(findings, chosen, len(source.files), len(results))
    summary["suppressed"] = len(quiet)
    summary["suppressed_by_rule"] = dict(sorted(Counter(
        details_of(f, HazardDetails).id for f in quiet).items()))
    problems = _problems(results, unread)
    sections = []
    if quiet:
        sections.append(Section(title="Suppressed (# nosec / # cq: ignore)", kind="suppressed",
                                findings=tuple(quiet)))
    if problems:
        sections.append(Section(title="Files read with problems", kind="file_issues",
                                findings=tuple(problems)))
    return HazardReport(key_findings=tuple(findings), sections=tuple(sections),
                        summary=summary)


def _findings(results: list[FileHazards], test_paths: Sequence[str], *,
              suppressed: bool) -> list[Finding]:
    return sorted((hazard_finding(found.path, hit) for found in results
                   for hit in kept_hits(found, test_paths, suppressed=suppressed)),
                  key=finding_order)


def _summary(findings: list[Finding], rules: list[CompiledRule], in_scope: int,
             scanned: int) -> dict[str, Any]:
    hits = [details_of(f, HazardDetails) for f in findings]

    def count(values: list[str]) -> dict[str, int]:
        return dict(sorted(Counter(values).items()))

    return {"matches": len(findings),
            "files_with_matches": len({f.anchor.file for f in findings if f.anchor}),
            "files_in_scope": in_scope, "files_scanned": scanned,
            "rules": [rule.id for rule in rules], "by_rule": count([h.id for h in hits]),
            "by_category": count([h.category for h in hits]),
            "by_severity": count([h.severity for h in hits])}


def _problems(results: list[FileHazards], unread: list[str]) -> list[Finding]:
    rows: list[tuple[str, str, str | None]] = [
        (path, "unreadable or too large", None) for path in unread]
    rows.extend((found.path, ", ".join(found.flags), found.error)
                for found in results if found.error or "partial" in found.flags)
    return [file_issue(path, problem, "match", error) for path, problem, error in sorted(rows)]
