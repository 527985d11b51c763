"""Result filters: each narrows whole findings and never edits the ones it keeps."""

from __future__ import annotations

import pytest

from conftest import build_details
from cq.errors import BadInputError
from cq.findings import make_finding
from cq.ids import uuid7_str
from cq.result import Anchor, CqResult, RunMeta, Section, failing_findings
from cq.resultfilter import (
    apply_filters,
    at_or_above,
    judge_fail_on,
    parse_filters,
)
from cq.score import score_all

RUN = RunMeta(macro="t", argv=(), root="/r", started_ms=0, elapsed_ms=0.0, toolchain={},
              run_id=uuid7_str())


def _result() -> CqResult:
    rows = [("src/a.py", "warning", "resolved"), ("src/b.py", "info", "name"),
            ("tests/t.py", "error", "dynamic"), ("src/c.py", "info", "resolved")]
    findings = tuple(make_finding("call_site", Anchor(file=f, line=1),
                                  build_details("call_site", {"evidence": e, "preview": f}),
                                  severity=s) for f, s, e in rows)
    key, sections = score_all(findings[:2], (Section(title="s", kind="s",
                                                     findings=findings[2:]),))
    return CqResult(run=RUN, key_findings=key, sections=sections)


def _files(result: CqResult) -> list[str]:
    return [f.anchor.file for f in (*result.key_findings, *result.sections[0].findings)]


@pytest.mark.parametrize(("options", "expected"), [
    ({}, ["src/a.py", "src/b.py", "tests/t.py", "src/c.py"]),
    ({"include": "src/**"}, ["src/a.py", "src/b.py", "src/c.py"]),
    ({"include": "~^tests/"}, ["tests/t.py"]),
    ({"exclude": "tests/,src/b.py"}, ["src/a.py", "src/c.py"]),
    ({"severity": "error,warning"}, ["src/a.py", "tests/t.py"]),
    ({"confidence": "high"}, ["src/a.py", "src/c.py"]),
    ({"confidence": "low,med"}, ["src/b.py", "tests/t.py"]),
    ({"limit": 1}, ["src/a.py", "tests/t.py"]),
    ({"limit": 0}, ["src/a.py", "src/b.py", "tests/t.py", "src/c.py"]),
])
def test_filters(options, expected) -> None:
    assert _files(apply_filters(_result(), parse_filters(**options))) == expected


def test_impact_filter_uses_the_bucket() -> None:
    result = _result()
    high = {f.anchor.file for f in (*result.key_findings, *result.sections[0].findings)
            if f.score.impact_bucket == "high"}
    assert set(_files(apply_filters(result, parse_filters(impact="high")))) == high


def test_kept_findings_are_unchanged_and_counts_reported() -> None:
    original = _result()
    narrowed = apply_filters(original, parse_filters(exclude="tests/", limit=1))
    assert narrowed.key_findings[0] == original.key_findings[0]
    assert narrowed.summary["filtered"] == {"filters": ["--exclude tests/", "--limit 1"],
                                           "removed": 1, "beyond_limit": 1}


@pytest.mark.parametrize(("options", "message"), [
    ({"impact": "huge"}, "unknown --impact value huge"),
    ({"severity": "fatal,error"}, "unknown --severity value fatal"),
    ({"include": "~("}, r"invalid regex '\(' in --include: missing \)"),
    ({"include": "~(?<!x)y"}, r"invalid regex '\(\?<!x\)y' in --include: invalid perl operator"),
    ({"exclude": "src,~(a)\\1"}, r"invalid regex '\(a\)\\\\1' in --exclude"),
    ({"include": " , "}, "--include needs a glob"),
    ({"limit": -1}, "--limit must be a whole number in 0..1000000, got -1"),
    ({"limit": 2 ** 63}, "--limit must be a whole number in 0..1000000, got 9223372036854775808"),
    ({"limit": "nan"}, "--limit must be a whole number in 0..1000000, got 'nan'"),
])
def test_bad_filters(options, message) -> None:
    with pytest.raises(BadInputError, match=message):
        parse_filters(**options)


@pytest.mark.parametrize(("threshold", "filters", "failing"), [
    ("error", {}, 1),
    ("warning", {}, 2),
    ("info", {}, 4),
    ("error", {"exclude": "tests/"}, 0),  # judged on what the filters kept
    ("warning", {"severity": "info"}, 0),
    ("info", {"limit": 1}, 2),  # one per list: a key finding and a section finding
])
def test_fail_on_counts_kept_findings_at_or_above_the_threshold(threshold, filters,
                                                                 failing) -> None:
    result = judge_fail_on(apply_filters(_result(), parse_filters(**filters)), threshold)
    assert result.summary["fail_on"] == {"severity": threshold, "findings": failing}
    assert failing_findings(result) == failing


def test_no_fail_on_threshold_leaves_the_result_alone() -> None:
    result = _result()
    assert judge_fail_on(result, None) is result
    assert failing_findings(result) == 0


@pytest.mark.parametrize(("severity", "threshold", "expected"), [
    ("error", "warning", True), ("warning", "warning", True), ("info", "warning", False),
    ("info", "info", True), ("warning", "error", False), ("other", "info", False),
])
def test_at_or_above(severity, threshold, expected) -> None:
    assert at_or_above(severity, threshold) is expected
