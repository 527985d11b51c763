"""PEP 263 cookies and whether a bytes search can stand for a text search."""

from __future__ import annotations

import pytest

from cq.coding import bytes_match_text, coding_cookie


@pytest.mark.parametrize(("data", "cookie", "transparent"), [
    (b"x = 1\n", None, True),
    (b"# -*- coding: utf-8 -*-\n", None, True),
    (b"# coding: latin-1\n", "latin-1", True),
    (b"#!/bin/python\n# vim: fileencoding=cp1252\n", "cp1252", True),
    (b"# coding=iso-8859-15\n", "iso-8859-15", True),
    (b"# coding: unicode_escape\n", "unicode-escape", False),
    (b"# coding: utf-16\n", "utf-16", False),
    (b"# coding: rot13\n", "rot13", False),
    (b"x = 1\n# coding: rot13\n", None, True),  # after code on line 1: not a cookie
])
def test_cookies(data: bytes, cookie: str | None, transparent: bool) -> None:
    assert coding_cookie(data) == cookie
    assert bytes_match_text(data) is transparent


def _nfkc(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", text)


LATIN1 = b"# -*- coding: latin-1 -*-\n"
CONTAINS = [
    pytest.param(LATIN1 + "def café(): pass\n".encode("latin-1"), "café", id="latin-1-cookie"),
    pytest.param("def naïve(): pass\n".encode("latin-1"), "naïve", id="latin-1-fallback"),
    pytest.param(b"# coding: cp1252\n" + "def caf\u00e9_\u0153(): pass\n".encode("cp1252"),
                 "café_œ", id="cp1252-cookie"),
    pytest.param("def café(): pass\n".encode(), "café", id="utf-8"),
    pytest.param("\ufeffdef café(): pass\n".encode(), "café", id="utf-8-bom"),
    pytest.param("def join(): pass\n".encode("utf-16"), "join", id="utf-16-ascii-name"),
    pytest.param("def café(): pass\n".encode("utf-16"), "café", id="utf-16"),
    pytest.param("def café(): pass\n".encode("utf-32"), "café", id="utf-32"),
    pytest.param(b"# coding: unicode_escape\ndef caf\\u00e9(): pass\n", "café",
                 id="unicode-escape"),
    pytest.param(b"# coding: unicode_escape\n\\x6aoin(x)\n", "join",
                 id="unicode-escape-ascii-name"),
    pytest.param("def ｗｗｗ(): pass\n".encode(), "www", id="nfkc-fullwidth"),
    pytest.param("def ﬁle(): pass\n".encode(), "file", id="nfkc-ligature"),
    pytest.param(b"# coding: latin-1\ndef f\xba(): pass\n", "fo", id="nfkc-latin-1-ordinal"),
    pytest.param("s = 'caf\u00e9 \u2014 na\u00efve\u2026\u00a0'\n".encode(), "join",
                 id="miss-among-accents-and-dashes"),
    pytest.param("x = 'ünrelated'\n".encode(), "join", id="miss-non-ascii"),
    pytest.param(b"x = 1\n", "join", id="miss-ascii"),
    pytest.param("def café(): pass\n".encode("latin-1"), "caf\u00e9s", id="miss-latin-1"),
]


@pytest.mark.parametrize(("data", "literal"), CONTAINS)
def test_source_contains_agrees_with_the_decoder(data: bytes, literal: str) -> None:
    from cq.coding import decode_source, source_contains

    expected = _nfkc(literal) in _nfkc(decode_source(data)[0])
    assert source_contains(data, literal) is expected
    assert expected or literal in ("join", "caf\u00e9s")  # the table's hits are hits


WORDS = [
    pytest.param(b"d.get(k)\n", "get", True, id="attribute"),
    pytest.param(b"get(k)\n", "get", True, id="bare"),
    pytest.param(b"x = getattr(d, k)\n", "get", False, id="prefix-of-a-name"),
    pytest.param(b"x = forget(d)\n", "get", False, id="suffix-of-a-name"),
    pytest.param(b"x = get2(d)\n", "get", False, id="digit-after"),
    pytest.param(b"x = d.\\\n    get(k)\n", "get", True, id="continuation"),
    pytest.param("x = \u00e9get(k)\n".encode(), "get", True, id="non-ascii-neighbour-is-a-hit"),
    pytest.param("x = d.ｇｅｔ(k)\n".encode(), "get", True, id="nfkc-fullwidth"),
    pytest.param("x = d.ｇｅｔter(k)\n".encode(), "get", False, id="nfkc-fullwidth-prefix"),
    pytest.param("x = d.get(k)\n".encode("utf-16"), "get", True, id="utf-16"),
    pytest.param(b"# coding: unicode_escape\nd.\\x67et(k)\n", "get", True,
                 id="unicode-escape"),
    pytest.param(b"# coding: latin-1\nd.g\xe9t(k)\n", "get", False, id="latin-1-miss"),
]


@pytest.mark.parametrize(("data", "word", "found"), WORDS)
def test_source_has_word(data: bytes, word: str, found: bool) -> None:
    from cq.coding import source_contains, source_has_word

    assert source_has_word(data, word) is found
    assert not found or source_contains(data, word)  # a word is always a substring too
