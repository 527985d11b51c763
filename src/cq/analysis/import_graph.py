"""The import graph of the files in scope: classified import rows, module edges and cycles.

`build_graph(source)` reads every file's import facts and returns an `ImportGraph`:
- one `ImportRow` per imported module (`import a, b` is two rows; `from m import x, y` one),
  classified internal / stdlib / third_party (see `cq.macros.imports` for the rules); an
  absolute import of a module next to the importer's package root (a script's sibling,
  `conftest` under pytest) is internal with evidence "heuristic";
- one `Edge` per (row, internal module the row makes importable), with its laziness;
- `Cycle`s: the cyclic strongly connected components of the eager edges (import-time
  cycles), then those of all edges that need a lazy or type-only import to close.

Laziness is read off the facts (a function among the enclosing scopes); `type_only` needs the
extent of `if TYPE_CHECKING:` blocks, read with `ast` from the few files that import `typing`
(or `typing_extensions`) and contain the text `TYPE_CHECKING`; `main_only` (an import in a
top-level `if __name__ == "__main__":` body, which runs only when the file is a script) is read
off the text by indentation (`guard_blocks`, shared with the side-effects fallback). An edge
runs at import time when it is none of the three. Formatting findings is the macro's job.
"""

from __future__ import annotations

import ast
import difflib
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

import msgspec

from cq.analysis.graph import (
    cyclic_components,
    restricted,
    shortest_cycle,
    shortest_cycle_via,
)
from cq.coding import decode_source
from cq.errors import BadInputError
from cq.facts import Def, FileFacts, Import, Span
from cq.modules import module_name
from cq.parsing import ParseFailure, parse_bytes

if TYPE_CHECKING:
    from cq.index.source import FactSource

INTERNAL, STDLIB, THIRD_PARTY = "internal", "stdlib", "third_party"
_TYPING_MODULES = ("typing", "typing_extensions")
_STDLIB = frozenset(sys.stdlib_module_names)


class ImportRow(msgspec.Struct, frozen=True):
    """One imported module of one import statement. `module` is as written (no leading
    dots), `resolved` the absolute name (None for a relative import above the root),
    `targets` the repository modules it is an edge to."""

    path: str
    importer: str
    span: Span
    text: str
    module: str
    level: int
    resolved: str | None
    names: tuple[str, ...]
    alias: str | None
    classification: str
    targets: tuple[str, ...]
    lazy: bool
    type_only: bool
    evidence: str = "syntax"  # "heuristic" when found next to the importer's package root
    main_only: bool = False  # inside `if __name__ == "__main__":` (runs only as a script)


class Edge(msgspec.Struct, frozen=True):
    source: str
    target: str
    path: str
    span: Span
    text: str
    lazy: bool
    type_only: bool
    main_only: bool = False

    @property
    def eager(self) -> bool:
        """Runs when the importing module is imported."""
        return not (self.lazy or self.type_only or self.main_only)


class Cycle(msgspec.Struct, frozen=True):
    """A cyclic component: its modules (sorted), a shortest cycle (`order`, first module
    repeated at the end) with the import lines that form it (`path`, one edge per step),
    every edge between its members, `lazy_only` (no edge runs at import time) and
    `import_time` (a component of the eager edges alone: importing one member can meet a
    partly initialised other). A component that needs a lazy or type-only edge to close
    starts its `order` with one, and names the import-time cycles inside it."""

    modules: tuple[str, ...]
    order: tuple[str, ...]
    path: tuple[Edge, ...]
    edges: tuple[Edge, ...]
    lazy_only: bool
    import_time: bool
    import_time_cycles: tuple[tuple[str, ...], ...] = ()


class ImportGraph(msgspec.Struct, frozen=True):
    modules: dict[str, str]  # module name -> the file defining it (first in path order)
    files: int
    rows: tuple[ImportRow, ...]
    edges: tuple[Edge, ...]
    cycles: tuple[Cycle, ...]


# -- modules ------------------------------------------------------------------------------

