"""spelling: one near suggestion, else the whole list."""

from __future__ import annotations

import pytest

from cq.spelling import nearest, suggest


@pytest.mark.parametrize(("word", "choices", "near"), [
    ("jsn", ("md", "json", "dot"), "json"),
    ("FUNCTION", ("function", "class"), "function"),
    ("zzz", ("function", "class"), None),
])
def test_nearest(word, choices, near) -> None:
    assert nearest(word, choices) == near


def test_suggest_names_one_spelling_or_lists_all() -> None:
    assert suggest("eror", ("error", "warning"), spell="--severity {}") == (
        "did you mean --severity error?")
    assert suggest("zzz", ("error", "warning")) == "valid: error, warning"
