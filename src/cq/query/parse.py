"""Query text → `Query` (QUERY.md §1–3).

Every value is checked here (entity kinds, expanders, fields; plain values through
`cq.query.values`, patterns and rules through `cq.query.parse_rules`, the symtable keys and
joins through `cq.query.parse_scopes`) so that later stages only see valid requests; which
entities a key or field applies to is data in `cq.query.keys`; keys
QUERY.md defines but cq does not enforce yet are rejected, never ignored. A query is either an
entity query (`entity=`) or a pattern query (`pattern=` / `pattern.context=`); each key's
shape in the catalogue says which it belongs to.
"""

from __future__ import annotations

import re
from typing import Any

from cq.bounds import check_number, shown
from cq.errors import QuerySyntaxError
from cq.query.config import query_config
from cq.query.keys import (
    ENTITIES,
    EXPAND_DEPTH,
    EXPANDERS_ALL,
    EXPANDERS_SUPPORTED,
    EXPANDERS_WITH_DEPTH,
    FIELD_ENTITIES,
    FIELD_RELATIONS,
    FIELDS_ALL,
    FIELDS_SUPPORTED,
    KEY_BASES,
    KEY_ENTITIES,
    KEYS,
    METAVAR_KEY,
    RELATIONS,
    subkeys_of,
    valid_keys_hint,
)
from cq.query.model import Expander, NameMatch, Query
from cq.query.parse_rules import (
    metavar_name,
    parse_composites,
    parse_meta_filters,
    parse_nth_child,
    parse_pattern,
    parse_relations,
)
from cq.query.parse_scopes import parse_join_keys, parse_scope_keys
from cq.query.tokens import Token, token_error, tokenize, unsupported
from cq.query.values import (
    is_identifier,
    parse_bool,
    parse_int,
    parse_name,
    parse_plain,
    split_list,
)
from cq.rules.build import RuleError, check_config

__all__ = ["DEF_ENTITIES", "Expander", "NameMatch", "Query", "Token", "parse_query", "tokenize"]

DEF_ENTITIES = ("function", "method", "class")  # what a single bare word searches
_error = token_error
_unsupported = unsupported


# --- parsing ---------------------------------------------------------------------------


def parse_query(text: str) -> Query:
    """Parse query text; raise QuerySyntaxError naming the bad token and its position."""
    tokens = tokenize(text)
    if not tokens:
        raise QuerySyntaxError("empty query", hint="try: entity=function name=main")
    if len(tokens) == 1 and tokens[0].key is None and is_identifier(tokens[0].value):
        return Query(entities=DEF_ENTITIES, name=NameMatch(tokens[0].value, "exact"),
                     shorthand=True)
    values = _collect(tokens)
    return _build(values, tokens)


def _collect(tokens: list[Token]) -> dict[str, Token]:
    seen: dict[str, Token] = {}
    for token in tokens:
        _check_token(token)
        assert token.key is not None
        if token.key in seen:
            raise _error(token, f"key {token.key!r} given twice", valid_keys_hint())
        seen[token.key] = token
    return seen


def _check_token(token: Token) -> None:
    if token.key is None:
        raise _error(token, f"expected key=value, got {token.text!r}",
                     "quote a value with spaces: all='[a, b]'; " + valid_keys_hint())
    key = token.key
    if key.startswith("$"):
        metavar_name(token)  # a malformed name is an error now, a good one is checked later
        return
    if key in KEYS and not KEYS[key].supported:
        raise _unsupported(token, f"key {key!r}")
    if key not in KEYS:
        raise _unknown_key(token)


def _unknown_key(token: Token) -> QuerySyntaxError:
    key = token.key or ""
    base, _, sub = key.partition(".")
    if sub == "field" and base in RELATIONS:
        return _error(token, f"{key}= is not allowed: ast-grep accepts field only on "
                      + " and ".join(f"{op}=" for op in FIELD_RELATIONS), f"{base}.stopBy=end")
    if sub and base in KEY_BASES:
        return _error(token, f"unknown key {key!r}",
                      f"{base}= takes " + ", ".join(f"{name}=" for name in subkeys_of(base)))
    return _error(token, f"unknown key {key!r}", valid_keys_hint())


def _spec_name(key: str) -> str:
    return METAVAR_KEY if key.startswith("$") else key


def _check_shape(values: dict[str, Token], shape: str) -> None:
    """Each key belongs to entity queries, pattern queries, or both (the catalogue says)."""
    for key, token in values.items():
        owner = KEYS[_spec_name(key)].shape
        if owner not in ("any", shape):
            raise _error(token, f"{key}= applies to {owner} queries only",
                         "entity=KIND for entity queries, pattern='…' for pattern queries")


