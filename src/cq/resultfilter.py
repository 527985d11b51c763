"""Result filters of every analysis command: `--include`, `--exclude`, `--impact`,
`--confidence`, `--severity`, `--limit`; and the `--fail-on` verdict on what they kept.

They apply to a finished (scored) result, after the query cache: the cached answer is the
whole answer and any filter is one cheap pass over it. A filter removes whole findings and
never edits one, so a kept finding keeps every detail. What was removed is counted in
`summary.filtered` so a reader knows the answer was narrowed.

`--fail-on SEVERITY` is judged last, on the findings the filters kept (`judge_fail_on`): the
count of findings at or above the threshold goes to `summary.fail_on`, and the CLI exits 3
(`cq.errors.EXIT_FINDINGS`) when it is not zero.
"""

from __future__ import annotations

from typing import Any

import msgspec

from cq.bounds import Bounds, check_number
from cq.errors import BadInputError
from cq.ignore import compile_filter, filter_line
from cq.result import CqResult, Finding, all_findings
from cq.spelling import suggest
from cq.userregex import user_regex
from cq.vocabulary import BUCKETS, SEVERITIES

LIMIT_BOUNDS = Bounds(0, 1_000_000)  # --limit of every command; 0 keeps every finding


class ResultFilters(msgspec.Struct, frozen=True, kw_only=True):
    include: tuple[str, ...] = ()  # globs (gitignore style) or ~regex over the anchor's file
    exclude: tuple[str, ...] = ()
    impact: tuple[str, ...] = ()  # kept buckets; empty: all
    confidence: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()
    limit: int | None = None  # per list: key findings and each section; 0: all

    @property
    def active(self) -> bool:
        return self != ResultFilters()

    def flags(self) -> list[str]:
        parts = [*(f"--include {p}" for p in self.include),
                 *(f"--exclude {p}" for p in self.exclude)]
        for name in ("impact", "confidence", "severity"):
            values = getattr(self, name)
            parts.extend([f"--{name} {','.join(values)}"] if values else [])
        return parts + ([f"--limit {self.limit}"] if self.limit is not None else [])


