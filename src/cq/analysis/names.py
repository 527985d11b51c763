"""What a name means in the repository: one file's scopes and imports, dotted names looked up
across the modules in scope, and class hierarchies.

`Names` is the per-run memo behind `cq.analysis.resolve`: it loads a file's facts only when a
lookup reaches it (`FactSource.facts_of`), so resolving a call costs the files its imports
and base classes point at, never a whole-repository scan.

- A file's names (`FileScope.lookup`): innermost scope first, each scope's defs and its
  imports (`import a.b` binds `a`; `import a.b as m` binds `m` to `a.b`; `from m import f as
  g` binds `g` to `m.f`, relative imports through their resolved module) and, at module
  level, aliases (`join = os.path.join`: bound like an import when the right side starts
  with a def or import of the module); a parameter of an enclosing def shadows them (LOCAL);
  class bodies are not visible from the functions inside them, as in Python.
- A dotted name (`Names.resolve_full`): the longest prefix that is a module in scope, then
  the rest as a qualname in it, a class's member through its bases, or a name the module
  itself imports (a package re-export), followed a few hops. No module prefix in scope:
  the name lives outside the repository (`EXTERNAL`).
- A class's bases (`Names.mro`): depth-first, left to right, each class once (C3 differs
  only for diamonds); a base is resolved in the class's own scope, else through the file's
  star imports, else by name among the repository's classes (`facts_defining`).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING

import msgspec

from cq.facts import Call, Def, FileFacts, ImportName
from cq.modules import full_name, module_name

if TYPE_CHECKING:
    from cq.index.source import FactSource

EXTERNAL = "external"  # resolve_full's answer for a name whose module is outside the scope
LOCAL = "<local>"  # FileScope.lookup's answer for a parameter: a value, not a definition
_BUILTINS = frozenset(dir(builtins))
_MAX_HOPS = 8  # re-exports followed through package modules before giving up
_SELF_NAMES = frozenset({"self", "cls"})
_HOOKS = ("__getattr__", "__getattribute__")  # members made up at run time


def may_call(call: Call, target: Def) -> bool:
    """Can `call` reach `target` by name alone? A method is only called through a receiver
    (`obj.m()`, `self.m()`); a module-level or nested function never through `self`/`cls`."""
    if call.name != target.name:
        return False
    if target.kind == "method":
        return call.receiver is not None
    return call.receiver not in _SELF_NAMES


class Target(msgspec.Struct, frozen=True):
    """One definition in the repository (a def FUNC names, or one a lookup reached)."""

    path: str
    module: str
    definition: Def

    @property
    def label(self) -> str:
        return full_name(self.module, self.definition.qualname)

    @property
    def key(self) -> tuple[str, str]:
        return (self.path, self.definition.qualname)


class FileScope:
    """What names mean in one file: its defs and its import bindings per scope."""

    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.defs = {d.qualname: d for d in facts.defs}
        self.imports: dict[str, dict[str, str]] = {}  # scope qualname ("" module) -> bindings
        self.stars: list[str] = []
        for imp in facts.imports:
            if imp.is_from and imp.resolved is None:
                continue  # a relative import climbing above the root
            self._bind(imp.enclosing or "", imp.resolved if imp.is_from else None, imp.names)
        self._bind_aliases()

    def _bind(self, scope: str, source: str | None, names: Sequence[ImportName]) -> None:
        # The first binding of a name wins: of `try: import json as j / except: import
        # simplejson as j` or a platform switch (`os.path`), the first is the usual one.
        table = self.imports.setdefault(scope, {})
        for item in names:
            if source is not None and item.name == "*":
                self.stars.append(source)
            elif source is not None:
                table.setdefault(item.alias or item.name, f"{source}.{item.name}")
            elif item.alias:
                table.setdefault(item.alias, item.name)
            else:
                head = item.name.split(".")[0]
                table.setdefault(head, head)

    def _bind_aliases(self) -> None:
        """Module-level `name = other.dotted` where `other` is a module-level def or import
        binds `name` like an import (`join = os.path.join`, `copy = copy2`)."""
        table = self.imports.setdefault("", {})
        for assign in self.facts.assigns:
            head, _, rest = assign.value.partition(".")
            if (assign.scope != "module" or assign.augmented or assign.target in self.defs
                    or not assign.target.isidentifier()
                    or not all(p.isidentifier() for p in assign.value.split("."))):
                continue
            definition = self.defs.get(head)
            full = (full_name(self.facts.module, head) if definition is not None
                    else table.get(head) if head != assign.target else None)
            if full is not None:
                table.setdefault(assign.target, f"{full}.{rest}" if rest else full)

    def target(self, definition: Def) -> Target:
        return Target(self.facts.path, self.facts.module, definition)

    def aliases(self, names: set[str]) -> frozenset[str]:
        """Other names this file imports `names` under (`from m import name as alias`)."""
        return frozenset(alias for table in self.imports.values()
                         for alias, full in table.items()
                         if alias not in names and full.rsplit(".", 1)[-1] in names)

    def lookup(self, name: str, enclosing: str | None) -> Target | str | None:
        """A local def (Target), an imported dotted name (str), LOCAL for a parameter of an
        enclosing def (its value is unknown), or None."""
        for scope in self.chain(enclosing):
            definition = self.defs.get(f"{scope}.{name}" if scope else name)
            if definition is not None:
                return self.target(definition)
            bound = self.imports.get(scope, {}).get(name)
            if bound is not None:
                return bound
            owner = self.defs.get(scope) if scope else None
            if (owner is not None and owner.kind != "class"
                    and any(p.name == name for p in owner.params)):
                return LOCAL
        return None

    def chain(self, enclosing: str | None) -> list[str]:
        """The scopes a name is looked up in from `enclosing`, innermost first ("" the module);
        an enclosing class body is skipped, as in Python."""
        parts = enclosing.split(".") if enclosing else []
        chain = []
        for size in range(len(parts), 0, -1):
            qualname = ".".join(parts[:size])
            outer = self.defs.get(qualname)
            if size < len(parts) and outer is not None and outer.kind == "class":
                continue  # a class body's names are not visible inside its methods
            chain.append(qualname)
        return [*chain, ""]

    def class_of(self, enclosing: str | None) -> Target | None:
        """The class whose method (or a function nested in one) encloses a call."""
        qualname = enclosing
        while qualname:
            definition = self.defs.get(qualname)
            if definition is None or definition.kind == "class":
                return None
            if definition.kind == "method" and definition.enclosing in self.defs:
                return self.target(self.defs[definition.enclosing])
            qualname = definition.enclosing
        return None


class Names:
    """Per-run memo of file scopes, module paths and class hierarchies."""

    def __init__(self, source: FactSource) -> None:
        self.source = source
        self._scopes: dict[str, FileScope] = {}
        self._modules: dict[str, str] | None = None
        self._mro: dict[str, list[Target]] = {}
        self._defined: dict[str, list[Target]] = {}
        self._seen: dict[str, str] = {}

    def scope(self, path: str) -> FileScope:
        if path not in self._scopes:
            self._scopes[path] = FileScope(self.source.facts_of(path))
        return self._scopes[path]

    def defined(self, name: str) -> list[Target]:
        """Every def or class named `name` in the scope (files that define it are loaded)."""
        if name not in self._defined:
            self._defined[name] = [Target(f.path, f.module, d)
                                   for f in self.source.facts_defining([name], name)
                                   for d in f.defs if d.name == name]
        return self._defined[name]

    def module_path(self, module: str) -> str | None:
        if self._modules is None:
            self._modules = {}
            for ref in self.source.files:
                self._modules.setdefault(module_name(ref.path), ref.path)
        return self._modules.get(module)

    def resolve_full(self, full: str, hops: int = 0) -> Target | str | None:
        """The repository def a dotted name denotes; EXTERNAL when no prefix of it is a
        module in scope; None when the module is here but the name is not found in it."""
        parts = full.split(".")
        for size in range(len(parts), 0, -1):
            path = self.module_path(".".join(parts[:size]))
            if path is not None:
                return self._in_module(path, parts[size:], hops)
        return EXTERNAL

    def _in_module(self, path: str, rest: list[str], hops: int) -> Target | str | None:
        if not rest:
            return None  # the module object itself
        scope = self.scope(path)
        definition = scope.defs.get(".".join(rest))
        if definition is not None:
            return scope.target(definition)
        head = scope.defs.get(rest[0])
        if head is not None and head.kind == "class" and len(rest) == 2:
            return self.member(scope.target(head), rest[1])
        if hops >= _MAX_HOPS:
            return None
        bound = scope.imports.get("", {}).get(rest[0])
        if bound is not None:
            return self.resolve_full(".".join([bound, *rest[1:]]), hops + 1)
        # a package's `from .sub import *` re-exports (django.forms.ModelForm)
        return self.from_stars(scope, ".".join(rest), hops + 1)

    def resolve_binding(self, bound: Target | str | None, rest: str) -> Target | str | None:
        """A looked-up name (`FileScope.lookup`) plus the dotted text after it (may be "")."""
        if isinstance(bound, Target):
            return bound if not rest else self.resolve_full(f"{bound.label}.{rest}")
        if bound is None or bound == LOCAL:
            return None
        return self.resolve_full(f"{bound}.{rest}" if rest else bound)

    def from_stars(self, scope: FileScope, name: str, hops: int = 0) -> Target | None:
        """`name` (dotted or not) through the file's `from m import *` modules."""
        for star in scope.stars:
            found = self.resolve_full(f"{star}.{name}", hops)
            if isinstance(found, Target):
                return found
        return None

    # classes ----------------------------------------------------------------------------

    def member(self, klass: Target, name: str, skip_self: bool = False) -> Target | None:
        """`name` looked up through a class and its bases (`skip_self`: bases only)."""
        for owner in self.mro(klass)[1 if skip_self else 0:]:
            scope = self.scope(owner.path)
            definition = scope.defs.get(f"{owner.definition.qualname}.{name}")
            if definition is not None:
                return scope.target(definition)
        return None

    def mro(self, klass: Target) -> list[Target]:
        """The class, then its repository bases (depth-first, left to right, each once)."""
        if klass.label not in self._mro:
            order: list[Target] = []
            self._linearise(klass, set(), order)
            self._mro[klass.label] = order
        return self._mro[klass.label]

    def _linearise(self, klass: Target, seen: set[str], order: list[Target]) -> None:
        if klass.label in seen:
            return
        seen.add(klass.label)
        order.append(klass)
        for base in self.bases(klass):
            self._linearise(base, seen, order)

    def bases(self, klass: Target) -> list[Target]:
        """The class's direct bases that are classes of the repository, in order."""
        found = (self._base(klass, text.split("[")[0].strip())
                 for text in klass.definition.bases)
        return [base for base in found if base is not None]

    def _base(self, klass: Target, text: str) -> Target | None:
        parts = text.split(".")
        if "=" in text or not all(p.isidentifier() for p in parts):
            return None  # metaclass=..., a call or another expression
        scope = self.scope(klass.path)
        bound = scope.lookup(parts[0], klass.definition.enclosing)
        resolved = (self.resolve_binding(bound, ".".join(parts[1:])) if bound is not None
                    else self._base_by_name(scope, text))
        if isinstance(resolved, Target) and resolved.definition.kind == "class":
            return resolved
        return None

    def _base_by_name(self, scope: FileScope, text: str) -> Target | None:
        found = self.from_stars(scope, text)
        if found is not None or "." in text or text in _BUILTINS:
            return found
        for facts in self.source.facts_defining([text], text):
            for d in facts.defs:
                if d.kind == "class" and d.qualname == text:
                    return Target(facts.path, facts.module, d)
        return None

    def bases_seen(self, klass: Target) -> str:
        """How far the class's bases can be followed: "all" (every base, and theirs, is a
        class of the repository or `object`, and no metaclass is named), "external" (some
        base lives outside the repository or a metaclass is named: what the class body
        assigns may be transformed) or "opaque" (some base is an expression or a name bound
        nowhere, or a class defines `__getattr__`: a member may come from a class not seen)."""
        if klass.label not in self._seen:
            self._seen[klass.label] = self._bases_seen(klass)
        return self._seen[klass.label]

    def _bases_seen(self, klass: Target) -> str:
        seen = "all"
        for owner in self.mro(klass):
            scope = self.scope(owner.path)
            if any(f"{owner.definition.qualname}.{hook}" in scope.defs for hook in _HOOKS):
                return "opaque"
            for text in owner.definition.bases:
                kind = self._base_kind(owner, text)
                if kind == "opaque":
                    return kind
                if kind == "external":
                    seen = kind
        return seen

    def _base_kind(self, owner: Target, text: str) -> str:
        if "=" in text:
            return "external"  # metaclass=…: the class body may be transformed
        head = text.split("[")[0].strip()
        parts = head.split(".")
        if not all(p.isidentifier() for p in parts):
            return "opaque"  # a call or another expression
        if head == "object" or self._base(owner, head) is not None:
            return "all"
        bound = self.scope(owner.path).lookup(parts[0], owner.definition.enclosing)
        if bound is None:
            return "external" if head in _BUILTINS else "opaque"
        resolved = self.resolve_binding(bound, ".".join(parts[1:]))
        return "external" if resolved == EXTERNAL else "opaque"

    def subclasses_of(self, klass: Target, candidates: Sequence[Target]) -> list[Target]:
        """The candidate methods whose class derives from `klass` (not `klass` itself)."""
        found, label = [], klass.label
        for method in candidates:
            owner = self.scope(method.path).defs.get(method.definition.enclosing or "")
            if method.definition.kind != "method" or owner is None or owner.kind != "class":
                continue
            mro = self.mro(Target(method.path, method.module, owner))
            if any(c.label == label for c in mro[1:]):
                found.append(method)
        return found
