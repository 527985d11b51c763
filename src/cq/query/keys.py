"""The catalogue of `q` keys (QUERY.md §2–3) as data: which are enforced, which repeat, and
one example each (used by error messages and `cq q --help`).

A key QUERY.md defines but this version does not enforce is listed with `supported=False`;
the parser rejects it with "not supported yet" rather than accepting and ignoring it.
"""

from __future__ import annotations

import msgspec

ENTITIES = ("function", "class", "method", "module", "callsite", "import", "decorator")
EXPANDERS_SUPPORTED = ("callers", "callees")
EXPANDERS_ALL = ("callers", "callees", "imports", "raises", "scope", "bytecode_surface", "hazards")
FIELDS_SUPPORTED = ("def", "loc", "decorators", "callers", "callees")
FIELDS_ALL = ("def", "loc", "callers", "callees", "imports", "decorators", "hazards", "evidence")


class KeySpec(msgspec.Struct, frozen=True):
    name: str
    example: str
    help: str
    supported: bool = True
    shape: str = "entity"  # entity | pattern | any


_ROWS: tuple[KeySpec, ...] = (
    KeySpec("entity", "entity=function", "what to return: " + ", ".join(ENTITIES)),
    KeySpec("name", "name=build_graph",
            "exact name, ~regex (re.search), or dotted qualified suffix"),
    KeySpec("in", "in=src/pkg", "restrict the scope to a root-relative directory or file",
            shape="any"),
    KeySpec("exclude", "exclude=tests,build/*", "remove globs/paths from the scope", shape="any"),
    KeySpec("globs", "globs=*.py,!*_test.py", "filter the scope by globs; ! negates", shape="any"),
    KeySpec("expand", "expand=callers(depth=2)", "add a section: callers, callees (depth=N)"),
    KeySpec("fields", "fields=def,loc", "details per finding: " + ", ".join(FIELDS_SUPPORTED)),
    KeySpec("limit", "limit=20", "at most N key findings", shape="any"),
    KeySpec("explain", "explain=true", "add the plan, the scope and excluded files", shape="any"),
    KeySpec("decorated_by", "decorated_by=property", "has this decorator (simple or dotted)"),
    KeySpec("decorator_count_min", "decorator_count_min=2", "at least N decorators"),
    KeySpec("decorator_count_max", "decorator_count_max=0", "at most N decorators"),
    KeySpec("pattern", "pattern='eval($X)'", "ast-grep pattern query", False, "pattern"),
    KeySpec("pattern.context", "pattern.context='class A: $X'", "pattern context", False,
            "pattern"),
    KeySpec("pattern.selector", "pattern.selector=call", "node kind inside the context", False,
            "pattern"),
    KeySpec("pattern.strictness", "pattern.strictness=ast", "match strictness", False, "pattern"),
    KeySpec("nthChild", "nthChild=2n+1", "position among siblings", False, "pattern"),
    KeySpec("inside", "inside='class Handler'", "relational: inside a match", False, "any"),
    KeySpec("has", "has='await $X'", "relational: contains a match", False, "any"),
    KeySpec("precedes", "precedes='return $X'", "relational: before a match", False, "any"),
    KeySpec("follows", "follows='import os'", "relational: after a match", False, "any"),
    KeySpec("all", "all=[a,b]", "composite: contains all", False, "any"),
    KeySpec("any", "any=[a,b]", "composite: contains any", False, "any"),
    KeySpec("not", "not='return $X'", "composite: contains none", False, "any"),
    KeySpec("scope", "scope=closure", "symtable scope filter", False),
    KeySpec("captures", "captures=count", "free variable filter", False),
    KeySpec("has_cells", "has_cells=true", "cell variable filter", False),
    KeySpec("used_by", "used_by=function:main", "join: referenced from", False),
    KeySpec("defines", "defines=class:Config", "join: defines the entity", False),
    KeySpec("raises", "raises=class:ValueError", "join: raises the type", False),
    KeySpec("exports", "exports=main", "join: module exports the name", False),
)

KEYS: dict[str, KeySpec] = {spec.name: spec for spec in _ROWS}
SUPPORTED_KEYS = tuple(spec.name for spec in _ROWS if spec.supported)
# Relational sub-keys (`inside.stopBy=`...) and metavariable filters (`$X=~re`) belong to
# the not-yet-supported pattern machinery; the parser recognises them to say so precisely.
RELATIONAL = ("inside", "has", "precedes", "follows", "nthChild")


def valid_keys_hint() -> str:
    return "valid keys: " + ", ".join(SUPPORTED_KEYS)
