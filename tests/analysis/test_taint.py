"""Intraprocedural taint (`cq.analysis.taint`): one table row per propagation rule and per
site kind, plus positions, texts and the fixpoint."""

from __future__ import annotations

import ast
import textwrap

import pytest

from cq.analysis.taint import TaintResult, TaintSite, taint_function


def find_function(tree: ast.AST, line: int, name: str) -> ast.AST | None:
    """The def or class named `name` whose `def`/`class` keyword is on `line`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) \
                and node.lineno == line and node.name == name:
            return node
    return None


def taint(body: str, params: tuple[str, ...] = ("p",)) -> TaintResult:
    """Taint `params` through `def f(p, q, *args, **kw):` with `body` as its body."""
    source = "def f(p, q, *args, **kw):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    tree = ast.parse(source)
    node = tree.body[0]
    assert isinstance(node, ast.FunctionDef)
    return taint_function(node, params, source)


def only(result: TaintResult, kind: str) -> TaintSite:
    (site,) = [s for s in result.sites if s.kind == kind]
    return site


@pytest.mark.parametrize(
    ("body", "tainted", "clean"),
    [
        pytest.param("a = p\nb = a", {"a", "b"}, set(), id="plain-chain"),
        pytest.param("a = b = p", {"a", "b"}, set(), id="multiple-targets"),
        pytest.param("a = q\nb = 1", set(), {"a", "b"}, id="untainted"),
        pytest.param("x = 0\nx += p", {"x"}, set(), id="augmented"),
        pytest.param("x = p\nx += 1", {"x"}, set(), id="augmented-keeps"),
        pytest.param("y: int = p", {"y"}, set(), id="annotated"),
        pytest.param("y: int", set(), {"y"}, id="annotated-no-value"),
        pytest.param("a, (b, c) = p, (q, 1)", {"a"}, {"b", "c"}, id="tuple-element-wise"),
        pytest.param("a, (b, c) = q, (p, 1)", {"b"}, {"a", "c"}, id="nested-element-wise"),
        pytest.param("[a, b] = [q, p]", {"b"}, {"a"}, id="list-element-wise"),
        pytest.param("a, b = p", {"a", "b"}, set(), id="shape-unknown"),
        pytest.param("a, b, c = q, p", {"a", "b", "c"}, set(), id="shape-mismatch"),
        pytest.param("a, *rest = p", {"a", "rest"}, set(), id="starred-target"),
        pytest.param("a, *b = q, p, 1", {"a", "b"}, set(), id="starred-not-element-wise"),
        pytest.param("for x in p:\n    pass", {"x"}, set(), id="for-target"),
        pytest.param("for k, v in p.items():\n    pass", {"k", "v"}, set(), id="for-tuple"),
        pytest.param("for x in q:\n    pass", set(), {"x"}, id="for-clean"),
        pytest.param("with open(p) as fh:\n    pass", {"fh"}, set(), id="with-target"),
        pytest.param("with p as (a, b), q as c:\n    pass", {"a", "b"}, {"c"}, id="with-items"),
        pytest.param("if (y := p):\n    pass", {"y"}, set(), id="walrus"),
        pytest.param("a = p.attr", {"a"}, set(), id="attribute-base"),
        pytest.param("a = p[0]", {"a"}, set(), id="subscript-base"),
        pytest.param("a = p.strip()", {"a"}, set(), id="method-result"),
        pytest.param("a = g(q, key=p)", {"a"}, set(), id="call-result"),
        pytest.param("a = [e for e in p]", {"a"}, {"e"}, id="comprehension-value"),
        pytest.param("d = {}\nd['k'] = p", {"d"}, set(), id="subscript-store-container"),
        pytest.param("self.x = p", set(), {"self"}, id="attribute-store-object"),
        pytest.param("match p:\n    case [a, {'k': b, **rest}]:\n        pass",
                     {"a", "b", "rest"}, set(), id="match-captures"),
        pytest.param("match q:\n    case [a]:\n        pass", set(), {"a"}, id="match-clean"),
        pytest.param("out = None\nwhile q:\n    c = out\n    out = p", {"out", "c"}, set(),
                     id="loop-carried"),
    ],
)
def test_propagation(body: str, tainted: set[str], clean: set[str]) -> None:
    result = taint(body)
    assert tainted <= set(result.tainted)
    assert not clean & set(result.tainted)
    assert set(result.tainted) - {"p"} == tainted


@pytest.mark.parametrize(
    ("body", "slots", "callee", "callee_name"),
    [
        pytest.param("g(1, p)", ["arg 1"], "g", "g", id="positional"),
        pytest.param("g(x=p)", ["kw x"], "g", "g", id="keyword"),
        pytest.param("obj.run(q, p, k=p)", ["arg 1", "kw k"], "obj.run", "run", id="both"),
        pytest.param("g(1, *p)", ["*args"], "g", "g", id="star-args"),
        pytest.param("g(**p)", ["**kwargs"], "g", "g", id="star-kwargs"),
        pytest.param("p.strip()", ["receiver"], "p.strip", "strip", id="receiver"),
        pytest.param("p(1)", ["callee"], "p", "p", id="callee"),
        pytest.param("g(p.a[0] + 1)", ["arg 0"], "g", "g", id="derived"),
        pytest.param("(lambda x: x)(p)", ["arg 0"], "lambda x: x", "", id="no-name"),
    ],
)
def test_call_slots(body: str, slots: list[str], callee: str, callee_name: str) -> None:
    site = only(taint(body), "call")
    assert [s.label for s in site.slots] == slots
    assert (site.callee, site.callee_name, site.names) == (callee, callee_name, ("p",))


def test_star_slot_positions() -> None:
    site = only(taint("g(q, *p)\n"), "call")
    (slot,) = site.slots
    assert (slot.kind, slot.position, slot.after_star) == ("*args", 1, False)
    site = only(taint("g(*q, p)\n"), "call")
    (slot,) = site.slots
    assert (slot.kind, slot.position, slot.after_star) == ("arg", 1, True)


@pytest.mark.parametrize(
    ("body", "kind", "line", "text"),
    [
        pytest.param("return p + 1", "return", 2, "return p + 1", id="return"),
        pytest.param("yield p", "yield", 2, "yield p", id="yield"),
        pytest.param("yield from p", "yield", 2, "yield from p", id="yield-from"),
        pytest.param("if p > 1:\n    pass", "condition", 2, "p > 1", id="if"),
        pytest.param("while not p:\n    pass", "condition", 2, "not p", id="while"),
        pytest.param("assert p, 'no'", "condition", 2, "p", id="assert"),
        pytest.param("match p.kind:\n    case 1:\n        pass", "condition", 2, "p.kind",
                     id="match"),
        pytest.param("def inner():\n    return p", "closure", 2, "def inner():", id="def"),
        pytest.param("g = lambda: p", "closure", 2, "lambda: p", id="lambda"),
        pytest.param("class K:\n    v = p", "closure", 2, "class K:", id="class"),
        pytest.param("self.owner = p", "attribute_store", 2, "self.owner", id="attr-store"),
        pytest.param("d[k] = p", "subscript_store", 2, "d[k]", id="subscript-store"),
        pytest.param("x = 1\nx += p", "assign", 3, "x += p", id="augmented"),
        pytest.param("for x in p:\n    pass", "assign", 2, "for x in p", id="for"),
        pytest.param("with p as f:\n    pass", "assign", 2, "p as f", id="with"),
        pytest.param("y = (z := p)", "assign", 2, "y = (z := p)", id="walrus-statement"),
    ],
)
def test_site_kinds(body: str, kind: str, line: int, text: str) -> None:
    site = next(s for s in taint(body).sites if s.kind == kind)
    assert (site.line, site.text, site.names) == (line, text, ("p",))


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        pytest.param("def inner(p):\n    return p", "closure", id="def-shadows"),
        pytest.param("g = lambda p: p", "closure", id="lambda-shadows"),
        pytest.param("return q", "return", id="clean-return"),
        pytest.param("[g(p) for p in q]", "call", id="comprehension-shadows"),
        pytest.param("self.x = q", "attribute_store", id="clean-store"),
        pytest.param("g(q, k=1)", "call", id="clean-call"),
    ],
)
def test_no_site(body: str, kind: str) -> None:
    assert not [s for s in taint(body).sites if s.kind == kind]


def test_comprehension_calls_both_reported() -> None:
    result = taint("out = [g(e) for e in p if h(e)]\n")
    calls = {(s.callee, s.names) for s in result.sites if s.kind == "call"}
    assert calls == {("g", ("e",)), ("h", ("e",))}


def test_element_wise_assign_records_bound_names() -> None:
    site = only(taint("a, (b, c) = p, (q, p)\n"), "assign")
    assert site.bound == ("a", "c")


def test_loop_needs_a_second_pass() -> None:
    result = taint("b = None\nwhile q:\n    g(b)\n    b = p\n")
    assert result.passes == 2
    assert only(result, "call").names == ("b",)


def test_positions_are_characters_and_spans_cover_the_site() -> None:
    result = taint('x = "éé" + g(p)\n')
    site = only(result, "call")
    line = '    x = "éé" + g(p)'
    assert (site.line, site.col, site.end_line, site.end_col) == (2, line.index("g"), 2,
                                                                  len(line))


def test_long_and_multiline_text_is_collapsed_and_cut() -> None:
    body = "g(p,\n  " + ", ".join(f"arg{i}" for i in range(30)) + ")\n"
    site = only(taint(body), "call")
    assert (site.line, site.end_line) == (2, 3)
    assert len(site.text) == 80 and site.text.endswith("…")
    assert "\n" not in site.text and site.text.startswith("g(p, arg0, arg1")


def test_several_parameters_and_nested_calls() -> None:
    result = taint("return g(h(p), q)\n", params=("p", "q"))
    calls = {s.callee: [x.label for x in s.slots] for s in result.sites if s.kind == "call"}
    assert calls == {"g": ["arg 0", "arg 1"], "h": ["arg 0"]}
    assert result.params == ("p", "q")


def test_nested_def_body_is_not_walked() -> None:
    result = taint("def inner():\n    x = p\n    g(x)\n")
    assert [s.kind for s in result.sites] == ["closure"]
    assert "x" not in result.tainted


def test_find_function_matches_line_and_name() -> None:
    source = textwrap.dedent("""\
        class A:
            @staticmethod
            def run(p):
                def run(q):
                    return q
                return run(p)
        """)
    tree = ast.parse(source)
    outer, inner = find_function(tree, 3, "run"), find_function(tree, 4, "run")
    assert isinstance(outer, ast.FunctionDef) and outer.lineno == 3
    assert isinstance(inner, ast.FunctionDef) and inner.args.args[0].arg == "q"
    assert find_function(tree, 2, "run") is None
    assert isinstance(find_function(tree, 1, "A"), ast.ClassDef)
