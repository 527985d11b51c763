"""Decoding Python source: PEP 263 coding cookies, byte order marks, the one decoder every
reader of source text uses (`decode_source`), and the text prefilters' view of a file: does
it contain a literal (`source_contains`) or a name as a whole word (`source_has_word`), and
when can a test on the raw bytes stand for a test on the decoded text.

Light on purpose (no parser): the scanner, the stdlib parses (`cq.parsing`) and the pattern
matchers decode with it, so columns agree everywhere; the prefilters answer from the raw bytes
only when the bytes give the decoder's answer, and otherwise search the decoded text, NFKC-
normalised as Python normalises identifiers (`def ｗｗｗ()` defines `www`).
"""

from __future__ import annotations

import codecs
import functools
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
# Wider BOMs, longest first (UTF-32-LE's begins with UTF-16-LE's): a file that starts with one
# is read in that encoding (Python would refuse it; its text is still worth scanning).
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
              (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


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


def wide_bom(data: bytes) -> str | None:
    """"utf-16" or "utf-32" when the file starts with that encoding's byte order mark."""
    if data[:1] not in (b"\xff", b"\xfe", b"\x00"):
        return None  # the common case, answered without a loop
    return next((name for bom, name in _WIDE_BOMS if data.startswith(bom)), None)


def bytes_match_text(data: bytes) -> bool:
    """Can a search for ASCII text in these raw bytes stand for a search in the decoded
    source? True unless a cookie names an encoding that is not ASCII-transparent, or a
    UTF-16/UTF-32 byte order mark says the text is not in single bytes."""
    if wide_bom(data) is not None:
        return False
    encoding = coding_cookie(data)
    return encoding is None or bool(_ASCII_TRANSPARENT.match(encoding))


def decode_source(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Text of a Python source file and the flags saying how it was decoded."""
    wide = wide_bom(data)
    if wide is not None:
        text = data.decode(wide, "replace")  # the codec reads and drops the BOM
        return text, ("null-bytes",) * ("\x00" in text) + (f"decoded-{wide}",)
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


# --- the text prefilters' view of a file -----------------------------------------------------


def nfkc(text: str) -> str:
    """Text as Python compares identifiers: NFKC-normalised (`ﬁle` is `file`). ASCII text is
    its own normal form, so only non-ASCII text imports `unicodedata`."""
    if text.isascii():
        return text
    import unicodedata  # only for a file or name that is not ASCII

    return unicodedata.normalize("NFKC", text)


def search_text(data: bytes) -> str:
    """The decoded source as a prefilter searches it: NFKC-normalised, so a name matches
    every spelling Python reads as that name."""
    return nfkc(decode_source(data)[0])


def raw_answers(data: bytes, literal: str) -> bool:
    """Can the raw bytes answer a search for `literal` (already NFKC) by themselves? Yes for
    an ASCII literal in a file whose encoding keeps ASCII as-is; a miss is final only when
    the file is ASCII too (other characters may normalise to ASCII letters)."""
    return literal.isascii() and bytes_match_text(data)


def ascii_view(data: bytes) -> bytes:
    """The decoded source for a test on ASCII words: the raw bytes when they stand for the
    text, else the text with every other character as `?` (never part of a word)."""
    if bytes_match_text(data):
        return data
    return decode_source(data)[0].encode("ascii", "replace")


def source_contains(data: bytes, literal: str) -> bool:
    """Does the decoded, NFKC-normalised source contain `literal` (NFKC-normalised too)?
    From the raw bytes when they give the decoder's answer, else from the decoded text."""
    literal = nfkc(literal)
    if raw_answers(data, literal):
        if literal.encode("ascii") in data:
            return True
        if not nfkc_may_add(data, literal):
            return False
    return literal in search_text(data)


def source_has_word(data: bytes, word: str) -> bool:
    """Does the decoded, NFKC-normalised source hold `word` (an identifier) with no ASCII
    letter, digit or underscore right before or after it? Every name token that reads as
    `word` does, so a miss proves no name in the file is `word` (`getattr` does not hold
    `get`). Non-ASCII neighbours never reject: a hit is a superset, never a miss."""
    word = nfkc(word)
    if raw_answers(data, word):
        if _word_bytes(word).search(data) is not None:
            return True
        if not nfkc_may_add(data, word):
            return False
    return _word_text(word).search(search_text(data)) is not None


@functools.lru_cache(maxsize=256)
def _word_bytes(word: str) -> re.Pattern[bytes]:
    return re.compile(rb"(?<![A-Za-z0-9_])" + re.escape(word.encode()) + rb"(?![A-Za-z0-9_])")


@functools.lru_cache(maxsize=256)
def _word_text(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<![A-Za-z0-9_])" + re.escape(word) + r"(?![A-Za-z0-9_])")


def nfkc_may_add(data: bytes, literal: str) -> bool:
    """After a miss in the raw bytes of a file whose encoding keeps ASCII as-is: could NFKC
    still put `literal` (ASCII) in its text? Only through a non-ASCII character whose NFKC
    form holds one of the literal's characters (`ﬁ` holds f and i, `ª` holds a); each distinct
    character is looked at once, so most files with accents or dashes are not normalised."""
    if data.isascii():
        return False
    wanted = frozenset(literal)
    return any(_nfkc_ascii(char) & wanted for char in set(_non_ascii_text(data)))


_ASCII_BYTES = bytes(range(128))


def _non_ascii_text(data: bytes) -> str:
    """The file's non-ASCII characters, in order: in an encoding that keeps ASCII as-is they
    are the decoding of the non-ASCII bytes alone."""
    flags = decode_source(data)[1]
    codec = "latin-1" if "decoded-latin-1" in flags else \
        (coding_cookie(data) or "utf-8") if "decoded-cookie" in flags else "utf-8"
    return data.translate(None, _ASCII_BYTES).decode(codec, "replace")


@functools.lru_cache(maxsize=4096)
def _nfkc_ascii(char: str) -> frozenset[str]:
    """The ASCII characters of one character's NFKC form (`ﬁ`: f, i; `é`: none)."""
    return frozenset(c for c in nfkc(char) if c.isascii())
