"""The q parser: tokens, values, and precise errors for everything it does not accept."""

from __future__ import annotations

import pytest

from cq.errors import QuerySyntaxError
from cq.query.keys import KEYS
from cq.query.model import Join
from cq.query.parse import Expander, NameMatch, parse_query, tokenize
from cq.query.plan import plan_query


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
        ("entity=function scope=closure", "scope", "closure"),
        ("entity=method captures=count", "captures", "count"),
        ("entity=decorator has_cells=false", "has_cells", False),
        ("entity=function used_by=function:main", "used_by",
         Join(entity="function", name=NameMatch("main", "exact"))),
        ("entity=class used_by=method:Svc.run", "used_by",
         Join(entity="method", name=NameMatch("Svc.run", "dotted"))),
        ("entity=function used_by=function:~^test_", "used_by",
         Join(entity="function", name=NameMatch("^test_", "regex"))),
        ("entity=module defines=class:Config", "defines",
         Join(entity="class", name=NameMatch("Config", "exact"))),
        ("entity=class defines=method:get", "defines",
         Join(entity="method", name=NameMatch("get", "exact"))),
        ("entity=method raises=class:errors.NotFound", "raises",
         Join(entity="class", name=NameMatch("errors.NotFound", "dotted"))),
        ("entity=module exports=main", "exports", "main"),
        ("entity=function expand=imports,raises,scope,bytecode_surface,hazards", "expand",
         tuple(Expander(name) for name in
               ("imports", "raises", "scope", "bytecode_surface", "hazards"))),
        ("entity=function fields=imports,hazards,evidence", "fields",
         ("imports", "hazards", "evidence")),
        ("entity=module fields=imports,hazards,evidence", "fields",
         ("imports", "hazards", "evidence")),
        ("entity=callsite fields=evidence", "fields", ("evidence",)),
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
        ("entity=function stray-word", "expected key=value", 16),
        ("entity=function name=~(", "invalid regex", 16),
        ("entity=function name=~(?=x)", "invalid regex '(?=x)' in name=", 16),
        ("entity=function used_by=function:~(a)\\1", "in used_by=: invalid escape", 16),
        ("entity=class defines=method:~(?<!_)x", "in defines=: invalid perl operator", 13),
        ("pattern='f($X)' $X=~(?=a)", "in $X=: look-around", 16),
        ("pattern='f($X)' $X=!~(a)\\1", "in $X=: backreferences are not supported", 16),
        ("entity=function name=a-b", "invalid name", 16),
        ("entity=function limit=-1", "must be a whole number in 0..1000000", 16),
        ("entity=function limit=ten", "must be a whole number in 0..1000000", 16),
        ("entity=function explain=maybe", "true or false", 16),
        ("entity=function expand=everything", "unknown expander", 16),
        ("entity=function expand=callers(depth=0)", "must be a whole number in 1..50", 16),
        ("entity=function fields=colour", "unknown field", 16),
        ("entity=function in=", "empty value", 16),
        ("entity=function name='open", "unterminated quote", 21),
        ("two words", "one bare name at most", 4),
        ("entity=function inside.stopBy=end", "needs inside=", 16),
        ("entity=function $X=~foo", "applies to pattern queries only", 16),
        ("entity=function pattern=x", "not both", 16),
        ("pattern.selector=call", "needs entity= or pattern=", 0),
        ("name=x", "needs entity= or pattern=", 0),
        ("entity=function scope=inner", "unknown scope 'inner'", 16),
        ("entity=function captures=a.b", "a Python identifier", 16),
        ("entity=function has_cells=maybe", "true or false", 16),
        ("entity=function used_by=main", "takes ENTITY:NAME", 16),
        ("entity=function used_by=function:", "takes ENTITY:NAME", 16),
        ("entity=function used_by=module:x", "does not take entity 'module'", 16),
        ("entity=function used_by=function:a-b", "invalid name", 16),
        ("entity=function raises=ValueError", "takes ENTITY:NAME", 16),
        ("entity=function raises=function:ValueError", "does not take entity", 16),
        ("entity=function raises=class:~Error$", "invalid name", 16),
        ("entity=module defines=method:get", "does not take entity 'method'", 14),
        ("entity=class defines=function:f", "does not take entity 'function'", 13),
        ("entity=module exports=a.b", "a Python identifier", 14),
        ("entity=function expand=imports(depth=2)", "takes no depth", 16),
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