def module_paths(paths: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(paths):
        found.setdefault(module_name(path), path)
    return found


def check_module(source: FactSource, wanted: str) -> None:
    """Bad input unless `wanted` is a module of a file in scope (no facts are loaded)."""
    modules = module_paths(ref.path for ref in source.files)
    if wanted in modules:
        return
    close = difflib.get_close_matches(wanted, list(modules), n=5, cutoff=0.6)
    hint = ("did you mean " + ", ".join(close)) if close else (
        f"{len(modules)} modules in scope" + (f", e.g. {min(modules)}" if modules else ""))
    raise BadInputError(f"imports: no module {wanted!r} in scope", hint=hint)


class _Resolver:
    """Classification and edge targets against the repository's modules."""

    def __init__(self, modules: dict[str, str]) -> None:
        self.modules = modules
        self.tops = frozenset(name.split(".")[0] for name in modules)
        self.known_tops = self.tops | _STDLIB

    def classify(self, name: str | None, level: int) -> str:
        if level or name is None:
            return INTERNAL
        top = name.split(".")[0]
        if top in self.tops:
            return INTERNAL
        return STDLIB if top in _STDLIB else THIRD_PARTY

    def locate(self, importer: str, resolved: str | None, level: int) -> tuple[str | None, str]:
        """(absolute name, evidence) of an imported module. An absolute import whose top
        level is no module of the repository may name a module next to the importer's
        package root — the first directory up that is not a package, which pytest and a
        script's own directory put on `sys.path` (`from conftest import X` in tests/unit/).
        Stdlib names are left alone: builtin modules win over `sys.path`, and a sibling
        named like a stdlib module is far more often a script than a shadow."""
        if level or resolved is None or resolved.split(".")[0] in self.known_tops:
            return resolved, "syntax"  # a script's sibling does not shadow the stdlib here
        parts = importer.split(".")[:-1]
        while parts and ".".join(parts) in self.modules:
            parts.pop()
        if not parts:
            return resolved, "syntax"
        base = ".".join(parts)
        top = f"{base}.{resolved.split('.')[0]}"
        found = self.longest_module(f"{base}.{resolved}")
        if found is not None and (found == top or found.startswith(top + ".")):
            return f"{base}.{resolved}", "heuristic"
        return resolved, "syntax"

    def longest_module(self, name: str) -> str | None:
        parts = name.split(".")
        for end in range(len(parts), 0, -1):
            candidate = ".".join(parts[:end])
            if candidate in self.modules:
                return candidate
        return None

    def targets(self, importer: str, resolved: str | None, names: tuple[str, ...],
                is_from: bool) -> tuple[str, ...]:
        """The repository modules an import runs or reads, in import order: each package
        on the way to the module (its longest prefix that is a module) and the module
        itself, then the submodules `from resolved import names` names.

        A package above the importer is already running when the importer runs, so an edge
        to it is kept only where the import is for its namespace (`import pkg`, `from pkg
        import attr`, `*`): that is how a partly initialised package meets its submodule.
        The importer itself is never a target: a module importing itself runs nothing."""
        if resolved is None:
            return ()
        found = self.longest_module(resolved)
        if found is None:
            return ()
        running = _ancestors(importer) | {importer}
        subs = [f"{found}.{n}" for n in names if f"{found}.{n}" in self.modules] if (
            found == resolved) else []
        reads = found == resolved and (not is_from or len(subs) < len(names))
        chain = [m for m in _ancestors(found) | {found} if m in self.modules]
        kept = [m for m in sorted(chain, key=len)
                if m not in running or (m == found and reads and m != importer)]
        return tuple(dict.fromkeys(kept + subs))


def _ancestors(module: str) -> set[str]:
    """The packages above a dotted module name: `a.b.c` → {a, a.b}."""
    parts = module.split(".")
    return {".".join(parts[:end]) for end in range(1, len(parts))}


# -- rows ---------------------------------------------------------------------------------

Blocks = list[tuple[int, int]]


def file_rows(facts: FileFacts, resolver: _Resolver, type_blocks: Blocks,
              main_blocks: Blocks) -> list[ImportRow]:
    defs = {d.qualname: d for d in facts.defs} if any(
        i.enclosing for i in facts.imports) else {}
    stub = facts.path.endswith(".pyi")
    rows: list[ImportRow] = []
    for fact in facts.imports:
        lazy = in_function(fact.enclosing, defs)
        type_only = stub or any(lo <= fact.span.line <= hi for lo, hi in type_blocks)
        main_only = any(lo <= fact.span.line <= hi for lo, hi in main_blocks)
        for module, written, names, alias, text in _specs(fact):
            resolved, evidence = resolver.locate(facts.module, written, fact.level)
            rows.append(ImportRow(
                path=facts.path, importer=facts.module, span=fact.span, text=text,
                module=module, level=fact.level, resolved=resolved, names=names, alias=alias,
                classification=resolver.classify(resolved, fact.level),
                targets=resolver.targets(facts.module, resolved, names, fact.is_from),
                lazy=lazy, type_only=type_only, evidence=evidence, main_only=main_only))
    return rows


_Spec = tuple[str, str | None, tuple[str, ...], str | None, str]


def _specs(fact: Import) -> list[_Spec]:
    """(module, resolved, names, alias, text) per imported module of one statement."""
    if fact.is_from:
        names = tuple(n.name for n in fact.names)
        shown = ", ".join(_with_alias(n.name, n.alias) for n in fact.names)
        text = f"from {'.' * fact.level}{fact.module} import {shown}"
        return [(fact.module, fact.resolved, names, None, text)]
    return [(n.name, n.name, (), n.alias, f"import {_with_alias(n.name, n.alias)}")
            for n in fact.names]


def _with_alias(name: str, alias: str | None) -> str:
    return f"{name} as {alias}" if alias else name


def in_function(enclosing: str | None, defs: dict[str, Def]) -> bool:
    """Is a function among the enclosing scopes? (A class body runs at import time.)"""
    while enclosing is not None:
        scope = defs.get(enclosing)
        if scope is None:
            return False
        if scope.kind != "class":
            return True
        enclosing = scope.enclosing
    return False


def type_checking_blocks(source: FactSource, facts: FileFacts) -> list[tuple[int, int]]:
    """Line ranges of `if TYPE_CHECKING:` bodies (also `typing.TYPE_CHECKING`), read with
    `ast` only from files that import typing and contain the name."""
    if not any((i.resolved or "").split(".")[0] in _TYPING_MODULES for i in facts.imports):
        return []
    if not source.session.contains(facts.path, "TYPE_CHECKING"):
        return []
    data = source.session.text(facts.path)
    return _blocks_in(data) if data is not None else []


def _blocks_in(data: bytes) -> list[tuple[int, int]]:
    _text, tree = parse_bytes(data)
    if isinstance(tree, ParseFailure):
        return []
    blocks = []
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and node.body and _names_type_checking(node.test):
            blocks.append((node.body[0].lineno, node.body[-1].end_lineno or node.lineno))
    return blocks


def main_blocks(source: FactSource, facts: FileFacts) -> Blocks:
    """Line ranges of top-level `if __name__ == "__main__":` bodies, from the text of the
    files that contain `__main__` and import something there is to find."""
    if not facts.imports or not source.session.contains(facts.path, "__main__"):
        return []
    data = source.session.text(facts.path)
    text = decode_source(data)[0] if data is not None else ""
    return [(lo, hi) for lo, hi, kind in guard_blocks(text) if kind == "main"]


_GUARD = re.compile(r"""if\s+(?:(?P<main>__name__\s*==\s*(['"])__main__\2"""
                    r"""|(['"])__main__\3\s*==\s*__name__)|(?:typing\.)?TYPE_CHECKING)"""
                    r"""\s*:\s*(?:#.*)?$""")


def guard_blocks(text: str) -> list[tuple[int, int, str]]:
    """(first line, last line, "main" or "type_checking") of the bodies of top-level `if
    __name__ == "__main__":` and `if TYPE_CHECKING:` statements, read from the text by
    indentation (no parse): a body ends before the next line of code at column 0 (an
    `else:` included, whose body runs)."""
    blocks: list[tuple[int, int, str]] = []
    start, kind = 0, ""
    lines = ast_lines(text)
    for number, line in enumerate(lines, 1):
        if not line.strip() or line[0] in " \t#":
            continue
        if start:
            blocks.append((start, number - 1, kind))
        found = _GUARD.match(line)
        start = number + 1 if found else 0
        kind = "main" if found and found.group("main") else "type_checking"
    if start:
        blocks.append((start, len(lines), kind))
    return blocks


def ast_lines(text: str) -> list[str]:
    """The lines as ast counts them: at \\n, \\r\\n and \\r only (`str.splitlines` also
    splits at \\f, ...)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _names_type_checking(test: object) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


# -- graph --------------------------------------------------------------------------------

def build_graph(source: FactSource) -> ImportGraph:
    facts = [f for f in source.all_facts() if not f.skipped]
    modules = module_paths(f.path for f in facts)
    resolver = _Resolver(modules)
    rows = tuple(row for ff in facts for row in file_rows(
        ff, resolver, type_checking_blocks(source, ff), main_blocks(source, ff)))
    edges = tuple(Edge(row.importer, target, row.path, row.span, row.text, row.lazy,
                       row.type_only, row.main_only) for row in rows for target in row.targets)
    return ImportGraph(modules=modules, files=len(source.files), rows=rows, edges=edges,
                       cycles=find_cycles(edges))


def find_cycles(edges: Iterable[Edge]) -> tuple[Cycle, ...]:
    """The import-time cycles (components of the eager edges), then the components of all
    edges that are not one of those (cycles closed by a lazy or type-only import)."""
    by_source: dict[str, list[Edge]] = defaultdict(list)
    for edge in edges:
        by_source[edge.source].append(edge)
    graph = {source: [e.target for e in out] for source, out in by_source.items()}
    eager = {source: [e.target for e in out if e.eager] for source, out in by_source.items()}
    at_import = cyclic_components(eager)
    found = [_eager_cycle(members, by_source, eager) for members in at_import]
    seen = {tuple(members) for members in at_import}
    found.extend(_lazy_cycle(members, by_source, graph, at_import)
                 for members in cyclic_components(graph) if tuple(members) not in seen)
    return tuple(found)


def _inside(members: list[str], by_source: dict[str, list[Edge]]) -> tuple[Edge, ...]:
    keep = set(members)
    return tuple(sorted((e for m in members for e in by_source.get(m, ()) if e.target in keep),
                        key=lambda e: (e.source, e.target, e.path, e.span.line)))


def _eager_cycle(members: list[str], by_source: dict[str, list[Edge]],
                 eager: dict[str, list[str]]) -> Cycle:
    edges = _inside(members, by_source)
    order = shortest_cycle(restricted(eager, members), members[0])
    return Cycle(modules=tuple(members), order=tuple(order), path=_path(order, edges, -1),
                 edges=edges, lazy_only=False, import_time=True)


def _lazy_cycle(members: list[str], by_source: dict[str, list[Edge]],
                graph: dict[str, list[str]], at_import: list[list[str]]) -> Cycle:
    edges = _inside(members, by_source)
    order = shortest_cycle_via(restricted(graph, members),
                               [(e.source, e.target) for e in edges if not e.eager])
    inner = tuple(tuple(c) for c in at_import if set(c) <= set(members))
    return Cycle(modules=tuple(members), order=tuple(order), path=_path(order, edges, 0),
                 edges=edges, lazy_only=not any(e.eager for e in edges), import_time=False,
                 import_time_cycles=inner)


def _path(order: list[str], edges: tuple[Edge, ...], lazy_step: int) -> tuple[Edge, ...]:
    """One import line per step of `order`: a lazy or type-only one at `lazy_step`, an eager
    one elsewhere when there is one (edges are in file and line order)."""
    path = []
    for step, pair in enumerate(zip(order, order[1:], strict=False)):
        options = [e for e in edges if (e.source, e.target) == pair]
        wanted = [e for e in options if e.eager != (step == lazy_step)]
        path.append((wanted or options)[0])
    return tuple(path)
