"""The joins `used_by=`, `defines=` and `raises=`: keep a definition (or module) by its
relation to another named entity, using facts only.

- `used_by=function:main` keeps defs called from a def named `main` (of that kind): calls
  whose innermost enclosing def is `main` and which may reach the def by name
  (`cq.analysis.names.may_call`: methods through a receiver, functions not through self/cls).
  Calls in a def nested inside `main` belong to the nested def.
- `defines=function:X` keeps modules defining a top-level function `X` (`class:X` likewise);
  on classes, `method:X` keeps classes whose body defines method `X` (`class:X`: a nested
  class).
- `raises=class:E` keeps defs whose own body raises `E` (`raise E`, `raise E(...)`,
  `raise pkg.E(...)`; a simple name matches the last dotted segment, a dotted name the
  segments). A bare `raise` (or `raise e` of the bound name) inside an `except E` handler
  re-raises `E` and counts too. Raises in nested defs belong to those defs; subclasses of
  `E` are not followed.
"""

from __future__ import annotations

from cq.analysis.exceptions import FileRaises
from cq.analysis.names import Target, may_call
from cq.details import RaiseRef
from cq.facts import Call, Def, FileFacts, Raise, within
from cq.modules import dotted_suffix, full_name
from cq.query.context import QueryContext
from cq.query.items import Item, Verdict, keep_judged
from cq.query.match import name_matches
from cq.query.model import Join, NameMatch, Query

# --- used_by -------------------------------------------------------------------------------


def named_defs(ctx: QueryContext, join: Join) -> list[Target]:
    """Every def of the join's kind and name in scope."""
    found = []
    for facts in ctx.source.facts_for([join.name.literal] if join.name.literal else None):
        for definition in facts.defs:
            if definition.kind == join.entity and name_matches(
                    join.name, definition.name, full_name(facts.module, definition.qualname)):
                found.append(Target(facts.path, facts.module, definition))
    return found


def user_calls(ctx: QueryContext, join: Join) -> list[tuple[Target, Call]]:
    """The calls made directly in the body of each def the join names."""
    calls: list[tuple[Target, Call]] = []
    for user in named_defs(ctx, join):
        facts = ctx.source.facts_of(user.path)
        calls.extend((user, call) for call in facts.calls
                     if call.enclosing == user.definition.qualname
                     and within(call.span, user.definition.span))
    return calls


def used_by_literals(query: Query, ctx: QueryContext) -> tuple[str, ...] | None:
    """The names the named def calls: a def it uses has one of them (None: no used_by=)."""
    if query.used_by is None:
        return None
    return tuple(sorted({call.name for _user, call in user_calls(ctx, query.used_by)}))


def filter_used_by(query: Query, ctx: QueryContext, items: list[Item]) -> list[Item]:
    if query.used_by is None:
        return items
    calls = user_calls(ctx, query.used_by)

    def judge(item: Item) -> Verdict | None:
        target = item.definition
        found = [(user, call) for user, call in calls
                 if target is not None and may_call(call, target)]
        if not found:
            return None
        return ({"used_by": tuple(sorted({user.label for user, _ in found}))},
                tuple((user.path, call.span.line) for user, call in found))

    return keep_judged(items, judge)


# --- defines -----------------------------------------------------------------------------


def _defined(facts: FileFacts, owner: Def | None, join: Join) -> list[Def]:
    wanted = None if owner is None else owner.qualname
    return [d for d in facts.defs
            if d.enclosing == wanted and d.kind == join.entity
            and (owner is None or within(d.span, owner.span))
            and name_matches(join.name, d.name, full_name(facts.module, d.qualname))]


def filter_defines(query: Query, ctx: QueryContext, items: list[Item]) -> list[Item]:
    join = query.defines
    if join is None:
        return items

    def judge(item: Item) -> Verdict | None:
        defs = _defined(item.facts, item.definition, join)
        if not defs:
            return None
        return ({"defines": tuple(d.qualname for d in defs)},
                tuple((item.facts.path, d.span.line) for d in defs))

    return keep_judged(items, judge)


# --- raises --------------------------------------------------------------------------------


def type_matches(text: str, name: NameMatch) -> bool:
    if name.mode == "dotted":
        return dotted_suffix(text, name.raw)
    return text.rsplit(".", 1)[-1] == name.raw


def raise_sites(names: FileRaises, definition: Def, name: NameMatch) -> list[Raise]:
    return [site for site in names.raises.get(definition.qualname, ())
            if within(site.span, definition.span)
            and any(type_matches(t, name) for t in names.raised_types(site))]


def filter_raises(query: Query, ctx: QueryContext, items: list[Item]) -> list[Item]:
    join = query.raises
    if join is None:
        return items

    files: dict[str, FileRaises] = {}

    def judge(item: Item) -> Verdict | None:
        if item.definition is None:
            return None
        path = item.facts.path
        names = files.get(path) or files.setdefault(path, FileRaises(item.facts))
        sites = raise_sites(names, item.definition, join.name)
        if not sites:
            return None
        return ({"raises": tuple(RaiseRef(site.exc_type or "raise", site.span.line)
                                 for site in sites)},
                tuple((item.facts.path, site.span.line) for site in sites))

    return keep_judged(items, judge)
