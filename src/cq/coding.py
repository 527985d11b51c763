"""Decoding Python source: PEP 263 coding cookies, the one decoder every reader of source text
uses (`decode_source`), and whether a test on the raw bytes can stand for a test on the decoded
text.

Light on purpose (no parser): the scanner, the stdlib parses (`cq.parsing`) and the pattern
matchers decode with it, so columns agree everywhere; the index session's text prefilters ask
it whether the bytes can be trusted.
"""

from __future__ import annotations

import codecs
import re

# A comment in the first or second line naming the encoding.
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)
_UTF8_NAMES = frozenset({"utf-8", "utf8"})
# Encodings in which ASCII text is its own bytes and no other bytes decode to ASCII: in a file
# declaring one of them (or none), `b"def join"` is in the bytes exactly when "def join" is in
# the text. Anything else (unicode_escape, utf-16, rot13, ...) must be decoded first.
_ASCII_TRANSPARENT = re.compile(r"^(ascii|us-ascii|latin-?1|l1|iso-?8859-\d+|cp125\d|"
                                r"windows-125\d|iso-latin-1)$")
_BOM = codecs.BOM_UTF8


def coding_cookie(data: bytes) -> str | None:
    """The encoding a PEP 263 cookie names, unless it is UTF-8 (the default anyway)."""
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1) if first >= 0 else -1
    head = data if second < 0 else data[:second]
    match = _COOKIE.search(head)
    if match is None:
        return None
    before = head[:match.start()].strip()
    if before and not before.startswith(b"#"):
        return None  # the cookie is on line 2 but line 1 is code: Python ignores it
    name = match.group(1).decode("ascii", "replace").lower().replace("_", "-")
    return None if name in _UTF8_NAMES or name.startswith("utf-8-") else name


def bytes_match_text(data: bytes) -> bool:
    """Can a search for ASCII text in these raw bytes stand for a search in the decoded
    source? True unless a cookie names an encoding that is not ASCII-transparent."""
    encoding = coding_cookie(data)
    return encoding is None or bool(_ASCII_TRANSPARENT.match(encoding))


def decode_source(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Text of a Python source file and the flags saying how it was decoded."""
    flags = ("null-bytes",) if b"\x00" in data else ()
    if data.isascii() and bytes_match_text(data):  # a cookie like unicode_escape still counts
        return data.decode("ascii"), flags
    if data.startswith(_BOM):
        return data[len(_BOM):].decode("utf-8", "replace"), flags
    encoding = coding_cookie(data)
    if encoding is not None:
        try:
            return data.decode(encoding), (*flags, "decoded-cookie")
        except (UnicodeDecodeError, LookupError):
            pass  # a cookie that lies or names no codec: fall through to UTF-8
    try:
        return data.decode("utf-8"), flags
    except UnicodeDecodeError:
        return data.decode("latin-1"), (*flags, "decoded-latin-1")
