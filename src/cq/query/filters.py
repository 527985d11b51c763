"""Filters that need more than one def's facts: the symtable keys (`scope=`, `captures=`,
`has_cells=`) and the joins (`used_by=`, `defines=`, `raises=`, `exports=`).

Each runs on the selected findings, resolved to their file's facts and def (`Item`), and
keeps those that pass; a kept finding gains details saying why (its free and cell
variables; the join's matches) and `support`, the (file, line) pairs `fields=evidence`
quotes. A def that cannot be judged (its file does not compile) is dropped with a note.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import msgspec

from cq.facts import Def, FileFacts
from cq.query.context import QueryContext
from cq.query.model import Query
from cq.query.scopes import ScopeInfo
from cq.result import Finding


class Item(NamedTuple):
    finding: Finding
    facts: FileFacts
    definition: Def | None  # None for module findings
    support: tuple[tuple[str, int], ...] = ()

    def with_details(self, details: dict[str, Any],
                     support: tuple[tuple[str, int], ...] = ()) -> Item:
        finding = msgspec.structs.replace(self.finding,
                                          details={**self.finding.details, **details})
        return self._replace(finding=finding, support=(*self.support, *support))


Support = tuple[tuple[str, int], ...]
Verdict = tuple[dict[str, Any], Support]


def keep_judged(items: list[Item], judge: Callable[[Item], Verdict | None]) -> list[Item]:
    """The items `judge` accepts, each gaining the details and support it returned."""
    kept = []
    for item in items:
        verdict = judge(item)
        if verdict is not None:
            kept.append(item.with_details(*verdict))
    return kept


def resolve(findings: list[Finding], ctx: QueryContext) -> list[Item]:
    """Each finding with its facts and (for definitions) its Def, by qualname and line."""
    by_path: dict[str, dict[tuple[str, int], Def]] = {}
    items = []
    for finding in findings:
        if finding.anchor is None:
            continue
        path = finding.anchor.file
        facts = ctx.source.facts_of(path)
        if path not in by_path:
            by_path[path] = {(d.qualname, d.span.line): d for d in reversed(facts.defs)}
        qualname = finding.details.get("qualname")
        definition = by_path[path].get((qualname, finding.anchor.line)) if qualname else None
        items.append(Item(finding, facts, definition))
    return items


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
            kept.append(item.with_details({"free": list(info.free), "cells": list(info.cells),
                                           "nested": info.nested}))
    if unjudged:
        failed = ctx.scopes.failures()
        files = f" (files that do not compile: {', '.join(failed)})" if failed else ""
        ctx.note(f"{unjudged} definition(s) could not be judged by symtable and were left "
                 f"out{files}")
    return kept


# --- the pipeline ----------------------------------------------------------------------------

Filter = Callable[[Query, QueryContext, list[Item]], list[Item]]


def _filters() -> tuple[Filter, ...]:
    from cq.query.exports import filter_exports
    from cq.query.joins import filter_defines, filter_raises, filter_used_by

    return (filter_scopes, filter_used_by, filter_defines, filter_raises, filter_exports)


def apply_filters(query: Query, ctx: QueryContext, items: list[Item]) -> list[Item]:
    for step in _filters():
        items = step(query, ctx, items)
    return items
