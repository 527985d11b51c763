"""FactSource with an index session: definition queries load only files that can answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import fact_source
from cq.index.session import IndexSession
from cq.index.source import FactSource, definition_pattern


def _source(root: Path, cache: Path) -> tuple[FactSource, IndexSession]:
    source = fact_source(root, cache)
    return source, source.session


def test_only_files_defining_the_name_are_loaded_again(make_repo, tmp_path: Path) -> None:
    root = make_repo({"a.py": "def join(x):\n    pass\n",
                      "b.py": "print(','.join(x))\n", "c.py": "y = ' '.join(z)\n"})
    cache = tmp_path / "cache"
    first, session = _source(root, cache)
    assert [f.path for f in first.facts_defining(["join"], "join")] == ["a.py"]
    # b.py and c.py mention join but have no `def join` / `class join`: never parsed
    assert [f.path for f in first.loaded()] == ["a.py"]
    session.record(first.scanned)
    session.store.close()
    (root / "c.py").write_text("y = '-'.join(z)\n")  # an edit to a file that cannot answer
    second, _ = _source(root, cache)
    assert [f.path for f in second.facts_defining(["join"], "join")] == ["a.py"]
    assert sorted(f.path for f in second.loaded()) == ["a.py"]  # b.py: memo; c.py: its text


def test_files_naming_a_name_are_those_holding_it_as_a_word(make_repo, tmp_path: Path) -> None:
    root = make_repo({"a.py": "d.get(k)\n", "b.py": "getattr(d, k)\n", "c.py": "x = 1\n",
                      "d.py": "forget(); d.get\n"})
    source, session = _source(root, tmp_path / "cache")
    assert [f.path for f in source.facts_naming(["get"])] == ["a.py", "d.py"]
    assert [f.path for f in source.loaded()] == ["a.py", "d.py"]  # b.py is never scanned
    assert source.count_containing(["get"]) == 3
    session.record(source.scanned)
    session.store.close()
    again, _ = _source(root, tmp_path / "cache")  # the memo answers
    assert [f.path for f in again.facts_naming(["get"])] == ["a.py", "d.py"]


def test_files_naming_a_name_are_handed_out_as_they_are_scanned(make_repo,
                                                               tmp_path: Path) -> None:
    """The caller works on each file while the rest are scanned; a file it needs in the
    meantime (an imported module) is loaded then, kept, and handed out once, not rescanned."""
    root = make_repo({"a.py": "d.get(k)\n", "b.py": "x = 1\n", "c.py": "e.get(k)\n",
                      "d.py": "f.get(k)\n"})
    source, _ = _source(root, tmp_path / "cache")
    naming = source.facts_naming(["get"])
    first = next(naming)
    assert first.path == "a.py" and [f.path for f in source.loaded()] == ["a.py"]
    needed = source.facts_of("d.py")  # asked for before the scan reached it
    rest = list(naming)
    assert [f.path for f in rest] == ["c.py", "d.py"] and rest[1] is needed
    assert sorted(o.facts.path for o in source.scanned) == ["a.py", "c.py", "d.py"]


@pytest.mark.parametrize(("source", "defines"), [
    ("def join(x): pass\n", True),
    ("async def join(x): pass\n", True),
    ("class join: pass\n", True),
    ("def \\\n  join(x): pass\n", True),  # a line continuation between
    ("def\tjoin (x): pass\n", True),
    ("def joiner(x): pass\n", False),
    ("def rejoin(x): pass\n", False),
    ("x.join(y)  # def is a word here\n", False),
    ("undef join\n", False),
])
def test_definition_pattern(source: str, defines: bool) -> None:
    pattern = definition_pattern("join")
    assert pattern is not None
    assert bool(pattern.search(source.encode())) is defines


def test_non_ascii_names_are_not_judged_by_bytes() -> None:
    assert definition_pattern("café") is None


LATIN1 = b"# -*- coding: latin-1 -*-\n"
DEFINES = [
    pytest.param(LATIN1 + "def café(): pass\n".encode("latin-1"), "café", id="latin-1-cookie"),
    pytest.param("class naïve: pass\n".encode("latin-1"), "naïve", id="latin-1-fallback"),
    pytest.param(b"# coding: cp1252\n" + "def \u0153uvre(): pass\n".encode("cp1252"),
                 "\u0153uvre", id="cp1252"),
    pytest.param("\ufeffdef café(): pass\n".encode(), "café", id="utf-8-bom"),
    pytest.param("def join(): pass\n".encode("utf-16"), "join", id="utf-16-ascii-name"),
    pytest.param("def café(): pass\n".encode("utf-16"), "café", id="utf-16"),
    pytest.param(b"# coding: unicode_escape\ndef caf\\u00e9(): pass\n", "café",
                 id="unicode-escape"),
    pytest.param("def ｗｗｗ(): pass\n".encode(), "www", id="nfkc-fullwidth"),
    pytest.param("def \\\n  ﬁle(): pass\n".encode(), "file", id="nfkc-ligature-continued"),
    pytest.param("def cafe\u0301(): pass\n".encode(), "café", id="nfkc-combining"),
]


@pytest.mark.parametrize(("data", "name"), DEFINES)
def test_could_define_agrees_with_the_decoder(data: bytes, name: str) -> None:
    import ast

    from cq.coding import decode_source
    from cq.index.source import could_define

    tree = ast.parse(decode_source(data)[0])
    assert name in {node.name for node in ast.walk(tree) if hasattr(node, "name")}
    assert could_define(data, name)
    assert not could_define(data, name + "x")


@pytest.mark.parametrize(("data", "name"), [
    pytest.param("x = 'café'\n".encode("latin-1"), "café", id="latin-1-not-a-definition"),
    pytest.param("def cafés(): pass\n".encode(), "café", id="longer-name"),
    pytest.param(b"def join(): pass\n", "joi", id="ascii-prefix"),
])
def test_could_define_rules_out_files_without_the_definition(data: bytes, name: str) -> None:
    from cq.index.source import could_define

    assert not could_define(data, name)


@pytest.mark.parametrize("data", [LATIN1 + "def café(): pass\n".encode("latin-1"),
                                  "def café(): pass\n".encode("latin-1"),
                                  "def café(): pass\n".encode("utf-16")])
def test_a_non_ascii_definition_is_found_by_name(make_repo, tmp_path: Path, data: bytes) -> None:
    root = make_repo({"a.py": data, "b.py": "caf = 1\n"})
    source, _ = _source(root, tmp_path / "cache")
    assert [f.path for f in source.facts_defining(["café"], "café")] == ["a.py"]


def test_a_definition_behind_a_continuation_is_found(make_repo, tmp_path: Path) -> None:
    root = make_repo({"a.py": "def \\\n        join(x):\n    pass\n", "b.py": "join = 1\n"})
    source, _ = _source(root, tmp_path / "cache")
    assert [f.path for f in source.facts_defining(["join"], "join")] == ["a.py"]


def test_scanned_files_text_is_dropped_and_read_again_on_demand(make_repo,
                                                                tmp_path: Path) -> None:
    root = make_repo({"a.py": "def join(x):\n    pass\n", "b.py": "x = 1\n"})
    source, session = _source(root, tmp_path / "cache")
    source.all_facts()
    assert session.read == {}  # both were scanned: the run holds no file text any more
    assert session.text("a.py") == b"def join(x):\n    pass\n"
    assert not session.changed
    (root / "b.py").write_text("x = 2\n")
    assert session.text("b.py") == b"x = 2\n"
    assert session.changed == {"b.py"}  # read again after an edit: the run is mixed


@pytest.mark.parametrize("head", [b"# coding: unicode_escape\n",
                                  b"# coding: unicode_escape\n# caf\xe9\n",
                                  b"#!/usr/bin/env python\n# -*- coding: latin-1 -*-\n"])
def test_a_file_with_a_coding_cookie_is_parsed_rather_than_judged_by_bytes(
        make_repo, tmp_path: Path, head: bytes) -> None:
    body = b"\\x64ef join(a):\n    return a\n" if b"escape" in head else b"def join(a): pass\n"
    root = make_repo({"a.py": head + body, "b.py": "x = 1\n"})
    source, _ = _source(root, tmp_path / "cache")
    assert [f.path for f in source.facts_defining(["join"], "join")] == ["a.py"]


class _Steps:
    """A clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_a_bulk_load_stops_at_the_deadline_and_counts_what_it_left(make_repo,
                                                                   tmp_path: Path) -> None:
    from cq.deadline import Deadline
    from cq.index.source import SCAN_BATCH

    files = {f"m{i:04}.py": f"def f{i}():\n    pass\n" for i in range(SCAN_BATCH * 3)}
    source = fact_source(make_repo(files), tmp_path / "cache")
    # created at t=1, ends at t=3.5: the looks at t=2 and t=3 pass, the one at t=4 does not
    source.deadline = Deadline(2.5, clock=_Steps())
    found = source.facts_for(None)
    assert len(found) == SCAN_BATCH * 2 and source.unread == SCAN_BATCH
    assert source.deadline.reached
    assert source.facts_of("m0767.py").path == "m0767.py"  # one file by name: still read


