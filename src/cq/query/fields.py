"""`fields=imports`, `fields=hazards` and `fields=evidence`: details added to each shown
finding.

- imports: the imports a def uses — those inside it, and module-level imports whose bound
  name appears as a word in the def's text — as dotted targets (`os.path`, `pkg.mod.Name`);
  for a module, every import of the file. A star import counts as used.
- hazards: hazard registry hits inside the def's lines (the whole file for a module), as
  `{id, line, severity}`.
- evidence (details `quotes`): the supporting source lines, `{file, line, text}`: the
  finding's first lines (a def's decorators and `def` line) and the lines that made a join
  keep it (the call in `main` for `used_by=`, the raise for `raises=`, the `__all__` for
  `exports=`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from cq.details import HazardRef, Quote
from cq.excerpts import clip_line
from cq.facts import Def, FileFacts, Import, ImportName, def_span, within
from cq.hazards.registry import RULES_BY_ID
from cq.query.context import QueryContext, def_text
from cq.query.items import Item
from cq.query.model import Query

EVIDENCE_LINES = 3  # lines quoted from a finding's anchor (a def's decorators come first)
EVIDENCE_WIDTH = 200
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _binds(imp: Import, item: ImportName) -> str:
    """The name one imported item binds (`*` for a star import)."""
    if imp.is_from:
        return item.alias or item.name
    return item.alias or item.name.split(".", 1)[0]


def import_strings(imp: Import, names: tuple[ImportName, ...] | None = None) -> list[str]:
    base = imp.resolved or ("." * imp.level + imp.module)
    items = imp.names if names is None else names
    if imp.is_from:
        return [f"{base}.{item.name}" if base else item.name for item in items]
    return [item.name for item in items]


UsedImport = tuple[Import, tuple[ImportName, ...]]


def def_imports(ctx: QueryContext, facts: FileFacts, definition: Def) -> list[UsedImport]:
    """Imports inside the def (all their names), and module-level imports with the names of
    theirs that the def's text mentions."""
    span = def_span(definition)
    words = set(_WORD.findall(def_text(ctx, facts, definition)))
    used: list[UsedImport] = []
    for imp in facts.imports:
        if within(imp.span, span):
            used.append((imp, imp.names))
        elif imp.enclosing is None:
            names = tuple(item for item in imp.names if _binds(imp, item) in words
                          or _binds(imp, item) == "*")
            used.extend([(imp, names)] if names else [])
    return used


def _imports_field(ctx: QueryContext, item: Item) -> tuple[str, ...]:
    if item.definition is None:
        return tuple(sorted({text for imp in item.facts.imports
                             for text in import_strings(imp)}))
    return tuple(sorted({text for imp, names in def_imports(ctx, item.facts, item.definition)
                         for text in import_strings(imp, names)}))


def _hazards_field(ctx: QueryContext, item: Item) -> tuple[HazardRef, ...]:
    hits = ctx.hazards([item.facts.path])[item.facts.path]
    if item.definition is not None:
        span = def_span(item.definition)
        hits = [hit for hit in hits if within(hit.span, span)]
    return tuple(HazardRef(hit.rule, hit.span.line, RULES_BY_ID[hit.rule].severity)
                 for hit in hits)


def _quote(ctx: QueryContext, path: str, line: int, col: int = 0) -> Quote:
    lines = ctx.lines(path)
    text = lines[line - 1].rstrip() if 0 < line <= len(lines) else ""
    return Quote(path, line, clip_line(text, col, EVIDENCE_WIDTH))


def _evidence_field(ctx: QueryContext, item: Item) -> tuple[Quote, ...]:
    anchor = item.finding.anchor
    assert anchor is not None
    first = anchor.line
    if item.definition is not None:
        first = item.definition.decorated_line or first
    last = min(anchor.end_line or anchor.line, anchor.line + EVIDENCE_LINES - 1)
    places = [(anchor.file, line) for line in range(first, last + 1)]
    places.extend(place for place in item.support if place not in places)
    return tuple(_quote(ctx, path, line, anchor.col if line == anchor.line else 0)
                 for path, line in places)


# fields= name → (the details field it fills, how).
_FIELDS: dict[str, tuple[str, Callable[[QueryContext, Item], Any]]] = {
    "imports": ("imports", _imports_field), "hazards": ("hazards", _hazards_field),
    "evidence": ("quotes", _evidence_field)}


def add_fields(query: Query, ctx: QueryContext, items: list[Item]) -> list[Item]:
    wanted = [name for name in _FIELDS if name in query.fields]
    if not wanted:
        return items
    return [item.with_details({_FIELDS[name][0]: _FIELDS[name][1](ctx, item) for name in wanted})
            for item in items]
