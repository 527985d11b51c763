"""Query text → `Query` (QUERY.md §1–2).

Tokenising keeps each token's position so an error can point at it. Every value is checked
here (entity kinds, regexes, integers, expanders, fields) so that later stages only see valid
requests; keys QUERY.md defines but cq does not enforce yet are rejected, never ignored.
"""

from __future__ import annotations

import re

import msgspec

from cq.errors import QuerySyntaxError, UnsupportedKeyError
from cq.query.keys import (
    ENTITIES,
    EXPANDERS_ALL,
    EXPANDERS_SUPPORTED,
    FIELDS_ALL,
    FIELDS_SUPPORTED,
    KEYS,
    RELATIONAL,
    valid_keys_hint,
)

DEF_ENTITIES = ("function", "method", "class")  # what a single bare word searches


class Token(msgspec.Struct, frozen=True):
    text: str  # the raw token as typed (for messages)
    key: str | None
    value: str
    position: int  # 0-based offset in the query text


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


class Expander(msgspec.Struct, frozen=True):
    name: str
    depth: int = 1


class Query(msgspec.Struct, frozen=True, kw_only=True):
    entities: tuple[str, ...]
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

    def canonical(self) -> str:
        """A stable text for this request: equal queries give equal text (cache keys)."""
        return msgspec.json.encode(self, order="sorted").decode()


# --- tokenising -------------------------------------------------------------------------


