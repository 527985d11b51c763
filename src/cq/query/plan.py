"""Query → Plan: which files must be scanned (the text prefilter) and which steps run.

The plan is plain data, shown by `explain=true` and folded into the query-cache key, so two
requests that would do different work never share an entry.
"""

from __future__ import annotations

import msgspec

from cq.query.parse import Query

# Entities whose answer needs every file even when a name is given (the name is not a
# literal that must appear in the file's text).
_ALL_FILE_ENTITIES = frozenset({"module"})


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    entities: tuple[str, ...]
    literals: tuple[str, ...] | None  # None: scan every in-scope file
    steps: tuple[str, ...]

    def describe(self) -> list[str]:
        scan = ("every in-scope file" if self.literals is None
                else "files containing " + " or ".join(repr(lit) for lit in self.literals))
        return [f"select {', '.join(self.entities)}", f"scan {scan}", *self.steps]


def plan_query(query: Query) -> Plan:
    return Plan(entities=query.entities, literals=_literals(query), steps=_steps(query))


def _literals(query: Query) -> tuple[str, ...] | None:
    if _ALL_FILE_ENTITIES.intersection(query.entities):
        return None
    literal = query.name.literal if query.name else None
    if literal is None and query.decorated_by:
        literal = query.decorated_by.rsplit(".", 1)[-1]
    return (literal,) if literal else None


def _steps(query: Query) -> tuple[str, ...]:
    steps = []
    if query.name:
        steps.append(f"filter name {query.name.mode} {query.name.raw!r}")
    if query.decorated_by:
        steps.append(f"filter decorated_by {query.decorated_by!r}")
    if query.decorator_count_min is not None or query.decorator_count_max is not None:
        steps.append(f"filter decorator count in [{query.decorator_count_min}, "
                     f"{query.decorator_count_max}]")
    if query.limit:
        steps.append(f"limit {query.limit}")
    steps.extend(f"expand {exp.name} depth {exp.depth}" for exp in query.expand)
    return tuple(steps)
