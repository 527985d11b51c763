"""What one file's stdlib tree says about names, for receiver inference (`cq.analysis.receivers`).

`FileTree` indexes a parsed file once: its scopes by qualname (the module is ""), each call
node by where it ends (the key the scanner's `Call.span` gives), and, per scope on demand,
every binding of every name in it. It knows nothing of other files; `receivers` resolves
what the bound expressions mean.

A binding is what one statement makes a name refer to, as the expression that computes it:
- `x = e`, `x: T = e`, `x := e`: `e` (an annotation without a value: `Annotated(T)`);
- `with e as x`: `Entered(e)` (the value `e.__enter__()` returns; most return `e` itself);
- a parameter: `Annotated(T)` when annotated, else unknown;
- a def, a class or an import: `DEFERRED` (the file's facts say what it is);
- anything else that binds (`for`, tuple targets, `+=`, `except … as`, `global`, match
  captures): unknown (None).
Nested defs, lambdas and comprehensions are other scopes; their bodies are not read here.
`self.x = e` / `self.x: T` in a class's `__init__` are the class's instance attributes.
`narrowed` reads `if isinstance(x, T):` blocks: inside the block, `x` is a `T`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import NamedTuple

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_OTHER_SCOPES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class Annotated(NamedTuple):
    """A name declared with a type (a parameter, `x: T`): a T or a subclass of it."""

    annotation: ast.expr


class Entered(NamedTuple):
    """`with e as x`: x is what `e.__enter__()` returns."""

    context: ast.expr


class Deferred(NamedTuple):
    """A def, a class or an import: what the file's facts say the name means
    (`cq.analysis.names.FileScope.lookup`)."""


DEFERRED = Deferred()
Binding = ast.expr | Annotated | Entered | Deferred | None  # None: a value not known here
Scope = ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


class FileTree:
    """One parsed file: scopes by qualname, calls by end position, bindings per scope."""

    def __init__(self, tree: ast.Module, lines: list[str]) -> None:
        self.scopes: dict[str, Scope] = {"": tree}
        self.calls: dict[tuple[int, int], ast.Call] = {}
        self._lines = lines
        self._bindings: dict[str, dict[str, list[Binding]]] = {}
        self._index(tree, "")

    def _index(self, node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, _SCOPES):
                qualname = f"{prefix}.{child.name}" if prefix else child.name
                self.scopes.setdefault(qualname, child)
                self._index(child, qualname)
                continue
            if isinstance(child, ast.Call) and child.end_lineno is not None:
                self.calls[(child.end_lineno, self._column(child))] = child
            self._index(child, prefix)

    def _column(self, node: ast.expr) -> int:
        """The end column in characters, as the scanner counts (`ast` counts UTF-8 bytes)."""
        col = node.end_col_offset or 0
        line = self._lines[(node.end_lineno or 1) - 1] if node.end_lineno else ""
        return col if line.isascii() else len(line.encode()[:col].decode(errors="ignore"))

    def call_at(self, end_line: int, end_col: int) -> ast.Call | None:
        return self.calls.get((end_line, end_col))

    def bindings(self, qualname: str) -> dict[str, list[Binding]]:
        """Every binding of every name in the scope (parameters first)."""
        if qualname not in self._bindings:
            scope = self.scopes.get(qualname)
            self._bindings[qualname] = _scope_bindings(scope) if scope is not None else {}
        return self._bindings[qualname]

    def instance_attributes(self, class_qualname: str) -> dict[str, list[Binding]]:
        """`self.x = e` and `self.x: T` in the class's `__init__`."""
        init = self.scopes.get(f"{class_qualname}.__init__")
        if not isinstance(init, ast.FunctionDef | ast.AsyncFunctionDef) or not init.args.args:
            return {}
        me = init.args.args[0].arg
        found: dict[str, list[Binding]] = {}
        for node in _own_nodes(init):
            for target, value in _attribute_stores(node):
                if isinstance(target.value, ast.Name) and target.value.id == me:
                    found.setdefault(target.attr, []).append(value)
        return found

    def returns_self(self, qualname: str) -> bool:
        """Does every `return` of the def return its first parameter (`return self`)?"""
        scope = self.scopes.get(qualname)
        if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) or not scope.args.args:
            return False
        me = scope.args.args[0].arg
        returns = [n for n in _own_nodes(scope) if isinstance(n, ast.Return)]
        return bool(returns) and all(isinstance(r.value, ast.Name) and r.value.id == me
                                     for r in returns)


