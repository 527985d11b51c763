"""Plain values of `q` keys: names, booleans, integers, lists, `entity:name` join targets.
Integers are checked against the range their key declares in `cq.query.keys`.

Shared by `cq.query.parse` (the core keys) and `cq.query.parse_scopes` (symtable and join
keys); every function raises a QuerySyntaxError naming the token on a bad value.
"""

from __future__ import annotations

from cq.bounds import check_number
from cq.errors import BadInputError
from cq.query.keys import KEYS
from cq.query.model import Join, NameMatch
from cq.query.tokens import Token, token_error
from cq.spelling import suggest
from cq.userregex import user_regex

_TRUE = ("true", "1", "yes")
_BOOLS = (*_TRUE, "false", "0", "no")


def is_identifier(word: str) -> bool:
    return all(part.isidentifier() for part in word.split("."))


def name_value(token: Token, value: str, *, regex: bool = True) -> NameMatch:
    """`foo` (exact), `pkg.mod.foo` (dotted suffix) or, when allowed, `~regex` (compiled here,
    so a regex RE2 refuses is a QuerySyntaxError naming the token)."""
    if regex and value.startswith("~"):
        try:
            user_regex(value[1:], f"{token.key}=")
        except BadInputError as exc:
            raise token_error(token, exc.message, exc.hint or "") from None
        return NameMatch(value[1:], "regex")
    if not value or not is_identifier(value):
        hint = "an identifier, a dotted name" + (", or ~regex" if regex else "")
        raise token_error(token, f"invalid name {value!r}", f"{token.key}= takes {hint}")
    return NameMatch(value, "dotted" if "." in value else "exact")


def parse_name(token: Token | None) -> NameMatch | None:
    return None if token is None else name_value(token, token.value)


def parse_join(token: Token | None, kinds: tuple[str, ...], *,
               regex: bool = True) -> Join | None:
    """`entity:name` with entity one of `kinds` (the query's entity decides which)."""
    if token is None:
        return None
    entity, sep, name = token.value.partition(":")
    example = f"{token.key}={kinds[0] if kinds else 'ENTITY'}:NAME"
    if not sep or not name:
        raise token_error(token, f"{token.key}= takes ENTITY:NAME, got {token.value!r}", example)
    if entity not in kinds:
        raise token_error(token, f"{token.key}= does not take entity {entity!r} here",
                          f"{token.key}=" + "|".join(kinds) + ":NAME")
    return Join(entity=entity, name=name_value(token, name, regex=regex))


def parse_bool(token: Token | None) -> bool | None:
    if token is None:
        return None
    lowered = token.value.lower()
    if lowered not in _BOOLS:
        raise token_error(token, f"{token.key}= takes true or false, got {token.value!r}",
                          f"{token.key}=true")
    return lowered in _TRUE


def parse_int(token: Token | None) -> int | None:
    """A whole number within the range the key declares (`KeySpec.bounds`)."""
    if token is None:
        return None
    spec = KEYS[token.key or ""]
    assert spec.bounds is not None  # only numeric keys are read as numbers
    try:
        return int(check_number(token.value, spec.bounds))
    except ValueError as exc:
        raise token_error(token, f"{token.key}= {exc}", spec.example) from None


def parse_plain(token: Token | None) -> str | None:
    if token is None:
        return None
    value = token.value.lstrip("@")
    if not value:
        raise token_error(token, f"empty value for {token.key}=", KEYS[token.key or ""].example)
    return value


def parse_identifier(token: Token | None) -> str | None:
    if token is None:
        return None
    if not token.value.isidentifier():
        raise token_error(token, f"{token.key}= takes a Python identifier, got {token.value!r}",
                          KEYS[token.key or ""].example)
    return token.value


def parse_choice(token: Token | None, choices: tuple[str, ...]) -> str | None:
    if token is None:
        return None
    if token.value not in choices:
        raise token_error(token, f"unknown {token.key} {token.value!r}",
                          suggest(token.value, choices, spell=f"{token.key}={{}}",
                                  listed=f"{token.key}=" + "|".join(choices)))
    return token.value


def split_list(token: Token | None) -> tuple[str, ...]:
    if token is None:
        return ()
    items = tuple(item.strip() for item in token.value.split(",") if item.strip())
    if not items:
        raise token_error(token, f"empty value for {token.key}=", "give a comma-separated list")
    return items

