"""The parts of an ast-grep rule as frozen data: a pattern with its selector and strictness,
a relation (`inside`/`has`/`precedes`/`follows`), a composite (`all`/`any`/`not` over
patterns), a metavariable filter and an `nthChild` position.

`cq.query.parse` builds them from query text; `cq.rules.build` turns them into ast-grep
config objects.
"""

from __future__ import annotations

import msgspec


class PatternSpec(msgspec.Struct, frozen=True, kw_only=True):
    """`pattern=` (or `pattern.context=`), with the optional selector and strictness."""

    text: str  # the pattern, or the context when a selector picks the node inside it
    selector: str | None = None
    strictness: str | None = None
    is_context: bool = False  # given as pattern.context=


class Relation(msgspec.Struct, frozen=True, kw_only=True):
    """`inside=` / `has=` / `precedes=` / `follows=` with `.stopBy=` and `.field=`."""

    op: str
    pattern: str
    stop_by: str = "end"  # neighbor | end | a pattern (cq's default is any depth)
    field: str | None = None


class Composite(msgspec.Struct, frozen=True, kw_only=True):
    """`all=` / `any=` / `not=`: the node contains all / any / none of the patterns."""

    op: str
    patterns: tuple[str, ...]


class MetaFilter(msgspec.Struct, frozen=True, kw_only=True):
    """`$X=~re` / `$X=!~re` (a regex on the captured text) or `$X.kind=K` / `$X.kind=!K` (the
    captured node's kind); negate for the `!` forms; `name` without the `$`s."""

    name: str
    regex: str | None = None
    kind: str | None = None
    negate: bool = False


class NthChild(msgspec.Struct, frozen=True, kw_only=True):
    position: str  # "3" or an An+B formula
    reverse: bool = False
    of_kind: str | None = None
