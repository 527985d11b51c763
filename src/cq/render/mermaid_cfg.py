"""Mermaid `flowchart TD` of one function's control flow — the one renderer that reads source.

The function is the first key finding that names one: a `definition` of kind function or
method, or a `scope` / `bytecode_surface` finding with a qualname (and, when it has a `kind`,
one of those two: a class body or a module is not drawn). Its file
(`Path(result.run.root) / anchor.file`) is read and parsed with stdlib `ast`, the def found at
the anchor line (else by qualname), and `cq.render.cfg` builds the blocks. Each block is
labelled with its first statement line (and its last, when it holds more); edges carry the
branch labels of `cq.render.cfg`. Nothing to draw — no such finding, an unreadable or
unparsable file, no def there — gives a valid diagram holding one comment,
`%% no function to draw: <reason>`, never an exception. `top_n` is ignored.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import msgspec

from cq.render.cfg import Block, Cfg, CfgEdge, build_cfg
from cq.render.mermaid import INDENT, mermaid_comment, mermaid_text
from cq.result import CqResult, Finding

LINE_WIDTH = 48
_FUNCTION_KINDS = frozenset({"function", "method"})
_QUALNAME_CATEGORIES = frozenset({"scope", "bytecode_surface"})
_FuncDef = ast.FunctionDef | ast.AsyncFunctionDef


class NothingToDraw(Exception):
    """Why there is no graph; its message becomes the diagram's comment."""


def render_mermaid_cfg(result: CqResult, *, top_n: int = 10) -> str:
    """The control-flow graph of the result's first function, as a Mermaid flowchart."""
    del top_n  # one function, drawn whole
    try:
        anchor = function_anchor(result)
        func, lines = load_function(Path(result.run.root), anchor)
    except NothingToDraw as reason:
        return "\n".join(["flowchart TD", mermaid_comment(f"no function to draw: {reason}")])
    title = f"control flow of {anchor.qualname} ({anchor.file}:{func.lineno})"
    return "\n".join(["flowchart TD", mermaid_comment(title),
                      *cfg_lines(build_cfg(func, lines))])


# -- finding the function -----------------------------------------------------------------------


class Target(msgspec.Struct, frozen=True):
    """Where the function to draw is: root-relative file, its def line, its qualname."""

    file: str
    line: int
    qualname: str


def function_anchor(result: CqResult) -> Target:
    """The first key finding naming a function or method."""
    for finding in result.key_findings:
        qualname = _function_qualname(finding)
        if qualname and finding.anchor is not None:
            return Target(finding.anchor.file, finding.anchor.line, qualname)
    raise NothingToDraw("no function or method among the key findings")


def _function_qualname(finding: Finding) -> str:
    qualname = finding.details.get("qualname")
    if not isinstance(qualname, str) or not qualname or qualname == "<module>":
        return ""
    kind = finding.details.get("kind")
    kind = kind if isinstance(kind, str) else ""  # odd details must not break the lookup
    if finding.category == "definition":
        return qualname if kind in _FUNCTION_KINDS else ""
    # scopes and code objects of classes, modules or lambdas have no def to draw
    no_kind = "kind" not in finding.details
    wanted = finding.category in _QUALNAME_CATEGORIES and (no_kind or kind in _FUNCTION_KINDS)
    return qualname if wanted else ""


def load_function(root: Path, target: Target) -> tuple[_FuncDef, list[str]]:
    """Parse the target's file and find its def; every failure is NothingToDraw."""
    import importlib.util  # PEP 263 decoding; only this format needs it, so not at startup

    path = root / target.file
    try:
        data = path.read_bytes()
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        raise NothingToDraw(f"cannot read {target.file}: {_reason(error)}") from None
    try:
        text = importlib.util.decode_source(data)
        tree = ast.parse(text, filename=target.file)
    except (SyntaxError, ValueError, LookupError, RecursionError) as error:
        raise NothingToDraw(f"cannot parse {target.file}: {error}") from None
    defs = list(_defs(tree.body, ""))
    found = next((node for node, _ in defs if node.lineno == target.line), None)
    found = found or next((node for node, name in defs if name == target.qualname), None)
    if found is None:
        raise NothingToDraw(f"no def of {target.qualname} at {target.file}:{target.line}")
    return found, text.splitlines()


def _reason(error: Exception) -> str:
    return (error.strerror if isinstance(error, OSError) else None) or str(error)


def _defs(body: list[ast.stmt], prefix: str) -> Iterator[tuple[_FuncDef, str]]:
    """Every def in `body`, nested ones too, with its dotted qualname (`f.inner`). Only
    statement lists are walked: a def cannot hide in an expression, and deep expressions
    (long `+` chains) would cost recursion for nothing."""
    for stmt in body:
        if isinstance(stmt, _FuncDef | ast.ClassDef):
            qualname = prefix + stmt.name
            if isinstance(stmt, _FuncDef):
                yield stmt, qualname
            yield from _defs(stmt.body, qualname + ".")
            continue
        for inner in _statement_lists(stmt):
            yield from _defs(inner, prefix)


def _statement_lists(stmt: ast.stmt) -> Iterator[list[ast.stmt]]:
    for name in ("body", "orelse", "finalbody"):
        value = getattr(stmt, name, None)
        if isinstance(value, list):
            yield value
    for part in (*getattr(stmt, "handlers", ()), *getattr(stmt, "cases", ())):
        yield part.body


# -- writing ------------------------------------------------------------------------------------


def cfg_lines(cfg: Cfg) -> list[str]:
    lines = [_block_line(index, block) for index, block in enumerate(cfg.blocks)]
    return lines + [_edge_line(edge) for edge in cfg.edges]


def _block_line(index: int, block: Block) -> str:
    if block.kind == "exit":
        return f'{INDENT}n{index}(["exit"])'
    if block.kind == "entry":
        return f'{INDENT}n{index}(["{mermaid_text(_short(block.lines[0][1]))}"])'
    return f'{INDENT}n{index}["{_block_label(block)}"]'


def _block_label(block: Block) -> str:
    parts = [block.lines[0]]
    if len(block.lines) > 1:
        parts.append(block.lines[-1])
    texts = [mermaid_text(_short(f"L{line}: {text}" if line else text)) for line, text in parts]
    if len(block.lines) > 2:
        texts.insert(1, f"… {len(block.lines) - 2} more")
    return "<br/>".join(texts)


def _edge_line(edge: CfgEdge) -> str:
    label = f"|{edge.label}|" if edge.label else ""
    return f"{INDENT}n{edge.source} -->{label} n{edge.target}"


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= LINE_WIDTH else flat[: LINE_WIDTH - 1] + "…"
