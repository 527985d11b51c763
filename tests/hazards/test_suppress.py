"""Suppression comments: what a comment names, and which lines it covers."""

from __future__ import annotations

import pytest

from cq.hazards.compile import compile_rule
from cq.hazards.matcher import match_file
from cq.hazards.registry import RULES_BY_ID
from cq.hazards.suppress import ALL, comment_ids


@pytest.mark.parametrize(
    ("text", "expected"),
    [("# nosec", ALL), ("#nosec", ALL), ("# NOSEC", ALL), ("# nosec: trusted input", ALL),
     ("# nosec B301", frozenset({"B301"})), ("# nosec: B301,B602", frozenset({"B301", "B602"})),
     ("# nosec pickle-load", frozenset({"pickle-load"})), ("# cq: ignore", ALL),
     ("# cq: ignore[eval, exec]", frozenset({"eval", "exec"})),
     ("# cq: ignore[typo]", frozenset({"typo"})), ("# type: ignore", None),
     ("# no security here", None), ("# type: int  # nosec", ALL),
     ("# nosec B607", frozenset({"B607"}))],
)
def test_comment_ids(text: str, expected) -> None:
    assert comment_ids(text) == expected


def _suppressed(source: str, row_id: str = "pickle-load") -> list[tuple[int, bool]]:
    found = match_file("m.py", source.encode(), [compile_rule(RULES_BY_ID[row_id])])
    return [(hit.span.line, hit.suppressed) for hit in found.hits]


def test_lines_a_comment_covers() -> None:
    source = ("x = pickle.loads(  # nosec\n    b)\n"
              "y = pickle.loads(\n    b)  # nosec\n"
              "z = [  # cq: ignore[pickle-load]\n    pickle.loads(b),\n]\n"
              "w = pickle.loads(b)\n# nosec\n")
    assert _suppressed(source) == [(1, True), (3, True), (6, True), (8, False)]


def test_a_comment_naming_other_rows_does_not_suppress() -> None:
    assert _suppressed("pickle.loads(b)  # nosec B602\n") == [(1, False)]
    assert _suppressed("pickle.loads(b)  # cq: ignore[eval]\n") == [(1, False)]


def test_nosec_in_a_string_is_not_a_comment() -> None:
    assert _suppressed("pickle.loads('# nosec')\n") == [(1, False)]
