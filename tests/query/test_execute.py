"""cq.query.execute: a query that only selects is streamed, reads only the parts it needs,
and answers exactly as the full engine does."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import fact_source
from cq.discover import discover_files
from cq.query.execute import _execute_full, execute_query
from cq.query.parse import parse_query
from cq.query.plan import parts_read, plan_query

REPO = {
    "pkg/__init__.py": '"""A package."""\nimport os\nfrom .mod import helper\n',
    "pkg/mod.py": "import sys\n\n@deco\ndef helper(x, *, y=1):\n    '''Help.'''\n"
                  "    return sys.path.join(x)\n\nclass Box(Base):\n    def get(self):\n"
                  "        return helper(self)\n",
    "pkg/broken.py": "def ok():\n    pass\n\ndef bad(:\n    pass\n",
    "tests/test_mod.py": "from pkg.mod import helper\n\ndef test_helper():\n"
                         "    assert helper(1)\n",
}


@pytest.mark.parametrize(("text", "parts"), [
    ("entity=function", ()),
    ("entity=method name=get fields=def,loc,decorators", ()),
    ("entity=class,function decorated_by=deco", ()),
    ("entity=module", ("imports",)),
    ("entity=callsite name=helper", ("calls",)),
    ("entity=import,callsite", ("calls", "imports")),
    ("entity=function expand=callers", None),
    ("entity=function fields=imports", None),
    ("entity=function scope=toplevel", None),
    ("entity=function used_by=method:get", None),
    ("entity=class subclass_of=Base", None),
])
def test_parts_read(text: str, parts: tuple[str, ...] | None) -> None:
    assert parts_read(parse_query(text)) == parts


@pytest.mark.parametrize("text", [
    "entity=function", "entity=function name=helper", "entity=method limit=1",
    "entity=class,function,method explain=true", "entity=module", "entity=import",
    "entity=callsite name=~^(helper|join)$", "helper",
])
def test_a_streamed_query_answers_as_the_full_engine(make_repo, tmp_path: Path,
                                                     text: str) -> None:
    root = make_repo(REPO)
    query, discovery = parse_query(text), discover_files(root)
    plan = plan_query(query)
    streamed = execute_query(query, plan, fact_source(root, tmp_path / "a"), discovery,
                             jobs=1)
    full = _execute_full(query, plan, fact_source(root, tmp_path / "b"), discovery, 1, ())
    assert streamed == full


def test_a_streamed_query_keeps_no_facts(make_repo, tmp_path: Path) -> None:
    root = make_repo(REPO)
    source = fact_source(root, tmp_path / "cache")
    query = parse_query("entity=function")
    outcome = execute_query(query, plan_query(query), source, discover_files(root), jobs=1)
    assert outcome.summary["matches"] == 4  # get is a method, not a function
    assert source.loaded() == []  # nothing memoised for the run
    assert source.files_scanned == len(REPO)
    assert all(o.facts.defs == () and o.kinds == ("defs",) for o in source.scanned)
    # the stored facts answer the next run without a scan
    source.session.record(source.scanned)
    source.session.store.close()
    again = fact_source(root, tmp_path / "cache")
    second = execute_query(query, plan_query(query), again, discover_files(root), jobs=1)
    assert second == outcome and again.files_scanned == 0
