"""Pattern queries: metavariables, captures, context/selector, strictness, metavariable
filters, nthChild, limit/in/exclude/globs/explain, the literal prefilter and bad patterns.

Each table row is a query, a small source, and the lines it must match (true positives) —
every other line of the source is a true negative.
"""

from __future__ import annotations

import json

import pytest

from cq.errors import QuerySyntaxError
from cq.query.parse import parse_query
from cq.query.pattern_pool import TEXT_CAP
from cq.query.plan import plan_query, required_literals
from cq.rules.literals import pattern_literals

from .conftest import match_text


@pytest.mark.parametrize(
    ("text", "source", "lines"),
    [
        ("pattern='eval($X)'", "eval(a)\nevaluate(a)\nx.eval(a)\neval(a, b)\n", [1]),
        ("pattern='$A == $A'", "x == x\nx == y\n", [1]),  # a reused metavariable is equal
        ("pattern='f($_, $_)'", "f(1, 2)\nf(1)\nf(1, 1)\n", [1, 3]),  # $_ is anonymous
        ("pattern='f($$$)'", "f()\nf(1)\nf(1, *a, k=2)\ng(1)\n", [1, 2, 3]),
        ("pattern='f($A, $$$REST)'", "f()\nf(1)\nf(1, 2, 3)\n", [3]),  # the comma counts
        ("pattern='return $X'", "def f():\n    return 1\ndef g():\n    return\n", [2]),
        ("pattern='subprocess.$F($$$, shell=True, $$$)'",
         "subprocess.run(c, shell=True, check=1)\nsubprocess.run(c)\nos.run(c, shell=True, x=1)\n",
         [1]),
    ],
)
def test_metavariables(match, text: str, source: str, lines: list[int]) -> None:
    assert match(text, source) == lines


@pytest.mark.parametrize(
    ("text", "source", "captures"),
    [
        ("pattern='eval($X)'", "eval(a + b)\n", {"$X": "a + b"}),
        ("pattern='$F($$$ARGS)'", "f(1, k=2)\n", {"$F": "f", "$$$ARGS": ["1", "k=2"]}),
        ("pattern='$F($$$ARGS)'", "f()\n", {"$F": "f", "$$$ARGS": []}),
        ("pattern='f($_, $Y)'", "f(1, 2)\n", {"$Y": "2"}),  # anonymous ones capture nothing
        ("pattern='return $X' inside='def $F($$$): $$$' inside.stopBy=end",
         "def g():\n    return 1\n", {"$X": "1", "$F": "g"}),
    ],
)
def test_captures(text: str, source: str, captures: dict) -> None:
    (found,) = match_text(text, source)
    assert found.captures == captures


def test_match_anchor_text_and_kind() -> None:
    (found,) = match_text("pattern='eval($X)'", "x = 1\ny = eval(\n    x)\n")
    assert (found.span.line, found.span.col, found.span.end_line, found.span.end_col) == (
        2, 4, 3, 6)
    assert found.text == "eval(\n    x)" and found.kind == "call" and not found.truncated


def test_long_match_text_is_capped() -> None:
    source = "f(" + ", ".join(["argument"] * 400) + ")\n"
    (found,) = match_text("pattern='f($$$)'", source)
    assert found.truncated and len(found.text) == TEXT_CAP


@pytest.mark.parametrize(
    ("text", "source", "lines"),
    [
        ("pattern.context='{\"k\": $V}' pattern.selector=pair", 'd = {"k": 1}\ne = {"j": 2}\n',
         [1]),
        ("pattern.context='class A:\n    def $F(self): $$$' pattern.selector=function_definition",
         "class B:\n    def m(self):\n        pass\n\ndef free(x):\n    pass\n", [2]),
        ("pattern='x = $V' pattern.selector=identifier", "x = 1\ny = 2\n", [1]),
    ],
)
def test_context_and_selector(match, text: str, source: str, lines: list[int]) -> None:
    assert match(text, source) == lines


