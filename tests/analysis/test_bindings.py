"""FileTree: finding a call node by where it ends, and a scope's bindings, on defs cut out of
their file. The quick searches must give what indexing every node gives."""

from __future__ import annotations

import ast

import pytest

from cq.analysis import bindings
from cq.analysis.bindings import DEFERRED, Annotated, Entered, FileTree
from cq.facts import Def, Span


def _tree(text: str) -> FileTree:
    module = ast.parse(text)
    defs = {}
    for node in ast.walk(module):
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            first = node.decorator_list[0].lineno if node.decorator_list else None
            defs[node.name] = Def(kind="function", name=node.name, qualname=node.name,
                                  span=Span(node.lineno, node.col_offset, node.end_lineno or 0,
                                            node.end_col_offset or 0),
                                  decorated_line=first)
    return FileTree(text.split("\n"), defs, _parse)


def _parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except SyntaxError:
        return None


def _every_call(tree: FileTree, qualname: str) -> list[tuple[int, int, str]]:
    """(end line, end column in characters, text) of every call in the file's own terms."""
    scope = tree.scope(qualname)
    unit = tree._unit(qualname)
    assert scope is not None and unit is not None
    return [(node.end_lineno + unit.first - 1, bindings._column(unit.lines, node) + unit.indent,
             ast.unparse(node)) for node in ast.walk(scope)
            if isinstance(node, ast.Call) and node.end_lineno is not None]


CALLS = [
    pytest.param("def f(x):\n    return g(h(x), k(x)(1))\n", id="nested"),
    pytest.param("class C:\n    @deco(1)\n    def f(self):\n        self.a.b(c())\n",
                 id="decorated-method"),
    pytest.param("def f():\n    s = 'café' + g('ü')\n    return s.join(h())\n", id="non-ascii"),
    pytest.param("def f():\n    x = [g(i) for i in y if p(i)]\n    return lambda: q(x)\n",
                 id="comprehension-and-lambda"),
    pytest.param("def f():\n    return f'{g(1)} {h(2)!r}'\n", id="f-string"),
    pytest.param("def f():\n    with a(b) as c, d() as e:\n        match c:\n"
                 "            case [x] if ok(x):\n                pass\n", id="with-and-match"),
]


@pytest.mark.parametrize("text", CALLS)
def test_every_call_is_found_where_it_ends(text: str) -> None:
    tree = _tree(text)
    qualname = "f" if "class C" not in text else "C"
    for line, col, code in _every_call(tree, qualname):
        fresh = _tree(text)  # the quick search, before any index of the scope exists
        found = fresh.call_at(qualname, line, col)
        assert found is not None and ast.unparse(found) == code


def test_no_call_ends_there() -> None:
    tree = _tree("def f(x):\n    return g(x)\n")
    assert tree.call_at("f", 2, 5) is None
    assert tree.call_at("f", 2, 15) is not None  # the index built by the miss still answers


BINDS = [
    pytest.param("def f(a: int, b):\n    c = g()\n    for d in e: pass\n", id="statements"),
    pytest.param("def f():\n    if (a := g()):\n        b = [c := 1 for _ in x]\n",
                 id="walrus"),
    pytest.param("def f():\n    with g() as a:\n        import b.c\n    class D: pass\n"
                 "    x: int\n    try: pass\n    except E as err: pass\n", id="others"),
]


@pytest.mark.parametrize("text", BINDS)
def test_bindings_read_statement_by_statement_are_those_of_every_node(text: str) -> None:
    scope = ast.parse(text).body[0]
    assert isinstance(scope, ast.FunctionDef)
    fast = bindings._scope_bindings(scope, walrus=":=" in text)
    full = bindings._scope_bindings(scope, walrus=True)
    assert _shown(fast) == _shown(full)


def test_a_walrus_binds() -> None:
    found = _tree("def f():\n    if (a := g()):\n        pass\n").bindings("f")
    assert isinstance(found["a"][0], ast.Call)


def _shown(found: dict) -> dict:
    def one(binding: object) -> str:
        if binding is None or binding is DEFERRED:
            return repr(binding)
        if isinstance(binding, Annotated | Entered):
            return f"{type(binding).__name__}({ast.unparse(binding[0])})"
        assert isinstance(binding, ast.AST)
        return ast.unparse(binding)
    return {name: [one(b) for b in values] for name, values in found.items()}
