"""The join `exports=NAME` on modules: the module's `__all__` lists NAME or, when it has no
`__all__`, the module binds NAME publicly at top level (a def or class, an assignment, or an
import — what `from module import *` would bring in; names starting with `_` never are).

`__all__` is read from the module-level assignment facts (`=`, `+=`, annotated): each value
preview is parsed with `ast` and its string literals collected from list/tuple/set
displays joined by `+` — nothing is evaluated. When a preview was cut, or the module also
calls `__all__.extend(...)`/`.append(...)`, the file is re-read and parsed instead. Parts
that are not literal (`__all__ = base.__all__ + [...]`) make the list partly dynamic: the
module is judged by its literal parts, with a note.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import msgspec

from cq.analysis.sourcefile import tree_of
from cq.details import Exported as ExportedAs
from cq.facts import Assign, FileFacts, Import
from cq.parsing import ParseFailure, guarded, parse_expression
from cq.query.context import QueryContext
from cq.query.items import Item, Verdict, keep_judged
from cq.query.model import Query

_ALL = "__all__"
_ELLIPSIS = "…"  # the scanner's mark of a cut preview
_MUTATORS = (f"{_ALL}.extend", f"{_ALL}.append")


class Exported(msgspec.Struct, frozen=True):
    names: frozenset[str] | None  # None: the module has no __all__
    dynamic: bool = False
    lines: tuple[int, ...] = ()


def _strings(node: ast.expr) -> tuple[set[str], bool]:
    """String literals of a display (or `a + b` of displays), and whether anything else was
    there."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}, False
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        found, dynamic = set(), False
        for element in node.elts:
            names, other = _strings(element)
            found |= names
            dynamic |= other
        return found, dynamic
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _strings(node.left), _strings(node.right)
        return left[0] | right[0], left[1] or right[1]
    return set(), True


def _parse_expr(text: str) -> ast.expr | None:
    node = parse_expression(text)
    return None if isinstance(node, ParseFailure) else node


def _literal_strings(node: ast.expr) -> tuple[set[str], bool]:
    """`_strings`, or "dynamic" when the expression is too deep to walk."""
    found = guarded(_strings, node)
    return (set(), True) if isinstance(found, ParseFailure) else found


def _from_previews(assigns: list[Assign]) -> Exported | None:
    names: set[str] = set()
    dynamic = False
    for assign in assigns:
        if assign.value.endswith(_ELLIPSIS):
            return None
        node = _parse_expr(assign.value)
        if node is None:
            return None
        found, other = _literal_strings(node)
        names |= found
        dynamic |= other
    return Exported(frozenset(names), dynamic, tuple(a.span.line for a in assigns))


def _module_statements(tree: ast.Module) -> Iterator[ast.stmt]:
    """Module-level statements, including those inside if/try/with blocks."""
    stack = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        yield node
        for field in ("body", "orelse", "finalbody", "handlers"):
            stack.extend(reversed(getattr(node, field, [])))


def _targets(node: ast.stmt) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return node.targets
    if isinstance(node, ast.AugAssign | ast.AnnAssign) and node.value is not None:
        return [node.target]
    return []


def _all_values(tree: ast.Module) -> Iterator[tuple[int, ast.expr]]:
    """Every value assigned to, added to or extended into `__all__` at module level."""
    for node in _module_statements(tree):
        if any(isinstance(t, ast.Name) and t.id == _ALL for t in _targets(node)):
            yield node.lineno, node.value  # type: ignore[attr-defined]
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and \
                ast.unparse(node.value.func) in _MUTATORS:
            yield from ((node.lineno, arg) for arg in node.value.args)


def _from_source(ctx: QueryContext, facts: FileFacts) -> Exported:
    tree = tree_of(ctx.source, facts.path, ctx.text(facts.path))
    if tree is None:
        return Exported(frozenset(), True)
    names: set[str] = set()
    dynamic, lines = False, []
    for line, value in _all_values(tree):
        found, other = _literal_strings(value)
        names |= found
        dynamic |= other
        lines.append(line)
    return Exported(frozenset(names), dynamic, tuple(lines))


def module_exports(ctx: QueryContext, facts: FileFacts) -> Exported:
    assigns = [a for a in facts.assigns if a.scope == "module" and a.target == _ALL]
    mutated = any(c.callee in _MUTATORS and c.enclosing is None for c in facts.calls)
    if not assigns and not mutated:
        return Exported(None)
    found = None if mutated else _from_previews(assigns)
    return found if found is not None else _from_source(ctx, facts)


# --- without __all__ ---------------------------------------------------------------------


def _import_binds(imp: Import) -> Iterator[str]:
    for item in imp.names:
        if item.alias:
            yield item.alias
        elif imp.is_from:
            yield item.name
        else:
            yield item.name.split(".", 1)[0]


def public_binding(facts: FileFacts, name: str) -> tuple[str, int] | None:
    """How the module binds `name` at top level (def, assign, import) and where."""
    if name.startswith("_"):
        return None
    for definition in facts.defs:
        if definition.enclosing is None and definition.name == name:
            return "def", definition.span.line
    for assign in facts.assigns:
        if assign.scope == "module" and assign.target == name:
            return "assign", assign.span.line
    for imp in facts.imports:
        if imp.enclosing is None and name in _import_binds(imp):
            return "import", imp.span.line
    return None


def _exports(ctx: QueryContext, facts: FileFacts, name: str) -> tuple[str, int] | None:
    exported = module_exports(ctx, facts)
    if exported.names is None:
        return public_binding(facts, name)
    if exported.dynamic:
        ctx.note(f"{facts.path}: __all__ is partly dynamic; judged by its literal parts")
    if name in exported.names:
        return _ALL, exported.lines[0] if exported.lines else 1
    return None


def filter_exports(query: Query, ctx: QueryContext, items: list[Item]) -> list[Item]:
    name = query.exports
    if name is None:
        return items

    def judge(item: Item) -> Verdict | None:
        how = _exports(ctx, item.facts, name)
        if how is None:
            return None
        return {"exports": ExportedAs(name, how[0])}, ((item.facts.path, how[1]),)

    return keep_judged(items, judge)
