"""The control-flow graph an answer draws (`--format mermaid-cfg`), computed during the run so
the renderer is a pure function of the result.

The function is the first key finding that names one: a `definition` of kind function or
method, or a `scope` / `bytecode_surface` finding of a function or method (a class body or a
module is not drawn). Its file is read through the run's session and parsed with the guarded
stdlib parse, the def found at the anchor line (else by qualname), and `cq.analysis.cfg`
builds the blocks. Nothing to draw — no such finding, an unreadable or unparsable file, no def
there — is a `ControlFlow` with only the `reason`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import msgspec

from cq.analysis.cfg import build_cfg
from cq.analysis.sourcefile import lines_of, text_of
from cq.details import BytecodeDetails, DefinitionDetails, ScopeDetails
from cq.index.source import FactSource
from cq.parsing import ParseFailure, guarded, parse_module
from cq.result import ControlFlow, CqResult, Finding

_FUNCTION_KINDS = frozenset({"function", "method"})
_FuncDef = ast.FunctionDef | ast.AsyncFunctionDef


class Target(msgspec.Struct, frozen=True):
    """Where the function to draw is: root-relative file, its def line, its qualname."""

    file: str
    line: int
    qualname: str


def control_flow(source: FactSource, result: CqResult) -> ControlFlow:
    """The CFG of the result's first function, or why there is none."""
    target = function_target(result)
    if target is None:
        return ControlFlow(reason="no function or method among the key findings")
    found = _load_function(source, target)
    if isinstance(found, str):
        return ControlFlow(reason=found)
    func, lines = found
    built = guarded(build_cfg, func, lines)
    if isinstance(built, ParseFailure):
        return ControlFlow(reason=f"cannot draw {target.qualname}: {built.text}")
    blocks, edges = built
    return ControlFlow(file=target.file, line=func.lineno, qualname=target.qualname,
                       blocks=blocks, edges=edges)


def function_target(result: CqResult) -> Target | None:
    """The first key finding naming a function or method."""
    for finding in result.key_findings:
        qualname = _function_qualname(finding)
        if qualname and finding.anchor is not None:
            return Target(finding.anchor.file, finding.anchor.line, qualname)
    return None


def _function_qualname(finding: Finding) -> str:
    details = finding.details
    if isinstance(details, DefinitionDetails) and finding.category == "definition":
        return details.qualname if details.kind in _FUNCTION_KINDS else ""
    if isinstance(details, ScopeDetails | BytecodeDetails):
        # scopes and code objects of classes, modules or lambdas have no def to draw
        wanted = details.kind is None or details.kind in _FUNCTION_KINDS
        return details.qualname if wanted and details.qualname != "<module>" else ""
    return ""


def _load_function(source: FactSource, target: Target) -> tuple[_FuncDef, list[str]] | str:
    """The target's def and the file's lines, or why they cannot be had."""
    text = text_of(source, target.file)
    if text is None:
        return f"cannot read {target.file}"
    tree = parse_module(text, target.file)
    if isinstance(tree, ParseFailure):
        return f"cannot parse {target.file}: {tree.text}"
    defs = list(_defs(tree.body, ""))
    found = next((node for node, _ in defs if node.lineno == target.line), None)
    found = found or next((node for node, name in defs if name == target.qualname), None)
    if found is None:
        return f"no def of {target.qualname} at {target.file}:{target.line}"
    return found, lines_of(text)


def _defs(body: list[ast.stmt], prefix: str) -> Iterator[tuple[_FuncDef, str]]:
    """Every def in `body`, nested ones too, with its dotted qualname (`f.inner`). Only
    statement lists are walked (with an explicit stack): a def cannot hide in an expression,
    and deep expressions (long `+` chains) would cost recursion for nothing."""
    stack: list[tuple[list[ast.stmt], str]] = [(body, prefix)]
    while stack:
        statements, where = stack.pop(0)
        for stmt in statements:
            if isinstance(stmt, _FuncDef | ast.ClassDef):
                qualname = where + stmt.name
                if isinstance(stmt, _FuncDef):
                    yield stmt, qualname
                stack.append((stmt.body, qualname + "."))
                continue
            stack.extend((inner, where) for inner in _statement_lists(stmt))


def _statement_lists(stmt: ast.stmt) -> Iterator[list[ast.stmt]]:
    for name in ("body", "orelse", "finalbody"):
        value = getattr(stmt, name, None)
        if isinstance(value, list):
            yield value
    for part in (*getattr(stmt, "handlers", ()), *getattr(stmt, "cases", ())):
        yield part.body