def tokenize(text: str) -> list[Token]:
    """Split query text into tokens; quotes group, a backslash escapes the quote char."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        token, pos = _read_token(text, pos)
        tokens.append(token)
    return tokens


def _read_token(text: str, start: int) -> tuple[Token, int]:
    pos, key_end = start, -1
    out: list[str] = []
    while pos < len(text) and not text[pos].isspace():
        char = text[pos]
        if char in "'\"":
            value, pos = _read_quoted(text, pos)
            out.append(value)
            continue
        if char == "=" and key_end < 0:
            key_end = len(out)
            out.append("=")
        else:
            out.append(char)
        pos += 1
    raw = text[start:pos]
    if key_end < 0:
        return Token(raw, None, "".join(out), start), pos
    return Token(raw, "".join(out[:key_end]), "".join(out[key_end + 1:]), start), pos


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    quote, pos, out = text[start], start + 1, []
    while pos < len(text):
        char = text[pos]
        if char == "\\" and pos + 1 < len(text) and text[pos + 1] in (quote, "\\"):
            out.append(text[pos + 1])
            pos += 2
            continue
        if char == quote:
            return "".join(out), pos + 1
        out.append(char)
        pos += 1
    raise QuerySyntaxError(f"unterminated quote starting at position {start}",
                           token=text[start:], position=start,
                           hint="close the quote or escape it with a backslash")


# --- parsing ---------------------------------------------------------------------------


def parse_query(text: str) -> Query:
    """Parse query text; raise QuerySyntaxError naming the bad token and its position."""
    tokens = tokenize(text)
    if not tokens:
        raise QuerySyntaxError("empty query", hint="try: entity=function name=main")
    if len(tokens) == 1 and tokens[0].key is None and _is_identifier(tokens[0].value):
        return Query(entities=DEF_ENTITIES, name=NameMatch(tokens[0].value, "exact"),
                     shorthand=True)
    values = _collect(tokens)
    return _build(values, tokens)


def _is_identifier(word: str) -> bool:
    return all(part.isidentifier() for part in word.split("."))


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
        raise _error(token, f"expected key=value, got {token.text!r}", valid_keys_hint())
    key = token.key
    base = key.split(".", 1)[0]
    if key.startswith("$"):
        raise _unsupported(token, "metavariable filters ($X=~re) need pattern queries")
    if key in KEYS and not KEYS[key].supported:
        raise _unsupported(token, f"key {key!r}")
    if "." in key and base in RELATIONAL + ("pattern",) and base in KEYS:
        raise _unsupported(token, f"key {key!r}")
    if key not in KEYS:
        raise _error(token, f"unknown key {key!r}", valid_keys_hint())


def _error(token: Token, message: str, hint: str) -> QuerySyntaxError:
    return QuerySyntaxError(f"{message} at position {token.position}", token=token.text,
                            position=token.position, hint=hint)


def _unsupported(token: Token, what: str) -> UnsupportedKeyError:
    return UnsupportedKeyError(
        f"{what} is not supported yet (token {token.text!r} at position {token.position})",
        token=token.text, position=token.position, hint=valid_keys_hint())


def _build(values: dict[str, Token], tokens: list[Token]) -> Query:
    if "entity" not in values:
        raise _error(tokens[0], "an entity query needs entity=",
                     "entity=" + "|".join(ENTITIES))
    get = values.get
    query = Query(
        entities=(_parse_entity(values["entity"]),),
        name=_parse_name(get("name")),
        in_paths=_split_list(get("in")),
        exclude=_split_list(get("exclude")),
        globs=_split_list(get("globs")),
        expand=_parse_expand(get("expand")),
        fields=_parse_fields(get("fields")),
        limit=_parse_int(get("limit"), minimum=1),
        explain=_parse_bool(get("explain")),
        decorated_by=_parse_plain(get("decorated_by")),
        decorator_count_min=_parse_int(get("decorator_count_min"), minimum=0),
        decorator_count_max=_parse_int(get("decorator_count_max"), minimum=0),
    )
    _check_applicable(query, values)
    return query


_DEF_ONLY_KEYS = ("decorated_by", "decorator_count_min", "decorator_count_max", "expand")
_DEF_ONLY_FIELDS = ("loc", "decorators", "callers", "callees")


def _check_applicable(query: Query, values: dict[str, Token]) -> None:
    """Keys that only mean something for definitions are refused on other entities."""
    if set(query.entities) <= set(DEF_ENTITIES + ("decorator",)):
        return
    entity = query.entities[0]
    for key in _DEF_ONLY_KEYS:
        if key in values:
            raise _error(values[key], f"{key}= does not apply to entity={entity}",
                         "it applies to entity=function|method|class|decorator")
    for field in query.fields:
        if field in _DEF_ONLY_FIELDS:
            raise _error(values["fields"], f"fields={field} does not apply to entity={entity}",
                         "entity=" + entity + " supports fields=def")


def _parse_entity(token: Token) -> str:
    if token.value not in ENTITIES:
        raise _error(token, f"unknown entity {token.value!r}", "entity=" + "|".join(ENTITIES))
    return token.value


def _parse_name(token: Token | None) -> NameMatch | None:
    if token is None:
        return None
    value = token.value
    if value.startswith("~"):
        try:
            re.compile(value[1:])
        except re.error as exc:
            raise _error(token, f"invalid regex {value[1:]!r}: {exc}",
                         "name=~ takes a Python regular expression") from exc
        return NameMatch(value[1:], "regex")
    if not value or not _is_identifier(value):
        raise _error(token, f"invalid name {value!r}",
                     "name= takes an identifier, a dotted name, or ~regex")
    return NameMatch(value, "dotted" if "." in value else "exact")


def _split_list(token: Token | None) -> tuple[str, ...]:
    if token is None:
        return ()
    items = tuple(item.strip() for item in token.value.split(",") if item.strip())
    if not items:
        raise _error(token, f"empty value for {token.key}=", "give a comma-separated list")
    return items


_EXPANDER = re.compile(r"(?P<name>[a-z_]+)(?:\(depth=(?P<depth>\d+)\))?$")


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
        depth = int(match.group("depth") or 1)
        if depth < 1:
            raise _error(token, f"depth must be >= 1 in {item!r}", "use (depth=1) or more")
        expanders.append(Expander(name, depth))
    return tuple(expanders)


def _split_expanders(value: str) -> list[str]:
    """Split on commas outside parentheses: `callers(depth=2),callees`."""
    parts, depth, current = [], 0, []
    for char in value:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [part for part in parts if part]


def _parse_fields(token: Token | None) -> tuple[str, ...]:
    if token is None:
        return ("def",)
    fields = _split_list(token)
    for field in fields:
        if field not in FIELDS_ALL:
            raise _error(token, f"unknown field {field!r}", "fields=" + ",".join(FIELDS_SUPPORTED))
        if field not in FIELDS_SUPPORTED:
            raise _unsupported(token, f"field {field!r}")
    return tuple(dict.fromkeys(fields))


def _parse_int(token: Token | None, minimum: int) -> int | None:
    if token is None:
        return None
    try:
        value = int(token.value)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise _error(token, f"{token.key}= needs an integer >= {minimum}, got {token.value!r}",
                     KEYS[token.key or ""].example)
    return value


def _parse_bool(token: Token | None) -> bool:
    if token is None:
        return False
    lowered = token.value.lower()
    if lowered not in ("true", "false", "1", "0", "yes", "no"):
        raise _error(token, f"{token.key}= takes true or false, got {token.value!r}",
                     f"{token.key}=true")
    return lowered in ("true", "1", "yes")


def _parse_plain(token: Token | None) -> str | None:
    if token is None:
        return None
    value = token.value.lstrip("@")
    if not value:
        raise _error(token, f"empty value for {token.key}=", KEYS[token.key or ""].example)
    return value