def test_every_catalogued_key_is_enforced() -> None:
    assert all(spec.supported for spec in KEYS.values())


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
        "entity=class scope=closure",
        "entity=module captures=x",
        "entity=callsite has_cells=true",
        "entity=module used_by=function:main",
        "entity=class raises=class:ValueError",
        "entity=function defines=class:X",
        "entity=class exports=X",
        "entity=import fields=imports",
        "entity=callsite fields=hazards",
    ],
)
def test_definition_only_keys_refused_elsewhere(text: str) -> None:
    with pytest.raises(QuerySyntaxError, match="does not apply"):
        parse_query(text)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("entity=function scope=closure", "entity=function scope=nested"),
        ("entity=function captures=a", "entity=function captures=b"),
        ("entity=function has_cells=true", "entity=function has_cells=false"),
        ("entity=function used_by=function:a", "entity=function used_by=method:a"),
        ("entity=module defines=class:A", "entity=module defines=function:A"),
        ("entity=function raises=class:A", "entity=function raises=class:B"),
        ("entity=module exports=a", "entity=module exports=b"),
        ("entity=function expand=scope", "entity=function expand=raises"),
        ("entity=function fields=imports", "entity=function fields=evidence"),
    ],
)
def test_new_keys_change_canonical_text_and_plan(a: str, b: str) -> None:
    """Two requests that differ in a new key never share a cache entry."""
    qa, qb = parse_query(a), parse_query(b)
    assert qa.canonical() != qb.canonical()
    assert plan_query(qa).describe() != plan_query(qb).describe()


# Every number of the q language: (query with {} where the number goes, what it must be)
NUMBERS = [
    ("entity=function limit={}", "limit= must be a whole number in 0..1000000"),
    ("pattern=x limit={}", "limit= must be a whole number in 0..1000000"),
    ("entity=function decorator_count_min={}",
     "decorator_count_min= must be a whole number in 0..1000"),
    ("entity=function decorator_count_max={}",
     "decorator_count_max= must be a whole number in 0..1000"),
    ("entity=function expand=callers(depth={})",
     "depth in 'callers(depth={})' must be a whole number in 1..50"),
    ("entity=function expand=callees(depth={}),imports",
     "depth in 'callees(depth={})' must be a whole number in 1..50"),
    ("pattern=x nthChild={}", "nthChild= N must be a whole number in 1..100000"),
    ("pattern=x nthChild={}n+1", "nthChild= A must be a whole number in -100000..100000"),
    ("pattern=x nthChild=2n+{}", "nthChild= B must be a whole number in -100000..100000"),
]
TOO_BIG = {"limit": "1000001", "decorator_count": "1001", "depth": "51", "nthChild={}": "100001"}
OUT_OF_RANGE = [str(2 ** 63), "1" + "0" * 30, "9" * 5000]


def _number_cases() -> list:
    cases = []
    for template, must in NUMBERS:
        values = [*OUT_OF_RANGE, next((v for k, v in TOO_BIG.items() if k in template), "")]
        if "n+" not in template:
            values.append("-1")
        for value in filter(None, values):
            cases.append(pytest.param(template.format(value), must.format(value),
                                      id=f"{template}:{value[:12]}"))
    return cases


