"""Receiver inference: what the value before the dot of `recv.name(...)` is, read from the
code around the call (intraprocedural, no fixpoint), so `cq.analysis.resolve` can tell a call
of the target from a call of a same-named method of something else.

`Receivers.receiver_of(path, call)` answers a `Value` or None (not known). It parses the
call's file once through the session (`cq.analysis.sourcefile`) and reads the call's
expression there. What it knows (each answer carries `why`, the words `details.reason` shows):
- literals and displays (`[]`, `{}`, `""`, f-strings, comprehensions) and the results of
  builtins (`sorted(x)`, `str(x)`, `list(x)`) when the builtin's name is not rebound;
- a name bound in the enclosing function, its enclosing functions or the module, when every
  binding gives the same type (`cq.analysis.bindings`): a constructor call `Foo(...)`, a
  call of a repository function or method with a return annotation (`-> Foo`, `-> Self`) or
  a method whose every return is `return self` (chained calls), an annotation (a parameter,
  `x: Foo`), `with Foo() as x` when `Foo.__enter__` returns self;
- `self` / `cls` in a method (the class or a subclass); attributes: a module's members, a
  class's attributes through its bases (`objects = Manager()`, `x: Foo`), an instance's
  attributes set in `__init__` (`self.x = Foo(...)`);
- `if isinstance(x, Foo):` narrows `x` to Foo inside the block.
A value from a constructor is `exact` (that class, no subclass); one from an annotation,
`self` or `isinstance` may be a subclass. Names bound by a def, class or import are what
`Names` says they are. Expressions are followed `MAX_DEPTH` steps deep.
"""

from __future__ import annotations

import ast
import builtins
import re
from typing import TYPE_CHECKING, NamedTuple

from cq.analysis.bindings import (
    Annotated,
    Binding,
    Deferred,
    Entered,
    FileTree,
    narrowed,
)
from cq.analysis.names import EXTERNAL, LOCAL, Names, Target
from cq.analysis.sourcefile import lines_of, text_of
from cq.facts import Call, Def
from cq.parsing import parse_expression, parse_module

if TYPE_CHECKING:
    from cq.index.source import FactSource

MAX_DEPTH = 8
# Builtins whose call returns an instance of a known builtin type.
BUILTIN_RESULTS = {
    "list": "list", "dict": "dict", "set": "set", "frozenset": "frozenset",
    "tuple": "tuple", "str": "str", "bytes": "bytes", "bytearray": "bytearray",
    "int": "int", "float": "float", "bool": "bool", "complex": "complex",
    "sorted": "list", "repr": "str", "ascii": "str", "format": "str", "chr": "str",
    "hex": "str", "oct": "str", "bin": "str", "len": "int", "ord": "int", "hash": "int",
    "id": "int", "vars": "dict", "dir": "list", "globals": "dict", "locals": "dict",
}
_LITERALS: dict[type, str] = {
    ast.List: "list", ast.ListComp: "list", ast.Dict: "dict", ast.DictComp: "dict",
    ast.Set: "set", ast.SetComp: "set", ast.Tuple: "tuple", ast.JoinedStr: "str",
}
_BUILTIN_NAMES = frozenset(dir(builtins))
_HEAD = re.compile(r"[^\W\d]\w*")  # the name a receiver's text starts with
_WRAPPERS = frozenset({"Optional", "Final", "ClassVar", "Annotated", "Type", "type"})


class Value(NamedTuple):
    """What an expression evaluates to, as far as the code around it shows.

    kind: "instance" (of `klass`, or of the builtin type `name` when klass is None),
    "class" (the class object `klass`), "module" (`name`), "function" (the def `klass`,
    bound to `receiver` when it is a method looked up on a value), "builtin" (a builtin
    callable whose call returns a `name`)."""

    kind: str
    name: str
    why: str
    klass: Target | None = None
    exact: bool = True
    receiver: Value | None = None


class _Ctx(NamedTuple):
    path: str
    scope: str  # qualname of the scope the expression is evaluated in ("" the module)
    depth: int


