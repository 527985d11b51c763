"""Relational keys `inside=`, `has=`, `precedes=`, `follows=` with `.stopBy=` and `.field=`,
on pattern queries (the match's node) and entity queries (the definition's node).

ast-grep semantics: without `.stopBy`, `inside` looks at the parent only, `has` at the
children only, `precedes`/`follows` at the next/previous sibling only; `stopBy=end` looks all
the way; `stopBy=<pattern>` stops at the first node matching that pattern.
"""

from __future__ import annotations

import pytest

from cq.errors import QuerySyntaxError
from cq.query.config import query_config
from cq.query.parse import parse_query

LOOPS = """\
for i in l:
    print(1)
    def g():
        print(2)
print(3)
"""
IMPORTS = "import os\nimport sys\nimport re\nimport json\nimport sys\n"
RETURNS = """\
def f():
    for i in l: pass
    return 1
def g():
    for i in l: pass
    x = 1
    return 2
"""
NESTED = """\
def a():
    for i in l:
        def h(): pass
        return h
    return 0
def b():
    def h(): pass
    return h
"""


@pytest.mark.parametrize(
    ("text", "source", "lines"),
    [
        # inside: the parent by default, any ancestor with stopBy=end, up to a stop pattern
        ("pattern='await $X' inside='return $Y'",
         "async def f():\n    return await x\n    y = await x\n", [2]),
        ("pattern='print($$$)' inside='for $I in $L: $$$'", LOOPS, []),
        ("pattern='print($$$)' inside='for $I in $L: $$$' inside.stopBy=neighbor", LOOPS, []),
        ("pattern='print($$$)' inside='for $I in $L: $$$' inside.stopBy=end", LOOPS, [2, 4]),
        ("pattern='print($$$)' inside='for $I in $L: $$$' inside.stopBy='def $F(): $$$'",
         LOOPS, [2]),
        ("pattern=x inside='if $C: $$$' inside.field=condition",
         "if x: pass\nif y: x\n", [1]),
        ("pattern=x inside='if $C: $$$' inside.field=condition inside.stopBy=end",
         "if x: pass\nif y: x\nif not x: pass\n", [1, 3]),
        # has: a child by default, any descendant with stopBy=end
        ("pattern='$L = $R' has='await $X'", "x = await y\nx = f(await y)\n", [1]),
        ("pattern='$L = $R' has='await $X' has.stopBy=end", "x = await y\nx = f(await y)\n",
         [1, 2]),
        ("pattern='$L = $R' has=y has.field=left", "y = 1\nx = y\n", [1]),
        # precedes / follows: the next / previous sibling, or any with stopBy=end
        ("pattern='import $A' precedes='import sys'", IMPORTS, [1, 4]),
        ("pattern='import $A' precedes='import sys' precedes.stopBy=end", IMPORTS, [1, 2, 3, 4]),
        ("pattern='return $X' follows='for $I in $L: $$$'", RETURNS, [3]),
        ("pattern='return $X' follows='for $I in $L: $$$' follows.stopBy=end", RETURNS, [3, 7]),
        # several relations at once: all must hold
        ("pattern='return $X' inside='for $I in $L: $$$' inside.stopBy=end "
         "follows='def $F(): $$$' follows.stopBy=end", NESTED, [4]),
        # precedes/follows look at the match's own siblings: a call's parent is its statement
        ("pattern='print($$$)' follows='def $F(): $$$' follows.stopBy=end", LOOPS, []),
    ],
)
def test_relations_on_patterns(match, text: str, source: str, lines: list[int]) -> None:
    assert match(text, source) == lines


