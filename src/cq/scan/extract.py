"""One file's bytes → `FileFacts`: decoding, one parse, one traversal.

This module owns the traversal: it parses once with ast-grep-py, runs the single rule built
from the rules table (`cq.scan.rules`) and hands each matched node, with its span and
enclosing scope, to the extractor its kind names. What each extractor reads is theirs;
reading files from disk and spreading work over processes is `cq.scan.pool`'s.

A file is never an error here: undecodable bytes are decoded as latin-1, syntax errors keep
what tree-sitter recovered, and an unexpected node shape skips that node and flags the file
`partial` — unless `strict`, which tests use to make such shapes fail loudly.
"""

from __future__ import annotations

import msgspec
from ast_grep_py import SgNode, SgRoot

from cq.coding import decode_source
from cq.facts import Except, FileFacts
from cq.modules import module_name
from cq.scan.defs import block_docstring
from cq.scan.nodes import ShapeError
from cq.scan.rules import DISPATCH, SCAN_CONFIG
from cq.scan.state import ScanState, Site


def scan_bytes(path: str, data: bytes, max_bytes: int, *, strict: bool = False) -> FileFacts:
    """Facts of a file's raw bytes; a file over `max_bytes` is not parsed at all."""
    if len(data) > max_bytes:
        return too_large(path, len(data), max_bytes)
    text, flags = decode_source(data)
    facts = scan_source(path, text, strict=strict)
    if not flags:
        return facts
    return msgspec.structs.replace(facts, flags=(*flags, *facts.flags))


def too_large(path: str, size: int, max_bytes: int) -> FileFacts:
    return FileFacts(path=path, module=module_name(path), flags=("too-large",),
                     error=f"{size} bytes is over the {max_bytes}-byte limit")


def scan_source(path: str, text: str, *, strict: bool = False) -> FileFacts:
    """Every fact of one file's text: one parse, one traversal, each fact exactly once."""
    module = module_name(path)
    state = ScanState(module, path.endswith(("__init__.py", "__init__.pyi")))
    root = SgRoot(text, "python").root()
    traverse(root, state, strict)
    found = state.found
    return FileFacts(
        path=path, module=module, lines=count_lines(text), docstring=block_docstring(root),
        defs=tuple(found["defs"]), calls=tuple(found["calls"]),
        imports=tuple(found["imports"]), raises=tuple(found["raises"]),
        excepts=tuple(_with_reraises(found["excepts"], state.reraised)),
        assigns=tuple(found["assigns"]),
        flags=("partial",) if state.partial else (), error=state.problem)


def traverse(root: SgNode, state: ScanState, strict: bool) -> None:
    """Visit every matched node in source order and dispatch it to its extractor."""
    found, scope_at, dispatch = state.found, state.scope_at, DISPATCH  # hot loop: locals
    for node in root.find_all(SCAN_CONFIG):
        rule = dispatch[node.kind()]
        where = node.range()
        start = where.start
        index = start.index
        scope = scope_at(index)
        if rule.skip_in_functions and scope is not None and scope.kind != "class":
            continue
        site = Site(start.line + 1, start.column, index, where, scope)
        try:
            facts = rule.extract(node, site, state)
        except (ShapeError, AttributeError, IndexError, ValueError) as exc:
            if strict:
                raise
            state.note_problem(f"skipped {rule.kind} at line {site.line}: {exc}")
            continue
        if facts:
            found[rule.fact].extend(facts)  # type: ignore[index]


def _with_reraises(excepts: list[Except], reraised: set[int]) -> list[Except]:
    for slot in reraised:
        excepts[slot] = msgspec.structs.replace(excepts[slot], body="reraises")
    return excepts


def count_lines(text: str) -> int:
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)