class Receivers:
    """Per-run memo of parsed files; answers what a call's receiver is."""

    def __init__(self, lookup: Names, source: FactSource) -> None:
        self.lookup, self.source = lookup, source
        self._trees: dict[str, FileTree | None] = {}

    def tree(self, path: str) -> FileTree | None:
        if path not in self._trees:
            text = text_of(self.source, path)
            self._trees[path] = None if text is None else FileTree(
                lines_of(text), self.lookup.scope(path).defs, _parsed)
        return self._trees[path]

    def bindings(self, path: str, scope: str, name: str) -> list[Binding]:
        """The name's bindings in one scope. A module or class body is parsed only when the
        facts show it assigns the name (else the facts' defs and imports say it all)."""
        tree = self.tree(path)
        if tree is None:
            return []
        definition = self.lookup.scope(path).defs.get(scope) if scope else None
        if (definition is None or definition.kind == "class") and not any(
                a.target == name and (a.enclosing or "") == scope
                for a in self.lookup.scope(path).facts.assigns):
            return []
        return tree.bindings(scope).get(name, [])

    def receiver_of(self, path: str, call: Call) -> Value | None:
        """The value `call`'s receiver evaluates to, or None when the code does not say."""
        tree = self.tree(path)
        scope = call.enclosing or ""
        if tree is None or not self._may_know(path, tree, scope, call.receiver or ""):
            return None
        node = tree.call_at(scope, call.span.end_line, call.span.end_col)
        if tree is None or node is None or not isinstance(node.func, ast.Attribute):
            return None
        ctx = _Ctx(path, scope, 0)
        target = node.func.value
        unit = tree.scope(scope)
        if isinstance(target, ast.Name) and unit is not None:
            hint = narrowed(unit, node).get(target.id)
            if hint is not None:
                found = self.annotation(hint, ctx, f"isinstance({target.id}, {{}})")
                if found is not None:
                    return found
        return self.evaluate(target, ctx)

    def _may_know(self, path: str, tree: FileTree, scope: str, receiver: str) -> bool:
        """Can the code say more about the receiver than the facts did? Not when it starts
        with a name that nothing in the file binds but a parameter or a loop (the text of
        the outermost enclosing def is searched; module and class bodies through the
        facts' assignments), so most unknown receivers cost no parse."""
        head = _HEAD.match(receiver)
        if head is None or head.group() in ("self", "cls") or receiver[head.end():][:1] == "(":
            return True  # an expression, an attribute of self, or a call (`Foo().m()`)
        name = head.group()
        facts = self.lookup.scope(path)
        if facts.lookup(name, scope or None) not in (None, LOCAL) or any(
                a.target == name for a in facts.facts.assigns):
            return True  # a def, an import or a global the code assigns
        outer = _outermost_def(facts.defs, scope)
        return outer is not None and tree.text_binds(outer, name)

    # --- expressions ---------------------------------------------------------------------

    def evaluate(self, node: ast.expr, ctx: _Ctx) -> Value | None:
        if ctx.depth > MAX_DEPTH:
            return None
        ctx = ctx._replace(depth=ctx.depth + 1)
        literal = _literal(node)
        if literal is not None:
            return Value("instance", f"builtins.{literal}", f"a {literal} literal")
        if isinstance(node, ast.Name):
            return self.name(node.id, ctx)
        if isinstance(node, ast.Attribute):
            base = self.evaluate(node.value, ctx)
            return self.attribute(base, node.attr, ctx) if base is not None else None
        if isinstance(node, ast.Call):
            called = self.evaluate(node.func, ctx)
            return self.result_of(called, ctx) if called is not None else None
        return None

    def name(self, name: str, ctx: _Ctx) -> Value | None:
        first = self._first_parameter(ctx, name)
        if first is not None:
            return first
        for scope in self.lookup.scope(ctx.path).chain(ctx.scope or None):
            found = self.bindings(ctx.path, scope, name)
            if found:
                return self._bound(name, found, ctx._replace(scope=scope))
        return self._looked_up(name, ctx)

    def _first_parameter(self, ctx: _Ctx, name: str) -> Value | None:
        """`self`/`cls` (the first parameter of a method): the class or a subclass."""
        facts = self.lookup.scope(ctx.path)
        method = facts.defs.get(ctx.scope)
        if method is None or method.kind != "method" or not method.params:
            return None
        if method.params[0].name != name or "staticmethod" in _decorators(method.decorators):
            return None
        klass = facts.class_of(ctx.scope)
        if klass is None:
            return None
        kind = "class" if "classmethod" in _decorators(method.decorators) else "instance"
        return Value(kind, klass.label, f"`{name}` in a method of {klass.definition.name}",
                     klass, exact=False)

    def _bound(self, name: str, bindings: list[Binding], ctx: _Ctx) -> Value | None:
        """One value when every binding of the name gives the same type, else None."""
        values = [self._binding(name, b, ctx) for b in bindings]
        first = values[0]
        if first is None or any(v is None or (v.kind, v.name) != (first.kind, first.name)
                                for v in values):
            return None
        return first._replace(exact=all(v.exact for v in values if v is not None))

    def _binding(self, name: str, binding: Binding, ctx: _Ctx) -> Value | None:
        if isinstance(binding, Deferred):
            return self._looked_up(name, ctx)
        if isinstance(binding, Annotated):
            return self.annotation(binding.annotation, ctx, f"`{name}: {{}}`")
        if isinstance(binding, Entered):
            return self._entered(name, binding.context, ctx)
        if binding is None:
            return None
        found = self.evaluate(binding, ctx)
        return found._replace(why=f"`{name}` = {found.why}") if found is not None else None

    def _entered(self, name: str, context: ast.expr, ctx: _Ctx) -> Value | None:
        value = self.evaluate(context, ctx)
        if value is None or value.kind != "instance" or value.klass is None:
            return None
        enter = self.lookup.member(value.klass, "__enter__")
        entered = self.returned(enter, value, ctx.depth) if enter is not None else None
        if entered is None or (entered.kind, entered.name) != (value.kind, value.name):
            return None
        return value._replace(why=f"`with … as {name}`: {value.why}")

    def _looked_up(self, name: str, ctx: _Ctx) -> Value | None:
        """A name the file's facts bind (a def, class or import), else a builtin."""
        bound = self.lookup.scope(ctx.path).lookup(name, ctx.scope or None)
        if bound is None:
            if name in BUILTIN_RESULTS:
                return Value("builtin", f"builtins.{BUILTIN_RESULTS[name]}",
                             f"the builtin {name}()")
            return None
        if bound == LOCAL:
            return None
        return self._denoted(self.lookup.resolve_binding(bound, ""), bound, name)

    def _denoted(self, found: Target | str | None, bound: Target | str, name: str
                 ) -> Value | None:
        if isinstance(found, Target):
            kind = "class" if found.definition.kind == "class" else "function"
            return Value(kind, found.label, f"`{name}` is {found.label}", found)
        if isinstance(bound, str) and self.lookup.module_path(bound) is not None:
            return Value("module", bound, f"`{name}` is the module {bound}")
        return None

    def attribute(self, base: Value, attr: str, ctx: _Ctx) -> Value | None:
        if base.kind == "module":
            return self._module_attribute(base.name, attr, ctx)
        if base.klass is None or base.kind not in ("instance", "class"):
            return None
        member = self.lookup.member(base.klass, attr)
        if member is not None:
            return Value("function", member.label, member.label, member, receiver=base)
        return self._class_attribute(base, attr, ctx)

    def _module_attribute(self, module: str, attr: str, ctx: _Ctx) -> Value | None:
        """A module's def, class or submodule, else a global it assigns."""
        full = f"{module}.{attr}"
        found = self.lookup.resolve_full(full)
        if isinstance(found, Target) or self.lookup.module_path(full) is not None:
            return self._denoted(found if found != EXTERNAL else None, full, full)
        path = self.lookup.module_path(module)
        bindings = self.bindings(path, "", attr) if path is not None else []
        if not bindings or path is None:
            return None
        return self._bound(attr, bindings, _Ctx(path, "", ctx.depth))

    def _class_attribute(self, base: Value, attr: str, ctx: _Ctx) -> Value | None:
        """An attribute set in a class body or (for an instance) in `__init__`."""
        assert base.klass is not None
        if self.lookup.bases_seen(base.klass) != "all" or self._metaclass(base.klass):
            return None  # a metaclass or a base not seen may transform the class body
        for owner in self.lookup.mro(base.klass):
            tree = self.tree(owner.path)
            if tree is None:
                return None
            qualname = owner.definition.qualname
            found = self.bindings(owner.path, qualname, attr)
            if not found and base.kind == "instance":
                found = tree.instance_attributes(qualname).get(attr, [])
                qualname = f"{qualname}.__init__"
            if found:
                value = self._bound(attr, found, _Ctx(owner.path, qualname, ctx.depth))
                if value is None or self._descriptor(value):
                    return None
                return value._replace(why=f"{owner.definition.name}.{attr}: {value.why}")
        return None

    def _metaclass(self, klass: Target) -> bool:
        """Does the class or a base name a metaclass (`class M(Base, metaclass=Meta)`)?"""
        for owner in self.lookup.mro(klass):
            tree = self.tree(owner.path)
            if tree is None or tree.names_metaclass(owner.definition.qualname):
                return True
        return False

    def _descriptor(self, value: Value) -> bool:
        """Is the value an instance of a class whose `__get__` replaces it on access?"""
        return value.kind == "instance" and value.klass is not None and (
            self.lookup.member(value.klass, "__get__") is not None
            or self.lookup.bases_seen(value.klass) == "opaque")

    def result_of(self, called: Value, ctx: _Ctx) -> Value | None:
        """What calling the value returns."""
        if called.kind == "builtin":
            return Value("instance", called.name, called.why)
        if called.kind == "class" and called.klass is not None:
            return Value("instance", called.klass.label,
                         f"{called.klass.definition.name}(…)", called.klass)
        if called.kind == "function" and called.klass is not None:
            return self.returned(called.klass, called.receiver, ctx.depth)
        return None

    def returned(self, function: Target, receiver: Value | None, depth: int = 0
                 ) -> Value | None:
        """What a call of the def returns: its return annotation (`Self`: the receiver),
        else the receiver when every return is `return self`."""
        definition = function.definition
        ctx = _Ctx(function.path, definition.enclosing or "", depth + 1)
        if definition.returns:
            annotation = parse_expression(definition.returns)
            if isinstance(annotation, ast.expr):
                if _is_self(annotation) and receiver is not None:
                    return receiver._replace(why=f"{receiver.why}.{definition.name}() -> Self")
                found = self.annotation(annotation, ctx, f"{definition.name}() -> {{}}")
                if found is not None:
                    return found
        tree = self.tree(function.path) if receiver is not None else None
        if receiver is not None and tree is not None and tree.returns_self(definition.qualname):
            return receiver._replace(why=f"{receiver.why}.{definition.name}() returns self")
        return None

    def annotation(self, node: ast.expr, ctx: _Ctx, why: str) -> Value | None:
        """An instance of the annotated type (or a subclass of it); `why` has a `{}` for the
        type's name."""
        named = _unwrapped(node)
        if named is None:
            return None
        node = named
        if isinstance(node, ast.Name) and node.id in BUILTIN_RESULTS and node.id not in (
                "sorted", "len") and self.lookup.scope(ctx.path).lookup(
                    node.id, ctx.scope or None) is None:
            return Value("instance", f"builtins.{node.id}", why.format(node.id), exact=False)
        if _is_self(node):
            klass = self._class_at(ctx)
            return (Value("instance", klass.label, why.format("Self"), klass, exact=False)
                    if klass is not None else None)
        found = self.evaluate(node, ctx)
        if found is None or found.kind != "class" or found.klass is None:
            return None
        return Value("instance", found.klass.label, why.format(found.klass.definition.name),
                     found.klass, exact=False)


    def _class_at(self, ctx: _Ctx) -> Target | None:
        """The class whose body (or method) the scope is."""
        scope = self.lookup.scope(ctx.path)
        definition = scope.defs.get(ctx.scope)
        if definition is not None and definition.kind == "class":
            return scope.target(definition)
        return scope.class_of(ctx.scope or None)


