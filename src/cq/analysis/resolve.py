"""Definition lookup and call resolution over a FactSource, lazily.

`find_targets(source, spec)` finds the definitions a FUNC text names; `find_sites` finds the
call sites that may reach them; `params_of` gives the parameters a call of a target binds.
Only files that can matter are loaded: those containing the simple name (the literal
prefilter), then, one at a time, the modules an import or a base class points at.

How a call `recv.name(...)` is resolved, innermost scope first (class bodies are not visible
from the functions inside them, as in Python):
- a bare `name(...)`: a def of that name in an enclosing scope or the module, else an import
  (`from m import f as name`, followed through the import facts to `m`), else a star import;
  a parameter of an enclosing def shadows all of these (its value is unknown);
- `alias.name(...)`, `pkg.mod.name(...)`, `Class.name(...)`: the receiver's first segment is
  bound by an import (`import a.b as alias`) or a local def, and the dotted name is looked up
  in the repository's modules (longest module prefix first; names a package `__init__`
  re-exports are followed); a class's methods are looked up through its bases;
- `self.name(...)` / `cls.name(...)` in a method of class C: C's bases in depth-first,
  left-to-right order, each class once (C3 differs only for diamonds), plus overrides of the
  targets in subclasses of C (dynamic dispatch); `super().name(...)`: C's bases only (when
  they cannot be followed, the call matches by name, never a method of C itself);
- `"sep".join(...)` (one string literal) and `str.join(...)` (a builtin type bound nowhere in
  the file) resolve outside the repository, to `builtins.str.join`;
- bases: see `cq.analysis.names` (which owns scopes, dotted names and hierarchies).
- any other receiver (a local, an attribute chain, a call): its type inferred from the code
  around the call (`cq.analysis.receivers`), then the member looked up through that class's
  bases; a module in scope that defines no such name proves the call is of something else.
Evidence: "resolved" (a definite definition, in the repository or outside it), "self"
(through the class hierarchy), "inferred" (through the receiver's inferred type), "name"
(the receiver cannot be resolved: a parameter, a loop variable, an attribute chain, an
expression; the site then names every target `may_call` allows).

Tiers (`Site.tier`, with `Site.reason` saying what it rests on): "resolved" (the call reaches
a target; a bare spec without targets: a call resolved outside the repository), "possible"
(the receiver is not known, or an inferred receiver may be a subclass that overrides the
target) and "excluded" (the receiver is provably something else: a literal or builtin
result, an instance of a class whose member is another def, a class or module without the
member, or a subclass whose override is called — `Site.override`).

Which sites `find_sites` keeps: a spec without dots ("join") keeps EVERY call whose callee's
last segment is the name — resolution only sets the tier, evidence, targets and bound_self. A dotted
spec ("Account.deposit", "money.to_cents") keeps the sites that may reach a target: resolved
to a target (including bare calls of an import alias, `from m import to_cents as tc; tc()`),
self/cls/super calls reaching a target through the hierarchy or a subclass override, and
name-only matches through an unresolved receiver (which includes receivers whose text ends
with the class name, `models.Account.deposit()` with `models` unknown), and calls resolved
outside the repository to a name the spec spells (`cq calls os.path.join` on a project
without `os`; such sites have no targets), and the excluded sites inference or a literal
receiver proves. It drops calls resolved through imports or defs to anything else, bare
calls whose name is bound nowhere in the file (builtins, parameters), and name-only calls
`may_call` rules out for every target (`self.f()` of a module function) when the spec has
targets.

`resolve_one` resolves a single call the same way without looking at the other calls of its
name (the interprocedural walk of `cq impact` uses it); its name-only candidates are every
def of the name in scope, capped by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

import msgspec

from cq.analysis.names import LOCAL, Names, Target, may_call
from cq.analysis.reach import BUILTIN_TYPES, SELF_NAMES, Reach, binds_self, resolve_call
from cq.analysis.receivers import Receivers
from cq.facts import Call, Def, FileFacts, Param
from cq.funcspec import check_spec
from cq.gcpause import gc_paused
from cq.modules import full_name

if TYPE_CHECKING:
    from cq.index.source import FactSource

__all__ = ["Resolved", "Site", "Target", "check_spec", "find_sites", "find_targets",
           "params_of", "resolve_one", "site_names", "tiers_for"]

class Site(msgspec.Struct, frozen=True):
    """One call site that may reach a target."""

    path: str
    module: str
    call: Call
    targets: tuple[str, ...]  # labels of the targets it reaches
    evidence: str  # "resolved" | "self" | "name"
    bound_self: bool  # the call supplies the first parameter implicitly
    caller: str  # full name of the innermost enclosing def or class, or "<module>"
    external: str | None = None  # the dotted name outside the repository it resolves to
    tier: str = "possible"  # "resolved" | "possible" | "excluded" (module docstring)
    reason: str | None = None  # what an inferred or excluded site rests on
    override: str | None = None  # excluded: the subclass override the call reaches instead


class Resolved(NamedTuple):
    """One call resolved on its own (`resolve_one`)."""

    site: Site
    targets: tuple[Target, ...]
    unfollowed: int  # name-only candidates left out because there were more than the limit


def find_targets(source: FactSource, spec: str) -> list[Target]:
    """Every def the spec names (its full name equals the spec or ends with `.spec`); for
    `Class.method` not defined in Class itself, the method Class inherits; for `pkg.name`
    that pkg re-exports, the def it imports."""
    spec = check_spec(spec)
    parts = spec.split(".")
    name = parts[-1]
    found = [Target(f.path, f.module, d) for f in source.facts_defining([name], name)
             for d in f.defs if d.name == name and _names(spec, f.module, d)]
    if not found and len(parts) > 1 and parts[-2] not in BUILTIN_TYPES:
        found = _inherited(source, parts)
    if not found and len(parts) > 1:
        reexported = Names(source).resolve_full(spec)
        found = [reexported] if isinstance(reexported, Target) else []
    return sorted(found, key=lambda t: (t.path, t.definition.span.line))


def find_sites(source: FactSource, spec: str, targets: Sequence[Target]) -> list[Site]:
    """Call sites of the spec's last segment (for a dotted spec also of the targets' names
    and their import aliases) that may reach a target (module docstring)."""
    spec = check_spec(spec)
    qualified = "." in spec
    names = set(site_names(spec, targets))
    matcher = _Matcher(Names(source), targets, spec)
    sites = []
    # Receiver inference keeps thousands of parsed defs alive (acyclic `ast` nodes, like the
    # facts): collections that walk them all again and again cost a quarter of this loop.
    with gc_paused():
        for facts in source.facts_naming(sorted(names)):
            aliases = matcher.lookup.scope(facts.path).aliases(names) if qualified \
                else frozenset()
            for call in facts.calls:
                if call.name in names or (call.receiver is None and call.name in aliases):
                    site = matcher.site(facts, call)
                    if site is not None:
                        sites.append(site)
    return sorted(sites, key=lambda s: (s.path, s.call.span.line, s.call.span.col))


def tiers_for(source: FactSource, targets: Sequence[Target]) -> Callable[[FileFacts, Call], Site]:
    """A function giving any call's site relative to a fixed set of targets (the expanders'
    subjects), with its tier: as `find_sites` with a bare name, never dropped."""
    matcher = _Matcher(Names(source), targets, "")

    def site(facts: FileFacts, call: Call) -> Site:
        found = matcher.site(facts, call)
        assert found is not None  # a spec without dots keeps every call
        return found
    return site


def site_names(spec: str, targets: Sequence[Target]) -> list[str]:
    """The call names `find_sites` looks for, which are also its file prefilter (as whole
    words): the spec's last segment, and for a dotted spec the targets' own names
    (`pkg.cents` re-exporting `to_cents`)."""
    names = {spec.rsplit(".", 1)[-1]}
    if "." in spec:
        names.update(t.definition.name for t in targets)
    return sorted(names)


def params_of(target: Target, source: FactSource) -> tuple[Param, ...]:
    """The parameters a call of the target binds against: a class binds its `__init__`
    (found through its bases in the repository), () when it has none there."""
    if target.definition.kind != "class":
        return target.definition.params
    init = Names(source).member(target, "__init__")
    return init.definition.params if init is not None else ()


def _names(spec: str, module: str, definition: Def) -> bool:
    return _spells(spec, full_name(module, definition.qualname))


def _spells(spec: str, label: str) -> bool:
    return label == spec or label.endswith("." + spec)


def _inherited(source: FactSource, parts: list[str]) -> list[Target]:
    owner, name, class_name = ".".join(parts[:-1]), parts[-1], parts[-2]
    lookup = Names(source)
    found: dict[str, Target] = {}
    for facts in source.facts_defining([class_name], class_name):
        for d in facts.defs:
            if d.kind == "class" and d.name == class_name and _names(owner, facts.module, d):
                method = lookup.member(Target(facts.path, facts.module, d), name)
                if method is not None:
                    found.setdefault(method.label, method)
    return list(found.values())


class _Matcher:
    """Which calls `find_sites` keeps for one spec, with the per-name lists memoised (a
    common name has thousands of sites and hundreds of targets)."""

    def __init__(self, lookup: Names, targets: Sequence[Target], spec: str) -> None:
        self.lookup, self.targets, self.spec = lookup, targets, spec
        self.receivers = Receivers(lookup, lookup.source)
        self.qualified = "." in spec
        self.labels = frozenset(t.label for t in targets)
        self._named: dict[str, list[Target]] = {}
        self._by_name: dict[tuple[str, str, str], tuple[list[str], bool]] = {}

    def named(self, name: str) -> list[Target]:
        if name not in self._named:
            self._named[name] = [t for t in self.targets if t.definition.name == name]
        return self._named[name]

    def by_name(self, call: Call, skip: Target | None) -> tuple[list[str], bool]:
        """`_by_name`'s labels and bound_self, which depend only on the call's name, what
        its receiver is (none, self/cls, other) and the class a super() call skips."""
        receiver = ("" if call.receiver is None
                    else "self" if call.receiver in SELF_NAMES else "other")
        key = (call.name, receiver, skip.label if skip else "")
        if key not in self._by_name:
            candidates, bound_self = _by_name(call, self.targets, skip)
            self._by_name[key] = ([t.label for t in candidates], bound_self)
        return self._by_name[key]

    def site(self, facts: FileFacts, call: Call) -> Site | None:
        reach = resolve_call(self.lookup, self.receivers, facts.path, call)
        found = reach.found
        reached = [found.label] if found and found.label in self.labels else []
        if reach.klass is not None:
            reached += [t.label for t in self.lookup.subclasses_of(reach.klass,
                                                                   self.named(call.name))
                        if t.label not in reached]
        verdict = _Verdict(reach, facts, call)
        if reached:
            return verdict.site(reached, "resolved", reason=reach.why or None)
        maybe = self.overridden_below(reach, call)
        if maybe:
            why = f"{reach.why}, or a subclass of it that overrides {call.name}"
            return verdict.site(maybe, "possible", reason=why)
        if found is None and reach.external is None and not reach.absent:
            return self.by_name_site(verdict)
        return self.other_site(verdict)

    def overridden_below(self, reach: Reach, call: Call) -> list[str]:
        """Targets an inferred receiver may reach when it may be a subclass of its class."""
        if reach.owner is None or reach.exact:
            return []
        return [t.label for t in self.lookup.subclasses_of(reach.owner, self.named(call.name))]

    def by_name_site(self, verdict: _Verdict) -> Site | None:
        """A site whose receiver is not known: every target `may_call` allows."""
        call, reach = verdict.call, verdict.reach
        if self.qualified and call.receiver is None:
            return None  # a bare name bound nowhere in the file
        labels, bound_self = self.by_name(call, reach.skip)
        if self.qualified and self.targets and not labels:
            return None  # no target this call may reach (a function called as `self.f()`)
        return verdict.site(list(labels), "possible", evidence="name", bound_self=bound_self)

    def other_site(self, verdict: _Verdict) -> Site | None:
        """A site proven to reach something other than a target: excluded, or (a dotted spec
        and a name bound by an import or def) not a site of the spec at all."""
        reach = verdict.reach
        external = reach.external
        if external is not None and _spells(self.spec, external) and (
                not self.targets or (self.qualified and not reach.why)):
            return verdict.site([], "resolved", reason=reach.why or None)
        if self.qualified and reach.evidence != "inferred" and not reach.absent and not (
                reach.why and self.targets):
            return None  # resolved through an import or a def to something else
        found = reach.found
        override = self.override_of(found)
        if found is not None and override:
            calls = f"calls {found.label}, which overrides {override}"
            return verdict.site([], "excluded", override=found.label,
                                reason=f"{reach.why}: {calls}" if reach.why else calls)
        return verdict.site([], "excluded", reason=_excluded_reason(reach))

    def override_of(self, found: Target | None) -> str:
        """The target `found` overrides (its class derives from the target's), or ""."""
        if found is None or found.definition.kind != "method":
            return ""
        owner = self.lookup.scope(found.path).defs.get(found.definition.enclosing or "")
        if owner is None or owner.kind != "class":
            return ""
        above = {c.key for c in self.lookup.mro(Target(found.path, found.module, owner))[1:]}
        return next((t.label for t in self.named(found.definition.name)
                     if (t.path, t.definition.enclosing) in above), "")


def _excluded_reason(reach: Reach) -> str:
    if reach.absent:
        return reach.why
    if reach.found is not None:
        return f"{reach.why}: calls {reach.found.label}" if reach.why else \
            f"resolves to {reach.found.label}"
    return f"{reach.why}: calls {reach.external}" if reach.why else \
        f"resolves to {reach.external} outside the repository"


class _Verdict(NamedTuple):
    """One call and its reach, on the way to a Site."""

    reach: Reach
    facts: FileFacts
    call: Call

    def site(self, labels: list[str], tier: str, *, evidence: str | None = None,
             bound_self: bool | None = None, reason: str | None = None,
             override: str | None = None) -> Site:
        reach = self.reach
        return _make_site(self.facts, self.call, labels, evidence or reach.evidence,
                          reach.bound_self if bound_self is None else bound_self,
                          reach.external, tier=tier, reason=reason, override=override)


def resolve_one(lookup: Names, facts: FileFacts, call: Call, limit: int,
                receivers: Receivers) -> Resolved:
    """What one call may reach, looking at no other call of its name: its definition through
    imports, local defs, the class hierarchy (plus overrides in subclasses for self/cls
    calls) and the receiver's inferred type; for an unknown receiver, every def of the name
    `may_call` allows, none when there are more than `limit` (`unfollowed` counts them). A
    called parameter, or a receiver proven to have no such def, reaches nothing."""
    reach = resolve_call(lookup, receivers, facts.path, call)
    found = [reach.found] if reach.found else []
    if reach.klass is not None or (reach.owner is not None and not reach.exact):
        klass = reach.klass or reach.owner
        assert klass is not None
        found += [t for t in lookup.subclasses_of(klass, lookup.defined(call.name))
                  if t not in found]
    evidence, bound_self, unfollowed = reach.evidence, reach.bound_self, 0
    tier = "resolved" if found or reach.external else "excluded"
    if not found and reach.external is None and not reach.absent:
        local = (call.receiver is None
                 and lookup.scope(facts.path).lookup(call.name, call.enclosing) == LOCAL)
        named = [] if local else lookup.defined(call.name)
        found, bound_self = _by_name(call, named, reach.skip)
        evidence, tier = "name", "possible"
        if len(found) > limit:
            found, unfollowed = [], len(found)
    site = _make_site(facts, call, [t.label for t in found], evidence, bound_self,
                      reach.external, tier=tier, reason=reach.why or None)
    return Resolved(site, tuple(found), unfollowed)


def _make_site(facts: FileFacts, call: Call, labels: list[str], evidence: str,
               bound_self: bool, external: str | None, *, tier: str = "possible",
               reason: str | None = None, override: str | None = None) -> Site:
    caller = full_name(facts.module, call.enclosing) if call.enclosing else "<module>"
    return Site(path=facts.path, module=facts.module, call=call, targets=tuple(labels),
                evidence=evidence, bound_self=bound_self, caller=caller, external=external,
                tier=tier, reason=reason, override=override)


def _by_name(call: Call, targets: Sequence[Target],
             skip: Target | None) -> tuple[list[Target], bool]:
    """An unresolved site: every target `may_call` allows (for `super().m()` in class C, no
    method of C itself), and bound_self from the first."""
    candidates = [t for t in targets if may_call(call, t.definition) and not _owned_by(t, skip)]
    if call.receiver is None:
        bound_self = bool(candidates) and candidates[0].definition.kind == "class"
    elif candidates:
        bound_self = binds_self(candidates[0].definition, "instance")
    else:
        bound_self = True
    return candidates, bound_self


def _owned_by(target: Target, klass: Target | None) -> bool:
    return klass is not None and (target.path, target.definition.enclosing) == (
        klass.path, klass.definition.qualname)
