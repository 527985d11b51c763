"""The definitions and files a TARGET stands for (`cq.macros.target` reads its spelling): a path
covers every in-scope file at or under it; a symbol every def it names, by file. A simple name
matches a def's name exactly, a dotted one the last segments of its full name; the symbol
stands for every def it names and every def nested in them (a class: its methods).
"""

from __future__ import annotations

import msgspec

from cq.errors import BadInputError
from cq.facts import Def, Span
from cq.funcspec import SYMBOL_HINT
from cq.index.source import FactSource
from cq.modules import dotted_suffix, full_name


class Selected(msgspec.Struct, frozen=True):
    """One file the target covers; `defs` are the symbol's defs in it (None: the whole file)."""

    path: str
    defs: tuple[Def, ...] | None = None


def select_target(source: FactSource, path: str | None, symbol: str,
                  macro: str) -> list[Selected]:
    """The files (and, for a symbol, the defs) a TARGET stands for, in path order: `path` when
    it is a path (root-relative), else the defs `symbol` names. None found is bad input."""
    if path is not None:
        return _select_path(source, path, macro)
    found = find_defs(source, symbol)
    if not found:
        raise BadInputError(f"{macro}: no definition named {symbol!r} in scope",
                            hint=SYMBOL_HINT)
    return [Selected(path=path, defs=defs) for path, defs in found.items()]


def _select_path(source: FactSource, path: str, macro: str) -> list[Selected]:
    prefix = "" if path == "." else path.rstrip("/") + "/"
    paths = [ref.path for ref in source.files if ref.path == path or ref.path.startswith(prefix)]
    if not paths:
        raise BadInputError(f"{macro}: no Python file in scope at {path}",
                            hint="the path must be, or hold, an in-scope .py file")
    return [Selected(path=p) for p in paths]


def find_defs(source: FactSource, symbol: str) -> dict[str, tuple[Def, ...]]:
    """Every def `symbol` names, by file (path order)."""
    name = symbol.rsplit(".", 1)[-1]
    found: dict[str, tuple[Def, ...]] = {}
    for facts in source.facts_defining([name], name):
        defs = tuple(d for d in facts.defs if d.name == name and (
            "." not in symbol or dotted_suffix(full_name(facts.module, d.qualname), symbol)))
        if defs:
            found[facts.path] = defs
    return found


def inside(qualname: str | None, span: Span, definition: Def) -> bool:
    """Is an item (by its enclosing qualname and span) `definition` or nested in it?"""
    if qualname is None:
        return False
    if qualname != definition.qualname and not qualname.startswith(definition.qualname + "."):
        return False
    first = definition.decorated_line or definition.span.line
    return first <= span.line and span.end_line <= definition.span.end_line
