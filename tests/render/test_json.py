"""render_json: the full result, deterministic, round-tripping through result_from_json."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings

import cq.result
from cq.render.json import json_chunks, render_json
from cq.result import (
    CqResult,
    Section,
    result_from_json,
    result_json_bytes,
    result_json_chunks,
    result_to_json,
)

from .builders import finding, findings, replace, result, results_st, sample_result

CASES = [
    pytest.param(result(), id="empty"),
    pytest.param(sample_result(), id="sample"),
    pytest.param(result(key_findings=findings(50)), id="ignores-top-n"),
    pytest.param(result(summary={"notes": ["ünïcode ✓"], "nested": {"b": 1, "a": [1, 2.5]}},
                        sections=(Section(title="S", kind="s", findings=(finding(file=None),)),)),
                 id="unicode-nested"),
]


@pytest.mark.parametrize("res", CASES)
def test_is_result_to_json(res: CqResult) -> None:
    assert render_json(res, top_n=1) == result_to_json(res)


@pytest.mark.parametrize("res", CASES)
def test_round_trips(res: CqResult) -> None:
    assert result_from_json(render_json(res)) == res


@pytest.mark.parametrize(("summary_a", "summary_b"), [
    ({"a": 1, "b": 2}, {"b": 2, "a": 1}),
    ({"cache": {"status": "hit", "age_s": 1}}, {"cache": {"age_s": 1, "status": "hit"}}),
])
def test_dict_order_does_not_matter(summary_a: dict, summary_b: dict) -> None:
    assert render_json(result(summary=summary_a)) == render_json(result(summary=summary_b))


def test_all_findings_kept() -> None:
    data = json.loads(render_json(result(key_findings=findings(50)), top_n=3))
    assert len(data["key_findings"]) == 50


def test_run_id_present() -> None:
    res = sample_result()
    assert json.loads(render_json(res))["run"]["run_id"] == res.run.run_id


def test_golden(golden) -> None:
    golden.check("render/sample.json", render_json(sample_result()))


def test_golden_is_normalised(golden) -> None:
    """The golden text does not depend on run id or times: another run compares equal."""
    other = sample_result()
    other = replace(other, run=replace(other.run, run_id="0190ffff-0000-7000-8000-000000000000",
                                       started_ms=1, elapsed_ms=9.5))
    golden.check("render/sample.json", render_json(other))


@settings(max_examples=100, deadline=None)
@given(res=results_st)
def test_property_round_trip(res: CqResult) -> None:
    text = render_json(res)
    assert result_from_json(text) == res
    assert render_json(result_from_json(text)) == text


CHUNK_CASES = [
    *CASES,
    pytest.param(result(key_findings=findings(7), evidence=findings(3, file="b.py"),
                        sections=(Section(title="A", kind="a", findings=findings(5)),
                                  Section(title="B", kind="b"),
                                  Section(title="C", kind="c", findings=findings(1)))),
                 id="every-list"),
    # a string that looks like a hole is data, not a place to put findings
    pytest.param(result(summary={"note": "cq-hole-0123456789abcdef-0"},
                        key_findings=(finding(message='"cq-hole-x-0"'),)), id="hole-lookalike"),
]


@pytest.mark.parametrize("indent", [2, 0, 4])
@pytest.mark.parametrize("res", CHUNK_CASES)
@pytest.mark.parametrize("per_chunk", [1, 2, 256])
def test_chunks_are_the_same_bytes(res: CqResult, indent: int, per_chunk: int,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cq.result, "FINDINGS_PER_CHUNK", per_chunk)
    chunks = list(result_json_chunks(res, indent))
    assert b"".join(chunks) == result_json_bytes(res, indent)


def test_chunks_hold_a_batch_of_findings_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cq.result, "FINDINGS_PER_CHUNK", 10)
    res = result(key_findings=findings(100))
    biggest = max(len(chunk) for chunk in result_json_chunks(res))
    assert biggest * 5 < len(result_json_bytes(res))


@settings(max_examples=100, deadline=None)
@given(res=results_st)
def test_property_chunks_are_the_same_bytes(res: CqResult) -> None:
    assert b"".join(json_chunks(res)) == render_json(res).encode()
    assert b"".join(result_json_chunks(res, 0)) == result_json_bytes(res, 0)
