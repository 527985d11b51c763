"""Intraprocedural taint: where the values of some names flow inside one function's `ast`.

Starting from a set of tainted names (a parameter), a walk over the function body marks every
name bound from a tainted expression: plain, augmented and annotated assignments, tuple/list
unpacking (element-wise when both sides have the same shape, else every target), starred
targets, `for` and `with` targets, walrus, comprehension variables (scoped to their
comprehension) and `match` captures. An expression is tainted when it reads a tainted name
anywhere, so `p.attr`, `p[0]`, `p.m()` and `f(p)` are tainted. Storing into `d[k]` taints
the local container `d`; storing into `obj.attr` is reported but does not taint `obj` (object
state outlives the call and belongs to the interprocedural layer).

The analysis is flow-insensitive: a name once tainted stays tainted, and the walk repeats
until no new name is tainted, so taint flowing backwards through loops is found. It reports
sites: `assign`, `attribute_store`, `subscript_store`, `call` (with the argument slots that
carry the taint), `return`, `yield`, `condition` (if/while/assert/match subjects) and
`closure` (a nested def, class or lambda reading a tainted name). Resolving calls to other
functions is left to `cq.analysis.flow`. Positions are 1-based lines and 0-based character
columns, as in `cq.facts`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import msgspec

from cq.analysis.syntax import SourceText, callee_parts, loaded_names, shorten, target_names

MAX_PASSES = 50  # a fixpoint needs one pass per loop-carried step; real code needs a few
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class Slot(msgspec.Struct, frozen=True):
    """Where a tainted value enters a call. kind: "arg" (positional `position`, 0-based at the
    call site), "kw" (`keyword`), "*args" (`*p` starting at `position`), "**kwargs" (`**p`),
    "receiver" (`p.m()`) or "callee" (`p()`). `after_star` marks a positional argument
    following a `*x`: its parameter is not known statically."""

    kind: str
    position: int | None = None
    keyword: str | None = None
    after_star: bool = False

    @property
    def label(self) -> str:
        if self.kind == "arg":
            return f"arg {self.position}"
        if self.kind == "kw":
            return f"kw {self.keyword}"
        return self.kind


class TaintSite(msgspec.Struct, frozen=True):
    """One place a tainted value reaches. `names` are the tainted names involved; `bound`
    the names an assignment taints; `target` the text stored into by a store."""

    kind: str
    line: int
    col: int
    end_line: int
    end_col: int
    text: str
    names: tuple[str, ...]
    callee: str = ""
    callee_name: str = ""
    slots: tuple[Slot, ...] = ()
    bound: tuple[str, ...] = ()
    target: str = ""


class TaintResult(msgspec.Struct, frozen=True):
    params: tuple[str, ...]
    tainted: tuple[str, ...]  # every tainted name at the fixpoint
    sites: tuple[TaintSite, ...]  # ordered by position
    passes: int


def taint_function(node: FunctionNode, params: Iterable[str], source: str) -> TaintResult:
    """Taint `params` through `node`'s body (`source` is the text of the file it came from)."""
    text = SourceText(source)
    seeds = tuple(dict.fromkeys(params))
    tainted, passes = set(seeds), 0
    while True:
        passes += 1
        walker = _Walker(text, tainted)
        walker.statements(node.body)
        if walker.tainted == tainted or passes == MAX_PASSES:
            break
        tainted = walker.tainted
    sites = sorted(walker.sites.values(), key=lambda s: (s.line, s.col, s.kind, s.end_line))
    return TaintResult(params=seeds, tainted=tuple(sorted(tainted)), sites=tuple(sites),
                       passes=passes)


def _same_shape(target: ast.expr, value: ast.expr | None) -> bool:
    shaped = (ast.Tuple, ast.List)
    if not (isinstance(target, shaped) and isinstance(value, shaped)):
        return False
    starred = any(isinstance(e, ast.Starred) for e in (*target.elts, *value.elts))
    return not starred and len(target.elts) == len(value.elts)


