"""render_markdown: layout lines, one line per finding, top-N cuts, determinism, golden."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cq.render.markdown import render_markdown
from cq.result import Artifact, CqResult, Section, result_from_json, result_to_json

from .builders import (
    RUN_ID,
    finding,
    findings,
    result,
    results_st,
    run_meta,
    sample_result,
)

MORE = re.compile(r"^… and ([\d,]+) more \(`(?:limit=|--limit )[\d]+`\)$", re.M)


def md_lines(res: CqResult, top_n: int = 10) -> list[str]:
    return render_markdown(res, top_n=top_n).split("\n")


def one_finding_line(**fields: object) -> str:
    lines = md_lines(result(key_findings=(finding(**fields),)))
    return lines[lines.index("### Key findings") + 1]


STATS = {"files_indexed": 1, "files_rescanned": 1, "hits": 1, "misses": 2, "entries": 57,
         "size_bytes": 1_234_567}


@pytest.mark.parametrize(("res", "line"), [
    pytest.param(result(summary={"query": "entity=function name=main"}),
                 "## cq q: entity=function name=main", id="title-query"),
    pytest.param(result(), "## cq q", id="title-no-query"),
    pytest.param(result(summary={"query": "entity=function\n   name=main"}),
                 "## cq q: entity=function name=main", id="title-one-line"),
    pytest.param(result(run=run_meta(macro="sig-impact")), "## cq sig-impact", id="title-macro"),
    pytest.param(result(summary={"matches": 3, "files_with_matches": 2, "files_in_scope": 1790,
                                 "files_scanned": 3}),
                 "3 matches · 2 files with matches · 1,790 files in scope · 3 files scanned",
                 id="counts-all"),
    pytest.param(result(summary={"files_in_scope": 1}), "1 file in scope", id="counts-one"),
    pytest.param(result(summary={"files_scanned": 0, "matches": 1}),
                 "1 match · 0 files scanned", id="counts-fixed-order"),
    pytest.param(result(summary={"notes": ["first note", "second\nnote"]}), "- second note",
                 id="notes"),
    pytest.param(result(summary={"cache": {"status": "hit", "age_s": 12.3, "key": "k"},
                                 "cache_stats": {"files_indexed": 1790, "files_rescanned": 3}}),
                 "Cache: hit (age 12 s) · 1,790 files indexed, 3 rescanned", id="cache-hit"),
    pytest.param(result(summary={"cache": {"status": "miss", "key": "k"}}), "Cache: miss",
                 id="cache-miss"),
    pytest.param(result(summary={"cache": {"status": "disabled",
                                           "reason": "diskcache not importable"}}),
                 "Cache: disabled (diskcache not importable)", id="cache-disabled"),
    pytest.param(result(summary={"cache": {"status": "miss"}, "cache_stats": STATS}),
                 "Cache: miss · 1 file indexed, 1 rescanned", id="cache-stats"),
    pytest.param(result(summary={"cache": {"status": "miss"}, "cache_stats": {"size_bytes": 512}}),
                 "Cache: miss · 512 B", id="cache-bytes"),
    pytest.param(result(summary={"cache": {"status": "miss"}, "cache_stats": {"size_bytes": 2048}}),
                 "Cache: miss · 2.0 KB", id="cache-kb"),
    pytest.param(result(), "_No findings._", id="no-findings"),
    pytest.param(result(key_findings=findings(12)), "… and 2 more (`limit=12`)", id="key-more"),
    pytest.param(result(run=run_meta(macro="calls"), key_findings=findings(12)),
                 "… and 2 more (`--limit 12`)", id="key-more-macro-flag"),
    pytest.param(result(key_findings=findings(10), summary={"truncated": True, "matches": 40,
                                                            "limit": 10}),
                 "… and 30 more (`limit=40`)", id="truncated-matches"),
    pytest.param(result(run=run_meta(macro="calls"), key_findings=findings(5),
                        summary={"limit": 5, "omitted": [7]}),
                 "… and 7 more (`--limit 12`)", id="cut-by-limit-filter"),
    pytest.param(result(run=run_meta(macro="calls"), key_findings=findings(3),
                        sections=(Section(title="Sites", kind="sites", findings=findings(2)),),
                        summary={"limit": 2, "omitted": [0, 4]}),
                 "### Sites (6)", id="section-count-before-cut"),
    pytest.param(result(summary={"counts": {"hazards by rule": {"eval": 3, "exec": 1}}}),
                 "**hazards by rule:** eval 3 · exec 1", id="counts-block"),
    pytest.param(result(summary={"counts": {"by x": {f"v{i}": 1 for i in range(14)}}}),
                 "**by x:** " + " · ".join(f"v{i} 1" for i in range(12)) + " · +2 more",
                 id="counts-block-capped"),
    pytest.param(result(summary={"filtered": {"filters": ["--severity error"], "removed": 4,
                                              "beyond_limit": 0}}),
                 "_Filtered (--severity error): 4 removed._", id="filtered"),
    pytest.param(result(sections=(Section(title="Callers", kind="callers",
                                          findings=findings(3)),)),
                 "### Callers (3)", id="section-title"),
    pytest.param(result(sections=(Section(title="Callers", kind="callers", notes=("depth=2",)),)),
                 "> depth=2", id="section-note"),
    pytest.param(result(summary={"headline": "2 would break", "matches": 3,
                                 "files_in_scope": 9}),
                 "2 would break · 9 files in scope", id="headline-first-instead-of-matches"),
    pytest.param(result(sections=(Section(title="Shapes", kind="shapes", notes=("a: 2",)),)),
                 "### Shapes", id="notes-only-section-has-no-count"),
    pytest.param(result(sections=(Section(title="Shapes", kind="shapes",
                                          notes=tuple(f"n{i}" for i in range(12))),)),
                 "> … and 2 more", id="notes-cut-at-top-n"),
    pytest.param(result(evidence=findings(1)), "### Evidence (1)", id="evidence"),
    pytest.param(result(artifacts=(Artifact(path="/repo/.cq/a.json"),)),
                 f"_run {RUN_ID} · 420 ms · cq 0.1.0 · artifact `.cq/a.json`_", id="artifact"),
    pytest.param(result(artifacts=(Artifact(path="/elsewhere/a.json"),)),
                 f"_run {RUN_ID} · 420 ms · cq 0.1.0 · artifact `/elsewhere/a.json`_",
                 id="artifact-outside-root"),
    pytest.param(result(), f"_run {RUN_ID} · 420 ms · cq 0.1.0_", id="footer"),
    pytest.param(result(run=run_meta(elapsed_ms=3.44, toolchain={})), f"_run {RUN_ID} · 3.4 ms_",
                 id="footer-fast-no-version"),
    pytest.param(result(run=run_meta(elapsed_ms=12_345.6)),
                 f"_run {RUN_ID} · 12,346 ms · cq 0.1.0_", id="footer-slow"),
])
def test_layout_line(res: CqResult, line: str) -> None:
    assert line in md_lines(res)


@pytest.mark.parametrize(("res", "absent"), [
    pytest.param(result(summary={"cache_stats": STATS}), "Cache:", id="stats-without-cache"),
    pytest.param(result(key_findings=findings(10)), "… and", id="exactly-top-n"),
    pytest.param(result(key_findings=findings(3)), "… and", id="not-truncated"),
    pytest.param(result(key_findings=findings(30), summary={"limit": 0}), "… and",
                 id="limit-0-shows-all"),
    pytest.param(result(summary={"filtered": {"filters": ["--limit 3"], "removed": 0,
                                              "beyond_limit": 9}}), "_Filtered",
                 id="a-limit-cut-is-said-where-it-cut"),
    pytest.param(result(sections=(Section(title="S", kind="s"),)), "### Key findings",
                 id="no-key-findings-heading"),
    pytest.param(result(sections=(Section(title="S", kind="s"),)), "_No findings._",
                 id="section-is-not-nothing"),
    pytest.param(result(), "### Evidence", id="no-evidence"),
    pytest.param(result(), "Artifact:", id="no-artifact"),
])
def test_layout_omits(res: CqResult, absent: str) -> None:
    assert absent not in render_markdown(res)


@pytest.mark.parametrize(("fields", "line"), [
    pytest.param({}, "- `src/app.py:1` function main", id="anchored"),
    pytest.param({"file": None, "message": "no place"}, "- no place", id="no-anchor"),
    pytest.param({"severity": "warning", "message": "eval(x)"},
                 "- `src/app.py:1` [warning] eval(x)", id="severity"),
    pytest.param({"details": {"qualname": "pkg.main"}},
                 "- `src/app.py:1` function main — qualname `pkg.main`", id="qualname"),
    pytest.param({"message": "method Runner.main", "details": {"qualname": "Runner.main"}},
                 "- `src/app.py:1` method Runner.main", id="qualname-in-message"),
    pytest.param({"details": {"signature": "(a, b=1)"}},
                 "- `src/app.py:1` function main — sig `(a, b=1)`", id="signature"),
    pytest.param({"category": "pattern_match", "details": {"captures": {"$Y": "b", "$X": "a"}}},
                 "- `src/app.py:1` function main — captures `$X=a, $Y=b`", id="captures-sorted"),
    pytest.param({"category": "pattern_match", "details": {"captures": {"$$$A": ["a", "b"]}}},
                 "- `src/app.py:1` function main — captures `$$$A=[a, b]`", id="captures-list"),
    pytest.param({"details": {"signature": "(a)", "qualname": "m.f"}},
                 "- `src/app.py:1` function main — qualname `m.f`; sig `(a)`",
                 id="details-fixed-order"),
    pytest.param({"category": "sig_site", "details": {"reason": "missing c"}},
                 "- `src/app.py:1` function main — reason: missing c", id="reason-plain"),
    pytest.param({"details": {"signature": "", "qualname": "", "kind": "x"}},
                 "- `src/app.py:1` function main", id="empty-details-skipped"),
    pytest.param({"details": {"signature": "(a=`b`)"}},
                 "- `src/app.py:1` function main — sig `` (a=`b`) ``", id="backtick"),
    pytest.param({"message": "eval(\n    x\n)"}, "- `src/app.py:1` eval( x )", id="multiline"),
    pytest.param({"message": "x" * 200}, "- `src/app.py:1` " + "x" * 119 + "…", id="long"),
    pytest.param({"file": "a b.py", "line": 7}, "- `a b.py:7` function main", id="odd-path"),
])
def test_finding_line(fields: dict[str, object], line: str) -> None:
    assert one_finding_line(**fields) == line


@pytest.mark.parametrize(("count", "top_n", "shown", "more"), [
    (3, 10, 3, None),
    (10, 10, 10, None),
    (11, 10, 10, "… and 1 more (`limit=11`)"),
    (5, 0, 5, None),
    (1234, 10, 10, "… and 1,224 more (`limit=1234`)"),
    (4, 2, 2, "… and 2 more (`limit=4`)"),
])
def test_top_n(count: int, top_n: int, shown: int, more: str | None) -> None:
    lines = md_lines(result(key_findings=findings(count)), top_n=top_n)
    assert sum(line.startswith("- `") for line in lines) == shown
    assert [line for line in lines if line.startswith("… and")] == ([more] if more else [])


def test_findings_keep_producer_order() -> None:
    given_order = (finding("b.py", 9), finding("a.py", 1), finding("b.py", 2))
    lines = md_lines(result(key_findings=given_order))
    assert [line.split("`")[1] for line in lines if line.startswith("- `")] == [
        "b.py:9", "a.py:1", "b.py:2"]


def test_block_order() -> None:
    lines = md_lines(sample_result())
    starts = ["## cq q", "3 matches", "- name=main", "Cache:", "### Key findings",
              "### Callers", "### Evidence", "_run "]
    positions = [next(i for i, line in enumerate(lines) if line.startswith(s)) for s in starts]
    assert positions == sorted(positions)


def test_no_trailing_newline() -> None:
    assert not render_markdown(sample_result()).endswith("\n")


def test_golden(golden) -> None:
    golden.check("render/sample.md", render_markdown(sample_result()))


def test_golden_top_n_one(golden) -> None:
    golden.check("render/sample_top1.md", render_markdown(sample_result(), top_n=1))


def _lists(res: CqResult) -> list[tuple[object, ...]]:
    return [res.key_findings, *(s.findings for s in res.sections), res.evidence]


@settings(max_examples=100, deadline=None)
@given(res=results_st, top_n=st.integers(0, 12))
def test_property_deterministic_one_line_and_more(res: CqResult, top_n: int) -> None:
    text = render_markdown(res, top_n=top_n)
    # Equal input, equal text: a JSON round trip reorders every dict and must not matter.
    assert text == render_markdown(result_from_json(result_to_json(res)), top_n=top_n)
    more = sorted(int(n.replace(",", "")) for n in MORE.findall(text))
    shown = top_n or 1_000_000  # 0: every finding
    totals = [len(x) for x in _lists(res)]
    matches = res.summary.get("matches")
    if (res.key_findings and res.summary.get("truncated") and isinstance(matches, int)
            and not isinstance(matches, bool)):
        totals[0] = max(totals[0], matches)  # limit= cut the key findings before rendering
    assert more == sorted(total - min(len(x), shown) for total, x in zip(totals, _lists(res),
                                                                          strict=True)
                          if total > min(len(x), shown))
    notes = res.summary.get("notes", [])
    bullets = [line for line in text.split("\n") if line == "-" or line.startswith("- ")]
    assert len(bullets) == len(notes) + sum(min(len(x), shown) for x in _lists(res))
