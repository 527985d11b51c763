"""Function scopes from the stdlib `symtable`: free, cell, local, global and nonlocal names of
each def, for `scope=`, `captures=`, `has_cells=` and `expand=scope`.

Only files with candidate defs are analysed, once per run each (`ScopeIndex`), on the source
decoded like the scanner does (`cq.coding.decode_source`). A symbol table belongs to a def when
its type (function or class), name and line agree: symtable gives the `def`/`class` line,
not the first decorator's, like `Def.span` (Python 3.11 through 3.14). Tables are searched
through every scope kind, so a generic function (3.12+, inside its type-parameter scope)
is found too. A file that does not compile has no scopes: its defs cannot be judged.

What the names mean (only public symtable API, the same on 3.11–3.14):
- free: `Symbol.is_free()` — the names a closure captures (a method calling `super()`
  captures `__class__`);
- cells: the def's own locals that some directly nested scope has free. On 3.12+ list, set
  and dict comprehensions are inlined and their tables are gone from `get_children()`, so
  a name used only inside such a comprehension is no cell there, as in the compiled code;
- locals: `Symbol.is_local()` (parameters included); globals: `Symbol.is_global()`;
- nested: `SymbolTable.is_nested()` — inside a function, possibly through classes.
"""

from __future__ import annotations

import symtable
from collections.abc import Iterator
from typing import TYPE_CHECKING

import msgspec

from cq.analysis.sourcefile import UNREADABLE, text_of
from cq.details import ScopeDetails
from cq.parsing import ParseFailure, guarded, symbol_table

if TYPE_CHECKING:
    from cq.facts import Def
    from cq.index.source import FactSource

_TABLE_TYPES = {"function": "function", "method": "function", "class": "class"}


class ScopeInfo(msgspec.Struct, frozen=True, kw_only=True):
    kind: str  # function | class (the symbol table's type)
    name: str
    line: int
    nested: bool
    free: tuple[str, ...] = ()
    cells: tuple[str, ...] = ()
    locals: tuple[str, ...] = ()
    globals: tuple[str, ...] = ()
    nonlocals: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    declared_globals: tuple[str, ...] = ()  # named in a `global` statement

    @property
    def is_closure(self) -> bool:
        return bool(self.free)

    def details(self, qualname: str, name: str | None = None,
                kind: str | None = None) -> ScopeDetails:
        """The scope as a finding's details (`name` the full name, `kind` the def's)."""
        return ScopeDetails(
            qualname=qualname, name=name, kind=kind, free=self.free, cells=self.cells,
            nonlocals=self.nonlocals, declared_globals=self.declared_globals,
            globals=self.globals, locals=self.locals, nested=self.nested,
            closure=self.is_closure, evidence="symtable")


class FileScopes:
    """A file's scopes, looked up by (table type, name, def line) in one step: a file of tens
    of thousands of defs costs a dict, not a scan of every scope per def."""

    def __init__(self, scopes: tuple[ScopeInfo, ...] = (), error: str | None = None) -> None:
        self.scopes = scopes
        self.error = error  # why the file has no scopes (it does not compile)
        self._by_key: dict[tuple[str, str, int], list[ScopeInfo]] = {}
        for scope in scopes:
            self._by_key.setdefault((scope.kind, scope.name, scope.line), []).append(scope)

    def of(self, definition: Def) -> ScopeInfo | None:
        """The scope of `definition` (by table type, name and def line)."""
        kind = _TABLE_TYPES.get(definition.kind, "")
        found = self._by_key.get((kind, definition.name, definition.span.line), [])
        if len(found) > 1:  # `def genexpr(a=(x for x in y))`: parameters tell them apart
            names = tuple(p.name for p in definition.params)
            found = [s for s in found if set(s.params) == set(names)] or found
        return found[0] if found else None


def analyse_source(text: str, path: str) -> FileScopes:
    top = symbol_table(text, path)
    if isinstance(top, ParseFailure):
        return FileScopes(error=top.text)
    scopes = guarded(_scopes, top)
    if isinstance(scopes, ParseFailure):
        return FileScopes(error=scopes.text)
    return FileScopes(scopes)


def _scopes(top: symtable.SymbolTable) -> tuple[ScopeInfo, ...]:
    return tuple(_scope(table) for table in _tables(top)
                 if str(table.get_type()) in ("function", "class"))


def _tables(table: symtable.SymbolTable) -> Iterator[symtable.SymbolTable]:
    for child in table.get_children():
        yield child
        yield from _tables(child)


def _scope(table: symtable.SymbolTable) -> ScopeInfo:
    symbols = table.get_symbols()
    child_free = {s.get_name() for child in table.get_children()
                  for s in child.get_symbols() if s.is_free()}
    return ScopeInfo(
        kind=str(table.get_type()), name=table.get_name(), line=table.get_lineno(),
        nested=table.is_nested(),
        free=_names(s for s in symbols if s.is_free()),
        cells=_names(s for s in symbols if s.is_local() and s.get_name() in child_free),
        locals=_names(s for s in symbols if s.is_local()),
        globals=_names(s for s in symbols if s.is_global()),
        nonlocals=_names(s for s in symbols if s.is_nonlocal()),
        params=_names(s for s in symbols if s.is_parameter()),
        declared_globals=_names(s for s in symbols if s.is_declared_global()),
    )


def _names(symbols: Iterator[symtable.Symbol]) -> tuple[str, ...]:
    return tuple(sorted(s.get_name() for s in symbols))


class ScopeIndex:
    """Per run: each file's scopes, analysed on first use."""

    def __init__(self, source: FactSource) -> None:
        self.source = source
        self._files: dict[str, FileScopes] = {}

    def file(self, path: str) -> FileScopes:
        found = self._files.get(path)
        if found is None:
            found = self._files[path] = _analyse_path(self.source, path)
        return found

    def of(self, path: str, definition: Def) -> ScopeInfo | None:
        return self.file(path).of(definition)

    def failures(self) -> dict[str, str]:
        """Files analysed this run that could not be judged, with the reason."""
        return {path: scopes.error for path, scopes in sorted(self._files.items())
                if scopes.error is not None}


def _analyse_path(source: FactSource, path: str) -> FileScopes:
    text = text_of(source, path)
    if text is None:
        return FileScopes(error=UNREADABLE)
    scopes = analyse_source(text, path)
    if scopes.error is not None:
        source.not_analysed(path, scopes.error)
    return scopes