def test_without_a_deadline_everything_is_read_in_one_go(make_repo, tmp_path: Path) -> None:
    source = fact_source(make_repo({"a.py": "x = 1\n", "b.py": "y = 2\n"}), tmp_path / "c")
    assert len(source.facts_for(None)) == 2 and source.unread == 0


PARTS_REPO = {"a.py": "import os\n\ndef f(x):\n    try:\n        g(x)\n    except E as e:\n"
                      "        raise e\n\nY = f(1)\n"}


def test_a_narrowed_source_extracts_definitions_only(make_repo, tmp_path: Path) -> None:
    root = make_repo(PARTS_REPO)
    source, session = _source(root, tmp_path / "cache")
    source.narrow(())
    (facts,) = source.all_facts()
    assert [d.name for d in facts.defs] == ["f"]
    assert (facts.calls, facts.imports, facts.raises, facts.excepts, facts.assigns) == \
        ((), (), (), (), ())
    assert source.scanned[0].kinds == ("defs",)
    session.record(source.scanned)
    session.store.close()
    # A later question that reads calls scans them then; the cache never answers with the
    # empty calls of the definitions-only scan.
    again, _ = _source(root, tmp_path / "cache")
    (full,) = again.all_facts()
    assert [c.callee for c in full.calls] == ["g", "f"]
    assert full.excepts[0].body == "reraises" and full.assigns[0].target == "Y"
    assert again.files_scanned == 1