def _build(values: dict[str, Token], tokens: list[Token]) -> Query:
    pattern_token = values.get("pattern") or values.get("pattern.context")
    if pattern_token is not None and "entity" in values:
        raise _error(pattern_token, "a query has entity= or pattern=, not both",
                     "entity queries select definitions; pattern queries match code")
    if pattern_token is not None:
        _check_shape(values, "pattern")
        return _checked(_build_pattern(values), pattern_token)
    if "entity" not in values:
        raise _error(tokens[0], "a query needs entity= or pattern=",
                     "entity=" + "|".join(ENTITIES) + " or pattern='…'")
    _check_shape(values, "entity")
    entity = _parse_entity(values["entity"])
    _check_applicable(entity, values)
    return _checked(_build_entity(values, entity), values["entity"])


def _common(values: dict[str, Token]) -> dict[str, Any]:
    """Keys both shapes share: scope, limit, explain, relations and composites."""
    get = values.get
    return {"in_paths": split_list(get("in")), "exclude": split_list(get("exclude")),
            "globs": split_list(get("globs")), "limit": parse_int(get("limit")),
            "explain": bool(parse_bool(get("explain"))), "relations": parse_relations(values),
            "composites": parse_composites(values)}


def _build_pattern(values: dict[str, Token]) -> Query:
    spec = parse_pattern(values)
    assert spec is not None
    common = _common(values)
    patterns = [spec.text, *(relation.pattern for relation in common["relations"])]
    return Query(pattern=spec, nth_child=parse_nth_child(values),
                 meta_filters=parse_meta_filters(values, patterns), **common)


def _build_entity(values: dict[str, Token], entity: str) -> Query:
    get = values.get
    return Query(
        entities=(entity,),
        name=parse_name(get("name")),
        expand=_parse_expand(get("expand")),
        fields=_parse_fields(get("fields"), entity),
        decorated_by=parse_plain(get("decorated_by")),
        decorator_count_min=parse_int(get("decorator_count_min")),
        decorator_count_max=parse_int(get("decorator_count_max")),
        **parse_scope_keys(values),
        **parse_join_keys(values, entity),
        **_common(values),
    )


def _checked(query: Query, token: Token) -> Query:
    """Each pattern compiled alone already; the combined rule must compile too."""
    config = query_config(query)
    if config is not None:
        try:
            check_config(config)
        except RuleError as exc:
            raise _error(token, f"the query's ast-grep rule does not compile: {exc}",
                         "check the relational and composite keys") from None
    return query


def _check_applicable(entity: str, values: dict[str, Token]) -> None:
    """Keys that only mean something for some entities are refused on the others."""
    for key, token in values.items():
        entities = KEY_ENTITIES.get(key)
        if entities is not None and entity not in entities:
            raise _error(token, f"{key}= does not apply to entity={entity}",
                         "it applies to entity=" + "|".join(entities))


def _parse_entity(token: Token) -> str:
    if token.value not in ENTITIES:
        raise _error(token, f"unknown entity {token.value!r}", "entity=" + "|".join(ENTITIES))
    return token.value


_EXPANDER = re.compile(r"(?P<name>[a-z_]+)(?:\(depth=(?P<depth>[^)]*)\))?$")


def _parse_expand(token: Token | None) -> tuple[Expander, ...]:
    if token is None:
        return ()
    expanders = []
    for item in _split_expanders(token.value):
        match = _EXPANDER.match(item)
        name = match.group("name") if match else item
        if not match or name not in EXPANDERS_ALL:
            raise _error(token, f"unknown expander {item!r}",
                         "expand=" + ",".join(EXPANDERS_SUPPORTED) + " with optional (depth=N)")
        if name not in EXPANDERS_SUPPORTED:
            raise _unsupported(token, f"expander {name!r}")
        if match.group("depth") is not None and name not in EXPANDERS_WITH_DEPTH:
            raise _error(token, f"expander {name!r} takes no depth",
                         "(depth=N) applies to " + " and ".join(EXPANDERS_WITH_DEPTH))
        expanders.append(Expander(name, _expand_depth(token, item, match.group("depth"))))
    return tuple(expanders)


def _expand_depth(token: Token, item: str, depth: str | None) -> int:
    if depth is None:
        return 1
    try:
        return int(check_number(depth, EXPAND_DEPTH))
    except ValueError as exc:
        raise _error(token, f"depth in {shown(item)} {exc}", "use (depth=1) to (depth="
                     f"{EXPAND_DEPTH.high})") from None


def _split_expanders(value: str) -> list[str]:
    """Split on commas outside parentheses: `callers(depth=2),callees`."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in value:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [part for part in parts if part]


def _parse_fields(token: Token | None, entity: str) -> tuple[str, ...]:
    if token is None:
        return ("def",)
    fields = split_list(token)
    for field in fields:
        if field not in FIELDS_ALL:
            raise _error(token, f"unknown field {field!r}", "fields=" + ",".join(FIELDS_SUPPORTED))
        if field not in FIELDS_SUPPORTED:
            raise _unsupported(token, f"field {field!r}")
        if entity not in FIELD_ENTITIES[field]:
            valid = [name for name, kinds in FIELD_ENTITIES.items() if entity in kinds]
            raise _error(token, f"fields={field} does not apply to entity={entity}",
                         f"entity={entity} supports fields=" + ",".join(valid))
    return tuple(dict.fromkeys(fields))
