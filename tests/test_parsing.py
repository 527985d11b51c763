"""The one guarded stdlib parse: hostile text gives a ParseFailure, never an exception, and no
other module calls the stdlib parsers directly."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from cq.parsing import (
    ParseFailure,
    compile_module,
    guarded,
    parse_bytes,
    parse_expression,
    parse_module,
    symbol_table,
)

DEEP_UNARY = "x = " + "-" * 100_000 + "1\n"
LONG_CHAIN = "x = " + " + ".join(["a"] * 20_000) + "\n"


@pytest.mark.parametrize(("text", "error"), [
    ("def f(:\n", "SyntaxError"),
    ("x = 1\x00\n", "SyntaxError"),  # null bytes (ValueError before 3.12)
    (DEEP_UNARY, None),  # MemoryError or RecursionError, depending on the Python
])
def test_failures_are_values(text: str, error: str | None) -> None:
    for parse in (parse_module, lambda t: compile_module(t, "m.py"),
                  lambda t: symbol_table(t, "m.py")):
        found = parse(text)
        assert isinstance(found, ParseFailure), found
        assert error is None or found.error in (error, "ValueError")
        assert "\n" not in found.text and len(found.text) < 260


def test_a_syntax_error_names_its_line() -> None:
    found = parse_module("x = 1\ndef f(:\n")
    assert isinstance(found, ParseFailure) and found.line == 2
    assert found.text == "SyntaxError: invalid syntax (line 2)"


def test_a_recursive_walk_of_a_deep_tree_fails_for_that_tree_only() -> None:
    tree = parse_module(LONG_CHAIN)
    if isinstance(tree, ParseFailure):  # newer Pythons refuse to build it at all
        return

    def depth(node: ast.AST) -> int:
        return 1 + max((depth(child) for child in ast.iter_child_nodes(node)), default=0)

    found = guarded(depth, tree)
    assert isinstance(found, ParseFailure) and found.error == "RecursionError"
    assert guarded(depth, ast.parse("x = 1")) == 4


def test_good_text_parses() -> None:
    assert isinstance(parse_module("x = 1\n"), ast.Module)
    assert isinstance(parse_expression("a.b"), ast.Attribute)
    assert parse_bytes("é = 1\n".encode("latin-1"))[0] == "é = 1\n"


_PARSERS = {"compile", "ast.parse", "ast.literal_eval", "symtable.symtable"}


def test_no_other_module_calls_the_stdlib_parsers() -> None:
    package = Path(__file__).resolve().parents[1] / "src" / "cq"
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "parsing.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in _PARSERS:
                found.append(f"{path.relative_to(package)}:{node.lineno}")
    assert found == []


NEWER = "type Pair[T] = tuple[T, T]\n\n\ndef first[T](p: Pair[T]) -> T:\n    return p[0]\n"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="this Python reads PEP 695 syntax")
@pytest.mark.parametrize("text", [NEWER, "x = 1\ndef first[T](p): pass\n",
                                  "class Box[T]:\n    pass\n"])
def test_newer_syntax_says_which_python_reads_it(text: str) -> None:
    for parse in (parse_module, lambda t: symbol_table(t, "m.py"),
                  lambda t: compile_module(t, "m.py")):
        found = parse(text)
        assert isinstance(found, ParseFailure)
        assert found.message.startswith("uses Python 3.12 syntax; run cq with Python 3.12")
        assert "uv run --python 3.12" in found.message


@pytest.mark.skipif(sys.version_info < (3, 12), reason="needs PEP 695")
def test_newer_syntax_parses_on_a_python_that_has_it() -> None:
    assert isinstance(parse_module(NEWER), ast.Module)


def test_a_plain_syntax_error_is_not_blamed_on_the_python_version() -> None:
    found = parse_module("def first(:\n    pass\n")
    assert isinstance(found, ParseFailure) and "Python 3.12" not in found.message
