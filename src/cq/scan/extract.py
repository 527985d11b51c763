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

from collections.abc import Sequence

import msgspec
from ast_grep_py import Config, SgNode, SgRoot

from cq.coding import decode_source
from cq.facts import FACT_KINDS, PART_KINDS, Except, FileFacts, with_problems
from cq.modules import module_name
from cq.nodespan import LONG_LINE
from cq.scan.defs import block_docstring
from cq.scan.nodes import ShapeError
from cq.scan.rules import DISPATCH, config_for
from cq.scan.state import ScanState, Site

Problems = dict[str, str]  # part kind → the first problem met extracting it


def scan_bytes(path: str, data: bytes, max_bytes: int, *, strict: bool = False) -> FileFacts:
    """Facts of a file's raw bytes; a file over `max_bytes` is not parsed at all."""
    return with_problems(*split_bytes(path, data, max_bytes, FACT_KINDS, strict=strict))


def split_bytes(path: str, data: bytes, max_bytes: int, kinds: Sequence[str], *,
                strict: bool = False) -> tuple[FileFacts, Problems]:
    """`kinds` of a file's facts (definitions always), and the problems of the parts apart:
    the facts' own flags and error are the file's (decoding, syntax, definitions)."""
    if len(data) > max_bytes:
        return too_large(path, len(data), max_bytes), {}
    text, flags = decode_source(data)
    facts, problems = split_source(path, text, kinds, strict=strict)
    if not flags:
        return facts, problems
    return msgspec.structs.replace(facts, flags=(*flags, *facts.flags)), problems


def too_large(path: str, size: int, max_bytes: int) -> FileFacts:
    return FileFacts(path=path, module=module_name(path), flags=("too-large",),
                     error=f"{size} bytes is over the {max_bytes}-byte limit")


def scan_source(path: str, text: str, *, strict: bool = False) -> FileFacts:
    """Every fact of one file's text: one parse, one traversal, each fact exactly once."""
    return with_problems(*split_source(path, text, FACT_KINDS, strict=strict))


def split_source(path: str, text: str, kinds: Sequence[str], *,
                 strict: bool = False) -> tuple[FileFacts, Problems]:
    """The definitions and the parts `kinds` of one file's text (other parts left empty):
    one parse, one traversal that visits only the nodes those kinds need."""
    module = module_name(path)
    state = ScanState(module, path.endswith(("__init__.py", "__init__.pyi")), text)
    root = SgRoot(text, "python").root()
    wanted = frozenset(kinds)
    traverse(root, state, strict, config_for(wanted))
    found = state.found
    if "excepts" in wanted:
        found["excepts"] = _with_reraises(found["excepts"], state.reraised)
    parts = {kind: tuple(found[kind]) for kind in PART_KINDS if kind in wanted}
    facts = FileFacts(
        path=path, module=module, lines=count_lines(text), docstring=block_docstring(root),
        defs=tuple(found["defs"]), **parts,
        flags=("partial",) if state.partial else (), error=state.problem)
    return facts, {kind: why for kind, why in state.problems.items() if kind in wanted}


def traverse(root: SgNode, state: ScanState, strict: bool, config: Config) -> None:
    """Visit every matched node in source order and dispatch it to its extractor."""
    found, scope_at, dispatch = state.found, state.scope_at, DISPATCH  # hot loop: locals
    spans = state.spans
    locate = spans.locate
    long_line = False
    for node in root.find_all(config):
        rule = dispatch[node.kind()]
        if long_line:
            line, col, index, end_index, where = locate(node)
        else:  # `spans.locate`'s first branch inline: a method call per node costs 3% of a scan
            where = node.range()
            start, end = where.start, where.end
            line, col, index, end_index = start.line + 1, start.column, start.index, end.index
            if col > LONG_LINE or end.column > LONG_LINE:
                long_line, where = True, None
                spans.starts()  # from here on `locate` reads offsets and line starts
        scope = scope_at(index)
        if rule.skip_in_functions and scope is not None and scope.kind != "class":
            continue
        site = Site(line, col, index, end_index, scope, where, spans)
        try:
            facts = rule.extract(node, site, state)
        except (ShapeError, AttributeError, IndexError, ValueError) as exc:
            if strict:
                raise
            part = rule.fact if rule.fact != "defs" else None
            state.note_problem(f"skipped {rule.kind} at line {site.line}: {exc}", part)
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

