"""Query → the one ast-grep rule config it runs (None when facts alone answer it).

The pattern (or, for an entity query, the def's node kind), the relational keys, the
composite keys and `nthChild` become the keys of ONE rule object, which ast-grep ANDs;
metavariable filters become its `constraints`. The builders are `cq.rules.build`'s; the
config's JSON is part of the plan, hence of the query-cache key.
"""

from __future__ import annotations

from cq.query.model import Query
from cq.rules.build import (
    Config,
    composite_rule,
    constraints,
    nth_child_rule,
    pattern_rule,
    relation_rule,
)

# The def node each rule entity is matched on (decorated defs: the inner def, whose start is
# the `def`/`class` keyword, like `Def.span`).
ENTITY_KINDS = {"function": ("function_definition",), "method": ("function_definition",),
                "class": ("class_definition",),
                "decorator": ("function_definition", "class_definition")}

def _base_rule(query: Query) -> Config:
    if query.pattern is not None:
        return pattern_rule(query.pattern)
    kinds = sorted({kind for entity in query.entities for kind in ENTITY_KINDS.get(entity, ())})
    if len(kinds) == 1:
        return {"kind": kinds[0]}
    return {"any": [{"kind": kind} for kind in kinds]}


def query_rule(query: Query) -> Config:
    """The one rule object: base (pattern or def kind) AND relations AND composites."""
    rule = _base_rule(query)
    for relation in query.relations:
        rule[relation.op] = relation_rule(relation)
    composites = [composite_rule(c) for c in query.composites]
    if any(key in rule for part in composites for key in part):
        rule = {"all": [rule, *composites]}  # the base already uses that key
    else:
        for part in composites:
            rule.update(part)
    if query.nth_child is not None:
        rule["nthChild"] = nth_child_rule(query.nth_child)
    return rule


def query_config(query: Query) -> Config | None:
    """The ast-grep config the query runs (None: facts alone answer it)."""
    if not query.has_rule:
        return None
    config: Config = {"rule": query_rule(query)}
    if query.meta_filters:
        config["constraints"] = constraints(query.meta_filters)
    return config


