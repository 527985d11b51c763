"""`cq bytecode-surface TARGET [--show ...]`: globals read/written, attributes, constants and
opcode counts per code object of the sample `tests/repos/errors`, checked against `dis` on
an independent compile; `--show` validation; files that do not compile; CLI and cache."""

from __future__ import annotations

import dis
import json
import types
from collections import Counter
from pathlib import Path

import msgspec
import pytest

from conftest import copy_sample, run_macro
from cq.details import GlobalsUse
from cq.errors import BadInputError
from cq.macros.bytecode_surface import PARTS, parse_show
from cq.result import CqResult

CLOSURES = "src/shop/closures.py"
ORDERS = "src/shop/orders.py"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("bytecode"), "errors")


def ask(root: Path, target: str, show: str | None = None, **options) -> CqResult:
    return run_macro(root, "bytecode-surface", {"target": target, "show": show}, **options)


def by_qualname(result: CqResult) -> dict[str, dict]:
    """Each code object's details as plain JSON values; `--show` parts by their name."""
    found = {}
    for finding in result.key_findings:
        details = msgspec.json.decode(msgspec.json.encode(finding.details))
        if "attributes" in details:
            details["attrs"] = details.pop("attributes")
        found[finding.details.qualname] = details
    return found


def _codes(path: Path) -> dict[str, types.CodeType]:
    """The independent answer: every code object of the file by dotted qualname."""
    module = compile(path.read_text(), str(path), "exec")
    found = {"<module>": module}

    def walk(code: types.CodeType) -> None:
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                found[const.co_qualname.replace(".<locals>", "")] = const
                walk(const)

    walk(module)
    return found


@pytest.mark.parametrize(("qualname", "kind", "line", "read", "written"), [
    ("<module>", "module", 1, [], ["Ledger", "TOTAL", "__doc__", "make_adder", "make_counter",
                                   "squares", "tally"]),
    ("tally", "function", 21, ["TOTAL", "len", "str"], ["TOTAL"]),
    ("make_adder", "function", 17, [], []),
    ("make_adder.<lambda>", "lambda", 18, [], []),
    ("squares", "function", 27, ["sum"], []),
    ("squares.<genexpr>", "comprehension", 28, [], []),
    ("Ledger", "class", 31, ["__name__"], []),  # its stores are class attributes
    ("Ledger.__init__", "function", 32, ["super"], []),
])
def test_globals_and_kinds(shop: Path, qualname, kind, line, read, written) -> None:
    result = ask(shop, CLOSURES, no_cache=True)
    (finding,) = [f for f in result.key_findings if f.details.qualname == qualname]
    assert finding.category == "bytecode_surface" and finding.anchor.file == CLOSURES
    assert finding.anchor.line == line
    assert finding.details.kind == kind and finding.details.evidence == "bytecode"
    assert finding.details.globals == GlobalsUse(tuple(read), tuple(written))


def test_class_body_names_are_not_global_reads(make_repo) -> None:
    source = "X = 1\n\n\nclass C:\n    a = X\n    b = a + 1\n    del a\n    c = len(b)\n"
    result = ask(make_repo({"m.py": source}), "m.py", "globals", no_cache=True)
    assert by_qualname(result)["C"]["globals"] == {"read": ["X", "__name__", "len"],
                                                   "written": []}


def test_message_names_what_is_touched(shop: Path) -> None:
    (tally,) = [f for f in ask(shop, "tally", "globals,attrs", no_cache=True).key_findings]
    assert tally.message == "function tally: reads TOTAL, len, str; writes TOTAL; no attributes"
    many = ask(shop, ORDERS, "attrs", no_cache=True).key_findings
    assert all(len(f.message) <= 160 for f in many)


@pytest.mark.parametrize(("target", "qualname", "attrs", "constants"), [
    (CLOSURES, "Ledger.__init__", {"rows"}, {"None"}),
    (CLOSURES, "Ledger.recorder.record", {"append"}, set()),
    (ORDERS, "exact", set(), {"'bad n'", "0"}),
    (ORDERS, "Basket.total", {"items"}, set()),
])
def test_attributes_and_constants(shop: Path, target, qualname, attrs, constants) -> None:
    details = by_qualname(ask(shop, target, no_cache=True))[qualname]
    assert attrs <= set(details["attrs"])
    assert constants <= set(details["constants"])


@pytest.mark.parametrize("target", [CLOSURES, ORDERS])
def test_agrees_with_dis(shop: Path, target) -> None:
    codes = _codes(shop / target)
    result = ask(shop, target, no_cache=True)
    assert {f.details.qualname for f in result.key_findings} == set(codes)
    for finding in result.key_findings:
        code = codes[finding.details.qualname]
        assert finding.details.opcodes == dict(
            Counter(i.opname for i in dis.get_instructions(code)))
        assert finding.anchor.line == max(1, code.co_firstlineno)
        nested = [c for c in code.co_consts if isinstance(c, types.CodeType)]
        assert len(finding.details.nested) == len(nested)
    lines = [f.anchor.line for f in result.key_findings]
    assert lines == sorted(lines)


