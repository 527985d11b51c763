"""`cq hazards` options: the selection of rows, validated."""

from __future__ import annotations

import pytest

from cq.errors import BadInputError
from cq.hazards.selection import HazardSelection, parse_selection


@pytest.mark.parametrize(
    ("category", "severity", "expected"),
    [
        (None, None, HazardSelection()),
        ("security", None, HazardSelection(("security",))),
        ("design, security,design", "info", HazardSelection(("security", "design"), ("info",))),
        (None, "warning,error", HazardSelection((), ("error", "warning"))),
    ],
)
def test_parse_selection(category, severity, expected) -> None:
    assert parse_selection(category, severity) == expected


@pytest.mark.parametrize(("category", "severity"), [("web", None), (None, "low"), ("", None)])
def test_unknown_values_list_the_valid_ones(category, severity) -> None:
    with pytest.raises(BadInputError, match="unknown --(category|severity)") as info:
        parse_selection(category, severity)
    assert "valid: " in (info.value.hint or "")


@pytest.mark.parametrize(
    ("selection", "rule", "wanted"),
    [
        (HazardSelection(), "eval", True),
        (HazardSelection(("security",)), "global-statement", False),
        (HazardSelection((), ("info",)), "eval", False),
        (HazardSelection(("design",), ("info",)), "global-statement", True),
    ],
)
def test_wants(selection: HazardSelection, rule: str, wanted: bool) -> None:
    assert selection.wants(rule) is wanted
