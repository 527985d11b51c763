"""Composite keys `all=`, `any=`, `not=`: the node contains all / any / none of the patterns
(each compiled to `has: {pattern, stopBy: end}`), on entity and pattern queries."""

from __future__ import annotations

import pytest

from cq.errors import QuerySyntaxError
from cq.query.config import query_config
from cq.query.parse import parse_query
from cq.query.parse_rules import split_patterns
from cq.query.tokens import Token


@pytest.mark.parametrize(
    ("value", "patterns"),
    [
        ("a", ("a",)),
        ("a,b", ("a", "b")),
        ("[a, b]", ("a", "b")),
        ("[await $X, return $Y]", ("await $X", "return $Y")),
        ("f(a, b), g", ("f(a, b)", "g")),
        ("[f([1, 2]), {'a': 1, 'b': 2}]", ("f([1, 2])", "{'a': 1, 'b': 2}")),
        ("print('a,b'), x", ("print('a,b')", "x")),
        ('print("a\\",b"), x', ('print("a\\",b")', "x")),
        ("[(a, b)]", ("(a, b)",)),
    ],
)
def test_split_on_top_level_commas(value: str, patterns: tuple[str, ...]) -> None:
    assert split_patterns(Token(f"all={value}", "all", value, 0)) == patterns


SOURCE = {
    "m.py": """\
        async def both(x):
            await x
            return x

        async def waits(x):
            await x

        def returns(x):
            return x

        def neither(x):
            print(x)

        def bare(x):
            return

        def outer(x):
            def inner():
                return x
            print(inner)
        """,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("entity=function all='[await $X, return $Y]'", {"both"}),
        ("entity=function any='[await $X, return $Y]'", {"both", "waits", "returns", "outer.inner",
                                                       "outer"}),
        ("entity=function not='return $X'", {"waits", "neither", "bare"}),
        ("entity=function not='[await $X, return $Y]'", {"neither", "bare"}),
        ("entity=function any='[await $X]' not='return $Y'", {"waits"}),
        ("entity=function all='print($$$)' not='return $Y'", {"neither"}),
        ("entity=function has='await $X' has.stopBy=end not='return $Y'", {"waits"}),
        ("entity=function name=~^(both|waits)$ all='await $X'", {"both", "waits"}),
    ],
)
def test_composites_on_entities(ask, text: str, expected: set[str]) -> None:
    result = ask(text, SOURCE)
    assert {f.details.qualname for f in result.key_findings} == expected


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("pattern='def $F($$$): $$$' all='[await $X, return $Y]'", [1]),
        ("pattern='def $F($$$): $$$' any='[await $X, return $Y]'", [1, 5, 8, 17, 18]),
        ("pattern='def $F($$$): $$$' not='[await $X, return $Y]'", [11, 14]),
        ("pattern='def $F($$$): $$$' all='return $Y' not='await $X'", [8, 17, 18]),
    ],
)
def test_composites_on_patterns(match, text: str, lines: list[int]) -> None:
    assert match(text, SOURCE["m.py"]) == lines


def test_composites_compile_to_has_with_stop_by_end() -> None:
    query = parse_query("pattern='def $F($$$): $$$' all=[a,b] any=c not=[d,e]")
    contains = [{"has": {"pattern": p, "stopBy": "end"}} for p in "abcde"]
    assert query_config(query) == {"rule": {
        "pattern": "def $F($$$): $$$",
        "all": contains[:2],
        "any": contains[2:3],
        "not": {"any": contains[3:]},
    }}


def test_decorator_entity_with_any_keeps_one_rule() -> None:
    config = query_config(parse_query("entity=decorator any=[a,b]"))
    assert config is not None
    rule = config["rule"]
    assert list(rule) == ["all"]
    assert rule["all"][0] == {"any": [{"kind": "class_definition"},
                                      {"kind": "function_definition"}]}
    assert rule["all"][1] == {"any": [{"has": {"pattern": "a", "stopBy": "end"}},
                                      {"has": {"pattern": "b", "stopBy": "end"}}]}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("entity=function all=[]", "empty pattern"),
        ("entity=function any=a,,b", "empty pattern"),
        ("entity=function not='a b c'", "not pattern 'a b c' does not parse"),
        ("entity=callsite all=x", "all= does not apply to entity=callsite"),
        ("entity=function not=x not=y", "given twice"),
        ("entity=function all=[a, b]", "expected key=value, got 'b]'"),  # quote spaces
    ],
)
def test_bad_composites(text: str, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(text)
    assert fragment in info.value.message
