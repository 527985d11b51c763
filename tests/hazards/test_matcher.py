"""The matcher: candidate files by word alternatives, one parse per file, the same hits in
worker processes as in-process, test paths."""

from __future__ import annotations

import pytest

from cq.hazards.compile import compile_rules
from cq.hazards.matcher import match_file, match_files


def test_rules_run_only_when_their_words_stand_alone() -> None:
    rules = compile_rules()
    found = match_file("m.py", b"evaluate(x)\nmy_eval(y)\n", rules)
    assert found.hits == ()


@pytest.mark.parametrize("data", [
    pytest.param("x = 'é'\neval(x)\n".encode("utf-16"), id="utf-16"),
    pytest.param(b"# coding: unicode_escape\n\\x65val(x)\n", id="unicode-escape"),
])
def test_rules_run_on_the_words_of_the_decoded_text(data: bytes) -> None:
    found = match_file("m.py", data, compile_rules())
    assert [hit.span.line for hit in found.hits] == [2]


def test_pool_gives_the_same_hits_as_one_process() -> None:
    rules = compile_rules()
    items = [(f"m{i}.py", f"def f{i}(a=[]):\n    return eval(a)\n".encode() * 2000)
             for i in range(4)]
    one = match_files(items, rules, jobs=1)
    pooled = match_files(items, rules, jobs=2)
    assert pooled == one and len(one[0].hits) == 4000


def test_a_file_that_does_not_parse_is_flagged_not_fatal() -> None:
    found = match_file("m.py", b"x = = 1\n)))\neval(x)\n", compile_rules())
    assert "partial" in found.flags and found.error is None
