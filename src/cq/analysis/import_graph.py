"""The import graph of the files in scope: classified import rows, module edges and cycles.

`build_graph(source)` reads every file's import facts and returns an `ImportGraph`:
- one `ImportRow` per imported module (`import a, b` is two rows; `from m import x, y` one),
  classified internal / stdlib / third_party (see `cq.macros.imports` for the rules); an
  absolute import of a module next to the importer's package root (a script's sibling,
  `conftest` under pytest) is internal with evidence "heuristic";
- one `Edge` per (row, internal module the row makes importable), with its laziness;
- the cyclic strongly connected components of the module graph as `Cycle`s.

Laziness is read off the facts (a function among the enclosing scopes); `type_only` needs the
extent of `if TYPE_CHECKING:` blocks, read with `ast` from the few files that import `typing`
(or `typing_extensions`) and contain the text `TYPE_CHECKING`. Formatting findings is the
macro's job.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

import msgspec

from cq.analysis.graph import cyclic_components, has_cycle, restricted, shortest_cycle
from cq.errors import BadInputError
from cq.facts import Def, FileFacts, Import, Span
from cq.modules import module_name

if TYPE_CHECKING:
    from cq.index.source import FactSource

INTERNAL, STDLIB, THIRD_PARTY = "internal", "stdlib", "third_party"
CLASSIFICATIONS = (INTERNAL, STDLIB, THIRD_PARTY)
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


class Edge(msgspec.Struct, frozen=True):
    source: str
    target: str
    path: str
    span: Span
    text: str
    lazy: bool
    type_only: bool

    @property
    def eager(self) -> bool:
        """Runs when the importing module is imported."""
        return not (self.lazy or self.type_only)


class Cycle(msgspec.Struct, frozen=True):
    """A cyclic component: its modules (sorted), a shortest cycle through the first one
    (`order`, first module repeated at the end), every edge between its members,
    `lazy_only` (no edge runs at import time) and `import_time` (the eager edges alone still
    form a cycle, so importing one member can meet a partly initialised other)."""

    modules: tuple[str, ...]
    order: tuple[str, ...]
    edges: tuple[Edge, ...]
    lazy_only: bool
    import_time: bool


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
    import difflib

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
                package: bool) -> tuple[str, ...]:
        """Submodules `from resolved import names` names, else the module itself (its
        longest prefix that is a module). A fallback landing on the importer is dropped when
        it came from a longer name, or from names a package imports from itself (`from .
        import _speedups` in an `__init__`: most likely a submodule not in scope)."""
        if resolved is None:
            return ()
        subs = tuple(f"{resolved}.{n}" for n in names if f"{resolved}.{n}" in self.modules)
        if subs:
            return subs
        found = self.longest_module(resolved)
        if found is None:
            return ()
        if found == importer and (found != resolved or (package and names)):
            return ()
        return (found,)


# -- rows ---------------------------------------------------------------------------------

def file_rows(facts: FileFacts, resolver: _Resolver, type_blocks: list[tuple[int, int]]
              ) -> list[ImportRow]:
    defs = {d.qualname: d for d in facts.defs} if any(
        i.enclosing for i in facts.imports) else {}
    stub = facts.path.endswith(".pyi")
    package = facts.path.endswith(("__init__.py", "__init__.pyi"))
    rows: list[ImportRow] = []
    for fact in facts.imports:
        lazy = in_function(fact.enclosing, defs)
        type_only = stub or any(lo <= fact.span.line <= hi for lo, hi in type_blocks)
        for module, written, names, alias, text in _specs(fact):
            resolved, evidence = resolver.locate(facts.module, written, fact.level)
            rows.append(ImportRow(
                path=facts.path, importer=facts.module, span=fact.span, text=text,
                module=module, level=fact.level, resolved=resolved, names=names, alias=alias,
                classification=resolver.classify(resolved, fact.level),
                targets=resolver.targets(facts.module, resolved, names, package),
                lazy=lazy, type_only=type_only, evidence=evidence))
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
    import ast

    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return []
    blocks = []
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and node.body and _names_type_checking(node.test):
            blocks.append((node.body[0].lineno, node.body[-1].end_lineno or node.lineno))
    return blocks


def _names_type_checking(test: object) -> bool:
    import ast

    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


# -- graph --------------------------------------------------------------------------------

def build_graph(source: FactSource) -> ImportGraph:
    facts = [f for f in source.all_facts() if not f.skipped]
    modules = module_paths(f.path for f in facts)
    resolver = _Resolver(modules)
    rows = tuple(row for ff in facts
                 for row in file_rows(ff, resolver, type_checking_blocks(source, ff)))
    edges = tuple(Edge(row.importer, target, row.path, row.span, row.text, row.lazy,
                       row.type_only) for row in rows for target in row.targets)
    return ImportGraph(modules=modules, files=len(source.files), rows=rows, edges=edges,
                       cycles=find_cycles(edges))


def find_cycles(edges: Iterable[Edge]) -> tuple[Cycle, ...]:
    by_source: dict[str, list[Edge]] = defaultdict(list)
    for edge in edges:
        by_source[edge.source].append(edge)
    graph = {source: [e.target for e in out] for source, out in by_source.items()}
    eager = {source: [e.target for e in out if e.eager] for source, out in by_source.items()}
    return tuple(_cycle(members, by_source, graph, eager)
                 for members in cyclic_components(graph))


def _cycle(members: list[str], by_source: dict[str, list[Edge]], graph: dict[str, list[str]],
           eager: dict[str, list[str]]) -> Cycle:
    inside = set(members)
    edges = tuple(sorted((e for m in members for e in by_source.get(m, ())
                          if e.target in inside),
                         key=lambda e: (e.source, e.target, e.path, e.span.line)))
    order = shortest_cycle(restricted(graph, members), members[0])
    return Cycle(modules=tuple(members), order=tuple(order), edges=edges,
                 lazy_only=not any(e.eager for e in edges),
                 import_time=has_cycle(restricted(eager, members)))