@pytest.mark.parametrize(("text", "must"), _number_cases())
def test_numbers_out_of_range_are_refused_naming_key_and_range(text: str, must: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(text)
    assert must.split("'")[0] in info.value.message
    assert must.rsplit("'", 1)[-1] in info.value.message
    assert len(info.value.one_line()) < 400


@pytest.mark.parametrize(("text", "expected"), [
    ("entity=function limit=1000000", {"limit": 1000000}),
    ("entity=function decorator_count_min=0 decorator_count_max=1000",
     {"decorator_count_min": 0, "decorator_count_max": 1000}),
    ("entity=function expand=callers(depth=50)", {"expand": (Expander("callers", 50),)}),
])
def test_numbers_at_the_top_of_their_range_are_accepted(text: str, expected: dict) -> None:
    query = parse_query(text)
    assert {key: getattr(query, key) for key in expected} == expected


def test_every_numeric_key_shows_its_range_in_help() -> None:
    from cq.cli.app_cyclopts import _q_help

    help_text = " ".join(_q_help().split())
    for spec in KEYS.values():
        if spec.bounds is not None:
            assert f"{spec.help} ({spec.bounds.describe()})" in help_text
    assert "depth=N, N in 1..50" in help_text


# -- several entities, and a bare name with keys ------------------------------------------------

@pytest.mark.parametrize(("text", "entities"), [
    ("entity=function,method", ("function", "method")),
    ("entity=method,function", ("function", "method")),  # one query whatever the order
    ("entity=class,module defines=class:Inner", ("class", "module")),
    ("entity=function,function", ("function",)),
    ("entity=callsite,import name=open", ("callsite", "import")),
])
def test_entity_takes_a_comma_list(text: str, entities: tuple[str, ...]) -> None:
    assert parse_query(text).entities == entities


def test_entity_lists_in_any_order_share_one_cache_key() -> None:
    assert parse_query("entity=function,method").canonical() == parse_query(
        "entity=method,function").canonical()


@pytest.mark.parametrize(("text", "fragment"), [
    ("entity=function,funk", "unknown entity 'funk'"),
    ("entity=decorator,function", "entity=decorator cannot be combined"),
    ("entity=function,class scope=closure",
     "scope= does not apply to entity=class (in entity=function,class)"),
    ("entity=function,module fields=loc", "fields=loc does not apply to entity=module"),
    ("entity=module,function defines=class:A", "defines= does not apply to entity=function"),
    ("entity=class,module defines=method:run", "does not take entity 'method'"),
])
def test_bad_entity_lists_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(text)
    assert fragment in info.value.message


@pytest.mark.parametrize(("text", "entities", "name", "shorthand", "in_paths"), [
    ("save in=pkg", ("function", "class", "method"), NameMatch("save", "exact"), True,
     ("pkg",)),
    ("in=pkg save", ("function", "class", "method"), NameMatch("save", "exact"), True,
     ("pkg",)),
    ("save entity=method", ("method",), NameMatch("save", "exact"), False, ()),
    ("Store.save limit=3", ("function", "class", "method"), NameMatch("Store.save", "dotted"),
     True, ()),
    ("Store.save", ("function", "class", "method"), NameMatch("Store.save", "dotted"), True,
     ()),
])
def test_a_bare_name_combines_with_keys(text, entities, name, shorthand, in_paths) -> None:
    query = parse_query(text)
    assert (set(query.entities), query.name, query.shorthand, query.in_paths) == (
        set(entities), name, shorthand, in_paths)


@pytest.mark.parametrize(("text", "fragment"), [
    ("save name=load", "name= cannot be combined with the bare name 'save'"),
    ("save pattern='f($X)'", "pattern= cannot be combined with the bare name"),
    ("save scope=closure", "scope= does not apply to entity=class (in a bare name)"),
    ("save load", "one bare name at most"),
    ("save entity=module fields=loc", "fields=loc does not apply to entity=module"),
])
def test_a_bare_name_with_keys_that_cannot_go_with_it(text: str, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(text)
    assert fragment in info.value.message