def _base_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Subscript | ast.Attribute | ast.Starred):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _free_names(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
                ) -> set[str]:
    """Names a nested def, class or lambda reads but does not bind itself (approximate)."""
    bound = target_names(node)
    if not isinstance(node, ast.ClassDef):
        bound |= {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
    bound |= {n.name for n in ast.walk(node) if isinstance(n, _SCOPES) and n is not node}
    body = node.body if isinstance(node.body, list) else [node.body]
    loaded = set().union(*(loaded_names(part) for part in body)) if body else set()
    return loaded - bound


class _Walker:
    """One pass over a function body, tainting names as it goes and recording sites."""

    def __init__(self, text: SourceText, tainted: set[str]) -> None:
        self.text = text
        self.tainted = set(tainted)
        self.sites: dict[tuple[str, int, int, int, int], TaintSite] = {}

    # --- recording ---------------------------------------------------------------------

    def names(self, node: ast.AST | None, scope: set[str] | None = None) -> tuple[str, ...]:
        if node is None:
            return ()
        return tuple(sorted(loaded_names(node) & (self.tainted if scope is None else scope)))

    def record(self, kind: str, start: ast.AST, names: Iterable[str], end: ast.AST | None = None,
               **extra: object) -> None:
        end = end or start
        line, col = start.lineno, start.col_offset  # type: ignore[attr-defined]
        end_line, end_col = end.end_lineno, end.end_col_offset  # type: ignore[attr-defined]
        text = self.text.segment(line, col, end_line, end_col)
        if isinstance(start, _SCOPES):
            text = text.splitlines()[0] if text else text
        site = TaintSite(kind=kind, line=line, col=self.text.column(line, col),
                         end_line=end_line, end_col=self.text.column(end_line, end_col),
                         text=shorten(text), names=tuple(sorted(set(names))),
                         **extra)  # type: ignore[arg-type]
        self.sites[(kind, site.line, site.col, site.end_line, site.end_col)] = site

    # --- statements --------------------------------------------------------------------

    def statements(self, body: Iterable[ast.stmt]) -> None:
        for node in body:
            _STATEMENTS.get(type(node), _Walker.generic)(self, node)

    def generic(self, node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self.statements((child,))
            elif isinstance(child, ast.expr):
                self.expr(child, self.tainted)
            elif not isinstance(child, ast.expr_context | ast.operator):
                self.generic(child)

    def assign(self, node: ast.Assign | ast.AnnAssign) -> None:
        if node.value is None:
            return
        self.expr(node.value, self.tainted)
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        bound: list[str] = []
        for target in targets:
            self.bind(target, node.value, bound)
        if bound:
            self.record("assign", node, self.names(node.value), bound=tuple(dict.fromkeys(bound)))

    def augassign(self, node: ast.AugAssign) -> None:
        self.expr(node.value, self.tainted)
        self.bind_from(node.value, node.target, node)

    def loop(self, node: ast.For | ast.AsyncFor) -> None:
        self.expr(node.iter, self.tainted)
        self.bind_from(node.iter, node.target, node, end=node.iter)
        self.statements([*node.body, *node.orelse])

    def with_(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.expr(item.context_expr, self.tainted)
            if item.optional_vars is not None:
                self.bind_from(item.context_expr, item.optional_vars, item.context_expr,
                               end=item.optional_vars)
        self.statements(node.body)

    def flow_out(self, node: ast.Return) -> None:
        if node.value is not None:
            self.expr(node.value, self.tainted)
            names = self.names(node.value)
            if names:
                self.record("return", node, names)

    def branch(self, node: ast.If | ast.While | ast.Assert) -> None:
        names = self.names(node.test)
        if names:
            self.record("condition", node.test, names)
        self.generic(node)

    def match(self, node: ast.Match) -> None:
        names = self.names(node.subject)
        if names:
            self.record("condition", node.subject, names)
            for case in node.cases:
                self.tainted |= target_names(case.pattern)
        self.generic(node)

    def nested(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        """Decorators, defaults and bases run here; the body runs later (a closure)."""
        outer = [*node.decorator_list, *getattr(node, "bases", ()),
                 *(k.value for k in getattr(node, "keywords", ()))]
        if not isinstance(node, ast.ClassDef):
            outer += [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]
        for part in outer:
            self.expr(part, self.tainted)
        names = _free_names(node) & self.tainted
        if names:
            self.record("closure", node, names)

    # --- binding -----------------------------------------------------------------------

    def bind(self, target: ast.expr, value: ast.expr, bound: list[str]) -> None:
        """Taint what `target = value` binds: element-wise when the shapes match."""
        if _same_shape(target, value):
            for part, part_value in zip(target.elts, value.elts, strict=True):  # type: ignore[attr-defined]
                self.bind(part, part_value, bound)
            return
        names = self.names(value)
        if names:
            self.bind_all(target, names, bound)

    def bind_from(self, value: ast.expr, target: ast.expr, start: ast.AST,
                  end: ast.AST | None = None) -> None:
        """Every name in `target` is tainted when `value` is (no element-wise matching)."""
        names = self.names(value)
        bound: list[str] = []
        if names:
            self.bind_all(target, names, bound)
        if bound:
            self.record("assign", start, names, end=end, bound=tuple(dict.fromkeys(bound)))

    def bind_all(self, target: ast.expr, names: tuple[str, ...], bound: list[str]) -> None:
        if isinstance(target, ast.Name):
            self.tainted.add(target.id)
            bound.append(target.id)
        elif isinstance(target, ast.Starred):
            self.bind_all(target.value, names, bound)
        elif isinstance(target, ast.Tuple | ast.List):
            for part in target.elts:
                self.bind_all(part, names, bound)
        elif isinstance(target, ast.Attribute):
            self.record("attribute_store", target, names, target=shorten(ast.unparse(target)))
        elif isinstance(target, ast.Subscript):
            self.record("subscript_store", target, names, target=shorten(ast.unparse(target)))
            base = _base_name(target)
            if base is not None:
                self.tainted.add(base)
                bound.append(base)

    # --- expressions -------------------------------------------------------------------

    def expr(self, node: ast.expr, scope: set[str]) -> None:
        if isinstance(node, ast.Lambda):
            self.lambda_(node, scope)
            return
        if isinstance(node, _COMPREHENSIONS):
            self.comprehension(node, scope)
            return
        if isinstance(node, ast.Call):
            self.call(node, scope)
        elif isinstance(node, ast.NamedExpr):
            self.walrus(node, scope)
        elif isinstance(node, ast.Yield | ast.YieldFrom):
            names = self.names(node.value, scope)
            if names:
                self.record("yield", node, names)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child, scope)
            elif isinstance(child, ast.keyword):
                self.expr(child.value, scope)

    def call(self, node: ast.Call, scope: set[str]) -> None:
        slots = tuple(self.slots(node, scope))
        if not slots:
            return
        parts = [node.func, *node.args, *(k.value for k in node.keywords)]
        names = {n for part in parts for n in self.names(part, scope)}
        callee, last = callee_parts(node.func)
        self.record("call", node, names, callee=callee, callee_name=last, slots=slots)

    def slots(self, node: ast.Call, scope: set[str]) -> Iterator[Slot]:
        func = node.func
        if isinstance(func, ast.Attribute) and self.names(func.value, scope):
            yield Slot("receiver")
        elif not isinstance(func, ast.Attribute) and self.names(func, scope):
            yield Slot("callee")
        after_star = False
        for position, arg in enumerate(node.args):
            starred = isinstance(arg, ast.Starred)
            if self.names(arg, scope):
                yield Slot("*args" if starred else "arg", position, after_star=after_star)
            after_star = after_star or starred
        for keyword in node.keywords:
            if self.names(keyword.value, scope):
                yield Slot("kw", keyword=keyword.arg) if keyword.arg else Slot("**kwargs")

    def walrus(self, node: ast.NamedExpr, scope: set[str]) -> None:
        names = self.names(node.value, scope)
        if names:
            self.tainted.add(node.target.id)
            scope.add(node.target.id)
            self.record("assign", node, names, bound=(node.target.id,))

    def lambda_(self, node: ast.Lambda, scope: set[str]) -> None:
        for default in [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]:
            self.expr(default, scope)
        names = _free_names(node) & scope
        if names:
            self.record("closure", node, names)
        params = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        self.expr(node.body, scope - params)

    def comprehension(self, node: ast.expr, scope: set[str]) -> None:
        """Generator variables are local to the comprehension: tainted when their iterable
        is, and shadowing an outer tainted name otherwise."""
        local = set(scope)
        for generator in node.generators:  # type: ignore[attr-defined]
            self.expr(generator.iter, local)
            bound = target_names(generator.target)
            local = local | bound if self.names(generator.iter, local) else local - bound
            for condition in generator.ifs:
                self.expr(condition, local)
        parts = (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,)  # type: ignore[attr-defined]
        for part in parts:
            self.expr(part, local)


_STATEMENTS: dict[type[ast.stmt], Callable[[_Walker, Any], None]] = {
    ast.Assign: _Walker.assign, ast.AnnAssign: _Walker.assign,
    ast.AugAssign: _Walker.augassign,
    ast.For: _Walker.loop, ast.AsyncFor: _Walker.loop,
    ast.With: _Walker.with_, ast.AsyncWith: _Walker.with_,
    ast.Return: _Walker.flow_out,
    ast.If: _Walker.branch, ast.While: _Walker.branch, ast.Assert: _Walker.branch,
    ast.Match: _Walker.match,
    ast.FunctionDef: _Walker.nested, ast.AsyncFunctionDef: _Walker.nested,
    ast.ClassDef: _Walker.nested,
}
