"""Calls through import aliases: the bindings a file's imports make, and the rule spellings
they add."""

from __future__ import annotations

from ast_grep_py import SgRoot

from cq.hazards.aliases import aliased_config, heads, import_aliases, relevant
from cq.hazards.compile import compile_rule
from cq.hazards.matcher import match_file
from cq.hazards.registry import RULES_BY_ID


def _aliases(source: str) -> dict[str, str]:
    return import_aliases(SgRoot(source, "python").root())


def test_bindings_that_rename() -> None:
    assert _aliases("import hashlib as h\nimport os\nimport xml.etree.ElementTree as ET\n"
                    "from pickle import loads as lp, dumps\nfrom . import local\n"
                    "from .m import thing as t\ndef f():\n    from yaml import load\n") == {
        "h": "hashlib", "ET": "xml.etree.ElementTree", "lp": "pickle.loads",
        "dumps": "pickle.dumps", "load": "yaml.load"}


def test_spellings_added_for_a_renamed_prefix() -> None:
    config = {"rule": {"any": [{"pattern": "hashlib.md5($$$)"}, {"pattern": "eval($$$)"}]}}
    assert heads(config) == frozenset({"hashlib.md5"})
    bindings = relevant({"h": "hashlib", "x": "other"}, heads(config))
    assert bindings == (("h", "hashlib"),)
    rewritten = aliased_config(config, bindings)
    assert rewritten["rule"]["any"][0] == {"all": [{"any": [
        {"pattern": "hashlib.md5($$$)"}, {"pattern": "h.md5($$$)"}]}]}
    assert rewritten["rule"]["any"][1] == {"pattern": "eval($$$)"}


def _lines(row_id: str, source: str) -> list[int]:
    found = match_file("m.py", source.encode(), [compile_rule(RULES_BY_ID[row_id])])
    return [hit.span.line for hit in found.hits]


def test_rows_match_through_aliases() -> None:
    assert _lines("pickle-load", "from pickle import loads as lp\nlp(x)\nloads(y)\n") == [2]
    assert _lines("weak-hash", "import hashlib as h\nh.md5(b)\nh.sha256(b)\n") == [2]
    assert _lines("weak-hash", "from hashlib import md5\nmd5(b)\n") == [2]
    assert _lines("xml-parse", "import xml.etree.ElementTree as ET\nET.fromstring(s)\n") == [2]
    assert _lines("http-no-timeout", "import requests as r\nr.get(u)\nr.get(u, timeout=3)\n") \
        == [2]


def test_a_name_from_another_module_is_not_the_hazard() -> None:
    assert _lines("xml-parse", "import defusedxml.ElementTree as ET\nET.parse(p)\n") == []
    assert _lines("pickle-load", "from json import loads as lp\nlp(x)\n") == []


def test_called_rules_gain_the_aliased_names() -> None:
    from cq.hazards.row import called, callee_names

    config = {"rule": {"all": [called("pickle.loads", "marshal.load"), {"not": {"kind": "x"}}]}}
    assert heads(config) == frozenset({"pickle.loads", "marshal.load"})
    rewritten = aliased_config(config, relevant({"lp": "pickle.loads"}, heads(config)))
    assert callee_names(rewritten["rule"]["all"][0]) == ("pickle.loads", "marshal.load", "lp")
