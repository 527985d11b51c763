"""`fields=imports`, `fields=hazards`, `fields=evidence` on small repositories."""

from __future__ import annotations

import pytest

from cq.details import Quote

APP = {"pkg/app.py": """\
import os
import os.path as osp
from json import loads, dumps
from helpers import *


def deco(f):
    return f


@deco
def handler(raw):
    from shlex import split
    data = loads(raw)
    return eval(osp.join(data, split(raw)))


def quiet(path={}):
    return os.sep
"""}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("handler", ["helpers.*", "json.loads", "os.path", "shlex.split"]),
        ("quiet", ["helpers.*", "os"]),
        ("deco", ["helpers.*"]),
    ],
)
def test_imports_used_by_a_def(ask, name: str, expected: list[str]) -> None:
    (finding,) = ask(f"entity=function name={name} fields=imports", APP).key_findings
    assert list(finding.details.imports) == expected


def test_module_imports_are_all_of_them(ask) -> None:
    (finding,) = ask("entity=module fields=imports", APP).key_findings
    assert list(finding.details.imports) == ["helpers.*", "json.dumps", "json.loads", "os",
                                          "os.path", "shlex.split"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("entity=function name=handler fields=hazards", [("eval", 15, "error")]),
        ("entity=function name=quiet fields=hazards", [("mutable-default", 18, "warning")]),
        ("entity=function name=deco fields=hazards", []),
        ("entity=module fields=hazards", [("eval", 15, "error"),
                                          ("mutable-default", 18, "warning")]),
    ],
)
def test_hazards_inside_the_def(ask, text: str, expected) -> None:
    (finding,) = ask(text, APP).key_findings
    assert [(h.id, h.line, h.severity) for h in finding.details.hazards] == expected


def test_evidence_quotes_decorators_and_first_lines(ask) -> None:
    (finding,) = ask("entity=function name=handler fields=evidence", APP).key_findings
    assert [(e.line, e.text) for e in finding.details.quotes] == [
        (11, "@deco"), (12, "def handler(raw):"), (13, "    from shlex import split"),
        (14, "    data = loads(raw)")]


def test_evidence_of_a_call_site_and_form_feeds(ask) -> None:
    files = {"m.py": "x = 1\n\x0c\ndef f():\n    return g(x)\n"}
    (finding,) = ask("entity=callsite name=g fields=evidence", files).key_findings
    assert finding.details.quotes == (Quote("m.py", 4, "    return g(x)"),)
