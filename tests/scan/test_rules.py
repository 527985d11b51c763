"""Tests for cq.scan.rules: the extractor table is consistent data."""

from __future__ import annotations

import pytest

from cq.facts import FileFacts
from cq.scan.rules import DISPATCH, RULES, SCAN_CONFIG
from cq.scan.state import FACT_FIELDS


def test_kinds_are_unique():
    assert len(DISPATCH) == len(RULES)


@pytest.mark.parametrize("row", RULES, ids=lambda row: row.kind)
def test_each_row_feeds_a_fact_field_or_only_the_state(row):
    assert row.fact is None or (row.fact in FACT_FIELDS
                                and row.fact in FileFacts.__struct_fields__)


def test_one_rule_matches_every_row():
    (by_kind, *special) = SCAN_CONFIG["rule"]["any"]
    plain = {row.kind for row in RULES if row.match is None}
    assert set(by_kind["kind"].split(",")) == plain
    assert special == [row.match for row in RULES if row.match is not None]