@pytest.mark.parametrize(
    ("strictness", "pattern", "source", "lines"),
    [
        ("cst", "f(1)", "f(1)\nf(1,)\n", [1]),
        ("smart", "f(1)", "f(1)\nf(1,)\n", [1, 2]),
        (None, "f(1)", "f(1)\nf(1,)\n", [1, 2]),  # smart is the default
        ("smart", "$A + $B", "a + b\na - b\n", [1]),
        ("ast", "$A + $B", "a + b\na - b\n", [1, 2]),  # operators are unnamed nodes
        ("smart", "async def $F(): $$$", "async def a(): pass\ndef b(): pass\n", [1]),
        ("ast", "async def $F(): $$$", "async def a(): pass\ndef b(): pass\n", [1, 2]),
        ("ast", "f(1)", "f(  # c\n 1)\nf(1)\n", [3]),
        ("relaxed", "f(1)", "f(  # c\n 1)\nf(1)\n", [1, 3]),  # comments ignored
        ("signature", "foo(x)", "foo(x)\nbar(y)\nbar(y, z)\n", [1, 2]),  # text ignored
    ],
)
def test_strictness(match, strictness, pattern: str, source: str, lines: list[int]) -> None:
    suffix = f" pattern.strictness={strictness}" if strictness else ""
    assert match(f"pattern='{pattern}'{suffix}", source) == lines


@pytest.mark.parametrize(
    ("text", "source", "lines"),
    [
        ("pattern='$F($$$ARGS)' $F=~^print$", "print(1)\nlog(2)\npprint(3)\n", [1]),
        ("pattern='getattr($O, $N)' $N=!~^['\"]",
         "getattr(o, 'a')\ngetattr(o, \"b\")\ngetattr(o, n)\ngetattr(o, f'x{n}')\n", [3, 4]),
        ("pattern='getattr($O, $N)' $N=~^['\"] $O=~^self$",
         "getattr(self, 'a')\ngetattr(o, 'a')\ngetattr(self, n)\n", [1]),
        ("pattern='return $X' inside='def $F($$$): $$$' inside.stopBy=end $F=~^test_",
         "def test_a():\n    return 1\ndef b():\n    return 2\n", [2]),
    ],
)
def test_metavariable_filters(match, text: str, source: str, lines: list[int]) -> None:
    assert match(text, source) == lines


@pytest.mark.parametrize(
    ("keys", "lines"),
    [
        ("nthChild=2", [2]),
        ("nthChild=2n+1", [1, 3]),
        ("nthChild=1 nthChild.reverse=true", [2, 3]),
        ("nthChild=1 nthChild.ofRule=identifier", [1, 2]),
        ("nthChild=3 nthChild.ofRule=identifier", [3]),
    ],
)
def test_nth_child(match, keys: str, lines: list[int]) -> None:
    assert match(f"pattern=x {keys}", "f(x, 1)\nf(1, x)\nf(a, b, x)\n") == lines


# --- through the runner: scope keys, limit, explain, prefilter ------------------------------

FILES = {
    "pkg/a.py": "eval(a)\neval(b)\n",
    "pkg/b.py": "x = eval(c)\n",
    "tests/test_a.py": "eval(d)\n",
    "pkg/words.py": "evaluate(e)  # eval is only a substring here... and here: eval\n",
    "pkg/none.py": "print(1)\n",
}


def _rows(result) -> list[tuple[str, int]]:
    return [(f.anchor.file, f.anchor.line) for f in result.key_findings]


@pytest.mark.parametrize(
    ("keys", "rows"),
    [
        ("", [("pkg/a.py", 1), ("pkg/a.py", 2), ("pkg/b.py", 1), ("tests/test_a.py", 1)]),
        ("in=pkg", [("pkg/a.py", 1), ("pkg/a.py", 2), ("pkg/b.py", 1)]),
        ("in=pkg/b.py", [("pkg/b.py", 1)]),
        ("exclude=tests", [("pkg/a.py", 1), ("pkg/a.py", 2), ("pkg/b.py", 1)]),
        ("globs=tests/**", [("tests/test_a.py", 1)]),
        ("globs=*.py,!pkg/a.py", [("pkg/b.py", 1), ("tests/test_a.py", 1)]),
        ("limit=2", [("pkg/a.py", 1), ("pkg/a.py", 2)]),
    ],
)
def test_scope_keys_and_limit(ask, keys: str, rows: list[tuple[str, int]]) -> None:
    result = ask(f"pattern='eval($X)' {keys}", FILES)
    assert _rows(result) == rows
    assert result.summary["matches"] == (4 if keys == "limit=2" else len(rows))
    assert all(f.category == "pattern_match" for f in result.key_findings)


