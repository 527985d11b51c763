"""`cq calls` against an independent resolver, jedi, on the committed sample
`tests/repos/receivers`: every `resolved` site is one jedi resolves to the target, and every
site jedi resolves to the target is reported (resolved or possible)."""

from __future__ import annotations

import ast
from pathlib import Path

import jedi
import pytest

from conftest import copy_sample, run_macro

SPECS = ("QuerySet.filter", "BaseManager.filter", "Library.filter", "Engine.get_default",
         "Field.get_default", "Model.save", "Order.save", "urls.reverse", "filter")
# A bare name (`filter`) matches calls by the name written at the call, so an import alias
# of it (`url_for` for `reverse`) is a site only of the dotted spec (`urls.reverse`).

Site = tuple[str, int, int]  # file, end line, end column of the call


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("jedi"), "receivers").resolve()


@pytest.fixture(scope="module")
def scripts(shop: Path) -> dict[str, jedi.Script]:
    project = jedi.Project(shop, added_sys_path=[str(shop / "src")])
    return {path.relative_to(shop).as_posix(): jedi.Script(path=path, project=project)
            for path in sorted(shop.rglob("*.py"))}


def _called(node: ast.Call) -> tuple[str, int, int] | None:
    """The callee's last name and where that name starts (jedi's position)."""
    func = node.func
    if isinstance(func, ast.Name):
        return func.id, func.lineno, func.col_offset
    if isinstance(func, ast.Attribute) and func.end_lineno and func.end_col_offset:
        return func.attr, func.end_lineno, func.end_col_offset - len(func.attr)
    return None


@pytest.fixture(scope="module")
def reached(shop: Path, scripts: dict[str, jedi.Script]) -> dict[Site, set[tuple[str, int]]]:
    """Every call in the sample → the repository defs (file, def line) jedi resolves its
    callee to."""
    found = {}
    for rel, script in scripts.items():
        for node in ast.walk(ast.parse((shop / rel).read_text())):
            called = _called(node) if isinstance(node, ast.Call) else None
            if called is None:
                continue
            found[(rel, node.end_lineno or 0, node.end_col_offset or 0)] = {
                (Path(n.module_path).relative_to(shop).as_posix(), n.line)
                for n in script.goto(called[1], called[2], follow_imports=True)
                if n.module_path and Path(n.module_path).is_relative_to(shop)}
    return found


@pytest.mark.parametrize("spec", SPECS)
def test_calls_agrees_with_jedi(shop: Path, reached, spec: str) -> None:
    result = run_macro(shop, "calls", {"target": spec}, no_cache=True)
    (signatures,) = [s for s in result.sections if s.kind == "signatures"]
    defs = {(f.anchor.file, f.anchor.line) for f in signatures.findings}
    assert defs
    tiers = {(f.anchor.file, f.anchor.end_line, f.anchor.end_col): f.details.tier
             for f in result.key_findings}
    confirmed = {site for site, found in reached.items() if found & defs}
    assert confirmed
    resolved = {site for site, tier in tiers.items() if tier == "resolved"}
    assert resolved <= confirmed, "resolved sites jedi does not confirm"
    assert confirmed <= set(tiers), "sites jedi finds that calls misses"
