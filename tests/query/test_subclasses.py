"""The join `subclass_of=`: classes deriving from a named class at any depth, through bases
resolved as calls resolve classes (imports, aliases, module aliases, re-exports)."""

from __future__ import annotations

import pytest

HIERARCHY = {
    "pkg/__init__.py": "from pkg.base import Base\n",
    "pkg/base.py": "class Base:\n    pass\n\nclass Other:\n    pass\n",
    "pkg/mid.py": "from pkg.base import Base as B\n\nclass Mid(B):\n    pass\n",
    "pkg/leaf.py": "from pkg import mid\n\nclass Leaf(mid.Mid, dict):\n    pass\n",
    "pkg/mixed.py": "import pkg\n\nclass Via(pkg.Base):\n    pass\n\n"
                    "class Unrelated(Other):\n    pass\n",
    "pkg/star.py": "from pkg.base import *\n\nclass Starred(Base):\n    pass\n",
    "pkg/cycle.py": "class P(Q):\n    pass\n\nclass Q(P):\n    pass\n",
    "other/base.py": "class Base:\n    pass\n\nclass Local(Base):\n    pass\n",
}


@pytest.mark.parametrize(("text", "expected"), [
    ("entity=class subclass_of=pkg.base.Base",
     {"pkg.mid.Mid", "pkg.leaf.Leaf", "pkg.mixed.Via", "pkg.star.Starred"}),
    ("entity=class subclass_of=Base",  # both classes named Base
     {"pkg.mid.Mid", "pkg.leaf.Leaf", "pkg.mixed.Via", "pkg.star.Starred", "other.base.Local"}),
    ("entity=class subclass_of=pkg.Base",  # the name the package re-exports
     {"pkg.mid.Mid", "pkg.leaf.Leaf", "pkg.mixed.Via", "pkg.star.Starred"}),
    ("entity=class subclass_of=Mid", {"pkg.leaf.Leaf"}),
    ("entity=class subclass_of=~^Mi", {"pkg.leaf.Leaf"}),
    ("entity=class subclass_of=Leaf", set()),
    ("entity=class subclass_of=P", {"pkg.cycle.Q"}),  # a base cycle ends the walk
    ("entity=class name=Leaf subclass_of=pkg.base.Base", {"pkg.leaf.Leaf"}),
    ("entity=class name=Mid subclass_of=Leaf", set()),
])
def test_subclass_of(ask, text: str, expected: set[str]) -> None:
    found = ask(text, HIERARCHY).key_findings
    assert {f"{f.details.module}.{f.details.qualname}" for f in found} == expected


def test_a_subclass_says_which_bases_lead_to_the_class(ask) -> None:
    result = ask("entity=class subclass_of=pkg.base.Base name=Leaf fields=def,evidence",
                 HIERARCHY)
    (leaf,) = result.key_findings
    assert leaf.details.subclass_of == ("pkg.mid.Mid", "pkg.base.Base")


def test_no_class_of_that_name_says_so(ask) -> None:
    result = ask("entity=class subclass_of=Missing", HIERARCHY)
    assert result.key_findings == ()
    assert "subclass_of: no class named 'Missing' in scope" in result.summary["notes"]


def test_the_plan_shows_the_join(ask) -> None:
    result = ask("entity=class subclass_of=Mid explain=true", HIERARCHY)
    assert "join subclass_of exact 'Mid'" in result.summary["plan"]
