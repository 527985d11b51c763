"""Query text → tokens (QUERY.md §1), and the errors that point at a token.

A token is `key=value` or a bare word. A value is a bare run of non-space characters, or
quoted with `'…'`/`"…"` when the quote opens the value (a backslash escapes the quote
character). A quote in the middle of a bare value is an ordinary character, so
`$N=!~^['"]` is the key `$N` with the value `!~^['"]`.
"""

from __future__ import annotations

import msgspec

from cq.errors import QuerySyntaxError, UnsupportedKeyError
from cq.query.keys import valid_keys_hint

_QUOTES = "'\""


class Token(msgspec.Struct, frozen=True):
    text: str  # the raw token as typed (for messages)
    key: str | None
    value: str
    position: int  # 0-based offset in the query text


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
    pos, key = start, None
    out: list[str] = []
    while pos < len(text) and not text[pos].isspace():
        char = text[pos]
        if char in _QUOTES and not out:  # only a quote that opens the token or the value
            value, pos = _read_quoted(text, pos)
            out.append(value)
            continue
        if char == "=" and key is None:
            key, out = "".join(out), []
        else:
            out.append(char)
        pos += 1
    return Token(text[start:pos], key, "".join(out), start), pos


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


def token_error(token: Token, message: str, hint: str) -> QuerySyntaxError:
    return QuerySyntaxError(f"{message} at position {token.position}", token=token.text,
                            position=token.position, hint=hint)


def unsupported(token: Token, what: str) -> UnsupportedKeyError:
    return UnsupportedKeyError(
        f"{what} is not supported yet (token {token.text!r} at position {token.position})",
        token=token.text, position=token.position, hint=valid_keys_hint())
