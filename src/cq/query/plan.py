"""Query → Plan: which files must be read (the text prefilter), which rule runs, which steps.

The plan is plain data, shown by `explain=true` and folded into the query-cache key, so two
requests that would do different work never share an entry. An entity query loads facts of
files containing one of `literals`; a query with an ast-grep rule (a pattern query, or an
entity query with relational/composite keys) parses only files containing ALL of `requires`
and runs `rule` (the config's JSON) on them.
"""

from __future__ import annotations

import sys

import msgspec

from cq.query.config import query_config
from cq.query.model import Query
from cq.rules.build import config_json
from cq.rules.literals import pattern_literals, spec_literals

# Entities whose answer needs every file even when a name is given (the name is not a
# literal that must appear in the file's text).
_ALL_FILE_ENTITIES = frozenset({"module"})
# The parts of a file's facts each entity's selector reads besides its definitions.
_ENTITY_PARTS: dict[str, tuple[str, ...]] = {
    "function": (), "method": (), "class": (), "decorator": (), "module": ("imports",),
    "callsite": ("calls",), "import": ("imports",)}
# fields= values read from the definition alone.
_DEF_FIELDS = frozenset({"def", "loc", "decorators"})


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    entities: tuple[str, ...]
    literals: tuple[str, ...] | None  # facts of files with any of these; None: every file
    steps: tuple[str, ...]
    requires: tuple[str, ...] = ()  # a file is parsed for the rule only if it has all
    rule: str | None = None  # the ast-grep config as JSON (sorted keys)
    defines_name: str | None = None  # only files defining a def/class of this name can answer

    @property
    def is_pattern(self) -> bool:
        return not self.entities

    def describe(self) -> list[str]:
        lines = [f"select {', '.join(self.entities) or 'pattern matches'}"]
        if not self.is_pattern:
            scan = ("every in-scope file" if self.literals is None
                    else "files containing " + " or ".join(repr(lit) for lit in self.literals))
            lines.append(f"scan {scan}")
            if self.defines_name:
                lines.append(f"keep files defining {self.defines_name!r}")
        if self.rule is not None:
            parse = ("every in-scope file" if not self.requires else "files containing "
                     + " and ".join(repr(lit) for lit in self.requires))
            lines.append(f"parse {parse}")
            lines.append(f"match rule {self.rule}")
        return [*lines, *self.steps]


def parts_read(query: Query) -> tuple[str, ...] | None:
    """The parts of the facts (`cq.facts.PART_KINDS`) an entity query reads, or None when
    it may read any: an expander, a join, a rule, a symtable key or a field that looks past
    the definition. A `q "entity=function"` extracts and decodes definitions only."""
    if (query.expand or query.has_rule or query.meta_filters or query.nth_child
            or query.scope or query.captures or query.has_cells is not None
            or query.used_by or query.defines or query.raises or query.exports
            or query.subclass_of or not _DEF_FIELDS.issuperset(query.fields)):
        return None
    return tuple(dict.fromkeys(part for entity in query.entities
                               for part in _ENTITY_PARTS[entity]))


def reusable(query: Query) -> bool:
    """Is the answer a selection made file by file, whole (no `limit=` cut it, no `explain`
    lists the scope)? Then a later run may keep the findings of the files that did not
    change and recompute the others (`cq.cache.query.Reuse`)."""
    return (not query.is_pattern and parts_read(query) is not None and query.limit is None
            and not query.explain)


def plan_query(query: Query) -> Plan:
    requires = required_literals(query) if query.has_rule else ()
    return Plan(entities=query.entities, literals=_literals(query, requires),
                steps=_steps(query), requires=requires,
                rule=config_json(query_config(query)), defines_name=_defines_name(query))


_DEF_KINDS = frozenset({"function", "method", "class", "decorator"})


def _defines_name(query: Query) -> str | None:
    """For a definition query by exact or dotted name: the simple name every answer's file
    defines (joins look at other files, so they keep the plain literal prefilter)."""
    if query.is_pattern or not query.name or query.name.mode == "regex":
        return None
    if not set(query.entities) <= _DEF_KINDS or _join_literal(query) is not None:
        return None
    if query.used_by is not None:
        return None
    return query.name.literal


def _literals(query: Query, requires: tuple[str, ...]) -> tuple[str, ...] | None:
    if query.is_pattern:
        return None
    literal = _join_literal(query)  # a file that answers contains the joined name
    if literal is None and _ALL_FILE_ENTITIES.intersection(query.entities):
        return None
    if literal is None and query.name:
        literal = query.name.literal
    if literal is None and query.decorated_by:
        literal = query.decorated_by.rsplit(".", 1)[-1]
    if literal is None and query.captures:
        literal = query.captures  # a free variable is a name used in the def
    if literal is None and requires:
        literal = max(requires, key=len)  # every answer's file contains all of them
    return (literal,) if literal else None


def _join_literal(query: Query) -> str | None:
    """`raises=`/`defines=` name a type/def the file mentions; `exports=` a name it lists
    or defines. (`used_by=` names a def in another file: it narrows at execution.)"""
    if query.exports:
        return query.exports
    for join in (query.raises, query.defines):
        if join is not None and join.name.literal:
            return join.name.literal
    return None


def _steps(query: Query) -> tuple[str, ...]:
    steps = []
    if query.name:
        steps.append(f"filter name {query.name.mode} {query.name.raw!r}")
    if query.decorated_by:
        steps.append(f"filter decorated_by {query.decorated_by!r}")
    if query.decorator_count_min is not None or query.decorator_count_max is not None:
        steps.append(f"filter decorator count in [{query.decorator_count_min}, "
                     f"{query.decorator_count_max}]")
    if query.has_rule and not query.is_pattern:
        steps.append("keep definitions whose node matches the rule")
    steps.extend(_scope_steps(query))
    steps.extend(f"join {key} {join.label}" for key, join in
                 (("used_by", query.used_by), ("defines", query.defines),
                  ("raises", query.raises)) if join is not None)
    if query.exports:
        steps.append(f"join exports {query.exports!r}")
    if query.subclass_of:
        steps.append(f"join subclass_of {query.subclass_of.mode} {query.subclass_of.raw!r}")
    if query.limit:
        steps.append(f"limit {query.limit}")
    steps.extend(f"expand {exp.name} depth {exp.depth}" for exp in query.expand)
    steps.extend(f"field {name}" for name in query.fields if name != "def")
    return tuple(steps)


def _scope_steps(query: Query) -> list[str]:
    steps = []
    if query.scope:
        steps.append(f"filter scope {query.scope}")
    if query.captures:
        steps.append(f"filter captures {query.captures!r}")
    if query.has_cells is not None:
        steps.append(f"filter has_cells {str(query.has_cells).lower()}")
    if steps or any(exp.name in ("scope", "bytecode_surface") for exp in query.expand):
        # symtable and compile() answer for the running Python: part of the cache key
        steps.append(f"python {sys.version_info.major}.{sys.version_info.minor}")
    return steps


def required_literals(query: Query) -> tuple[str, ...]:
    """Words a file must contain ALL of for the query's rule to match in it: those of the
    pattern and of every pattern the node or its relatives must match (inside, has,
    precedes, follows, all=). `any=` and `not=` require nothing; a stopBy pattern neither."""
    words: list[str] = []
    if query.pattern is not None:
        words.extend(spec_literals(query.pattern))
    for relation in query.relations:
        words.extend(pattern_literals(relation.pattern))
    for composite in query.composites:
        if composite.op == "all":
            for pattern in composite.patterns:
                words.extend(pattern_literals(pattern))
    return tuple(dict.fromkeys(words))
