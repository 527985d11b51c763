"""Relational keys `inside=`, `has=`, `precedes=`, `follows=` with `.stopBy=` and `.field=`,
on pattern queries (the match's node) and entity queries (the definition's node).

cq looks at any depth by default (`stopBy=end`: any ancestor, any descendant, any later or
earlier sibling), unlike ast-grep, whose default is `stopBy=neighbor`: the parent only, the
children only, the next/previous sibling only; `stopBy=<pattern>` stops at the first node
matching that pattern. A def/class header (`class Handler`, `def $F`) stands for the whole
definition it opens.
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
        # inside: any ancestor by default, the parent with stopBy=neighbor, up to a stop pattern
        ("pattern='await $X' inside='return $Y' inside.stopBy=neighbor",
         "async def f():\n    return await x\n    y = await x\n", [2]),
        ("pattern='print($$$)' inside='for $I in $L: $$$'", LOOPS, [2, 4]),
        ("pattern='print($$$)' inside='for $I in $L: $$$' inside.stopBy=neighbor", LOOPS, []),
        ("pattern='print($$$)' inside='for $I in $L: $$$' inside.stopBy=end", LOOPS, [2, 4]),
        ("pattern='print($$$)' inside='for $I in $L: $$$' inside.stopBy='def $F(): $$$'",
         LOOPS, [2]),
        ("pattern='print($$$)' inside='for $I in $L: $$$' inside.stopBy='def $F'", LOOPS, [2]),
        ("pattern=x inside='if $C: $$$' inside.field=condition inside.stopBy=neighbor",
         "if x: pass\nif y: x\n", [1]),
        ("pattern=x inside='if $C: $$$' inside.field=condition",
         "if x: pass\nif y: x\nif not x: pass\n", [1, 3]),
        # has: any descendant by default, a child with stopBy=neighbor
        ("pattern='$L = $R' has='await $X' has.stopBy=neighbor",
         "x = await y\nx = f(await y)\n", [1]),
        ("pattern='$L = $R' has='await $X'", "x = await y\nx = f(await y)\n", [1, 2]),
        ("pattern='$L = $R' has=y has.field=left has.stopBy=neighbor", "y = 1\nx = y\n", [1]),
        # precedes / follows: any later / earlier sibling, the next / previous with neighbor
        ("pattern='import $A' precedes='import sys' precedes.stopBy=neighbor", IMPORTS, [1, 4]),
        ("pattern='import $A' precedes='import sys'", IMPORTS, [1, 2, 3, 4]),
        ("pattern='return $X' follows='for $I in $L: $$$' follows.stopBy=neighbor", RETURNS,
         [3]),
        ("pattern='return $X' follows='for $I in $L: $$$'", RETURNS, [3, 7]),
        # several relations at once: all must hold
        ("pattern='return $X' inside='for $I in $L: $$$' follows='def $F(): $$$'", NESTED, [4]),
        ("pattern='return $X' inside='for $I in $L: $$$' follows='def $F'", NESTED, [4]),
        # precedes/follows look at the match's own siblings: a call's parent is its statement
        ("pattern='print($$$)' follows='def $F(): $$$'", LOOPS, []),
        # a def/class header as the pattern itself: the definitions it opens
        ("pattern='def $F' inside='for $I in $L: $$$'", NESTED, [3]),
        ("pattern='async def $F'", "def f(): pass\nasync def g(): pass\n", [2]),
        ("pattern='def $F'", "def f(): pass\nasync def g() -> int: pass\n", [1, 2]),
        ("pattern='def $F(x)'", "def f(x): pass\ndef g(x) -> int: pass\ndef h(): pass\n",
         [1, 2]),
        ("pattern='def $F($$$) -> int'", "def f(x): pass\ndef g(x) -> int: pass\n", [2]),
        ("pattern='class Handler'", "class Handler: pass\nclass Handler(B): pass\n"
         "class Handlers: pass\n@d\nclass Handler:\n    'doc'\n", [1, 2, 5]),
        ("pattern='class Handler(B)'", "class Handler: pass\nclass Handler(B): pass\n", [2]),
        ("pattern='class Handler:'", "class Handler: pass\nclass Handler(B): pass\n", [1, 2]),
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
        # any depth by default: a method sits in the class body, not directly in the class
        ("entity=method inside='class Handler'",
         {"Handler.name", "Handler.fetch", "Handler.Options.parse"}),
        ("entity=method inside='class Handler' inside.stopBy=neighbor", set()),
        ("entity=method inside='class Handler' inside.stopBy=end",
         {"Handler.name", "Handler.fetch", "Handler.Options.parse"}),
        ("entity=method inside='class Handler' inside.stopBy='class Options: $$$'",
         {"Handler.name", "Handler.fetch"}),
        ("entity=method inside='class Handler' inside.stopBy='class Options'",
         {"Handler.name", "Handler.fetch"}),
        ("entity=method inside='class Handler:'",
         {"Handler.name", "Handler.fetch", "Handler.Options.parse"}),
        ("entity=method inside='class $C($$$)'", set()),  # no class here has bases
        # functions (not methods) inside Handler: the helpers nested in its methods
        ("entity=function inside='class Handler'", {"Handler.name.helper"}),
        ("entity=function inside='def $F'", {"Handler.name.helper"}),
        ("entity=class inside='class Handler'", {"Handler.Options"}),
        ("entity=method has='await $X'", {"Handler.fetch"}),
        ("entity=method has='await $X' has.stopBy=neighbor", set()),
        ("entity=function has='return $X' has.stopBy=neighbor", set()),  # in the body block
        ("entity=function has='return $X'", {"Handler.name.helper", "main"}),
        ("entity=class has='def name'", {"Handler", "Other"}),
        ("entity=class has='def name' has.stopBy=neighbor", set()),
        ("entity=function has=main has.field=name", {"main"}),
        ("entity=class has='def name($$$): $$$' has.stopBy=end", {"Handler", "Other"}),
        ("entity=class precedes='class Other: $$$'", {"Handler"}),
        ("entity=function follows='class Other: $$$' follows.stopBy=neighbor", {"main"}),
        ("entity=function follows='class Other: $$$'", {"main", "free"}),
        ("entity=function follows='class Other'", {"main", "free"}),
        ("entity=decorator inside='class Handler'", {"Handler.name"}),
        ("entity=method name=name inside='class Handler'", {"Handler.name"}),
    ],
)
def test_relations_on_entities(ask, text: str, expected: set[str]) -> None:
    result = ask(text, HANDLERS)
    assert {f.details.qualname for f in result.key_findings} == expected
    assert result.summary["matches"] == len(expected)


def test_entity_rule_keeps_limit_and_explain(ask) -> None:
    result = ask("entity=method inside='class Handler' limit=1 explain=true",
                 HANDLERS)
    assert [f.details.qualname for f in result.key_findings] == ["Handler.name"]
    assert result.summary["matches"] == 3 and result.summary["truncated"] is True
    plan = result.summary["plan"]
    assert "keep definitions whose node matches the rule" in plan
    assert any(line.startswith("match rule ") and "function_definition" in line for line in plan)


def test_entity_rule_is_one_config() -> None:
    query = parse_query("entity=method inside='class Handler' has=x "
                        "has.field=body has.stopBy=neighbor not='return $X'")
    assert query_config(query) == {"rule": {
        "kind": "function_definition",
        "inside": {"any": [{"pattern": "class Handler: $$$"},
                           {"pattern": "class Handler($$$): $$$"}], "stopBy": "end"},
        "has": {"pattern": "x", "field": "body", "stopBy": "neighbor"},
        "not": {"any": [{"has": {"pattern": "return $X", "stopBy": "end"}}]},
    }}


def test_default_depth_is_the_same_request_as_stop_by_end() -> None:
    plain = parse_query("pattern=x inside='f($$$)'")
    assert plain.canonical() == parse_query("pattern=x inside='f($$$)' inside.stopBy=end"
                                            ).canonical()
    assert plain.canonical() != parse_query("pattern=x inside='f($$$)' inside.stopBy=neighbor"
                                            ).canonical()


def test_decorator_entity_rule_matches_both_def_kinds() -> None:
    config = query_config(parse_query("entity=decorator has=x"))
    assert config == {"rule": {"any": [{"kind": "class_definition"},
                                       {"kind": "function_definition"}],
                               "has": {"pattern": "x", "stopBy": "end"}}}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("pattern=x precedes=y precedes.field=body", "ast-grep accepts field only on inside="),
        ("pattern=x follows=y follows.field=body", "ast-grep accepts field only on inside="),
        ("pattern=x inside=y inside.field=nofield", "invalid field nofield"),
        ("pattern=x has.stopBy=end", "has.stopBy= needs has="),
        ("entity=function inside.field=body", "inside.field= needs inside="),
        ("pattern=x inside='a b c'", "inside pattern 'a b c' does not parse as Python"),
        ("pattern=x inside=y inside.stopBy='a b c'",
         "stopBy pattern 'a b c' does not parse as Python"),
        ("pattern=x has='class'", "has pattern 'class' does not parse as Python"),
        ("pattern=x inside='def f($$$'", "'(' was never closed (column 6 of the pattern)"),
        ("pattern=x follows='class A(B'", "'(' was never closed"),
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
