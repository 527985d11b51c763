"""The q parser: tokens, values, and precise errors for everything it does not accept."""

from __future__ import annotations

import pytest

from cq.errors import QuerySyntaxError, UnsupportedKeyError
from cq.query.keys import KEYS
from cq.query.parse import Expander, NameMatch, parse_query, tokenize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a=1 b=2", [("a", "1"), ("b", "2")]),
        ("a='x y' b=\"p q\"", [("a", "x y"), ("b", "p q")]),
        (r"a='it\'s'", [("a", "it's")]),
        ("  a=1   ", [("a", "1")]),
        ("a=b=c", [("a", "b=c")]),
        ("$N=!~^['\"]", [("$N", "!~^['\"]")]),  # a quote inside a bare value is literal
        ("p='f(\"a b\")' q=x", [("p", 'f("a b")'), ("q", "x")]),
        ("'a=b'", [(None, "a=b")]),
        ("word", [(None, "word")]),
    ],
)
def test_tokenize(text, expected) -> None:
    assert [(t.key, t.value) for t in tokenize(text)] == expected


def test_token_positions() -> None:
    assert [t.position for t in tokenize("a=1  bb=2")] == [0, 5]


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("entity=function", "entities", ("function",)),
        ("entity=method name=run", "name", NameMatch("run", "exact")),
        ("entity=method name=~^_", "name", NameMatch("^_", "regex")),
        ("entity=function name=pkg.mod.f", "name", NameMatch("pkg.mod.f", "dotted")),
        ("entity=class in=src/pkg", "in_paths", ("src/pkg",)),
        ("entity=class exclude=tests,build/*", "exclude", ("tests", "build/*")),
        ("entity=class globs=*.py,!*_test.py", "globs", ("*.py", "!*_test.py")),
        ("entity=class limit=5", "limit", 5),
        ("entity=class explain=true", "explain", True),
        ("entity=class fields=def,loc,loc", "fields", ("def", "loc")),
        ("entity=function expand=callers", "expand", (Expander("callers", 1),)),
        ("entity=function expand=callers(depth=3),callees", "expand",
         (Expander("callers", 3), Expander("callees", 1))),
        ("entity=function decorated_by=@property", "decorated_by", "property"),
        ("entity=function decorator_count_min=0", "decorator_count_min", 0),
    ],
)
def test_values(text, field, value) -> None:
    assert getattr(parse_query(text), field) == value


def test_bare_word_searches_every_def_kind() -> None:
    query = parse_query("join")
    assert query.entities == ("function", "method", "class")
    assert query.name == NameMatch("join", "exact")
    assert query.shorthand


@pytest.mark.parametrize(
    ("text", "fragment", "position"),
    [
        ("", "empty query", -1),
        ("entity=funk", "unknown entity 'funk'", 0),
        ("entity=function colour=red", "unknown key 'colour'", 16),
        ("entity=function name=a name=b", "given twice", 23),
        ("entity=function stray", "expected key=value", 16),
        ("entity=function name=~(", "invalid regex", 16),
        ("entity=function name=a-b", "invalid name", 16),
        ("entity=function limit=0", "integer >= 1", 16),
        ("entity=function limit=ten", "integer >= 1", 16),
        ("entity=function explain=maybe", "true or false", 16),
        ("entity=function expand=everything", "unknown expander", 16),
        ("entity=function expand=callers(depth=0)", "depth must be >= 1", 16),
        ("entity=function fields=colour", "unknown field", 16),
        ("entity=function in=", "empty value", 16),
        ("entity=function name='open", "unterminated quote", 21),
        ("two words", "expected key=value", 0),
        ("entity=function inside.stopBy=end", "needs inside=", 16),
        ("entity=function $X=~foo", "applies to pattern queries only", 16),
        ("entity=function pattern=x", "not both", 16),
        ("pattern.selector=call", "needs entity= or pattern=", 0),
        ("name=x", "needs entity= or pattern=", 0),
    ],
)
def test_errors_name_token_and_position(text, fragment, position) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(text)
    assert fragment in info.value.message
    assert info.value.position == position
    assert info.value.exit_code == 2


def test_unknown_key_lists_valid_keys() -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query("entity=function colour=red")
    assert "entity" in (info.value.hint or "") and "limit" in (info.value.hint or "")


UNSUPPORTED = [name for name, spec in KEYS.items() if not spec.supported]


@pytest.mark.parametrize("key", UNSUPPORTED)
def test_keys_not_enforced_yet_are_rejected(key: str) -> None:
    with pytest.raises(UnsupportedKeyError, match="not supported yet"):
        parse_query(f"entity=function {key}=x")


@pytest.mark.parametrize(
    "text",
    [
        "entity=function expand=hazards",
        "entity=function expand=imports(depth=2)",
        "entity=function fields=hazards",
    ],
)
def test_other_unsupported_forms_are_rejected(text: str) -> None:
    with pytest.raises(UnsupportedKeyError):
        parse_query(text)


def test_canonical_text_is_stable() -> None:
    a = parse_query("entity=function name=x limit=3")
    b = parse_query("limit=3   entity=function name='x'")
    assert a.canonical() == b.canonical()
    assert a.canonical() != parse_query("entity=function name=x limit=4").canonical()


@pytest.mark.parametrize(
    "text",
    [
        "entity=callsite decorated_by=x",
        "entity=module expand=callers",
        "entity=import decorator_count_min=1",
        "entity=callsite fields=loc",
        "entity=module fields=callers",
    ],
)
def test_definition_only_keys_refused_elsewhere(text: str) -> None:
    with pytest.raises(QuerySyntaxError, match="does not apply"):
        parse_query(text)
