"""End to end: `cq q` on the committed sample repositories, checked against stdlib `ast`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import oracle
from conftest import copy_sample, run_q
from cq.errors import QuerySyntaxError, ScopeError
from cq.ids import uuid7_time
from cq.result import CqResult

IGNORED = frozenset({"build/leftover.py", "src/inventory/stale.generated.py"})


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("e2e"), "inventory")


def ask(root: Path, text: str, **options) -> CqResult:
    return run_q(root, text, **options)


def def_rows(result: CqResult) -> set[tuple[str, str, int]]:
    return {(f.anchor.file, f.details.name, f.anchor.line) for f in result.key_findings}


@pytest.mark.parametrize("kind", ["function", "method", "class"])
def test_every_def_of_a_kind_matches_ast(inventory: Path, kind: str) -> None:
    result = ask(inventory, f"entity={kind}")
    expected = oracle.defs(inventory, kind, ignored=IGNORED)
    assert def_rows(result) == expected
    assert len(result.key_findings) == len(expected)  # no duplicates


@pytest.mark.parametrize(
    ("kind", "name"),
    [("function", "main"), ("method", "run"), ("class", "Item"), ("function", "check"),
     ("method", "get"), ("function", "register")],
)
def test_exact_names_match_ast(inventory: Path, kind: str, name: str) -> None:
    result = ask(inventory, f"entity={kind} name={name}")
    assert def_rows(result) == oracle.defs(inventory, kind, name, ignored=IGNORED)


@pytest.mark.parametrize(("kind", "regex"), [("method", "^_"), ("function", "^(build|sync)"),
                                            ("class", "e$")])
def test_regex_names_match_ast(inventory: Path, kind: str, regex: str) -> None:
    result = ask(inventory, f"entity={kind} name=~{regex}")
    expected = oracle.defs(inventory, kind, predicate=re.compile(regex).search, ignored=IGNORED)
    assert def_rows(result) == expected


def test_ignored_files_never_answer(inventory: Path) -> None:
    files = {f.anchor.file for f in ask(inventory, "entity=function name=main").key_findings}
    assert files == {"src/inventory/service.py"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Warehouse.get", {("src/inventory/models.py", 32)}),
        ("inventory.models.Warehouse.get", {("src/inventory/models.py", 32)}),
        ("Audit.run", {("src/inventory/models.py", 40)}),
        ("restock_all.bump", {("src/inventory/service.py", 21)}),
        ("odels.Warehouse.get", set()),  # segments, not characters
    ],
)
def test_dotted_names_match_qualified_suffix(inventory: Path, name, expected) -> None:
    result = ask(inventory, f"entity={'function' if 'bump' in name else 'method'} name={name}")
    assert {(f.anchor.file, f.anchor.line) for f in result.key_findings} == expected


def test_bare_word_finds_every_def_kind(inventory: Path) -> None:
    result = ask(inventory, "main")
    expected = oracle.defs(inventory, "function", "main", ignored=IGNORED)
    assert def_rows(result) == expected
    assert {f.details.kind for f in ask(inventory, "run").key_findings} == {"method"}


def test_a_comma_list_of_entities_is_their_union(inventory: Path) -> None:
    result = ask(inventory, "entity=function,method")
    expected = (oracle.defs(inventory, "function", ignored=IGNORED)
                | oracle.defs(inventory, "method", ignored=IGNORED))
    assert def_rows(result) == expected
    assert {f.details.kind for f in result.key_findings} == {"function", "method"}


def test_a_bare_name_with_keys(inventory: Path) -> None:
    everywhere = def_rows(ask(inventory, "run"))
    inside = def_rows(ask(inventory, "run in=src/inventory/api"))
    assert inside == {row for row in everywhere if row[0].startswith("src/inventory/api/")}
    assert inside and inside != everywhere
    assert def_rows(ask(inventory, "main entity=method")) == oracle.defs(
        inventory, "method", "main", ignored=IGNORED)


def test_findings_ordered_by_file_line_col(inventory: Path) -> None:
    anchors = [(f.anchor.file, f.anchor.line, f.anchor.col)
               for f in ask(inventory, "entity=function").key_findings]
    assert anchors == sorted(anchors)


def test_in_restricts_scope(inventory: Path) -> None:
    result = ask(inventory, "entity=method in=src/inventory/api")
    assert {f.anchor.file for f in result.key_findings} == {"src/inventory/api/handlers.py"}


@pytest.mark.parametrize("path", ["../", "/etc", "missing/dir"])
def test_in_outside_root_or_missing_is_bad_input(inventory: Path, path: str) -> None:
    with pytest.raises(ScopeError):
        ask(inventory, f"entity=function in={path}")


def test_exclude_and_globs(inventory: Path) -> None:
    excluded = ask(inventory, "entity=function exclude=tests")
    assert all(not f.anchor.file.startswith("tests/") for f in excluded.key_findings)
    only_tests = ask(inventory, "entity=function globs=tests/**")
    assert {f.anchor.file for f in only_tests.key_findings} == {"tests/test_service.py"}


def test_limit_truncates_and_says_so(inventory: Path) -> None:
    result = ask(inventory, "entity=method limit=2")
    assert len(result.key_findings) == 2
    assert result.summary["truncated"] is True
    assert result.summary["matches"] > 2


def test_callers_and_depth(inventory: Path) -> None:
    one = ask(inventory, "entity=function name=build_warehouse expand=callers")
    callers = {f.details.caller for f in one.sections[0].findings}
    assert callers == {"main", "Handler.list_items", "test_build"}
    two = ask(inventory, "entity=function name=build_warehouse expand=callers(depth=2)")
    deeper = {(f.details.caller, f.details.depth) for f in two.sections[0].findings}
    assert ("Handler._private", 2) in deeper and ("main_handler", 2) in deeper
    assert ("test_main", 2) in deeper  # main calls build_warehouse; test_main calls main


def test_callers_come_in_the_tiers_of_calls(tmp_path: Path) -> None:
    shop = copy_sample(tmp_path, "receivers")
    result = ask(shop, "entity=method name=save expand=callers")
    tiers = {(f.anchor.line, f.details.callee): f.details.tier
             for f in result.sections[0].findings}
    assert tiers[(64, "maybe.save")] == "possible"
    assert tiers[(62, "item.save")] == tiers[(60, "order.save")] == "resolved"
    assert (66, "urls.save") not in tiers  # the module defines no save: excluded


def test_callees_resolve_to_definitions(inventory: Path) -> None:
    result = ask(inventory, "entity=function name=main in=src/inventory/service.py "
                            "expand=callees")
    by_callee = {f.details.callee: list(f.details.targets) for f in result.sections[0].findings}
    assert by_callee["build_warehouse"] == ["inventory.service.build_warehouse"]
    assert by_callee["restock_all"] == ["inventory.service.restock_all"]
    assert by_callee["log.info"] == []


def test_fields_callers_and_loc(inventory: Path) -> None:
    result = ask(inventory, "entity=function name=restock_all fields=def,loc,callers")
    (finding,) = result.key_findings
    assert finding.details.loc == 11
    assert finding.details.callers == ("main",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("entity=decorator decorated_by=route", {"list_items", "run"}),
        ("entity=method decorated_by=staticmethod", {"run"}),
        ("entity=method decorator_count_min=2", {"run"}),
        ("entity=class decorated_by=dataclasses.dataclass", {"Item"}),
        ("entity=method name=total decorated_by=functools.cached_property", set()),
        ("entity=method name=total decorated_by=cached_property", {"total"}),
    ],
)
def test_decorator_filters(inventory: Path, text: str, expected: set[str]) -> None:
    assert {f.details.name for f in ask(inventory, text).key_findings} == expected


def test_callsite_entity_matches_ast(inventory: Path) -> None:
    result = ask(inventory, "entity=callsite name=get")
    got = {(f.anchor.file, f.anchor.line) for f in result.key_findings}
    assert got == oracle.calls(inventory, "get", ignored=IGNORED)


def test_import_entity(inventory: Path) -> None:
    result = ask(inventory, "entity=import name=~^inventory\\.service")
    files = {f.anchor.file for f in result.key_findings}
    assert files == {"src/inventory/__init__.py", "src/inventory/api/handlers.py",
                     "tests/test_service.py"}
    os_result = ask(inventory, "entity=import name=os")
    assert [f.anchor.line for f in os_result.key_findings] == [2]


def test_module_entity(inventory: Path) -> None:
    result = ask(inventory, "entity=module name=inventory.models")
    (finding,) = result.key_findings
    assert finding.details.classes == 3
    assert finding.details.module == "inventory.models"


def test_explain_lists_plan_scope_and_exclusions(inventory: Path) -> None:
    result = ask(inventory, "entity=function name=main explain=true")
    assert any("files containing 'main'" in line for line in result.summary["plan"])
    assert "src/inventory/service.py" in result.summary["scope"]
    excluded = {f.details.path for s in result.sections if s.kind == "excluded"
                for f in s.findings}
    assert "build" in excluded or "build/leftover.py" in excluded


def test_run_ids_increase_between_runs(inventory: Path) -> None:
    first = ask(inventory, "entity=class").run.run_id
    second = ask(inventory, "entity=class").run.run_id
    assert first < second
    assert uuid7_time(first) <= uuid7_time(second)


def test_bad_query_raises_before_any_work(inventory: Path) -> None:
    with pytest.raises(QuerySyntaxError):
        ask(inventory, "entity=function colour=red")


def test_explain_answers_follow_the_excluded_files(tmp_path: Path) -> None:
    root = copy_sample(tmp_path, "inventory")
    cache = str(tmp_path / "cache")
    first = ask(root, "entity=function name=main explain=true", cache_dir=cache)
    (root / "node_modules").mkdir()
    (root / "node_modules" / "m.py").write_text("def main():\n    pass\n")
    second = ask(root, "entity=function name=main explain=true", cache_dir=cache)
    assert second.summary["cache"]["status"] == "miss"
    excluded = [f.details.path for s in second.sections if s.kind == "excluded"
                for f in s.findings]
    assert "node_modules" in excluded
    assert first.key_findings == second.key_findings


def test_q_takes_the_result_filters_on_scored_findings(tmp_path) -> None:
    from conftest import repo_settings
    from cq.api import run_query

    root = copy_sample(tmp_path, "receivers")
    settings = repo_settings(root, no_cache=True, save_artifact=False)
    everything = run_query(settings, "entity=method name=save expand=callers")
    sure = run_query(settings, "entity=method name=save expand=callers",
                     filters={"confidence": "high"})
    callers = [f for s in everything.sections for f in s.findings]
    kept = [f for s in sure.sections for f in s.findings]
    assert all(f.score is not None for f in callers)
    assert kept == [f for f in callers if f.score.confidence_bucket == "high"] and kept
    assert len(kept) < len(callers) and sure.summary["filtered"]["removed"] > 0


def test_limit_in_q_sets_the_markdown_length_and_names_the_rest(tmp_path) -> None:
    from cq.render.markdown import render_markdown

    root = copy_sample(tmp_path, "sample_app")
    result = run_q(root, "entity=function limit=2")
    text = render_markdown(result)
    total = result.summary["matches"]
    assert f"… and {total - 2:,} more (`limit={total}`)" in text
    assert "… and" not in render_markdown(run_q(root, "entity=function limit=0"))
