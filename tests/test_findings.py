"""The finding catalogue: one details struct per category, templates that can always be
filled, makers that refuse a wrong shape, and a schema that publishes every shape."""

from __future__ import annotations

import string

import msgspec
import pytest

from conftest import build_details
from cq.details import CallSiteDetails, Details, FileIssueDetails
from cq.findings import CATEGORIES, details_of, file_issue, make_finding
from cq.result import FINDING_TYPES, Anchor, CqResult, result_from_json, result_json_schema


def test_every_category_has_a_finding_type_and_back() -> None:
    assert set(CATEGORIES) == set(FINDING_TYPES)


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_template_names_only_fields_the_details_always_have(category: str) -> None:
    cat = CATEGORIES[category]
    required = {f.name for f in msgspec.structs.fields(cat.details_type) if f.required}
    named = {field for _, field, _, _ in string.Formatter().parse(cat.template) if field}
    assert named <= required


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_template_message_never_has_a_placeholder(category: str) -> None:
    finding = make_finding(category, None, build_details(category))
    assert "?" not in finding.message and "{" not in finding.message


def test_details_of_another_category_are_refused() -> None:
    with pytest.raises(TypeError, match="call_site takes CallSiteDetails"):
        make_finding("call_site", None, FileIssueDetails(path="a", problem="b", stage="read"))
    with pytest.raises(TypeError):
        make_finding("call_site", None, {"callee": "f"})  # type: ignore[arg-type]


def test_details_of_reads_typed_fields_or_refuses() -> None:
    issue = file_issue("a.py", "unreadable", "read")
    assert details_of(issue, FileIssueDetails).stage == "read"
    with pytest.raises(TypeError):
        details_of(issue, CallSiteDetails)


def test_unset_optional_fields_stay_out_of_the_json() -> None:
    details = CallSiteDetails(callee="f", name="f")
    assert msgspec.json.decode(msgspec.json.encode(details)) == {"callee": "f", "name": "f"}


def test_schema_selects_one_shape_per_category() -> None:
    schema = result_json_schema()
    items = schema["$defs"]["CqResult"]["properties"]["key_findings"]["items"]
    assert "anyOf" not in items and items["discriminator"]["propertyName"] == "category"
    assert set(items["discriminator"]["mapping"]) == set(CATEGORIES)
    assert len(items["oneOf"]) == len(CATEGORIES)
    call_site = schema["$defs"]["CallSiteFinding"]
    details = schema["$defs"][call_site["properties"]["details"]["$ref"].rsplit("/", 1)[1]]
    assert {"callee", "name"} <= set(details["required"])


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_every_category_round_trips_through_json(category: str) -> None:
    from cq.result import RunMeta

    finding = make_finding(category, Anchor(file="a.py", line=1), build_details(category))
    run = RunMeta(macro="q", argv=(), root="/r", started_ms=0, elapsed_ms=0.0, toolchain={},
                  run_id="r")
    result = CqResult(run=run, key_findings=(finding,))
    back = result_from_json(msgspec.json.encode(result))
    assert back == result and type(back.key_findings[0].details) is type(finding.details)
    assert isinstance(back.key_findings[0].details, Details)
