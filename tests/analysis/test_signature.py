"""A def's signature as text (`cq.analysis.signature`), type parameters included."""

from __future__ import annotations

import pytest

from cq.analysis.signature import param_names, signature
from cq.scan import scan_source


@pytest.mark.parametrize(("source", "expected"), [
    ("def f(a, /, b=1, *args, c, **kw) -> int: pass\n",
     "def f(a, /, b=1, *args, c, **kw) -> int"),
    ("def first[T](p: Pair[T]) -> T: pass\n", "def first[T](p: Pair[T]) -> T"),
    ("async def g[T, *Ts, **P](x: T) -> None: pass\n",
     "async def g[T, *Ts, **P](x: T) -> None"),
    ("class Box[T](Base): pass\n", "class Box[T](Base)"),
    ("class Plain: pass\n", "class Plain"),
])
def test_signature_keeps_what_was_written(source: str, expected: str) -> None:
    (definition,) = scan_source("m.py", source).defs
    assert signature(definition) == expected


def test_param_names_star_the_variadics() -> None:
    (definition,) = scan_source("m.py", "def f(a, *b, c, **d): pass\n").defs
    assert param_names(definition.params) == ("a", "*b", "c", "**d")
