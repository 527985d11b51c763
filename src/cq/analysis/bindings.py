"""What one file's stdlib trees say about names, for receiver inference (`cq.analysis.receivers`).

`FileTree` parses a file's scopes on demand, each def or class on its own (its text cut out
by the facts' span and dedented: inference reads the function around a call, so the cost is
that function's size), the module whole only for a module-level scope. Per scope it finds a
call node by where it ends (the key the scanner's `Call.span` gives) and every binding of
every name. It knows nothing of other files; `receivers` resolves what the bound expressions
mean.

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
import functools
import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

from cq.facts import Def

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_METACLASS = re.compile(r"\bmetaclass\s*=")
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


class _Unit(NamedTuple):
    """One parsed def or class (or the whole module), in its own coordinates: its line 1 is
    the file's line `first`, and `indent` characters were cut from every line."""

    node: Scope
    first: int
    indent: int
    lines: list[str]


Parse = Callable[[str], "ast.Module | None"]


class FileTree:
    """One file's defs, each parsed on its own when first asked for (a def's text is cut out
    and dedented, so the cost is the def's size, not the file's); the module as a whole only
    when a module-level scope is asked for, or when a def's text cannot be cut out."""

    def __init__(self, lines: list[str], defs: dict[str, Def], parse: Parse) -> None:
        self._lines, self._defs, self._parse = lines, defs, parse
        self._units: dict[str, _Unit | None] = {}
        self._calls: dict[str, dict[tuple[int, int], ast.Call]] = {}
        self._bindings: dict[str, dict[str, list[Binding]]] = {}
        self._whole: dict[str, Scope] | None = None

    def scope(self, qualname: str) -> Scope | None:
        unit = self._unit(qualname)
        return unit.node if unit is not None else None

    def _unit(self, qualname: str) -> _Unit | None:
        if qualname not in self._units:
            self._units[qualname] = self._cut(qualname) if qualname else self._module()
        return self._units[qualname]

    def _module(self) -> _Unit | None:
        tree = self._parse("\n".join(self._lines))
        return _Unit(tree, 1, 0, self._lines) if tree is not None else None

    def _cut(self, qualname: str) -> _Unit | None:
        """The def's own text, dedented and parsed; else its node in the whole module."""
        definition = self._defs.get(qualname)
        if definition is None:
            return None
        first = definition.decorated_line or definition.span.line
        own = self._lines[first - 1:definition.span.end_line]
        head = self._lines[definition.span.line - 1] if own else ""
        indent = head[:len(head) - len(head.lstrip())]
        if all(not line.strip() or line.startswith(indent) for line in own):
            text = "\n".join(line[len(indent):] for line in own)
            tree = self._parse(text)
            node = tree.body[0] if tree is not None and len(tree.body) == 1 else None
            if isinstance(node, _SCOPES) and node.name == definition.name:
                return _Unit(node, first, len(indent), text.split("\n"))
        found = self._whole_scopes().get(qualname)  # a string less indented than the def
        return _Unit(found, 1, 0, self._lines) if found is not None else None

    def _whole_scopes(self) -> dict[str, Scope]:
        if self._whole is None:
            module = self._unit("")
            self._whole = {} if module is None else _scopes_of(module.node)
        return self._whole

    def call_at(self, qualname: str, end_line: int, end_col: int) -> ast.Call | None:
        """The call in the scope's unit that ends where the scanner's `Call.span` ends."""
        unit = self._unit(qualname)
        if unit is None:
            return None
        line, col = end_line - unit.first + 1, end_col - unit.indent
        if qualname not in self._calls:
            # Most scopes are asked about one call: a search down the nodes around its end
            # costs a fraction of indexing every call; only a miss indexes them all.
            found = _call_ending(unit.node, line, _byte_column(unit.lines, line, col))
            if found is not None:
                return found
            self._calls[qualname] = {
                (node.end_lineno, _column(unit.lines, node)): node
                for node in ast.walk(unit.node)
                if isinstance(node, ast.Call) and node.end_lineno is not None}
        return self._calls[qualname].get((line, col))

    def bindings(self, qualname: str) -> dict[str, list[Binding]]:
        """Every binding of every name in the scope (parameters first)."""
        if qualname not in self._bindings:
            unit = self._unit(qualname)
            walrus = unit is not None and any(":=" in line for line in unit.lines)
            self._bindings[qualname] = _scope_bindings(unit.node, walrus) \
                if unit is not None else {}
        return self._bindings[qualname]

    def instance_attributes(self, class_qualname: str) -> dict[str, list[Binding]]:
        """`self.x = e` and `self.x: T` in the class's `__init__`."""
        init = self.scope(f"{class_qualname}.__init__")
        if not isinstance(init, ast.FunctionDef | ast.AsyncFunctionDef) or not init.args.args:
            return {}
        me = init.args.args[0].arg
        found: dict[str, list[Binding]] = {}
        for node in _own_nodes(init, expressions=False):
            for target, value in _attribute_stores(node):
                if isinstance(target.value, ast.Name) and target.value.id == me:
                    found.setdefault(target.attr, []).append(value)
        return found

    def returns_self(self, qualname: str) -> bool:
        """Does every `return` of the def return its first parameter (`return self`)?"""
        scope = self.scope(qualname)
        if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) or not scope.args.args:
            return False
        me = scope.args.args[0].arg
        returns = [n for n in _own_nodes(scope, expressions=False) if isinstance(n, ast.Return)]
        return bool(returns) and all(isinstance(r.value, ast.Name) and r.value.id == me
                                     for r in returns)

    def text_binds(self, qualname: str, name: str) -> bool:
        """May the def's text bind `name` (an assignment, an annotation, `as name`, `for`,
        `isinstance(name`)? A cheap look before parsing: when it says no, the name is
        whatever the file's facts say (a parameter: unknown)."""
        definition = self._defs.get(qualname)
        if definition is None:
            return True
        own = self._lines[definition.span.line - 1:definition.span.end_line]
        return _binding_pattern(name).search("\n".join(own)) is not None

    def names_metaclass(self, class_qualname: str) -> bool:
        """Does the class statement name a metaclass? Read off its header's text (the class
        body, which may be long, is not parsed for this)."""
        definition = self._defs.get(class_qualname)
        if definition is None:
            return False
        header = []
        for line in self._lines[definition.span.line - 1:definition.span.end_line]:
            header.append(line)
            if line.split("#", 1)[0].rstrip().endswith(":"):
                break
        return _METACLASS.search(" ".join(header)) is not None


