"""The import-time skeleton: function bodies blanked, headers, class bodies and module code
kept line for line; what it keeps parses like the original."""

from __future__ import annotations

import ast

import pytest

from cq.analysis.skeleton import import_time_skeleton
from cq.scan.extract import scan_source


def skeleton(source: str) -> str:
    return import_time_skeleton(scan_source("m.py", source), source)


@pytest.mark.parametrize(("source", "expected"), [
    ("def f(x):\n    a = 1\n    return g(a)\nX = f(1)\n",
     "def f(x):\n    pass\n\nX = f(1)\n"),
    # a header over several lines, with a default that calls and a dict with colons
    ("@deco(1)\ndef f(a=g(),\n      b={1: 2}):  # note:\n    return a\n",
     "@deco(1)\ndef f(a=g(),\n      b={1: 2}):  # note:\n    pass\n"),
    # methods are cut, the class body stays; nested defs go with their function
    ("class C:\n    x = build()\n\n    def m(self):\n        def inner():\n"
     "            return 1\n        return inner\n",
     "class C:\n    x = build()\n\n    def m(self):\n        pass\n\n\n"),
    # a one-line def and a string with a colon and a bracket in the header
    ("def f(): return 1\ndef g(s='x:('):\n    return s\n",
     "def f(): return 1\ndef g(s='x:('):\n    pass\n"),
    # comments before the body; tabs kept
    ("def f():\n    # first\n\tpass\n", "def f():\n\tpass\n\n"),
])
def test_bodies_are_blanked_line_for_line(source, expected) -> None:
    result = skeleton(source)
    assert result == expected
    assert result.count("\n") == source.count("\n")


def test_a_function_inside_a_function_is_not_cut_on_its_own() -> None:
    source = "def outer():\n    def inner():\n        return 1\n    return inner\n"
    assert skeleton(source) == "def outer():\n    pass\n\n\n"


def test_the_module_code_parses_the_same(tmp_path) -> None:
    source = ("import os\n\nclass A(Base, metaclass=M):\n    attr: int = field(default=3)\n\n"
              "    @property\n    def p(self) -> int:\n        '''doc'''\n        return 1\n\n"
              "if __name__ == '__main__':\n    main()\n")
    kept = [type(node).__name__ for node in ast.parse(skeleton(source)).body]
    assert kept == [type(node).__name__ for node in ast.parse(source).body]
