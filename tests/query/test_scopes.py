"""symtable scopes of defs: free and cell variables, nesting, and finding a def's table by
its `def` line (decorators do not move it), on the running Python (3.11–3.14)."""

from __future__ import annotations

import sys
import textwrap

import pytest

from cq.analysis.scopes import analyse_source
from cq.scan import scan_source

CLOSURES = """\
def outer(a):
    n = 1
    unused = 2
    def inner():
        return n + a
    def plain():
        return 3
    return inner, plain
"""
COUNTER = """\
def make_counter():
    count = 0
    def bump():
        nonlocal count
        count += 1
        return count
    return bump
"""
DECORATED = """\
import functools

def deco(f):
    return f

@deco
@functools.lru_cache(maxsize=None)
def cached(x):
    def helper():
        return x
    return helper
"""
METHODS = """\
class Base:
    def run(self):
        return 1

class Child(Base):
    def run(self):
        return super().run()

    @staticmethod
    def helper():
        value = 1
        class Local:
            def get(self):
                return value
        return Local
"""
COMPREHENSION = """\
def listing(items, k):
    return [x + k for x in items]

def generator(items, k):
    return (x + k for x in items)
"""

# (source, def name, def line) → (free, cells, nested)
CASES = [
    pytest.param(CLOSURES, "outer", 1, ((), ("a", "n"), False), id="outer-provides-cells"),
    pytest.param(CLOSURES, "inner", 4, (("a", "n"), (), True), id="inner-captures"),
    pytest.param(CLOSURES, "plain", 6, ((), (), True), id="nested-not-closure"),
    pytest.param(COUNTER, "bump", 3, (("count",), (), True), id="nonlocal-is-free"),
    pytest.param(COUNTER, "make_counter", 1, ((), ("count",), False), id="nonlocal-cell"),
    pytest.param(DECORATED, "cached", 8, ((), ("x",), False), id="decorated-def-line"),
    pytest.param(DECORATED, "helper", 9, (("x",), (), True), id="inside-decorated"),
    pytest.param(METHODS, "run", 2, ((), (), False), id="method-plain"),
    pytest.param(METHODS, "run", 6, (("__class__",), (), False), id="super-captures-class"),
    pytest.param(METHODS, "helper", 10, ((), ("value",), False), id="cell-for-nested-class"),
    pytest.param(METHODS, "get", 13, (("value",), (), True), id="method-in-local-class"),
    pytest.param(COMPREHENSION, "generator", 4, ((), ("k",), False), id="genexpr-cell"),
    # 3.12+ inlines list comprehensions (PEP 709): `k` is no cell there any more.
    pytest.param(COMPREHENSION, "listing", 1,
                 ((), ("k",) if sys.version_info < (3, 12) else (), False),
                 id="listcomp-cell-until-3.11"),
]


@pytest.mark.parametrize(("source", "name", "line", "expected"), CASES)
def test_scope_of_each_def(source: str, name: str, line: int, expected) -> None:
    facts = scan_source("m.py", source)
    (definition,) = [d for d in facts.defs if d.name == name and d.span.line == line]
    info = analyse_source(source, "m.py").of(definition)
    assert info is not None
    assert (info.free, info.cells, info.nested) == expected


def test_decorated_def_is_found_by_its_def_line() -> None:
    facts = scan_source("m.py", DECORATED)
    (cached,) = [d for d in facts.defs if d.name == "cached"]
    assert cached.decorated_line == 6 and cached.span.line == 8
    info = analyse_source(DECORATED, "m.py").of(cached)
    assert info is not None and info.line == 8


def test_locals_globals_nonlocals() -> None:
    facts = scan_source("m.py", COUNTER)
    (bump,) = [d for d in facts.defs if d.name == "bump"]
    info = analyse_source(COUNTER, "m.py").of(bump)
    assert info is not None
    assert info.nonlocals == ("count",) and info.locals == ()
    details = info.details("make_counter.bump")
    assert details.free == ("count",) and details.nested is True


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 695 generics need 3.12+")
def test_generic_function_is_found_inside_its_type_parameter_scope() -> None:
    source = ("def outer():\n    q = 1\n    def generic[T](x: T) -> T:\n        return q\n"
              "    return generic\n")
    facts = scan_source("m.py", source)
    (generic,) = [d for d in facts.defs if d.name == "generic"]
    info = analyse_source(source, "m.py").of(generic)
    assert info is not None and info.free == ("q",) and info.nested


@pytest.mark.parametrize("source", ["def f(:\n    pass\n", "x = 1\0\n",
                                    "def f():\n  return\n yield\n"])
def test_source_that_does_not_compile_has_no_scopes(source: str) -> None:
    scopes = analyse_source(source, "m.py")
    assert scopes.error and scopes.scopes == ()


def test_warnings_of_the_analysed_file_are_not_shown(recwarn) -> None:
    analyse_source(textwrap.dedent('def f():\n    return "\\d"\n'), "m.py")
    assert not [w for w in recwarn if issubclass(w.category, SyntaxWarning | DeprecationWarning)]


ORACLE_SOURCES = [CLOSURES, COUNTER, DECORATED, METHODS, COMPREHENSION,
                  "def f(y):\n    return [lambda: x for x in y]\n",
                  "def f(a):\n    g = lambda: a\n    return g\n"]


@pytest.mark.parametrize("source", ORACLE_SOURCES)
def test_free_and_cells_agree_with_the_compiled_code(source: str) -> None:
    """The compiler's own answer: co_freevars and co_cellvars of each def's code object."""
    from cq.analysis.bytecode import code_of, compile_source

    index = compile_source(source, "m.py")
    assert isinstance(index, dict)
    scopes = analyse_source(source, "m.py")
    for definition in scan_source("m.py", source).defs:
        if definition.kind == "class":
            continue
        info, code = scopes.of(definition), code_of(index, definition)
        assert info is not None and code is not None
        assert set(info.free) == set(code.co_freevars), definition.qualname
        assert set(info.cells) == set(code.co_cellvars), definition.qualname