def _limit(value: int | str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(check_number(value, LIMIT_BOUNDS))
    except ValueError as exc:
        raise BadInputError(f"--limit {exc}") from None


def parse_choices(option: str, value: str | None, valid: tuple[str, ...]) -> tuple[str, ...]:
    """A comma list of `valid` words, in `valid`'s order; an unknown one is bad input."""
    if value is None:
        return ()
    items = [item.strip() for item in value.split(",") if item.strip()]
    unknown = [item for item in items if item not in valid]
    if unknown or not items:
        raise BadInputError(f"unknown {option} value {', '.join(unknown) or repr(value)}",
                            hint=suggest((unknown or [""])[0], valid, spell=f"{option} {{}}",
                                         listed=f"valid: {', '.join(valid)} "
                                                "(comma-separated)"))
    return tuple(sorted(set(items), key=valid.index))


def _patterns(option: str, value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = tuple(item.strip() for item in value.split(",") if item.strip())
    if not items:
        raise BadInputError(f"{option} needs a glob or ~regex")
    for item in items:
        if item.startswith("~"):
            user_regex(item[1:], option)  # RE2 (linear time): refused here, before any work
    return items


def parse_filters(include: str | None = None, exclude: str | None = None,
                  impact: str | None = None, confidence: str | None = None,
                  severity: str | None = None, limit: int | str | None = None) -> ResultFilters:
    """Validate the filter options as typed (comma-separated lists, a whole number);
    bad input raises."""
    return ResultFilters(include=_patterns("--include", include),
                         exclude=_patterns("--exclude", exclude),
                         impact=parse_choices("--impact", impact, BUCKETS),
                         confidence=parse_choices("--confidence", confidence, BUCKETS),
                         severity=parse_choices("--severity", severity, SEVERITIES),
                         limit=_limit(limit))


class _PathMatcher:
    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.regexes = [user_regex(p[1:], "--include/--exclude") for p in patterns
                        if p.startswith("~")]
        globs = tuple(p for p in patterns if not p.startswith("~"))
        self.globs = compile_filter(globs) if globs else None

    def __call__(self, path: str) -> bool:
        if any(regex.search(path) for regex in self.regexes):
            return True
        return self.globs is not None and filter_line(self.globs, path, False) >= 0


def _keeper(filters: ResultFilters) -> Any:
    include = _PathMatcher(filters.include) if filters.include else None
    exclude = _PathMatcher(filters.exclude) if filters.exclude else None

    def keep(finding: Finding) -> bool:
        path = finding.anchor.file if finding.anchor else None
        if include is not None and (path is None or not include(path)):
            return False
        if exclude is not None and path is not None and exclude(path):
            return False
        if filters.severity and finding.severity not in filters.severity:
            return False
        return _bucket_ok(finding, filters)

    return keep


def _bucket_ok(finding: Finding, filters: ResultFilters) -> bool:
    score = finding.score
    if filters.impact and (score is None or score.impact_bucket not in filters.impact):
        return False
    return not (filters.confidence
                and (score is None or score.confidence_bucket not in filters.confidence))


def apply_filters(result: CqResult, filters: ResultFilters) -> CqResult:
    """The result without the findings the filters reject; counts of what went go to
    `summary.filtered` (`removed` by the predicates, `beyond_limit` by `--limit`, and per
    list in `omitted`: key findings first, then each section, so Markdown can name the
    `--limit` that shows the rest). `--limit` also sets Markdown's list length
    (`summary.limit`, 0: all)."""
    if not filters.active:
        return result
    keep = _keeper(filters)
    counts = {"removed": 0, "beyond_limit": 0}
    omitted: list[int] = []
    key = _narrow(result.key_findings, keep, filters.limit, counts, omitted)
    sections = tuple(msgspec.structs.replace(s, findings=_narrow(s.findings, keep, filters.limit,
                                                                 counts, omitted))
                     for s in result.sections)
    evidence = _narrow(result.evidence, keep, None, counts, [])
    summary = {**result.summary, "filtered": {"filters": filters.flags(), **counts}}
    if filters.limit is not None:
        summary["limit"] = filters.limit
    if any(omitted):
        summary["omitted"] = omitted
    return msgspec.structs.replace(result, key_findings=key, sections=sections,
                                   evidence=evidence, summary=summary)


def _narrow(findings: tuple[Finding, ...], keep: Any, limit: int | None,
            counts: dict[str, int], omitted: list[int]) -> tuple[Finding, ...]:
    kept = [f for f in findings if keep(f)]
    counts["removed"] += len(findings) - len(kept)
    beyond = len(kept) - limit if limit and len(kept) > limit else 0
    counts["beyond_limit"] += beyond
    omitted.append(beyond)
    return tuple(kept[:limit] if beyond else kept)


def rank_key(finding: Finding) -> tuple[int, float]:
    """Most severe first, then the highest impact; a stable sort on it keeps the producer's
    order among equals (by position, unless a macro ranks its own way)."""
    severity = SEVERITIES.index(finding.severity) if finding.severity in SEVERITIES else 99
    impact = finding.score.impact if finding.score is not None else 0.0
    return severity, -impact


def rank_findings(result: CqResult) -> CqResult:
    """Key findings and each section's findings by `rank_key` (a stable sort), so every
    cut (`--limit`, Markdown's top N) keeps what matters most."""
    sections = tuple(msgspec.structs.replace(s, findings=tuple(sorted(s.findings, key=rank_key)))
                     for s in result.sections)
    return msgspec.structs.replace(result, key_findings=tuple(sorted(result.key_findings,
                                                                     key=rank_key)),
                                   sections=sections)



def at_or_above(severity: str, threshold: str) -> bool:
    """Is `severity` as severe as `threshold` or more (SEVERITIES is most severe first)?"""
    rank = SEVERITIES.index
    return severity in SEVERITIES and rank(severity) <= rank(threshold)


def judge_fail_on(result: CqResult, threshold: str | None) -> CqResult:
    """The result with `summary.fail_on = {severity, findings}`: how many of the findings it
    holds (after the filters) are at or above `threshold`. No threshold: unchanged."""
    if threshold is None:
        return result
    failing = sum(1 for f in all_findings(result) if at_or_above(f.severity, threshold))
    verdict = {"severity": threshold, "findings": failing}
    return msgspec.structs.replace(result, summary={**result.summary, "fail_on": verdict})
