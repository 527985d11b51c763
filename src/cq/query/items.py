"""A selected finding with what the filters and fields judge it by: its file's facts and, for
a definition, its `Def` (`resolve`); and `keep_judged`, the loop every filter shares.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import msgspec

from cq.details import DefinitionDetails
from cq.facts import Def, FileFacts
from cq.query.context import QueryContext
from cq.result import Finding


class Item(NamedTuple):
    finding: Finding
    facts: FileFacts
    definition: Def | None  # None for module findings
    support: tuple[tuple[str, int], ...] = ()

    def with_details(self, details: dict[str, Any],
                     support: tuple[tuple[str, int], ...] = ()) -> Item:
        """The item whose finding's details gain `details` (fields of its details struct)."""
        extended = msgspec.structs.replace(self.finding.details, **details)
        finding = msgspec.structs.replace(self.finding, details=extended)
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
        details = finding.details
        definition = (by_path[path].get((details.qualname, finding.anchor.line))
                      if isinstance(details, DefinitionDetails) else None)
        items.append(Item(finding, facts, definition))
    return items