def test_parts_are_loaded_from_the_cache_one_kind_at_a_time(make_repo, tmp_path: Path) -> None:
    root = make_repo(PARTS_REPO)
    first, session = _source(root, tmp_path / "cache")
    whole = first.all_facts()
    session.record(first.scanned)
    session.store.close()
    second, _ = _source(root, tmp_path / "cache")
    second.narrow(("imports",))
    (facts,) = second.all_facts()
    assert second.files_scanned == 0 and facts.calls == ()
    assert facts.imports == whole[0].imports and facts.defs == whole[0].defs
    second.narrow(("calls", "imports", "raises", "excepts", "assigns"))
    assert second.all_facts() == whole and second.files_scanned == 0


def test_a_file_whose_bytes_were_dropped_is_read_again_for_a_literal(
        make_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import cq.index.session as session_module

    monkeypatch.setattr(session_module, "KEEP_BYTES", 0)
    root = make_repo({"a.py": "print(','.join(x))\n", "b.py": "y = 1\n"})
    source, session = _source(root, tmp_path / "cache")
    assert session.read["a.py"].data is None and not session.read["a.py"].kept
    assert [f.path for f in source.facts_for(["join"])] == ["a.py"]
    assert session.text("a.py") == b"print(','.join(x))\n" and not session.changed


def test_a_big_scan_is_stored_batch_by_batch_as_it_comes(make_repo, tmp_path: Path,
                                                         monkeypatch) -> None:
    from cq.index import source as source_module

    monkeypatch.setattr(source_module, "STORE_BATCH", 2)
    root = make_repo({f"m{i}.py": f"def f{i}(): pass\n" for i in range(5)})
    cache = tmp_path / "cache"
    source, session = _source(root, cache)
    assert len(source.facts_for(None)) == 5
    assert len(session._stored) == 4  # two full batches written during the scan
    session.record(source.scanned)  # the rest
    session.store.close()
    again, _ = _source(root, cache)
    assert len(again.facts_for(None)) == 5 and again.files_scanned == 0
