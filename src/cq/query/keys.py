"""The catalogue of `q` keys (QUERY.md §2–3) as data: which are enforced, which query shape
they belong to, and one example each (used by error messages and `cq q --help`).

A key QUERY.md defines but this version does not enforce is listed with `supported=False`;
the parser rejects it with "not supported yet" rather than accepting and ignoring it.
Sub-keys (`inside.stopBy`, `nthChild.reverse`) and the metavariable filter (`$X=~re`, listed
under the name `$X`) are rows too, so the help text and the parser read one table.
"""

from __future__ import annotations

import msgspec

from cq.bounds import Bounds

ENTITIES = ("function", "class", "method", "module", "callsite", "import", "decorator")
EXPANDERS_ALL = ("callers", "callees", "imports", "raises", "scope", "bytecode_surface", "hazards")
EXPANDERS_SUPPORTED = EXPANDERS_ALL
EXPANDERS_WITH_DEPTH = ("callers", "callees")  # the call-graph walks; the others take no depth
# callers(depth=N): levels of the call graph; a walk stops early once no new def is reached.
EXPAND_DEPTH = Bounds(1, 50)
# nthChild=An+B: the step A and offset B (a position N has the key's own bounds).
NTH_TERM = Bounds(-100_000, 100_000)
FIELDS_ALL = ("def", "loc", "callers", "callees", "imports", "decorators", "hazards", "evidence")
FIELDS_SUPPORTED = FIELDS_ALL
STRICTNESS = ("cst", "smart", "ast", "relaxed", "signature")
SCOPES = ("closure", "nested", "toplevel")
# Entities whose def node the relational and composite keys are applied to.
RULE_ENTITIES = ("function", "method", "class", "decorator")
SCOPE_ENTITIES = ("function", "method", "decorator")  # judged with symtable
RAISER_ENTITIES = ("function", "method", "decorator")

# Which entities a key applies to; a key not listed applies to every entity. Relational and
# composite keys are added below, once their names are known.
KEY_ENTITIES: dict[str, tuple[str, ...]] = {
    "decorated_by": RULE_ENTITIES, "decorator_count_min": RULE_ENTITIES,
    "decorator_count_max": RULE_ENTITIES, "expand": RULE_ENTITIES,
    "scope": SCOPE_ENTITIES, "captures": SCOPE_ENTITIES, "has_cells": SCOPE_ENTITIES,
    "used_by": RULE_ENTITIES, "raises": RAISER_ENTITIES, "defines": ("module", "class"),
    "exports": ("module",), "subclass_of": ("class",),
}
# Which entities a `fields=` value applies to.
FIELD_ENTITIES: dict[str, tuple[str, ...]] = {
    "def": ENTITIES, "evidence": ENTITIES, "loc": RULE_ENTITIES, "decorators": RULE_ENTITIES,
    "callers": RULE_ENTITIES, "callees": RULE_ENTITIES, "imports": (*RULE_ENTITIES, "module"),
    "hazards": (*RULE_ENTITIES, "module"),
}
# `entity:name` joins: for each key and query entity, the entities the value may name.
JOIN_TARGETS: dict[str, dict[str, tuple[str, ...]]] = {
    "used_by": dict.fromkeys(RULE_ENTITIES, ("function", "method", "class")),
    "raises": dict.fromkeys(RAISER_ENTITIES, ("class",)),
    "defines": {"module": ("function", "class"), "class": ("method", "class")},
}


class KeySpec(msgspec.Struct, frozen=True):
    name: str
    example: str
    help: str
    supported: bool = True
    shape: str = "entity"  # entity | pattern | any
    bounds: Bounds | None = None  # a numeric value's range, enforced by cq.query.values

    @property
    def help_text(self) -> str:
        """The help with the range, as `cq q --help` and the reference show it."""
        return f"{self.help} ({self.bounds.describe()})" if self.bounds else self.help