def _outermost_def(defs: dict[str, Def], scope: str) -> str | None:
    """The outermost function or method around the scope (its text holds every binding the
    scope's closures see), None at module level or directly in a class body."""
    parts = scope.split(".") if scope else []
    for size in range(1, len(parts) + 1):
        definition = defs.get(".".join(parts[:size]))
        if definition is not None and definition.kind != "class":
            return definition.qualname
    return None


def _parsed(text: str) -> ast.Module | None:
    """A def's or module's tree; None when it does not parse (its calls stay possible)."""
    tree = parse_module(text)
    return tree if isinstance(tree, ast.Module) else None


def _literal(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and node.value is not None \
            and node.value is not Ellipsis:
        return type(node.value).__name__
    return _LITERALS.get(type(node))


def _decorators(decorators: tuple[str, ...]) -> set[str]:
    return {d.split("(")[0].rsplit(".", 1)[-1] for d in decorators}


def _is_self(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "Self") or (
        isinstance(node, ast.Attribute) and node.attr == "Self")


def _unwrapped(node: ast.expr) -> ast.expr | None:
    """The class an annotation names: strings parsed, `X | None`, `Optional[X]`, `list[int]`
    → `list`; None for a union of several types."""
    for _ in range(MAX_DEPTH):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            parsed = parse_expression(node.value)
            if not isinstance(parsed, ast.expr):
                return None
            node = parsed
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            sides = [s for s in (node.left, node.right)
                     if not (isinstance(s, ast.Constant) and s.value is None)]
            if len(sides) != 1:
                return None
            node = sides[0]
        elif isinstance(node, ast.Subscript):
            head = node.value
            name = head.attr if isinstance(head, ast.Attribute) else getattr(head, "id", "")
            if name not in _WRAPPERS:
                return head
            inner = node.slice
            node = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
            if name in ("Type", "type"):
                return None  # a class object, not an instance
        else:
            return node
    return None
