"""The fact extractors as a table: tree-sitter node kind → fact kind → extractor.

Every row contributes to a single ast-grep rule, so one `find_all` over one parse visits
every node any extractor wants, in source order, and each node is dispatched by its kind to
exactly one extractor. (One `find_all` per kind walks the tree a dozen times: measured 6×
slower on CPython's standard library.) Rows matched by kind alone share one kind-selector
list (`kind: "call,function_definition,…"`), which ast-grep compiles and tests faster than
an `any:` of single kinds. Adding a fact kind is adding a row here and an extractor; the
traversal (`cq.scan.extract`) does not change.

`fact` names the `FileFacts` field the extractor's results go to; rows with no fact only
update the scan state (decorators waiting for their def, markers of a partial parse).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, cast

import msgspec
from ast_grep_py import Config, SgNode

from cq.facts import FACT_KINDS
from cq.scan.calls import extract_call, extract_type_call
from cq.scan.defs import extract_class, extract_decorators, extract_function
from cq.scan.state import ScanState, Site
from cq.scan.statements import extract_assign, extract_except, extract_import, extract_raise

Extractor = Callable[[SgNode, Site, ScanState], Sequence[Any]]


def mark_partial(node: SgNode, site: Site, state: ScanState) -> tuple[()]:
    """An ERROR node, or a block tree-sitter left empty: the parser had to recover."""
    state.note_problem(f"syntax error at line {site.line}")
    return ()


class FactRule(msgspec.Struct, frozen=True):
    kind: str  # tree-sitter node kind
    fact: str | None  # FileFacts field the results go to
    extract: Extractor
    match: dict[str, Any] | None = None  # ast-grep rule when the kind alone is not enough
    # Facts only outside function bodies: the traversal drops such nodes inside a def
    # before building their span (a quarter of all matched nodes are local assignments).
    skip_in_functions: bool = False


RULES: tuple[FactRule, ...] = (
    FactRule("decorated_definition", None, extract_decorators),
    FactRule("function_definition", "defs", extract_function),
    FactRule("class_definition", "defs", extract_class),
    FactRule("call", "calls", extract_call),
    FactRule("type_alias_statement", "calls", extract_type_call),  # or a misread `type(x)`
    FactRule("import_statement", "imports", extract_import),
    FactRule("import_from_statement", "imports", extract_import),
    FactRule("future_import_statement", "imports", extract_import),
    FactRule("raise_statement", "raises", extract_raise),
    FactRule("except_clause", "excepts", extract_except),
    FactRule("assignment", "assigns", extract_assign, skip_in_functions=True),
    FactRule("augmented_assignment", "assigns", extract_assign, skip_in_functions=True),
    FactRule("ERROR", None, mark_partial),
    # A zero-width block only comes from error recovery (`def f(): return a +`). Other
    # zero-width (MISSING) tokens cannot be matched by kind and are not worth a regex
    # test on every node: they occur with an ERROR node in all but rare one-token slips.
    FactRule("block", None, mark_partial, match={"kind": "block", "regex": "^$"}),
)

DISPATCH: dict[str, FactRule] = {row.kind: row for row in RULES}
# Parts whose extraction reads another's: an except clause re-raises when a raise inside it
# says so, so excepts are extracted with the raises they hold (which are then dropped).
NEEDS: dict[str, tuple[str, ...]] = {"excepts": ("raises",)}


def scan_config(rows: tuple[FactRule, ...]) -> Config:
    """The one ast-grep rule the traversal runs: any row's node."""
    by_kind = ",".join(row.kind for row in rows if row.match is None)
    special = [row.match for row in rows if row.match is not None]
    return cast(Config, {"rule": {"any": [{"kind": by_kind}, *special]}})


SCAN_CONFIG = scan_config(RULES)


@cache
def config_for(kinds: frozenset[str]) -> Config:
    """The rule that visits what extracting `kinds` needs: the rows without a fact (syntax
    errors, decorators), definitions (the scopes of everything else), the kinds and what
    they read (`NEEDS`)."""
    if kinds >= set(FACT_KINDS):
        return SCAN_CONFIG
    visited = {"defs", *kinds, *(need for kind in kinds for need in NEEDS.get(kind, ()))}
    return scan_config(tuple(row for row in RULES if row.fact is None or row.fact in visited))