_ROWS: tuple[KeySpec, ...] = (
    KeySpec("entity", "entity=function,method",
            "what to return: " + ", ".join(ENTITIES) + "; a comma list selects several "
            "(decorator alone)"),
    KeySpec("name", "name=build_graph",
            "exact name, ~regex (a search in the name; Python syntax, run by RE2 in linear "
            "time: no look-around or backreferences), or dotted qualified suffix"),
    KeySpec("in", "in=src", "restrict the scope to a directory or file (relative to the "
            "working directory inside the root)",
            shape="any"),
    KeySpec("exclude", "exclude=tests,build/*", "remove globs/paths from the scope", shape="any"),
    KeySpec("globs", "globs=*.py,!*_test.py", "filter the scope by globs; ! negates", shape="any"),
    KeySpec("expand", "expand=callers(depth=2)",
            "add a section per expander: " + ", ".join(EXPANDERS_SUPPORTED)
            + f"; callers/callees take (depth=N, N in {EXPAND_DEPTH.describe()})"),
    KeySpec("fields", "fields=def,loc", "details per finding: " + ", ".join(FIELDS_SUPPORTED)),
    KeySpec("limit", "limit=20", "at most N key findings, and the length of each Markdown "
            "list (0: all)", shape="any", bounds=Bounds(0, 1_000_000)),
    KeySpec("explain", "explain=true", "add the plan, the scope and excluded files", shape="any"),
    KeySpec("decorated_by", "decorated_by=property", "has this decorator (simple or dotted)"),
    KeySpec("decorator_count_min", "decorator_count_min=2", "at least N decorators",
            bounds=Bounds(0, 1000)),
    KeySpec("decorator_count_max", "decorator_count_max=0", "at most N decorators",
            bounds=Bounds(0, 1000)),
    KeySpec("pattern", "pattern='eval($X)'",
            "ast-grep pattern query: $X one node, $$$X zero or more, $_ anonymous; the pattern "
            "must parse as Python (a fragment needs pattern.context=), a def/class header "
            "(class $C, def $F) stands for the whole definition", shape="pattern"),
    KeySpec("pattern.context", "pattern.context='x = $F($$$)'",
            "match a fragment inside this context (with pattern.selector)", shape="pattern"),
    KeySpec("pattern.selector", "pattern.selector=call",
            "node kind inside the context that is the pattern", shape="pattern"),
    KeySpec("pattern.strictness", "pattern.strictness=ast",
            "match strictness: " + "|".join(STRICTNESS), shape="pattern"),
    KeySpec("$X", "$X=~^get_",
            "metavariable filter on the captured text: $X=~re must match, $X=!~re must not "
            "(Rust regex: no look-around or backreferences)", shape="pattern"),
    KeySpec("$X.kind", "$X.kind=!string",
            "metavariable kind filter: the captured node is (KIND) or is not (!KIND) of this "
            "tree-sitter-python kind: string, call, identifier, binary_operator, ...",
            shape="pattern"),
    KeySpec("nthChild", "nthChild=2n+1", "position among siblings (1-based): An+B, A and B "
            f"in {NTH_TERM.describe()}, or N", shape="pattern", bounds=Bounds(1, 100_000)),
    KeySpec("nthChild.reverse", "nthChild.reverse=true", "count positions from the end",
            shape="pattern"),
    KeySpec("nthChild.ofRule", "nthChild.ofRule=call", "count only siblings of this kind",
            shape="pattern"),
    KeySpec("inside", "inside='class Handler'",
            "relational: inside a match, at any depth (ast-grep's default is the parent "
            "only: inside.stopBy=neighbor); a def/class header (class Handler, def $F, "
            "async def $F) stands for the whole definition", shape="any"),
    KeySpec("inside.stopBy", "inside.stopBy=neighbor",
            "how far to look: end (default: any ancestor), neighbor (the parent), <pattern> "
            "(up to the first ancestor matching it)", shape="any"),
    KeySpec("inside.field", "inside.field=body",
            "the match sits in this field of the enclosing node", shape="any"),
    KeySpec("has", "has='subprocess.run($$$)'",
            "relational: a descendant matches, at any depth (ast-grep's default is a direct "
            "child: has.stopBy=neighbor)", shape="any"),
    KeySpec("has.stopBy", "has.stopBy=neighbor",
            "how far to look: end (default: any descendant), neighbor (a child), <pattern>",
            shape="any"),
    KeySpec("has.field", "has.field=body", "the child sits in this field of the node", shape="any"),
    KeySpec("precedes", "precedes='return $X'",
            "relational: a later sibling matches, any later one (ast-grep's default is the "
            "next: precedes.stopBy=neighbor)", shape="any"),
    KeySpec("precedes.stopBy", "precedes.stopBy=neighbor",
            "how far to look: end (default: any later sibling), neighbor (the next), <pattern>",
            shape="any"),
    KeySpec("follows", "follows='import os'",
            "relational: an earlier sibling matches, any earlier one (ast-grep's default is "
            "the previous: follows.stopBy=neighbor)", shape="any"),
    KeySpec("follows.stopBy", "follows.stopBy=neighbor",
            "how far to look: end (default: any earlier sibling), neighbor (the previous), "
            "<pattern>", shape="any"),
    KeySpec("all", "all=[a,b]", "composite: contains every pattern", shape="any"),
    KeySpec("any", "any=[a,b]", "composite: contains at least one pattern", shape="any"),
    KeySpec("not", "not='return $X'", "composite: contains none of the patterns", shape="any"),
    KeySpec("scope", "scope=closure",
            "symtable: closure (has free variables), nested (inside a function), toplevel"),
    KeySpec("captures", "captures=count", "symtable: the def's free variables include NAME"),
    KeySpec("has_cells", "has_cells=true",
            "symtable: the def provides cell variables to nested scopes (true|false)"),
    KeySpec("used_by", "used_by=function:main",
            "join: the def is called from the named def (function|method|class:NAME, "
            "NAME may be ~regex)"),
    KeySpec("defines", "defines=class:Config",
            "join: modules defining a top-level function|class, classes defining a method|class"),
    KeySpec("raises", "raises=class:ValueError",
            "join: defs whose body raises the type (simple or dotted name)"),
    KeySpec("exports", "exports=main",
            "join: modules whose __all__ lists NAME (else that define it publicly)"),
    KeySpec("subclass_of", "subclass_of=Base",
            "join: classes deriving from the named class through the repository's bases, "
            "at any depth (NAME simple, dotted or ~regex; the class itself is not one)"),
)

KEYS: dict[str, KeySpec] = {spec.name: spec for spec in _ROWS}
SUPPORTED_KEYS = tuple(spec.name for spec in _ROWS if spec.supported)
RELATIONS = ("inside", "has", "precedes", "follows")
COMPOSITES = ("all", "any", "not")
# ast-grep accepts `field` only on these relations ("field is only supported in has/inside").
FIELD_RELATIONS = ("inside", "has")
# Keys with sub-keys: `<base>.<sub>` that is not a row is an unknown sub-key of <base>.
KEY_BASES = (*RELATIONS, "pattern", "nthChild")
METAVAR_KEY = "$X"
METAVAR_KIND_KEY = "$X.kind"
KEY_ENTITIES.update(dict.fromkeys((*RELATIONS, *COMPOSITES), RULE_ENTITIES))


def valid_keys_hint() -> str:
    return "valid keys: " + ", ".join(SUPPORTED_KEYS)


def subkeys_of(base: str) -> tuple[str, ...]:
    return tuple(name for name in KEYS if name.startswith(base + "."))
