"""`cq scopes TARGET`: free, cell, nonlocal and declared-global names per function scope on
the sample `tests/repos/errors`, checked against the compiler (`co_freevars`, `co_cellvars`);
TARGET as a file, a directory or a symbol; bad input; the CLI and the query cache."""

from __future__ import annotations

import json
import types
from pathlib import Path

import msgspec
import pytest

from conftest import copy_sample, plain, run_macro
from cq.errors import BadInputError
from cq.macros.target import is_path
from cq.result import CqResult, Finding

CLOSURES = "src/shop/closures.py"
BROKEN = "src/shop/broken.py"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("scopes"), "errors")


def ask(root: Path, target: str, **options) -> CqResult:
    return run_macro(root, "scopes", {"target": target}, **options)


def scopes(result: CqResult) -> list[Finding]:
    return [*result.key_findings,
            *(f for s in result.sections for f in s.findings if f.category == "scope")]


def by_qualname(result: CqResult) -> dict[str, dict]:
    return {f.details.qualname: f.details for f in scopes(result)}


@pytest.mark.parametrize(("qualname", "line", "free", "cells", "nonlocals", "globals_"), [
    ("make_counter", 6, [], ["count"], [], []),
    ("make_counter.bump", 9, ["count"], [], ["count"], []),
    ("make_adder", 17, [], ["n"], [], []),  # captured by its lambda
    ("tally", 21, [], [], [], ["TOTAL"]),
    ("squares", 27, [], [], [], []),
    ("Ledger.__init__", 32, ["__class__"], [], [], []),  # super() captures __class__
    ("Ledger.recorder", 36, [], ["rows"], [], []),
    ("Ledger.recorder.record", 39, ["rows"], [], [], []),
])
def test_closure_variables(shop: Path, qualname, line, free, cells, nonlocals,
                           globals_) -> None:
    result = ask(shop, CLOSURES, no_cache=True)
    (finding,) = [f for f in scopes(result) if f.details.qualname == qualname]
    assert finding.category == "scope" and finding.severity == "info"
    assert (finding.anchor.file, finding.anchor.line) == (CLOSURES, line)
    details = finding.details
    assert (list(details.free), list(details.cells)) == (free, cells)
    assert (list(details.nonlocals), list(details.declared_globals)) == (nonlocals, globals_)
    assert details.closure is bool(free) and details.evidence == "symtable"


def test_details_shape(shop: Path) -> None:
    details = by_qualname(ask(shop, "make_counter.bump", no_cache=True))["make_counter.bump"]
    assert plain(details) == {  # empty lists and false flags are left out
        "qualname": "make_counter.bump", "name": "shop.closures.make_counter.bump",
        "kind": "function", "free": ["count"], "nonlocals": ["count"], "nested": True,
        "closure": True, "evidence": "symtable"}
    method = by_qualname(ask(shop, "Ledger.recorder", no_cache=True))["Ledger.recorder"]
    assert (method.kind, method.locals, method.nested) == (
        "method", ("record", "rows", "self"), False)


def _compiled(path: Path) -> dict[str, types.CodeType]:
    found: dict[str, types.CodeType] = {}

    def walk(code: types.CodeType) -> None:
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                found.setdefault(const.co_qualname.replace(".<locals>", ""), const)
                walk(const)

    walk(compile(path.read_text(), str(path), "exec"))
    return found


def test_agrees_with_the_compiler(shop: Path) -> None:
    result = ask(shop, ".", no_cache=True)
    assert result.key_findings
    for finding in scopes(result):
        code = _compiled(shop / finding.anchor.file)[finding.details.qualname]
        assert list(finding.details.free) == sorted(code.co_freevars)
        assert list(finding.details.cells) == sorted(code.co_cellvars)


def _def_count(root: Path, under: str) -> int:
    import ast

    count = 0
    for path in sorted((root / under).rglob("*.py")):
        tree = ast.parse(path.read_text())
        count += sum(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                     for n in ast.walk(tree))
    return count


