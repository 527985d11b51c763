"""Whether a pattern is Python: where (1-based, in the pattern) and why not."""

from __future__ import annotations

import pytest

from cq.rules.literals import EXPANDO
from cq.rules.syntax import PatternProblem, syntax_problem, user_text


@pytest.mark.parametrize(
    "text",
    ["eval($X)", "getattr($O, $N)", "$F($$$ARGS)", "def $F($$$): $$$", "return $X",
     "await $X", "f(**$X, *$Y)", "print $X", "type X = $Y", "x = f\"{a['k']}\"", "$$$"],
)
def test_patterns_that_parse(text: str) -> None:
    assert syntax_problem(text) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("foo(", PatternProblem(1, 4, "'(' was never closed")),
        ("foo($$$", PatternProblem(1, 4, "'(' was never closed")),
        ("$$$ +", PatternProblem(1, 6, "invalid syntax")),
        ("if $X:", PatternProblem(1, 7, "expected an indented block after 'if' statement "
                                        "on line 1")),
        ("f($$$,\n  g(", PatternProblem(2, 4, "'(' was never closed")),
    ],
)
def test_patterns_that_do_not_parse(text: str, problem: PatternProblem) -> None:
    assert syntax_problem(text) == problem


def test_where_names_the_line_only_for_several_lines() -> None:
    assert PatternProblem(1, 4, "x").where("foo(") == "column 4 of the pattern"
    assert PatternProblem(2, 4, "x").where("f(\n  g(") == "line 2, column 4 of the pattern"


def test_user_text_spells_metavariables_as_typed() -> None:
    assert user_text(f"source `{EXPANDO * 3} {EXPANDO}A`") == "source `$$$ $A`"
