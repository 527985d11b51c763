"""The package's layering, read from the code: every `import` of a cq module (inside functions
too, but not under `if TYPE_CHECKING:`) must point to a lower layer of the order written in
`docs/architecture.md` (or stay inside its own unit), and no chain of imports may lead back to
where it started. A unit is a top-level module (`cq/runner.py`) or a subpackage (`cq/query/`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SRC = PROJECT / "src"
PACKAGE = SRC / "cq"
ARCHITECTURE = PROJECT / "docs" / "architecture.md"
_LAYER_LINE = re.compile(r"^(\d+)\. (.+)$")


def module_of(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "cq"


def _is_module(dotted: str) -> bool:
    base = SRC.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _targets(node: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = _absolute(node, module, is_package)
        for alias in node.names:
            child = f"{base}.{alias.name}"
            yield child if _is_module(child) else base


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.If) and _is_type_checking(child):
            yield from (n for part in child.orelse for n in _imports_in(part))
            continue
        yield from _imports_in(child)


def _imports_in(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    else:
        yield from _imports(node)


@cache
def import_graph() -> dict[str, frozenset[str]]:
    """Every cq module → the cq modules it imports."""
    graph: dict[str, frozenset[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_of(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = {target for node in _imports(tree)
                 for target in _targets(node, module, path.name == "__init__.py")}
        graph[module] = frozenset(t for t in found if t == "cq" or t.startswith("cq."))
    return graph


@cache
def layers() -> dict[str, int]:
    """unit → layer number, from the numbered list under "## Layers" in the architecture."""
    text = ARCHITECTURE.read_text(encoding="utf-8").split("## Layers", 1)[1].split("\n## ", 1)[0]
    order: dict[str, int] = {}
    for line in text.splitlines():
        found = _LAYER_LINE.match(line.strip())
        if found:
            for unit in re.findall(r"`([^`]+)`", found.group(2).split(" — ")[0]):
                assert unit not in order, f"{unit} is listed twice"
                order[unit.strip("/").removesuffix(".py")] = int(found.group(1))
    return order


def test_every_unit_has_a_layer() -> None:
    units = {unit_of(module) for module in import_graph()}
    assert sorted(units - set(layers())) == []
    assert sorted(set(layers()) - units) == []


def upward_edges() -> list[str]:
    order = layers()
    bad = []
    for module, targets in sorted(import_graph().items()):
        for target in sorted(targets):
            here, there = unit_of(module), unit_of(target)
            if here != there and order.get(there, 99) >= order.get(here, -1):
                bad.append(f"{module} -> {target} (layer {order.get(here)} -> {order.get(there)})")
    return bad


def test_imports_point_down_the_layers() -> None:
    assert upward_edges() == []


def reachable(graph: dict[str, frozenset[str]], start: str) -> set[str]:
    seen: set[str] = set()
    stack = list(graph.get(start, ()))
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(graph.get(node, ()))
    return seen


def cycles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """The groups of nodes that reach each other (a node that reaches itself included)."""
    reach = {node: reachable(graph, node) for node in graph}
    groups = {tuple(sorted(n for n in reach[node] if node in reach[n]))
              for node in graph if node in reach[node]}
    return sorted(list(group) for group in groups)


def test_no_module_imports_itself_back() -> None:
    assert cycles(import_graph()) == []


def test_no_unit_imports_itself_back() -> None:
    units: dict[str, set[str]] = {}
    for module, targets in import_graph().items():
        here = unit_of(module)
        units.setdefault(here, set()).update(unit_of(t) for t in targets if unit_of(t) != here)
    assert cycles({u: frozenset(t) for u, t in units.items()}) == []


@pytest.mark.parametrize(("graph", "expected"), [
    ({"a": frozenset({"b"}), "b": frozenset({"a"})}, [["a", "b"]]),
    ({"a": frozenset({"b"}), "b": frozenset()}, []),
    ({"a": frozenset({"a"})}, [["a"]]),
    ({"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a", "d"}),
      "d": frozenset()}, [["a", "b", "c"]]),
])
def test_cycle_finder(graph: dict[str, frozenset[str]], expected: list[list[str]]) -> None:
    assert cycles(graph) == expected


def test_imports_inside_functions_and_not_type_checking_blocks_count() -> None:
    tree = ast.parse("import cq.a\nif TYPE_CHECKING:\n    import cq.b\nelse:\n    import cq.c\n"
                     "def f():\n    from cq import d\n")
    names = sorted(t for node in _imports(tree) for t in _targets(node, "cq.x", False))
    assert names == ["cq", "cq.a", "cq.c"]


def _table_rows() -> dict[str, str]:
    """`## Where things live` rows by the unit they describe (`runner`, `query`, ...)."""
    text = ARCHITECTURE.read_text(encoding="utf-8").split("## Where things live", 1)[1]
    rows: dict[str, str] = {}
    for line in text.split("\n## ", 1)[0].splitlines():
        if line.startswith("| `"):
            cell = line.split("|")[1]
            for name in re.findall(r"`([^`]+)`", cell):
                rows[name.removesuffix(".py").strip("/")] = line
    return rows


def test_the_architecture_names_every_module() -> None:
    rows = _table_rows()
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] in ("__init__", "__main__"):
            continue
        unit = parts[0]
        row = rows.get(unit)
        # a module of a package by its name; a subpackage's modules by the subpackage
        named = f"`{parts[1]}/`" if len(parts) > 2 else f"`{parts[-1]}`"
        if row is None or (len(parts) > 1 and named not in row):
            missing.append("/".join(parts))
    assert missing == []