@pytest.mark.parametrize(("target", "expected"), [
    ("Ledger", {"Ledger.__init__", "Ledger.recorder", "Ledger.recorder.record"}),
    ("Ledger.recorder", {"Ledger.recorder", "Ledger.recorder.record"}),
    ("shop.closures.make_adder", {"make_adder"}),
    ("closures.tally", {"tally"}),
    ("inner", {"nested_def.inner"}),
    ("nested_def", {"nested_def", "nested_def.inner"}),
    ("add", {"Basket.add"}),
])
def test_symbol_targets(shop: Path, target, expected) -> None:
    assert set(by_qualname(ask(shop, target, no_cache=True))) == expected


@pytest.mark.parametrize(("target", "under"), [("src/shop", "src/shop"),
                                               ("src/shop/", "src/shop"), (".", ".")])
def test_directory_targets_cover_every_def(shop: Path, target, under) -> None:
    result = ask(shop, target, no_cache=True)
    assert len(scopes(result)) == _def_count(shop, under)
    assert result.summary["scopes"] == len(scopes(result))


def test_summary(shop: Path) -> None:
    summary = ask(shop, CLOSURES, no_cache=True).summary
    assert (summary["scopes"], summary["closures"], summary["with_cells"]) == (8, 3, 3)
    assert (summary["with_nonlocals"], summary["with_globals"], summary["files"]) == (1, 1, 1)
    assert (summary["matches"], summary["files_with_matches"], summary["files_in_scope"]) == (
        7, 1, 4)


def test_scopes_without_closure_variables_come_after_the_rest(shop: Path) -> None:
    result = ask(shop, CLOSURES, no_cache=True)
    assert [f.details.qualname for f in result.key_findings] == [
        "make_counter", "make_counter.bump", "make_adder", "tally", "Ledger.__init__",
        "Ledger.recorder", "Ledger.recorder.record"]
    (plain,) = result.sections
    assert plain.kind == "no_closure" and [f.details.qualname for f in plain.findings] == [
        "squares"]


@pytest.mark.parametrize(("text", "path"), [("a/b", True), ("m.py", True), (".", True),
                                            ("pkg.mod.f", False), ("f", False)])
def test_path_or_symbol_by_spelling(text, path) -> None:
    assert is_path(text) is path


@pytest.mark.parametrize(("target", "message"), [
    ("nothing_here", "no definition named 'nothing_here'"),
    ("other.make_adder", "no definition named"),
    ("src/shop/missing.py", "does not exist"),
    ("../outside.py", "climbs out of the root"),
    ("docs/", "no Python file in scope"),
    ("a-b", "neither a path nor a symbol"),
])
def test_bad_targets(shop: Path, target, message) -> None:
    (shop / "docs").mkdir(exist_ok=True)
    (shop / "docs" / "notes.txt").write_text("notes\n")
    with pytest.raises(BadInputError, match=message):
        ask(shop, target, no_cache=True)


def test_file_that_does_not_compile_is_an_issue(make_repo) -> None:
    root = make_repo({"ok.py": "def f(a):\n    return lambda: a\n",
                      BROKEN: "def g(x):\n    return x\n\ndef bad(:\n    pass\n"})
    result = ask(root, ".", no_cache=True)
    assert {f.details.qualname for f in result.key_findings} == {"f"}
    (issues,) = result.sections
    (issue,) = issues.findings
    assert issue.category == "file_issue" and issue.anchor.file == BROKEN
    assert "SyntaxError" in issue.details.problem
    assert result.summary["files_not_compiled"] == 1


def test_cli(shop: Path, run_cli) -> None:
    code, out, _ = run_cli(shop, "scopes", "make_counter", "--format", "json")
    assert code == 0
    found = json.loads(out)
    assert [f["details"]["qualname"] for f in found["key_findings"]] == [
        "make_counter", "make_counter.bump"]


@pytest.mark.parametrize("args", [["missing_symbol"], ["src/nope.py"], []])
def test_cli_bad_input_exits_2(shop: Path, run_cli, args) -> None:
    code, out, err = run_cli(shop, "scopes", *args)
    assert code == 2 and out == "" and err.strip()


def test_cache_hit_equals_miss(shop: Path, tmp_path: Path) -> None:
    cold = ask(shop, "src/shop", cache_dir=str(tmp_path / "cache"))
    warm = ask(shop, "src/shop", cache_dir=str(tmp_path / "cache"))
    assert (cold.summary["cache"]["status"], warm.summary["cache"]["status"]) == ("miss", "hit")
    assert msgspec.json.encode(cold.key_findings) == msgspec.json.encode(warm.key_findings)
