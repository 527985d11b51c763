"""A def/class header as a pattern: the complete definitions it opens."""

from __future__ import annotations

import pytest

from cq.rules.headers import header_variants


@pytest.mark.parametrize(
    ("text", "variants"),
    [
        ("class Handler", ("class Handler: $$$", "class Handler($$$): $$$")),
        ("class Handler:", ("class Handler: $$$", "class Handler($$$): $$$")),
        ("  class $C  ", ("class $C: $$$", "class $C($$$): $$$")),
        ("class Handler(Base)", ("class Handler(Base): $$$",)),
        ("def load", ("def load($$$): $$$", "def load($$$) -> $_: $$$")),
        ("def $F($$$)", ("def $F($$$): $$$", "def $F($$$) -> $_: $$$")),
        ("async def $F", ("async def $F($$$): $$$", "async def $F($$$) -> $_: $$$")),
        ("def f(x) -> int", ("def f(x) -> int: $$$",)),
        ("def f(x: int,\n      y)", ("def f(x: int,\n      y): $$$",
                                      "def f(x: int,\n      y) -> $_: $$$")),
    ],
)
def test_headers(text: str, variants: tuple[str, ...]) -> None:
    assert header_variants(text) == variants


@pytest.mark.parametrize(
    "text",
    ["def f(): pass", "class A: $$$", "def $F($$$): $$$", "def f(x", "class A(B", "class",
     "def", "defx y", "class A.B", "def f() pass", "f(x)", "print $X", "lambda: $X"],
)
def test_not_headers(text: str) -> None:
    assert header_variants(text) is None
