"""Regexes the user types (`name=~`, join names such as `used_by=function:~re`, and the result
filters `--include ~re` / `--exclude ~re`): compiled by RE2, so every match runs in time
linear in the text, whatever the pattern.

Owns reading Python's regex syntax into RE2's (`to_re2`), compiling it once per pattern, and
turning RE2's refusal into one BadInputError line that names the key, the regex and the
reason. Metavariable filters (`$X=~re`) are not here: ast-grep runs them with Rust's regex,
also linear, and `cq.query.parse_rules` checks them by compiling them there.

Where Python and RE2 read a pattern differently, the Python meaning is kept: `\\d`, `\\w`,
`\\s` (and their negations) are Unicode classes as in Python's `re`, `\\Z` is the end of the
text, `x{,n}` is `x{0,n}`, and `\\uXXXX`, `\\UXXXXXXXX`, `\\N{NAME}` name code points. What
RE2 cannot run in linear time (look-around, backreferences, atomic groups, possessive
quantifiers) is refused, and so are `\\W` and `\\S` inside a `[...]` class, which RE2 can only
read as ASCII. `\\b` and `\\B` see only ASCII letters, digits and `_` as word characters.
`re2` itself is imported on the first compile, so runs without a user regex never load it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cq.errors import BadInputError

HINT = "look-around and backreferences are not supported: cq runs regexes in linear time, on RE2"
_CLASS_HINT = (r"write (?:[...]|\W) instead: RE2 cannot negate a Unicode class inside [...], "
               "and cq runs regexes in linear time")
# Python's `\s` on str: exactly the characters for which str.isspace() is true.
_SPACE = (r"\t\n\x0b\f\r\x1c-\x1f \x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
          r"\x{202f}\x{205f}\x{3000}")
_WORD = r"\p{L}\p{N}_"  # Python's `\w` on str: str.isalnum() or `_`
# Escapes whose Python meaning RE2 spells differently, outside and inside a class.
_OUTSIDE = {"d": r"\p{Nd}", "D": r"\P{Nd}", "w": f"[{_WORD}]", "W": f"[^{_WORD}]",
            "s": f"[{_SPACE}]", "S": f"[^{_SPACE}]", "Z": r"\z"}
_INSIDE = {"d": r"\p{Nd}", "D": r"\P{Nd}", "w": _WORD, "s": _SPACE, "b": r"\x08"}
_CODE_POINT = {"u": 4, "U": 8}  # \uXXXX, \UXXXXXXXX: hex digits
_MEMO_SIZE = 1 << 16  # texts remembered per regex (names repeat: __init__, main, run ...)


class _Refused(Exception):
    def __init__(self, reason: str, hint: str = HINT) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


class UserRegex:
    """One compiled user regex; `search(text)` says whether it matches anywhere in text."""

    __slots__ = ("_regexp", "_seen", "pattern")

    def __init__(self, pattern: str, regexp: Any) -> None:
        self.pattern = pattern
        self._regexp = regexp
        self._seen: dict[str, bool] = {}

    def search(self, text: str) -> bool:
        found = self._seen.get(text)
        if found is None:
            if len(self._seen) >= _MEMO_SIZE:
                self._seen.clear()
            # bytes: a path decoded with surrogateescape still encodes
            data = text.encode("utf-8", "surrogateescape")
            found = self._seen[text] = self._regexp.search(data) is not None
        return found


def user_regex(pattern: str, key: str) -> UserRegex:
    """The compiled regex, or a BadInputError naming `key` (`name=`, `--include`, ...)."""
    try:
        return _compiled(pattern)
    except _Refused as exc:
        raise BadInputError(f"invalid regex {pattern!r} in {key}: {exc.reason}",
                            hint=exc.hint) from None


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> UserRegex:
    import re2  # ~1.5 ms (from bytecode): only runs with a user regex pay for it

    options = re2.Options()
    options.log_errors = False  # RE2 would log every refusal to stderr (absl `E0000 ...`)
    options.never_capture = True  # only "does it match" is asked: groups cost time
    try:
        return UserRegex(pattern, re2.compile(to_re2(pattern), options))
    except re2.error as exc:
        raise _Refused(_reason(exc)) from None


def _reason(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else "invalid regex"
    text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
    return " ".join(text.split())


# ---------------------------------------------------------------- Python syntax → RE2 syntax


def to_re2(pattern: str) -> str:
    """The pattern in RE2's syntax with Python's meaning; raises _Refused for what RE2 cannot
    say. Everything RE2 reads as Python does is copied unchanged."""
    out: list[str] = []
    pos, in_class = 0, False
    while pos < len(pattern):
        char = pattern[pos]
        if char == "\\":
            text, pos = _escape(pattern, pos, in_class)
        elif in_class:
            text, pos, in_class = char, pos + 1, char != "]"
        elif char == "[":
            text, in_class = _class_start(pattern, pos), True
            pos += len(text)
        elif char == "{":
            text, pos = _brace(pattern, pos)
        else:
            text, pos = char, pos + 1
        out.append(text)
    return "".join(out)


def _class_start(pattern: str, pos: int) -> str:
    """`[`, `[^`, and a `]` right after them, which is a literal in both engines."""
    end = pos + 1
    if pattern.startswith("^", end):
        end += 1
    if pattern.startswith("]", end):
        end += 1
    return pattern[pos:end]


def _brace(pattern: str, pos: int) -> tuple[str, int]:
    """Python reads `x{,n}` as `x{0,n}`; RE2 would read it as literal text."""
    close = pattern.find("}", pos)
    inner = pattern[pos + 2:close] if close > pos else ""
    if pattern.startswith("{,", pos) and inner.isdigit() and inner.isascii():
        return "{0," + inner + "}", close + 1
    return "{", pos + 1


def _escape(pattern: str, pos: int, in_class: bool) -> tuple[str, int]:
    letter = pattern[pos + 1:pos + 2]
    table = _INSIDE if in_class else _OUTSIDE
    if letter in table:
        return table[letter], pos + 2
    if in_class and letter in ("W", "S"):
        raise _Refused(f"\\{letter} inside [...]", _CLASS_HINT)
    if letter in _CODE_POINT:
        return _code_point(pattern, pos, _CODE_POINT[letter])
    if letter == "N" and pattern.startswith("{", pos + 2):
        return _named(pattern, pos)
    return pattern[pos:pos + 2], pos + 2  # RE2 reads the rest as Python does, or refuses


def _code_point(pattern: str, pos: int, digits: int) -> tuple[str, int]:
    hex_digits = pattern[pos + 2:pos + 2 + digits]
    if len(hex_digits) != digits or not all(c in "0123456789abcdefABCDEF" for c in hex_digits):
        raise _Refused(f"incomplete escape {pattern[pos:pos + 2 + digits]}",
                       f"\\{pattern[pos + 1]} takes {digits} hex digits")
    return "\\x{" + hex_digits + "}", pos + 2 + digits


def _named(pattern: str, pos: int) -> tuple[str, int]:
    import unicodedata  # only for \N{...}

    close = pattern.find("}", pos)
    name = pattern[pos + 3:close] if close > pos else ""
    try:
        char = unicodedata.lookup(name)
    except KeyError:
        raise _Refused(f"undefined character name {name!r}",
                       r"\N{...} takes a Unicode character name") from None
    return f"\\x{{{ord(char):x}}}", close + 1
