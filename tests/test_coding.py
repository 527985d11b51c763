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
