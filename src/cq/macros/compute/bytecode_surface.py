"""`cq bytecode-surface TARGET` on a cache miss: every code object the target covers, compiled
never executed, described by `cq.analysis.bytecode` (the answer is described in
`cq.macros.bytecode_surface`)."""

from __future__ import annotations

import dis
import types
from typing import Any

from cq.analysis.bytecode import code_objects, qualname_of, surface
from cq.analysis.sourcefile import kept, text_of
from cq.analysis.targets import Selected, inside, select_target
from cq.discover import Discovery
from cq.facts import Def, Span
from cq.findings import make_finding
from cq.index.source import FactSource
from cq.macros.bytecode_surface import NAME, SurfaceJob
from cq.macros.target import PYTHON
from cq.parsing import compile_module
from cq.result import Anchor, Finding
from cq.runner import Outcome
from cq.settings import Settings

COMPREHENSIONS = frozenset({"<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"})
READ_OPS = frozenset({"LOAD_GLOBAL", "LOAD_NAME", "LOAD_FROM_DICT_OR_GLOBALS"})
FUNCTION_WRITES = frozenset({"STORE_GLOBAL", "DELETE_GLOBAL"})
MODULE_WRITES = FUNCTION_WRITES | {"STORE_NAME", "DELETE_NAME"}
CLASS_STORES = frozenset({"STORE_NAME", "DELETE_NAME"})
CO_NEWLOCALS = 0x2  # inspect.CO_NEWLOCALS: a function's own namespace (not module or class)



def compute(job: SurfaceJob, source: FactSource, discovery: Discovery,
            settings: Settings) -> Outcome:
    findings: list[Finding] = []
    not_compiled = 0
    for selected in select_target(source, job.target.path, job.target.text, NAME):
        module = _compiled(source, selected.path)
        if module is None:
            not_compiled += 1
            continue
        findings.extend(_describe(selected, code, kind, job.show)
                        for code, kind in _chosen(module, selected))
    summary = _summary(findings, not_compiled, job.show)
    summary.update(matches=len(findings), files_in_scope=len(source.files),
                   files_with_matches=summary["files"])
    return Outcome(key_findings=tuple(findings), summary=summary)


def _compiled(source: FactSource, path: str) -> types.CodeType | None:
    """The file's module code object; None (recorded as not analysed) when it does not
    compile or cannot be read."""
    text = text_of(source, path)
    return None if text is None else kept(source, path, compile_module(text, path))


def _chosen(module: types.CodeType,
            selected: Selected) -> list[tuple[types.CodeType, str]]:
    """The code objects the selection covers, with their kind, in source order."""
    codes = [(module, "module")] if selected.defs is None else []
    for code in code_objects(module):
        if selected.defs is None or any(_covers(owner, code) for owner in selected.defs):
            codes.append((code, _kind(code)))
    return sorted(codes, key=lambda pair: pair[0].co_firstlineno)


def _covers(owner: Def, code: types.CodeType) -> bool:
    line = code.co_firstlineno
    return inside(qualname_of(code), Span(line, 0, line, 0), owner)


def _kind(code: types.CodeType) -> str:
    if code.co_name == "<lambda>":
        return "lambda"
    if code.co_name in COMPREHENSIONS:
        return "comprehension"
    return "function" if code.co_flags & CO_NEWLOCALS else "class"


def _describe(selected: Selected, code: types.CodeType, kind: str,
              show: tuple[str, ...]) -> Finding:
    parts = surface(code)
    qualname = "<module>" if kind == "module" else qualname_of(code)
    details: dict[str, Any] = {"qualname": qualname, "kind": kind, "nested": parts["nested"]}
    available = {"globals": _globals(code, kind), "attrs": parts["attributes"],
                 "constants": parts["constants"], "opcodes": parts["opcodes"]}
    details.update((part, available[part]) for part in show)
    details["evidence"] = "bytecode"
    anchor = Anchor(file=selected.path, line=max(1, code.co_firstlineno))
    return make_finding("bytecode_surface", anchor, details,
                        message=f"{kind} {qualname}: " + _counts(details, show))


def _globals(code: types.CodeType, kind: str) -> dict[str, list[str]]:
    writes = MODULE_WRITES if kind == "module" else FUNCTION_WRITES
    read: set[str] = set()
    written: set[str] = set()
    stored: set[str] = set()  # a class body's own names (its namespace, not the globals)
    for instruction in dis.get_instructions(code):
        name = str(instruction.argval)
        if instruction.opname in READ_OPS:
            read.add(name)
        elif instruction.opname in writes:
            written.add(name)
        elif instruction.opname in CLASS_STORES:
            stored.add(name)
    if kind == "class":
        read -= stored
    return {"read": sorted(read), "written": sorted(written)}


_NAMES_SHOWN = 6  # names a message spells out per list before counting the rest


def _counts(details: dict[str, Any], show: tuple[str, ...]) -> str:
    """What the code touches, by name (the first few of each list)."""
    texts = {
        "globals": lambda g: "; ".join(
            [f"{verb} {_names(g[key])}" for verb, key in (("reads", "read"),
                                                          ("writes", "written")) if g[key]]
            or ["no globals"]),
        "attrs": lambda a: f"attrs {_names(a)}" if a else "no attributes",
        "constants": lambda c: f"constants {_names(c)}" if c else "no constants",
        "opcodes": lambda o: f"{sum(o.values())} instructions",
    }
    return "; ".join(texts[part](details[part]) for part in show)


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:_NAMES_SHOWN])
    rest = len(names) - _NAMES_SHOWN
    return shown + (f" (+{rest})" if rest > 0 else "")


def _summary(findings: list[Finding], not_compiled: int,
             show: tuple[str, ...]) -> dict[str, Any]:
    kinds: dict[str, int] = {}
    for finding in findings:
        kinds[finding.details["kind"]] = kinds.get(finding.details["kind"], 0) + 1
    return {"code_objects": len(findings), "by_kind": dict(sorted(kinds.items())),
            "files": len({f.anchor.file for f in findings if f.anchor}),
            "files_not_compiled": not_compiled, "show": list(show), "python": PYTHON}


