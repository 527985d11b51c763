"""Filters that need more than one def's facts: the symtable keys (`scope=`, `captures=`,
`has_cells=`) and the joins (`subclass_of=`, `used_by=`, `defines=`, `raises=`, `exports=`).

Each runs on the selected findings, resolved to their file's facts and def
(`cq.query.items.Item`), and keeps those that pass; a kept finding gains details saying why
(its free and cell variables; the join's matches) and `support`, the (file, line) pairs
`fields=evidence` quotes. A def that cannot be judged (its file does not compile) is dropped
with a note. The joins live in `subclasses`, `joins` and `exports`; this module runs them in order.
"""

from __future__ import annotations

from collections.abc import Callable

from cq.analysis.scopes import ScopeInfo
from cq.query.context import QueryContext
from cq.query.exports import filter_exports
from cq.query.items import Item
from cq.query.joins import filter_defines, filter_raises, filter_used_by
from cq.query.model import Query
from cq.query.subclasses import filter_subclass_of

# --- symtable ----------------------------------------------------------------------------

_SCOPE_TESTS: dict[str, Callable[[ScopeInfo], bool]] = {
    "closure": lambda info: bool(info.free),
    "nested": lambda info: info.nested,
    "toplevel": lambda info: not info.nested,
}


def _scope_passes(query: Query, info: ScopeInfo) -> bool:
    if query.scope and not _SCOPE_TESTS[query.scope](info):
        return False
    if query.captures and query.captures not in info.free:
        return False
    return query.has_cells is None or bool(info.cells) == query.has_cells


def filter_scopes(query: Query, ctx: QueryContext, items: list[Item]) -> list[Item]:
    if not (query.scope or query.captures or query.has_cells is not None):
        return items
    kept, unjudged = [], 0
    for item in items:
        info = ctx.scopes.of(item.facts.path, item.definition) if item.definition else None
        if info is None:
            unjudged += 1
        elif _scope_passes(query, info):
            kept.append(item.with_details({"free": info.free, "cells": info.cells,
                                           "nested": info.nested}))
    if unjudged:
        failed = ctx.scopes.failures()
        files = f" (files that do not compile: {', '.join(failed)})" if failed else ""
        ctx.note(f"{unjudged} definition(s) could not be judged by symtable and were left "
                 f"out{files}")
    return kept


# --- the pipeline ----------------------------------------------------------------------------

Filter = Callable[[Query, QueryContext, list[Item]], list[Item]]


FILTERS: tuple[Filter, ...] = (filter_scopes, filter_subclass_of, filter_used_by,
                              filter_defines, filter_raises, filter_exports)


# The keys each filter enforces, as an explanation names them when it empties the answer.
FILTER_KEYS: dict[Filter, tuple[str, ...]] = {
    filter_scopes: ("scope", "captures", "has_cells"), filter_subclass_of: ("subclass_of",),
    filter_used_by: ("used_by",), filter_defines: ("defines",), filter_raises: ("raises",),
    filter_exports: ("exports",)}


def apply_filters(query: Query, ctx: QueryContext, items: list[Item],
                  emptied: Callable[[tuple[str, ...], int], None] | None = None) -> list[Item]:
    """The items every filter keeps; `emptied(keys, before)` hears of the filter that left
    none of a non-empty list."""
    for step in FILTERS:
        before = len(items)
        items = step(query, ctx, items)
        if before and not items and emptied is not None:
            emptied(FILTER_KEYS[step], before)
    return items
