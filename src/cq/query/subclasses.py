"""The join `subclass_of=NAME` on classes: keep the classes that derive from a class of that
name, at any depth, through the repository's bases (`cq.analysis.hierarchy`). A kept class
gains `subclass_of`, its bases up to the named class, and the lines of those classes as
support. When no class of the name is in scope, the answer is empty and a note says so.
"""

from __future__ import annotations

from cq.analysis.hierarchy import Descendant, descendants
from cq.analysis.names import Names, Target
from cq.query.context import QueryContext
from cq.query.items import Item, Verdict, keep_judged
from cq.query.joins import named_defs
from cq.query.model import Join, NameMatch, Query


def _roots(ctx: QueryContext, name: NameMatch) -> list[Target]:
    roots = named_defs(ctx, Join(entity="class", name=name))
    if not roots and name.mode == "dotted":  # a class a package re-exports
        found = Names(ctx.source).resolve_full(name.raw)
        roots = [found] if isinstance(found, Target) and found.definition.kind == "class" else []
    return roots


def subclasses(query: Query, ctx: QueryContext) -> dict[str, Descendant]:
    """The subclasses the query's `subclass_of=` names, by label (computed once per run)."""
    assert query.subclass_of is not None
    key = ("subclass_of", query.subclass_of.raw, query.subclass_of.mode)
    if key not in ctx.memo:
        roots = _roots(ctx, query.subclass_of)
        if not roots:
            ctx.note(f"subclass_of: no class named {query.subclass_of.raw!r} in scope")
        found = descendants(Names(ctx.source), roots)
        ctx.memo[key] = {d.target.label: d for d in found}
    result: dict[str, Descendant] = ctx.memo[key]
    return result


def subclass_literals(query: Query, ctx: QueryContext) -> tuple[str, ...] | None:
    """The names of the subclasses: a file answering defines one (None: no subclass_of=)."""
    if query.subclass_of is None:
        return None
    return tuple(sorted({d.target.definition.name for d in subclasses(query, ctx).values()}))


def filter_subclass_of(query: Query, ctx: QueryContext, items: list[Item]) -> list[Item]:
    if query.subclass_of is None:
        return items
    found = subclasses(query, ctx)

    def judge(item: Item) -> Verdict | None:
        if item.definition is None:
            return None
        descendant = found.get(Target(item.facts.path, item.facts.module,
                                      item.definition).label)
        if descendant is None:
            return None
        return ({"subclass_of": tuple(base.label for base in descendant.chain)},
                tuple((base.path, base.definition.span.line) for base in descendant.chain))

    return keep_judged(items, judge)