def test_limit_says_it_truncated(ask) -> None:
    result = ask("pattern='eval($X)' limit=2", FILES)
    assert result.summary["truncated"] is True and result.summary["matches"] == 4


def test_prefilter_parses_only_files_with_every_word_as_a_token(ask) -> None:
    result = ask("pattern='eval($X)'", FILES)
    # words.py contains "eval" as a whole word only in a comment; none.py lacks it.
    assert result.summary["files_scanned"] == 4
    assert result.summary["files_in_scope"] == 5


def test_explain_lists_literals_rule_and_scope(ask) -> None:
    result = ask("pattern='subprocess.$F($$$, shell=True, $$$)' explain=true",
                 {"a.py": "import subprocess\nsubprocess.run(c, shell=True, x=1)\n"})
    plan = result.summary["plan"]
    assert "parse files containing 'subprocess' and 'shell' and 'True'" in plan
    rule = json.loads(next(line for line in plan if line.startswith("match rule "))[11:])
    assert rule == {"rule": {"pattern": "subprocess.$F($$$, shell=True, $$$)"}}
    assert result.summary["scope"] == ["a.py"]
    assert {s.kind for s in result.sections} == {"excluded", "file_issues"}


def test_undecodable_and_latin1_files_are_matched(ask) -> None:
    latin = b"# -*- coding: latin-1 -*-\nx = '\xe9'; eval(x)\n"
    result = ask("pattern='eval($X)'", {"l.py": latin, "bad.py": b"y = '\xff'; eval(y)\n"})
    assert [(f.anchor.file, f.anchor.col) for f in result.key_findings] == [
        ("bad.py", 9), ("l.py", 9)]


@pytest.mark.parametrize("data", [
    pytest.param("x = 'é'; eval(x)\n".encode("utf-16"), id="utf-16"),
    pytest.param(b"# coding: unicode_escape\nx = 1; \\x65val(x)\n", id="unicode-escape"),
])
def test_the_word_prefilter_reads_the_decoded_text(ask, data: bytes) -> None:
    result = ask("pattern='eval($X)'", {"m.py": data})
    assert [(f.anchor.file, f.anchor.line) for f in result.key_findings] == [
        ("m.py", 2 if b"escape" in data else 1)]


# --- literals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "strictness", "words"),
    [
        ("eval($X)", None, ("eval",)),
        ("subprocess.$F($$$, shell=True, $$$)", None, ("subprocess", "shell", "True")),
        ("$A + $B", None, ()),
        ("$F($$$ARGS)", None, ()),
        ("async def $F($$$): $$$", None, ("async", "def")),
        ("async def $F($$$): $$$", "cst", ("async", "def")),
        ("async def $F($$$): $$$", "ast", ()),  # keywords are unnamed: ast skips them
        ("foo(x)", "relaxed", ("foo", "x")),
        ("foo(x)", "signature", ()),  # text is ignored
        ("f('caf\u00e9')", None, ("f",)),  # only ASCII words (the test runs on bytes)
        ("f(1)  # note", None, ("f",)),
    ],
)
def test_pattern_literals(pattern: str, strictness, words: tuple[str, ...]) -> None:
    assert pattern_literals(pattern, strictness=strictness) == words


def test_selector_literals_come_from_the_selected_node() -> None:
    assert pattern_literals("class A:\n    def $F(self): $$$", "function_definition") == (
        "def", "self")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("pattern='eval($X)' inside='def $F($$$): $$$'", ("eval", "def")),
        ("pattern='eval($X)' not='trusted($Y)'", ("eval",)),
        ("pattern='eval($X)' any=[a($Y),b($Y)]", ("eval",)),
        ("pattern='eval($X)' all=[a($Y),b($Y)]", ("eval", "a", "b")),
        ("pattern='eval($X)' inside='def $F($$$): $$$' inside.stopBy='class C: $$$'",
         ("eval", "def")),  # a stopBy pattern is not required
    ],
)
def test_required_literals(text: str, words: tuple[str, ...]) -> None:
    assert required_literals(parse_query(text)) == words


