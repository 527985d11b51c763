"""The structural keys' values: patterns must be Python (with the place and a hint when not,
never the internal placeholder for `$`), metavariable kind filters (`$X.kind=K`,
`$X.kind=!K`) and the node kinds the user names."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cq.errors import QuerySyntaxError
from cq.query.config import query_config
from cq.query.parse import parse_query
from cq.rules.literals import EXPANDO

GETATTRS = """\
getattr(o, "x")
getattr(o, name)
getattr(o, "render_" + name)
getattr(o, f"r_{name}")
getattr(o, names[0])
"""


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("pattern='getattr($O, $N)' $N.kind=!string", [2, 3, 5]),
        ("pattern='getattr($O, $N)' $N.kind=string", [1, 4]),
        ("pattern='getattr($O, $N)' $N.kind=binary_operator", [3]),
        ("pattern='getattr($O, $N)' $N.kind=string $N=~^f", [4]),
        ("pattern='getattr($O, $N)' $N.kind=!string $N=!~^name$", [3, 5]),
        ("pattern='getattr($O, $N)' $O.kind=identifier $N.kind=subscript", [5]),
    ],
)
def test_kind_filters(match, text: str, lines: list[int]) -> None:
    assert match(text, GETATTRS) == lines


def test_kind_filters_become_constraints() -> None:
    query = parse_query("pattern='getattr($O, $N)' $N.kind=!string $N=~^x $O.kind=call")
    assert query_config(query) == {
        "rule": {"pattern": "getattr($O, $N)"},
        "constraints": {"N": {"all": [{"regex": "^x"}, {"not": {"kind": "string"}}]},
                        "O": {"kind": "call"}}}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("pattern='getattr($O, $N)' $N.kind=strin",
         "$N.kind=: unknown node kind 'strin'; did you mean 'string'?"),
        ("pattern='getattr($O, $N)' $N.kind=!Strng", "did you mean 'string'?"),
        ("pattern='getattr($O, $N)' $N.kind=", "a kind filter is $N.kind=KIND or"),
        ("pattern='getattr($O, $N)' $N.kind=!", "a kind filter is $N.kind=KIND or"),
        ("pattern='getattr($O, $N)' $N.kind=~str", "a kind filter is $N.kind=KIND or"),
        ("pattern='getattr($O, $N)' $B.kind=string", "$B.kind does not occur in the pattern"),
        ("pattern='f($$$ARGS)' $$$ARGS.kind=string", "filters a multi-node metavariable"),
        ("pattern='f($$$ARGS)' $ARGS.kind=string", "filters a multi-node metavariable"),
        ("pattern='f($N)' $N.kind=string $N.kind=call", "given twice"),
        ("pattern='f($N)' $N.kind=expression", "'expression' is a supertype"),
        ("pattern='f($N)' $N.type=string", "invalid metavariable '$N.type'"),
        ("entity=function $N.kind=string", "applies to pattern queries only"),
    ],
)
def test_bad_kind_filters(text: str, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(text)
    assert fragment in info.value.message
    assert info.value.exit_code == 2


# --- broken patterns ------------------------------------------------------------------------

PIECES = ["$$$", "$$$ARGS", "$X", "f(", ")", "(", "+", ":", ",", "=", "def", "class", "if",
          "return", "x", "'s'", "[", "]", "\n", " ", "*", "**", "lambda", "->", "."]
KEYS = ["pattern", "inside", "has", "not", "any", "follows"]


def _query(key: str, pattern: str) -> str:
    quoted = "'" + pattern.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return f"pattern={quoted}" if key == "pattern" else f"pattern=x {key}={quoted}"


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(KEYS), st.lists(st.sampled_from(PIECES), min_size=1, max_size=8))
def test_no_message_shows_the_placeholder(key: str, pieces: list[str]) -> None:
    """Whatever a pattern made of `$$$` and broken pieces is, a refusal names it as typed."""
    try:
        parse_query(_query(key, "".join(pieces)))
    except QuerySyntaxError as exc:
        assert EXPANDO not in exc.one_line()
        assert exc.exit_code == 2


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("pattern", ["f($$$", "$$$ +", "$$$:", "$$$ $$$ARGS", "[$$$", "def ($$$)",
                                     "$$$ = ", "lambda $$$", "class $$$(", "'k': $$$"])
def test_broken_patterns_with_multi_metavariables(key: str, pattern: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(_query(key, pattern))
    line = info.value.one_line()
    assert "does not parse" in line and "of the pattern" in line
    assert EXPANDO not in line and "$$$" in line