@functools.lru_cache(maxsize=1024)
def _binding_pattern(name: str) -> re.Pattern[str]:
    word = re.escape(name)
    return re.compile(rf"\b{word}\s*(?::(?!=)|=(?!=)|:=)|\bas\s+{word}\b|\bfor\b[^\n]*\b{word}\b"
                      rf"|isinstance\(\s*{word}\b|\b(?:global|nonlocal)\b[^\n]*\b{word}\b")


def _byte_column(lines: list[str], line: int, col: int) -> int:
    """A character column of the unit's line as `ast` counts it (UTF-8 bytes)."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return col if text.isascii() or col < 0 else len(text[:col].encode())


def _call_ending(root: ast.AST, line: int, col: int) -> ast.Call | None:
    """The call node ending at (line, byte column), searched only through nodes that may
    hold it: none that ends before it, none that starts after it (a def or class may: its
    decorators come before its own line)."""
    target = (line, col)
    stack = [root]
    while stack:
        for child in ast.iter_child_nodes(stack.pop()):
            extent = _extent(child)
            if extent is not None:
                start, end = extent
                if end < target or (start > target and not isinstance(child, _SCOPES)):
                    continue
                if end == target and isinstance(child, ast.Call):
                    return child
            stack.append(child)
    return None


def _extent(node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Where a node starts and ends, None for one without a position (`arguments`, ...)."""
    end = getattr(node, "end_lineno", None)
    if end is None:
        return None
    return ((getattr(node, "lineno", 0), getattr(node, "col_offset", 0)),
            (end, getattr(node, "end_col_offset", 0) or 0))


def _column(lines: list[str], node: ast.expr) -> int:
    """The end column in characters, as the scanner counts (`ast` counts UTF-8 bytes)."""
    col = node.end_col_offset or 0
    row = (node.end_lineno or 1) - 1
    line = lines[row] if row < len(lines) else ""
    return col if line.isascii() else len(line.encode()[:col].decode(errors="ignore"))


def _scopes_of(tree: ast.AST, prefix: str = "") -> dict[str, Scope]:
    found: dict[str, Scope] = {}
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, _SCOPES):
            qualname = f"{prefix}.{node.name}" if prefix else node.name
            found.setdefault(qualname, node)
            found.update({k: v for k, v in _scopes_of(node, qualname).items()
                          if k not in found})
        elif not isinstance(node, ast.expr):
            found.update({k: v for k, v in _scopes_of(node, prefix).items()
                          if k not in found})
    return found


def _attribute_stores(node: ast.AST) -> Iterator[tuple[ast.Attribute, Binding]]:
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Attribute):
                yield target, node.value if len(node.targets) == 1 else None
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Attribute):
        yield node.target, Annotated(node.annotation)
    elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Attribute):
        yield node.target, None


def _own_nodes(scope: ast.AST, expressions: bool = True) -> Iterator[ast.AST]:
    """The nodes of a scope's body, not descending into nested scopes; without
    `expressions`, not into expressions either (no statement is inside one): the same
    statements in the same order, for a fraction of the walk."""
    stack = list(_children(scope, expressions))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _SCOPES + _OTHER_SCOPES):
            stack.extend(_children(node, expressions))


def _children(node: ast.AST, expressions: bool) -> Iterator[ast.AST]:
    if expressions:
        return ast.iter_child_nodes(node)
    return (child for child in ast.iter_child_nodes(node) if not isinstance(child, ast.expr))


def _scope_bindings(scope: Scope, walrus: bool = True) -> dict[str, list[Binding]]:
    """Every binding in the scope, in the order `_own_nodes` meets them. Only `:=` binds
    inside an expression: a scope whose text has none is read statement by statement."""
    found: dict[str, list[Binding]] = {}
    if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        _bind_parameters(scope.args, found)
    for node in _own_nodes(scope, expressions=walrus):
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