# --- the request: canonical text and plan ----------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("pattern='eval($X)'", "pattern='exec($X)'"),
        ("pattern='f($X)'", "pattern='f($X)' pattern.strictness=ast"),
        ("pattern='f($X)'", "pattern='f($X)' $X=~a"),
        ("pattern='f($X)' $X=~a", "pattern='f($X)' $X=!~a"),
        ("pattern=x nthChild=1", "pattern=x nthChild=1 nthChild.reverse=true"),
        ("pattern=x inside='f($$$)'", "pattern=x inside='f($$$)' inside.stopBy=neighbor"),
        ("pattern='f($X)' $X.kind=string", "pattern='f($X)' $X.kind=!string"),
        ("pattern='f($X)' $X.kind=string", "pattern='f($X)' $X=~string"),
        ("pattern=x not=y", "pattern=x any=y"),
    ],
)
def test_different_requests_have_different_keys(a: str, b: str) -> None:
    qa, qb = parse_query(a), parse_query(b)
    assert qa.canonical() != qb.canonical()
    assert plan_query(qa).describe() != plan_query(qb).describe()


def test_equal_requests_have_equal_keys() -> None:
    a = parse_query("pattern='f($X)' $X=~a limit=3 inside=y")
    b = parse_query("inside=y limit=3 $X=~a   pattern=\"f($X)\"")
    assert a.canonical() == b.canonical()
    assert plan_query(a) == plan_query(b)


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("pattern='a b c'", "pattern 'a b c' does not parse as Python: invalid syntax"),
        ("pattern='foo($$$'", "'(' was never closed (column 4 of the pattern)"),
        ("pattern='if $X:'", "expected an indented block"),
        ("pattern='f($$$,\n  g('", "(line 2, column 4 of the pattern)"),
        ("pattern.context='f(' pattern.selector=call", "pattern.context 'f(' does not parse"),
        ("pattern=''", "empty pattern"),
        ("pattern='f(' pattern.strictness=loose", "unknown strictness 'loose'"),
        ("pattern.context='x = f($A)' pattern.selector=bogus", "unknown node kind 'bogus'"),
        ("pattern.context='x = f($A)' pattern.selector=cal", "did you mean 'call'?"),
        ("pattern='f($A)' pattern.context='g($A)'", "not both"),
        ("pattern='f($A)' $B=~x", "$B does not occur in the pattern"),
        ("pattern='f($A)' $A=x", "=~regex or"),
        ("pattern='f($A)' $A=~(", "invalid regex '('"),
        ("pattern='f($A)' $A=~(?=x)", "look-around"),
        ("pattern='f($A)' $a=~x", "invalid metavariable '$a'"),
        ("pattern='f($$$ARGS)' $$$ARGS=~x", "filters a multi-node metavariable"),
        ("pattern='f($$$ARGS)' $ARGS=~x", "filters a multi-node metavariable"),
        ("pattern='f($A)' name=f", "name= applies to entity queries only"),
        ("pattern='f($A)' expand=callers", "expand= applies to entity queries only"),
        ("entity=function nthChild=2", "nthChild= applies to pattern queries only"),
        ("entity=function pattern.strictness=ast", "applies to pattern queries only"),
        ("pattern=x nthChild=0", "nthChild= N must be a whole number in 1..100000, got '0'"),
        ("pattern=x nthChild=-2", "nthChild= N must be a whole number in 1..100000, got '-2'"),
        ("pattern=x nthChild=odd", "nthChild= takes N"),
        ("pattern=x nthChild.reverse=true", "nthChild.reverse= needs nthChild="),
        ("pattern=x nthChild=1 nthChild.reverse=maybe", "true or false"),
        ("pattern=x nthChild=1 nthChild.ofRule=nokind", "unknown node kind 'nokind'"),
        ("pattern=x pattern.colour=red", "unknown key 'pattern.colour'"),
    ],
)
def test_bad_pattern_queries(text: str, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(text)
    assert fragment in info.value.message
    assert info.value.exit_code == 2


def test_bad_pattern_error_is_one_line_without_backtrace() -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query("pattern='a b c'")
    assert "\n" not in info.value.one_line() and "backtrace" not in info.value.one_line()