@pytest.mark.parametrize(("target", "expected"), [
    ("make_counter", ["make_counter", "make_counter.bump"]),
    ("squares", ["squares", "squares.<genexpr>"]),
    ("Ledger", ["Ledger", "Ledger.__init__", "Ledger.recorder", "Ledger.recorder.record"]),
    ("shop.closures.Ledger.recorder", ["Ledger.recorder", "Ledger.recorder.record"]),
    ("inner", ["nested_def.inner"]),
])
def test_symbol_targets(shop: Path, target, expected) -> None:
    result = ask(shop, target, no_cache=True)
    assert [f.details.qualname for f in result.key_findings] == expected


def test_directory_target_lists_each_file_with_its_module(shop: Path) -> None:
    result = ask(shop, "src/shop/", no_cache=True)
    modules = {f.anchor.file for f in result.key_findings if f.details.kind == "module"}
    assert modules == {f"src/shop/{name}.py" for name in ("__init__", "closures", "errors",
                                                          "orders")}
    assert result.summary["files"] == 4
    assert result.summary["code_objects"] == len(result.key_findings)
    assert (result.summary["matches"], result.summary["files_with_matches"],
            result.summary["files_in_scope"]) == (len(result.key_findings), 4, 4)


@pytest.mark.parametrize(("show", "parts"), [
    (None, PARTS),
    ("globals", ("globals",)),
    ("opcodes,attrs", ("attrs", "opcodes")),
    (" Constants , globals ", ("globals", "constants")),
])
def test_show_selects_parts(shop: Path, show, parts) -> None:
    assert parse_show(show) == parts
    details = by_qualname(ask(shop, "tally", show, no_cache=True))["tally"]
    assert set(PARTS) & set(details) == set(parts)
    assert {"qualname", "kind", "evidence"} <= set(details)  # nested: only when there are


@pytest.mark.parametrize(("show", "message"), [
    ("bogus", "unknown --show part 'bogus'"),
    ("globals,nope", "unknown --show part 'nope'"),
    ("globals,", "unknown --show part ''"),
    ("", "needs a value"),
])
def test_show_rejects_unknown_parts(shop: Path, show, message) -> None:
    with pytest.raises(BadInputError, match=message):
        ask(shop, "tally", show, no_cache=True)


@pytest.mark.parametrize(("target", "message"), [
    ("no_such_def", "no definition named"),
    ("src/shop/none.py", "does not exist"),
    ("/etc/passwd.py", "outside the root"),
])
def test_bad_targets(shop: Path, target, message) -> None:
    with pytest.raises(BadInputError, match=message):
        ask(shop, target, no_cache=True)


def test_file_that_does_not_compile_is_an_issue(make_repo) -> None:
    root = make_repo({"good.py": "X = 1\n", "bad.py": "def f(:\n    pass\n"})
    result = ask(root, ".", no_cache=True)
    assert [(f.anchor.file, f.details.kind) for f in result.key_findings] == [
        ("good.py", "module")]
    (issue,) = result.sections[0].findings
    assert (issue.category, issue.anchor.file) == ("file_issue", "bad.py")
    assert issue.details.problem.startswith("SyntaxError")


def test_never_executes(make_repo, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    root = make_repo({"boom.py": f"open({str(marker)!r}, 'w').write('x')\nraise SystemExit\n"})
    result = ask(root, "boom.py", no_cache=True)
    assert not marker.exists()
    assert "open" in result.key_findings[0].details.globals.read


def test_cli(shop: Path, run_cli) -> None:
    code, out, _ = run_cli(shop, "bytecode-surface", "tally", "--show", "globals",
                           "--format", "json")
    assert code == 0
    (finding,) = json.loads(out)["key_findings"]
    assert finding["details"]["globals"] == {"read": ["TOTAL", "len", "str"],
                                             "written": ["TOTAL"]}
    assert "opcodes" not in finding["details"]


@pytest.mark.parametrize("args", [["tally", "--show", "everything"], ["nowhere"], []])
def test_cli_bad_input_exits_2(shop: Path, run_cli, args) -> None:
    code, out, err = run_cli(shop, "bytecode-surface", *args)
    assert code == 2 and out == "" and err.strip()


def test_cache_hit_equals_miss(shop: Path, tmp_path: Path) -> None:
    cold = ask(shop, CLOSURES, "globals,opcodes", cache_dir=str(tmp_path / "cache"))
    warm = ask(shop, CLOSURES, "globals,opcodes", cache_dir=str(tmp_path / "cache"))
    other = ask(shop, CLOSURES, "attrs", cache_dir=str(tmp_path / "cache"))
    statuses = [r.summary["cache"]["status"] for r in (cold, warm, other)]
    assert statuses == ["miss", "hit", "miss"]
    assert msgspec.json.encode(cold.key_findings) == msgspec.json.encode(warm.key_findings)


@pytest.mark.parametrize("target", [CLOSURES, ORDERS])
def test_a_file_compiled_in_parts_agrees_with_dis_too(shop: Path, target,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Big files are compiled one top-level statement at a time (CPython 3.11's compiler is
    quadratic in nested functions); the answer is still the whole compile's."""
    import cq.analysis.bytecode

    monkeypatch.setattr(cq.analysis.bytecode, "CHUNK_FROM", 0)
    test_agrees_with_dis(shop, target)
