"""Receiver inference (`cq.analysis.receivers` over `cq.analysis.bindings`): what each form
of code around a call makes its receiver, read through `find_sites` on small repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import fact_source
from cq.analysis.resolve import find_sites, find_targets

CLASSES = """\
class Box:
    def put(self, item):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class Crate(Box):
    def put(self, item):
        return item


class Other:
    def put(self, item):
        return item


def make() -> Box:
    return Box()
"""


def tiers(make_repo, body: str, spec: str = "Box.put") -> list[tuple[int, str, str]]:
    """(line, tier, evidence) of every site of SPEC in `use.py` (BODY after the imports)."""
    root: Path = make_repo({"box.py": CLASSES,
                            "use.py": "from box import Box, Crate, Other, make\n\n\n" + body})
    source = fact_source(root, root.parent / "cache")
    return [(s.call.span.line, s.tier, s.evidence)
            for s in find_sites(source, spec, find_targets(source, spec))
            if s.path == "use.py"]


@pytest.mark.parametrize(("body", "expected"), [
    ("def f():\n    b = Box()\n    b.put(1)\n", [(6, "resolved", "inferred")]),
    ("def f(b: Box):\n    b.put(1)\n", [(5, "resolved", "inferred")]),
    ("def f(b: 'Box | None'):\n    b.put(1)\n", [(5, "resolved", "inferred")]),
    ("def f(b):\n    b.put(1)\n", [(5, "possible", "name")]),
    ("def f():\n    b = make()\n    b.put(1)\n", [(6, "resolved", "inferred")]),
    ("def f():\n    Box().put(1).put(2)\n",
     [(5, "resolved", "inferred"), (5, "resolved", "inferred")]),
    ("def f():\n    with Box() as b:\n        b.put(1)\n", [(6, "resolved", "inferred")]),
    ("def f(b):\n    if isinstance(b, Box):\n        b.put(1)\n    b.put(2)\n",
     [(6, "resolved", "inferred"), (7, "possible", "name")]),
    # two bindings of different types: not known
    ("def f(x):\n    b = Box()\n    if x:\n        b = Other()\n    b.put(1)\n",
     [(8, "possible", "name")]),
    ("def f():\n    b = Other()\n    b.put(1)\n", [(6, "excluded", "inferred")]),
    ("def f():\n    b = Crate()\n    b.put(1)\n", [(6, "excluded", "inferred")]),
    ("def f():\n    b = []\n    b.put(1)\n", [(6, "excluded", "inferred")]),
    # a global assigned from a constructor; the call in a method of a class
    ("BOX = Box()\n\n\nclass C:\n    def m(self):\n        BOX.put(1)\n",
     [(9, "resolved", "inferred")]),
    # an instance attribute set in __init__
    ("class C:\n    def __init__(self):\n        self.box = Other()\n\n"
     "    def m(self):\n        self.box.put(1)\n", [(9, "excluded", "inferred")]),
])
def test_each_form_of_binding(make_repo, body: str, expected) -> None:
    assert tiers(make_repo, body) == expected


def test_an_annotation_may_be_a_subclass_that_overrides(make_repo) -> None:
    found = tiers(make_repo, "def f(b: Box):\n    b.put(1)\n", spec="Crate.put")
    assert found == [(5, "possible", "inferred")]


def test_a_def_whose_text_cannot_be_dedented_is_read_from_the_whole_module(make_repo) -> None:
    body = 'class C:\n    def m(self):\n        b = Box()\n        text = """\nflush left\n"""\n' \
           "        b.put(text)\n"
    assert tiers(make_repo, body) == [(10, "resolved", "inferred")]


def test_columns_count_characters_on_lines_with_non_ascii_text(make_repo) -> None:
    body = 'def f():\n    b = Box()\n    x = "é"; b.put("ü")\n'
    assert tiers(make_repo, body) == [(6, "resolved", "inferred")]


def test_a_class_body_under_a_metaclass_is_not_trusted(make_repo) -> None:
    body = ("class Meta(type):\n    pass\n\n\nclass M(metaclass=Meta):\n    box = Other()\n\n\n"
            "def f():\n    M.box.put(1)\n")
    assert tiers(make_repo, body) == [(13, "possible", "name")]
