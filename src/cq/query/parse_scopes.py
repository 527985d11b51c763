"""Values of the symtable keys (`scope=`, `captures=`, `has_cells=`) and of the joins
(`used_by=`, `defines=`, `raises=`, `exports=`).

A join's value is `entity:name`; which entities it may name depends on the query's entity
(`cq.query.keys.JOIN_TARGETS`), so `entity=module defines=method:x` is refused here, before
any file is read. Whether a key applies to the query's entity at all is checked by
`cq.query.parse` from `KEY_ENTITIES`.
"""

from __future__ import annotations

from typing import Any

from cq.query.keys import JOIN_TARGETS, SCOPES
from cq.query.tokens import Token
from cq.query.values import parse_bool, parse_choice, parse_identifier, parse_join

Values = dict[str, Token]


def parse_scope_keys(values: Values) -> dict[str, Any]:
    return {"scope": parse_choice(values.get("scope"), SCOPES),
            "captures": parse_identifier(values.get("captures")),
            "has_cells": parse_bool(values.get("has_cells"))}


def parse_join_keys(values: Values, entities: tuple[str, ...]) -> dict[str, Any]:
    """The joins; with several entities, a join names what it may name for each of them."""
    joins: dict[str, Any] = {
        key: parse_join(values.get(key), _common_targets(targets, entities),
                        regex=key != "raises")
        for key, targets in JOIN_TARGETS.items()}
    joins["exports"] = parse_identifier(values.get("exports"))
    return joins


def _common_targets(targets: dict[str, tuple[str, ...]],
                    entities: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(kind for kind in targets.get(entities[0], ())
                 if all(kind in targets.get(entity, ()) for entity in entities))