def _attribute_stores(node: ast.AST) -> Iterator[tuple[ast.Attribute, Binding]]:
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Attribute):
                yield target, node.value if len(node.targets) == 1 else None
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Attribute):
        yield node.target, Annotated(node.annotation)
    elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Attribute):
        yield node.target, None


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a scope's body, not descending into nested scopes."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _SCOPES + _OTHER_SCOPES):
            stack.extend(ast.iter_child_nodes(node))


def _scope_bindings(scope: Scope) -> dict[str, list[Binding]]:
    found: dict[str, list[Binding]] = {}
    if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        _bind_parameters(scope.args, found)
    for node in _own_nodes(scope):
        for name, binding in _statement_bindings(node):
            found.setdefault(name, []).append(binding)
    return found


def _bind_parameters(args: ast.arguments, found: dict[str, list[Binding]]) -> None:
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    for arg in every:
        found.setdefault(arg.arg, []).append(
            Annotated(arg.annotation) if arg.annotation is not None else None)
    for star in (args.vararg, args.kwarg):
        if star is not None:
            found.setdefault(star.arg, []).append(None)


def _statement_bindings(node: ast.AST) -> Iterator[tuple[str, Binding]]:
    """The (name, binding) pairs one node makes in its own scope."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            yield from _targets(target, node.value)
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        yield node.target.id, Annotated(node.annotation)
    elif isinstance(node, ast.NamedExpr):
        yield node.target.id, node.value
    elif isinstance(node, ast.withitem) and node.optional_vars is not None:
        yield from _targets(node.optional_vars, Entered(node.context_expr))
    elif isinstance(node, _SCOPES):
        yield node.name, DEFERRED
    else:
        yield from _unknown_bindings(node)


def _unknown_bindings(node: ast.AST) -> Iterator[tuple[str, Binding]]:
    if isinstance(node, ast.AugAssign | ast.For | ast.AsyncFor):
        yield from _targets(node.target, None)
    elif isinstance(node, ast.ExceptHandler) and node.name:
        yield node.name, None
    elif isinstance(node, ast.Import | ast.ImportFrom):
        for alias in node.names:
            yield (alias.asname or alias.name).split(".")[0], DEFERRED
    elif isinstance(node, ast.Global | ast.Nonlocal):
        for name in node.names:
            yield name, None
    elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
        yield node.name, None
    elif isinstance(node, ast.MatchMapping) and node.rest:
        yield node.rest, None


def _targets(target: ast.expr, value: Binding) -> Iterator[tuple[str, Binding]]:
    if isinstance(target, ast.Name):
        yield target.id, value
    elif isinstance(target, ast.Tuple | ast.List | ast.Starred):
        for node in ast.walk(target):  # unpacking: each name's value is not known here
            if isinstance(node, ast.Name):
                yield node.id, None


def narrowed(scope: Scope, call: ast.Call) -> dict[str, ast.expr]:
    """Names an enclosing `if isinstance(name, T):` block narrows at `call`: name → T."""
    found: dict[str, ast.expr] = {}
    _narrow_into(scope, call, found)
    return found


def _narrow_into(node: ast.AST, call: ast.Call, found: dict[str, ast.expr]) -> bool:
    """Walk down to `call`, recording the isinstance blocks on the way; True when found."""
    for child in ast.iter_child_nodes(node):
        if child is call:
            return True
        if not _contains(child, call) or isinstance(child, _SCOPES + _OTHER_SCOPES):
            continue
        if isinstance(child, ast.If) and any(_contains(s, call) for s in child.body):
            test = _isinstance_test(child.test)
            if test is not None:
                found[test[0]] = test[1]
        return _narrow_into(child, call, found)
    return False


def _contains(node: ast.AST, call: ast.Call) -> bool:
    start = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
    end = (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)
    if not hasattr(node, "lineno"):
        return any(_contains(c, call) for c in ast.iter_child_nodes(node))
    return start <= (call.lineno, call.col_offset) and (
        call.end_lineno or 0, call.end_col_offset or 0) <= end


def _isinstance_test(test: ast.expr) -> tuple[str, ast.expr] | None:
    if (isinstance(test, ast.Call) and isinstance(test.func, ast.Name)
            and test.func.id == "isinstance" and len(test.args) == 2
            and isinstance(test.args[0], ast.Name)
            and isinstance(test.args[1], ast.Name | ast.Attribute)):
        return test.args[0].id, test.args[1]
    return None
