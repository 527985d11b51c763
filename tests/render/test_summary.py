"""render_summary: exactly one line with answer, sections, cache status, seconds and run id."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from cq.render.summary import render_summary
from cq.result import CqResult, Section

from .builders import RUN_ID, finding, findings, result, results_st, run_meta, sample_result

TAIL = f"0.42 s · run {RUN_ID}"


@pytest.mark.parametrize(("res", "line"), [
    pytest.param(result(), f"q: 0 findings · {TAIL}", id="empty"),
    pytest.param(result(key_findings=findings(12), summary={"matches": 12,
                                                            "files_with_matches": 9,
                                                            "cache": {"status": "miss"}}),
                 f"q: 12 definitions in 9 files · cache: miss · {TAIL}", id="brief-example"),
    pytest.param(result(key_findings=findings(1), summary={"files_with_matches": 1}),
                 f"q: 1 definition in 1 file · {TAIL}", id="singular"),
    pytest.param(result(key_findings=findings(3)), f"q: 3 definitions · {TAIL}",
                 id="count-from-findings"),
    pytest.param(result(key_findings=findings(2), summary={"matches": 1500}),
                 f"q: 1,500 definitions · {TAIL}", id="count-from-summary"),
    pytest.param(result(key_findings=findings(2), summary={"matches": 40, "truncated": True}),
                 f"q: 40 definitions (2 kept by limit=) · {TAIL}", id="truncated"),
    pytest.param(result(key_findings=(finding(), finding(category="hazard"))),
                 f"q: 2 findings · {TAIL}", id="mixed-categories"),
    pytest.param(result(key_findings=(finding(category="pattern_match"),) * 2),
                 f"q: 2 pattern matches · {TAIL}", id="plural-es"),
    pytest.param(result(key_findings=(finding(category="call_site"),)),
                 f"q: 1 call site · {TAIL}", id="underscore"),
    pytest.param(result(run=run_meta(macro="calls"),
                        sections=(Section(title="A", kind="a", findings=findings(3)),
                                  Section(title="B", kind="b", findings=findings(1)))),
                 f"calls: 0 findings · 4 more in 2 sections · {TAIL}", id="sections"),
    pytest.param(result(summary={"cache": {"status": "disabled", "reason": "read-only"}}),
                 f"q: 0 findings · cache: disabled · {TAIL}", id="cache-disabled"),
    pytest.param(result(run=run_meta(elapsed_ms=1234.5)), f"q: 0 findings · 1.23 s · run {RUN_ID}",
                 id="seconds"),
    pytest.param(result(run=run_meta(macro="multi\nline")), f"multi line: 0 findings · {TAIL}",
                 id="macro-one-line"),
])
def test_summary_line(res: CqResult, line: str) -> None:
    assert render_summary(res) == line


def test_sample() -> None:
    assert render_summary(sample_result()) == (
        f"q: 3 definitions in 2 files · 3 more in 1 section · cache: hit · {TAIL}")


@settings(max_examples=100, deadline=None)
@given(res=results_st)
def test_property_one_line(res: CqResult) -> None:
    text = render_summary(res, top_n=0)
    assert len(text.splitlines()) == 1
    assert text == render_summary(res)
