"""What one call reaches, resolved on its own: through names and the class hierarchy, else
through its receiver's inferred type (`cq.analysis.receivers`). `cq.analysis.resolve` turns a
reach into a call site of a spec, with its tier; the rules are described there.

`resolve_call` answers a `Reach`: the evidence, the repository def or the outside name it
resolves to, whether the call supplies `self`, and for the tiers what the reach rests on
(`why`), the inferred receiver's class (`owner`, `exact`) and whether the receiver is known
to have no such member (`absent`).
"""

from __future__ import annotations

import ast
from typing import NamedTuple

from cq.analysis.names import EXTERNAL, LOCAL, FileScope, Names, Target
from cq.analysis.receivers import Receivers
from cq.facts import Call, Def
from cq.parsing import parse_expression

SELF_NAMES = frozenset({"self", "cls"})
# Builtin types whose methods are called through the type (`str.join(sep, xs)`); a bare
# builtin function is left unresolved, since a local variable may shadow it.
BUILTIN_TYPES = frozenset({"str", "bytes", "bytearray", "dict", "list", "set", "frozenset",
                           "tuple", "int", "float", "complex", "object", "bool"})


def binds_self(definition: Def, via: str) -> bool:
    """Does a call supply the first parameter implicitly? `via` is how the def was reached:
    "instance" (self.m, super().m, obj.m), "class" (Class.m, cls.m) or "bare"."""
    if definition.kind == "class":
        return True
    if definition.kind != "method":
        return False
    decorators = {d.split("(")[0].rsplit(".", 1)[-1] for d in definition.decorators}
    if "staticmethod" in decorators:
        return False
    return "classmethod" in decorators or via == "instance"


class Reach(NamedTuple):
    evidence: str
    found: Target | None = None  # the def it resolves to in the repository
    external: str | None = None  # the dotted name it resolves to outside the repository
    bound_self: bool = False
    klass: Target | None = None  # self/cls calls: the class whose subclasses may override
    skip: Target | None = None  # super() calls: the class whose own methods are never reached
    why: str = ""  # what an inferred resolution (or a literal receiver) rests on
    owner: Target | None = None  # inferred: the receiver's class
    exact: bool = True  # inferred: the receiver is an instance of exactly `owner`
    absent: bool = False  # the receiver is known and has no member of the name


UNKNOWN = Reach("name")


def resolve_call(lookup: Names, receivers: Receivers, path: str, call: Call) -> Reach:
    """The call's reach through names and the hierarchy, else through receiver inference."""
    reach = _resolve_named(lookup, path, call)
    if reach is UNKNOWN and call.receiver is not None and call.receiver != "super()":
        return _inferred(lookup, receivers, path, call)
    return reach


def _inferred(lookup: Names, receivers: Receivers, path: str, call: Call) -> Reach:
    value = receivers.receiver_of(path, call)
    if value is None:
        return UNKNOWN
    if value.kind == "instance" and value.klass is None:  # a builtin type's method
        return Reach("inferred", external=f"{value.name}.{call.name}", bound_self=True,
                      why=value.why)
    if value.kind in ("instance", "class") and value.klass is not None:
        found = lookup.member(value.klass, call.name)
        defined_here = found is not None and found.definition.enclosing == \
            value.klass.definition.qualname and found.path == value.klass.path
        if not defined_here and lookup.bases_seen(value.klass) == "opaque":
            return UNKNOWN  # a base not seen may define (or come before) the member
        via = value.kind if value.kind == "class" else "instance"
        bound_self = binds_self(found.definition, via) if found else via == "instance"
        why = (value.why if found is not None
               else f"{value.why}; {value.klass.definition.name} defines no {call.name}")
        return Reach("inferred", found, bound_self=bound_self, why=why, owner=value.klass,
                      exact=value.exact, absent=found is None)
    if value.kind == "module":
        member = lookup.resolve_full(f"{value.name}.{call.name}")
        if isinstance(member, Target):
            return Reach("inferred", member, why=value.why)
        if member is None:
            return Reach("inferred", why=f"{value.why}, which defines no {call.name}",
                          absent=True)
    return UNKNOWN


def _resolve_named(lookup: Names, path: str, call: Call) -> Reach:
    scope = lookup.scope(path)
    receiver = call.receiver
    if receiver is None:
        return _named(lookup, scope, call.name, "", call.enclosing, via="bare")
    if receiver in SELF_NAMES:
        return _through_self(lookup, scope, call, receiver)
    if receiver == "super()":
        klass = scope.class_of(call.enclosing)
        found = lookup.member(klass, call.name, skip_self=True) if klass else None
        if found is None:
            return Reach("name", skip=klass)
        return Reach("self", found, bound_self=binds_self(found.definition, "instance"))
    literal = _literal_type(receiver)
    if literal is not None:  # `", ".join(...)`: a method of str (or bytes)
        return Reach("resolved", external=f"builtins.{literal}.{call.name}", bound_self=True,
                      why=f"a {literal} literal")
    parts = receiver.split(".")
    if parts[0] in SELF_NAMES or not all(p.isidentifier() for p in parts):
        return UNKNOWN  # an attribute chain on an instance, or an expression
    rest = ".".join([*parts[1:], call.name])
    return _named(lookup, scope, parts[0], rest, call.enclosing, via="class")


def _named(lookup: Names, scope: FileScope, head: str, rest: str, enclosing: str | None,
           via: str) -> Reach:
    bound = scope.lookup(head, enclosing)
    if bound == LOCAL:
        return UNKNOWN  # a parameter: its value is not known here
    if bound is None and rest and head in BUILTIN_TYPES:
        return Reach("resolved", external=f"builtins.{head}.{rest}")
    resolved = lookup.resolve_binding(bound, rest)
    if bound is None and not rest:
        resolved = lookup.from_stars(scope, head)
    if resolved == EXTERNAL and isinstance(bound, str):
        return Reach("resolved", external=f"{bound}.{rest}" if rest else bound)
    if isinstance(resolved, Target):
        return Reach("resolved", resolved, bound_self=binds_self(resolved.definition, via))
    if resolved is None and rest and isinstance(bound, str):
        return _absent_from_module(lookup, f"{bound}.{rest}")
    return UNKNOWN


def _absent_from_module(lookup: Names, full: str) -> Reach:
    """`mod.name()` where `mod` is a module in scope that defines no `name` (and no module
    `__getattr__`): a call of something else."""
    module, name = full.rsplit(".", 1)
    path = lookup.module_path(module)
    if path is None or "__getattr__" in lookup.scope(path).defs:
        return UNKNOWN
    return Reach("resolved", why=f"the module {module} defines no {name}", absent=True)


def _literal_type(receiver: str) -> str | None:
    """"str" or "bytes" when the receiver is one string literal, else None."""
    if not any(quote in receiver[:3] for quote in "\"'"):  # at most a 2-letter prefix
        return None
    node = parse_expression(receiver)
    if isinstance(node, ast.JoinedStr):
        return "str"
    if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
        return type(node.value).__name__
    return None


def _through_self(lookup: Names, scope: FileScope, call: Call, receiver: str) -> Reach:
    klass = scope.class_of(call.enclosing)
    if klass is None:
        return UNKNOWN
    found = lookup.member(klass, call.name)
    via = "class" if receiver == "cls" else "instance"
    bound_self = binds_self(found.definition, via) if found else via == "instance"
    return Reach("self", found, bound_self=bound_self, klass=klass)
