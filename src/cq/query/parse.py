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

import msgspec

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
    METAVAR_KIND_KEY,
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
from cq.spelling import suggest

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
    word = _bare_name(tokens)
    keyed = [token for token in tokens if token is not word]
    values = _collect(keyed)
    if word is None:
        return _build(values, tokens)
    return _build_named(word, values)


def _bare_name(tokens: list[Token]) -> Token | None:
    """The one bare word that names what to find (`cq q "save in=pkg"`), if any: an
    identifier or a dotted name. Any other bare word is left for `_check_token` to refuse."""
    bare = [t for t in tokens if t.key is None and t.value and is_identifier(t.value)]
    if len(bare) > 1:
        raise _error(bare[1], f"one bare name at most, got {bare[0].text!r} and "
                     f"{bare[1].text!r}",
                     "give the others as key=value (in=pkg), or quote a value with spaces")
    return bare[0] if bare else None


def _build_named(word: Token, values: dict[str, Token]) -> Query:
    """A bare name with keys: the name of an entity query (functions, methods and classes
    unless `entity=` says otherwise)."""
    for key in ("name", "pattern", "pattern.context"):
        if key in values:
            raise _error(values[key], f"{key}= cannot be combined with the bare name "
                         f"{word.text!r}", f"drop one: name={word.text} is the bare name")
    values = {**values, "name": Token(word.text, "name", word.value, word.position)}
    if "entity" in values:
        return _build(values, [word])
    _check_shape(values, "entity")
    _check_applicable(DEF_ENTITIES, values, "a bare name")
    query = _build_entity(values, DEF_ENTITIES)
    return _checked(msgspec.structs.replace(query, shorthand=True), word)


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
    return _error(token, f"unknown key {key!r}",
                  suggest(key, KEYS, spell="{}=", listed=valid_keys_hint()))


def _spec_name(key: str) -> str:
    if key.startswith("$"):
        return METAVAR_KIND_KEY if key.endswith(".kind") else METAVAR_KEY
    return key


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
    entities = _parse_entities(values["entity"])
    _check_applicable(entities, values, "entity=" + ",".join(entities))
    return _checked(_build_entity(values, entities), values["entity"])


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


def _build_entity(values: dict[str, Token], entities: tuple[str, ...]) -> Query:
    get = values.get
    return Query(
        entities=entities,
        name=parse_name(get("name")),
        subclass_of=parse_name(get("subclass_of")),
        expand=_parse_expand(get("expand")),
        fields=_parse_fields(get("fields"), entities),
        decorated_by=parse_plain(get("decorated_by")),
        decorator_count_min=parse_int(get("decorator_count_min")),
        decorator_count_max=parse_int(get("decorator_count_max")),
        **parse_scope_keys(values),
        **parse_join_keys(values, entities),
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


def _check_applicable(entities: tuple[str, ...], values: dict[str, Token], what: str) -> None:
    """Keys that only mean something for some entities are refused on the others (every
    entity a query selects must be one the key applies to)."""
    for key, token in values.items():
        applies = KEY_ENTITIES.get(key)
        for entity in entities:
            if applies is not None and entity not in applies:
                within = "" if what == f"entity={entity}" else f" (in {what})"
                raise _error(token, f"{key}= does not apply to entity={entity}{within}",
                             "it applies to entity=" + "|".join(applies))


def _parse_entities(token: Token) -> tuple[str, ...]:
    """`entity=KIND` or a comma list of kinds, in the catalogue's order (so `method,function`
    and `function,method` are one query). `decorator` selects defs of every kind by their
    decorators, so it stands alone."""
    kinds = split_list(token)
    for kind in kinds:
        if kind not in ENTITIES:
            raise _error(token, f"unknown entity {kind!r}",
                         suggest(kind, ENTITIES, spell="entity={}",
                                 listed="entity=" + "|".join(ENTITIES)
                                 + ", or a comma list of them"))
    if "decorator" in kinds and len(set(kinds)) > 1:
        raise _error(token, "entity=decorator cannot be combined with other entities",
                     "it selects decorated functions, methods and classes; "
                     "use decorated_by= or decorator_count_min=1 with the others")
    return tuple(kind for kind in ENTITIES if kind in kinds)


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
                         suggest(name, EXPANDERS_SUPPORTED, spell="expand={}",
                                 listed="expand=" + ",".join(EXPANDERS_SUPPORTED)
                                 + " with optional (depth=N)"))
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


def _parse_fields(token: Token | None, entities: tuple[str, ...]) -> tuple[str, ...]:
    if token is None:
        return ("def",)
    fields = split_list(token)
    for field in fields:
        if field not in FIELDS_ALL:
            raise _error(token, f"unknown field {field!r}",
                         suggest(field, FIELDS_SUPPORTED, spell="fields={}",
                                 listed="fields=" + ",".join(FIELDS_SUPPORTED)))
        if field not in FIELDS_SUPPORTED:
            raise _unsupported(token, f"field {field!r}")
        for entity in entities:
            if entity not in FIELD_ENTITIES[field]:
                valid = [name for name, kinds in FIELD_ENTITIES.items()
                         if set(entities) <= set(kinds)]
                shown_as = "entity=" + ",".join(entities)
                raise _error(token, f"fields={field} does not apply to entity={entity}",
                             f"{shown_as} supports fields=" + ",".join(valid))
    return tuple(dict.fromkeys(fields))
