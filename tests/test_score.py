"""Scores: impact from severity, breadth, breakage and depth; confidence from evidence."""

from __future__ import annotations

import pytest

from conftest import build_details
from cq.findings import make_finding
from cq.result import Anchor
from cq.score import Context, bucket, confidence_of, context_of, impact_of, score_all


def _finding(category="call_site", severity=None, file="a.py", **details):
    return make_finding(category, Anchor(file=file, line=1), build_details(category, details),
                        severity=severity)


@pytest.mark.parametrize(("value", "expected"), [
    (0.0, "low"), (0.33, "low"), (0.34, "med"), (0.66, "med"), (0.67, "high"), (1.0, "high"),
])
def test_buckets(value, expected) -> None:
    assert bucket(value) == expected


@pytest.mark.parametrize(("details", "category", "expected"), [
    ({"evidence": "resolved"}, "call_site", 0.95),
    ({"evidence": "name"}, "call_site", 0.6),
    ({"evidence": "dynamic"}, "sig_site", 0.3),
    ({"confidence": "med"}, "hazard", 0.6),
    ({}, "scope", 0.95),  # category default: symtable
    ({"evidence": "unknown-kind"}, "side_effect", 0.5),
])
def test_confidence_by_evidence(details, category, expected) -> None:
    assert confidence_of(_finding(category, **details)) == expected


def test_impact_grows_with_breadth_breakage_and_severity() -> None:
    small, large = Context(sites=1, files=1), Context(sites=200, files=50)
    base = _finding()
    assert impact_of(base, small) < impact_of(base, large)
    sig = "sig_site"
    assert impact_of(_finding(sig, bucket="would_break"), small) > impact_of(
        _finding(sig, bucket="ambiguous"), small) > impact_of(_finding(sig, bucket="ok"), small)
    assert impact_of(_finding(severity="error"), small) > impact_of(base, small)
    assert impact_of(_finding("taint_site", depth=3), small) < impact_of(
        _finding("taint_site", depth=1), small)
    assert 0.0 <= impact_of(_finding(sig, severity="error", bucket="would_break"),
                            large) <= 1.0


def test_context_ignores_file_issues_and_counts_files_once() -> None:
    findings = [_finding(file="a.py"), _finding(file="a.py"), _finding(file="b.py"),
                _finding("file_issue", file="c.py", path="c.py")]
    assert context_of(findings) == Context(sites=3, files=2)


def test_score_all_scores_every_finding_with_one_context() -> None:
    from cq.result import Section

    key, sections = score_all((_finding(),), (Section(title="t", kind="k",
                                                      findings=(_finding(file="b.py"),)),))
    scores = [key[0].score, sections[0].findings[0].score]
    assert all(s is not None and s.impact_bucket in ("low", "med", "high") for s in scores)
    assert scores[0] == scores[1]  # same severity and evidence, one shared context


SCORED = [
    ("call_site", {"evidence": "resolved"}, None), ("call_site", {"evidence": "name"}, None),
    ("call_site", {"evidence": "name"}, "warning"), ("sig_site", {"bucket": "would_break"}, None),
    ("sig_site", {"bucket": "ambiguous", "evidence": "dynamic"}, None),
    ("taint_site", {"depth": 1}, None), ("taint_site", {"depth": 4}, "error"),
    ("hazard", {"confidence": "low"}, "error"), ("hazard", {"confidence": "high"}, "error"),
    ("scope", {}, None), ("definition", {}, None), ("file_issue", {"path": "c.py"}, None),
]


def test_score_all_gives_each_finding_its_own_score() -> None:
    """Findings of one kind share a Score object; each still gets what its fields say."""
    findings = tuple(_finding(category, severity, file=f"m{i % 3}.py", **details)
                     for i, (category, details, severity) in enumerate(SCORED * 2))
    context = context_of(findings)
    key, _ = score_all(findings, ())
    for finding, scored in zip(findings, key, strict=True):
        assert scored.score is not None
        assert (scored.score.impact, scored.score.confidence) == \
            (impact_of(finding, context), confidence_of(finding))
