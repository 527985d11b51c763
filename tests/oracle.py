"""An independent answer key built with the stdlib `ast` module.

End-to-end tests compare cq's findings with what `ast` says about the same files, so the
scanner and query engine are checked against a parser they do not use.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

DefRow = tuple[str, str, int]  # (root-relative path, name, def line)


def _walk_defs(tree: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """(kind, node) for every def/class: kind by the parent scope, as cq defines it."""
    stack: list[tuple[ast.AST, str]] = [(tree, "module")]
    while stack:
        node, parent_kind = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                yield "class", child
                stack.append((child, "class"))
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield ("method" if parent_kind == "class" else "function"), child
                stack.append((child, "function"))
            else:
                stack.append((child, parent_kind))


def parse_file(path: Path) -> ast.AST | None:
    try:
        return ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError, UnicodeDecodeError):
        return None


IGNORED: frozenset[str] = frozenset()


def python_files(root: Path, ignored: frozenset[str] = IGNORED) -> list[Path]:
    """Every .py file under root except the root-relative paths in `ignored`."""
    return sorted(p for p in root.rglob("*.py")
                  if p.is_file() and p.relative_to(root).as_posix() not in ignored)


def defs(root: Path, kind: str, name: str | None = None, predicate=None,
         ignored: frozenset[str] = IGNORED) -> set[DefRow]:
    """Every def of `kind` (function|method|class) named `name` (or passing predicate)."""
    rows: set[DefRow] = set()
    for path in python_files(root, ignored):
        tree = parse_file(path)
        if tree is None:
            continue
        rel = path.relative_to(root).as_posix()
        for found_kind, node in _walk_defs(tree):
            node_name = node.name  # type: ignore[attr-defined]
            if found_kind != kind:
                continue
            if (name is None or node_name == name) and (predicate is None or predicate(node_name)):
                rows.add((rel, node_name, node.lineno))  # type: ignore[attr-defined]
    return rows


def calls(root: Path, name: str, ignored: frozenset[str] = IGNORED) -> set[tuple[str, int]]:
    """(path, line) of every call whose callee's last segment is `name`."""
    rows: set[tuple[str, int]] = set()
    for path in python_files(root, ignored):
        tree = parse_file(path)
        if tree is None:
            continue
        rel = path.relative_to(root).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _callee_name(node.func) == name:
                rows.add((rel, node.lineno))
    return rows


def _callee_name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None