HANDLERS = {
    "app.py": """\
        class Handler:
            @property
            def name(self):
                def helper():
                    return 1
                return helper()

            async def fetch(self):
                await self.load()

            class Options:
                def parse(self):
                    pass


        class Other:
            def name(self):
                return 2


        def main() -> int:
            return 0


        def free():
            pass
        """,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a method's parent is the class body, not the class: neighbor finds nothing
        ("entity=method inside='class Handler'", set()),
        ("entity=method inside='class Handler' inside.stopBy=end",
         {"Handler.name", "Handler.fetch", "Handler.Options.parse"}),
        ("entity=method inside='class Handler' inside.stopBy='class Options: $$$'",
         {"Handler.name", "Handler.fetch"}),
        # functions (not methods) inside Handler: the helpers nested in its methods
        ("entity=function inside='class Handler' inside.stopBy=end", {"Handler.name.helper"}),
        ("entity=class inside='class Handler' inside.stopBy=end", {"Handler.Options"}),
        ("entity=method has='await $X' has.stopBy=end", {"Handler.fetch"}),
        ("entity=function has='return $X'", set()),  # the return is in the body block
        ("entity=function has='return $X' has.stopBy=end", {"Handler.name.helper", "main"}),
        ("entity=function has=main has.field=name", {"main"}),
        ("entity=class has='def name($$$): $$$' has.stopBy=end", {"Handler", "Other"}),
        ("entity=class precedes='class Other: $$$'", {"Handler"}),
        ("entity=function follows='class Other: $$$'", {"main"}),
        ("entity=function follows='class Other: $$$' follows.stopBy=end", {"main", "free"}),
        ("entity=decorator inside='class Handler' inside.stopBy=end", {"Handler.name"}),
        ("entity=method name=name inside='class Handler' inside.stopBy=end", {"Handler.name"}),
    ],
)
def test_relations_on_entities(ask, text: str, expected: set[str]) -> None:
    result = ask(text, HANDLERS)
    assert {f.details.qualname for f in result.key_findings} == expected
    assert result.summary["matches"] == len(expected)


def test_entity_rule_keeps_limit_and_explain(ask) -> None:
    result = ask("entity=method inside='class Handler' inside.stopBy=end limit=1 explain=true",
                 HANDLERS)
    assert [f.details.qualname for f in result.key_findings] == ["Handler.name"]
    assert result.summary["matches"] == 3 and result.summary["truncated"] is True
    plan = result.summary["plan"]
    assert "keep definitions whose node matches the rule" in plan
    assert any(line.startswith("match rule ") and "function_definition" in line for line in plan)


def test_entity_rule_is_one_config() -> None:
    query = parse_query("entity=method inside='class Handler' inside.stopBy=end has=x "
                        "has.field=body not='return $X'")
    assert query_config(query) == {"rule": {
        "kind": "function_definition",
        "inside": {"pattern": "class Handler", "stopBy": "end"},
        "has": {"pattern": "x", "field": "body"},
        "not": {"any": [{"has": {"pattern": "return $X", "stopBy": "end"}}]},
    }}


def test_decorator_entity_rule_matches_both_def_kinds() -> None:
    config = query_config(parse_query("entity=decorator has=x"))
    assert config == {"rule": {"any": [{"kind": "class_definition"},
                                       {"kind": "function_definition"}],
                               "has": {"pattern": "x"}}}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("pattern=x precedes=y precedes.field=body", "ast-grep accepts field only on inside="),
        ("pattern=x follows=y follows.field=body", "ast-grep accepts field only on inside="),
        ("pattern=x inside=y inside.field=nofield", "invalid field nofield"),
        ("pattern=x has.stopBy=end", "has.stopBy= needs has="),
        ("entity=function inside.field=body", "inside.field= needs inside="),
        ("pattern=x inside='a b c'", "inside pattern 'a b c' does not parse"),
        ("pattern=x inside=y inside.stopBy='a b c'", "stopBy pattern 'a b c' does not parse"),
        ("pattern=x inside=y inside.colour=red", "unknown key 'inside.colour'"),
        ("entity=callsite inside=y", "inside= does not apply to entity=callsite"),
        ("entity=module has=y", "has= does not apply to entity=module"),
        ("entity=import follows=y", "follows= does not apply to entity=import"),
        ("pattern=x inside=y inside=z", "given twice"),
    ],
)
def test_bad_relations(text: str, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(text)
    assert fragment in info.value.message
