"""The parsed request: `Query` and its parts, as frozen data (QUERY.md §2–3); the parts of
its ast-grep rule are `cq.rules.spec`'s.

`cq.query.parse` builds these from query text and validates every value; the planner, the
rule compiler and the executors only read them. `Query.canonical()` encodes every field, so
two requests that differ in anything that decides the answer never share a cache entry.
"""

from __future__ import annotations

import msgspec

from cq.rules.spec import Composite, MetaFilter, NthChild, PatternSpec, Relation


class NameMatch(msgspec.Struct, frozen=True):
    """`name=` value: exact simple name, `~regex`, or dotted qualified suffix."""

    raw: str
    mode: str  # exact | regex | dotted

    @property
    def literal(self) -> str | None:
        """Text every matching file must contain (for the prefilter), if any."""
        if self.mode == "regex":
            return None
        return self.raw.rsplit(".", 1)[-1]


class Join(msgspec.Struct, frozen=True, kw_only=True):
    """`used_by=` / `defines=` / `raises=` value `entity:name`."""

    entity: str
    name: NameMatch

    @property
    def label(self) -> str:
        prefix = "~" if self.name.mode == "regex" else ""
        return f"{self.entity}:{prefix}{self.name.raw}"


class Expander(msgspec.Struct, frozen=True):
    name: str
    depth: int = 1


class Query(msgspec.Struct, frozen=True, kw_only=True):
    entities: tuple[str, ...] = ()  # empty for a pattern query
    name: NameMatch | None = None
    in_paths: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    globs: tuple[str, ...] = ()
    expand: tuple[Expander, ...] = ()
    fields: tuple[str, ...] = ("def",)
    limit: int | None = None
    explain: bool = False
    decorated_by: str | None = None
    decorator_count_min: int | None = None
    decorator_count_max: int | None = None
    shorthand: bool = False
    pattern: PatternSpec | None = None
    relations: tuple[Relation, ...] = ()  # in the order inside, has, precedes, follows
    composites: tuple[Composite, ...] = ()  # in the order all, any, not
    meta_filters: tuple[MetaFilter, ...] = ()  # sorted by name
    nth_child: NthChild | None = None
    scope: str | None = None  # closure | nested | toplevel (symtable)
    captures: str | None = None  # a free variable name
    has_cells: bool | None = None
    used_by: Join | None = None
    defines: Join | None = None
    raises: Join | None = None
    exports: str | None = None
    subclass_of: NameMatch | None = None  # classes deriving from it, through the bases

    @property
    def is_pattern(self) -> bool:
        return self.pattern is not None

    @property
    def has_rule(self) -> bool:
        """Does answering need an ast-grep rule (a pattern or structural constraints)?"""
        return self.is_pattern or bool(self.relations or self.composites)

    def canonical(self) -> str:
        """A stable text for this request: equal queries give equal text (cache keys)."""
        return msgspec.json.encode(self, order="sorted").decode()
