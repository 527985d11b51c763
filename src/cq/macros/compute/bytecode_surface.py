"""`cq bytecode-surface TARGET` on a cache miss: every code object the target covers, compiled
never executed, described by `cq.analysis.bytecode` (the answer is described in
`cq.macros.bytecode_surface`)."""

from __future__ import annotations

import types
from collections import Counter
from typing import Any

import msgspec

from cq.analysis.bytecode import CompiledFile, code_kind, compile_file, qualname_of, surface
from cq.analysis.sourcefile import kept, text_of
from cq.analysis.targets import Selected, inside, select_target
from cq.details import BytecodeDetails, GlobalsUse
from cq.discover import Discovery
from cq.facts import Def, Span
from cq.findings import make_finding
from cq.index.source import FactSource
from cq.macros.bytecode_surface import NAME, SurfaceJob
from cq.macros.target import PYTHON
from cq.result import Anchor, Finding
from cq.runner import Outcome
from cq.settings import Settings


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


def _compiled(source: FactSource, path: str) -> CompiledFile | None:
    """The file's code objects; None (recorded as not analysed) when it does not compile or
    cannot be read."""
    text = text_of(source, path)
    return None if text is None else kept(source, path, compile_file(text, path))


def _chosen(compiled: CompiledFile,
            selected: Selected) -> list[tuple[types.CodeType, str]]:
    """The code objects the selection covers, with their kind, in source order."""
    codes = [(compiled.module, "module")] if selected.defs is None else []
    for code in compiled.nested:
        if selected.defs is None or any(_covers(owner, code) for owner in selected.defs):
            codes.append((code, code_kind(code)))
    return sorted(codes, key=lambda pair: pair[0].co_firstlineno)


def _covers(owner: Def, code: types.CodeType) -> bool:
    line = code.co_firstlineno
    return inside(qualname_of(code), Span(line, 0, line, 0), owner)


def _describe(selected: Selected, code: types.CodeType, kind: str,
              show: tuple[str, ...]) -> Finding:
    qualname = "<module>" if kind == "module" else qualname_of(code)
    full = surface(qualname, code, kind)
    details = msgspec.structs.replace(
        full, **{field: None for part, field in _PART_FIELDS.items() if part not in show})
    anchor = Anchor(file=selected.path, line=max(1, code.co_firstlineno))
    return make_finding("bytecode_surface", anchor, details,
                        message=f"{kind} {qualname}: " + _counts(details, show))


# The --show parts and the fields of `BytecodeDetails` they are.
_PART_FIELDS = {"globals": "globals", "attrs": "attributes", "constants": "constants",
                "opcodes": "opcodes"}
_NAMES_SHOWN = 6  # names a message spells out per list before counting the rest


def _counts(details: BytecodeDetails, show: tuple[str, ...]) -> str:
    """What the code touches, by name (the first few of each list)."""
    uses = details.globals or GlobalsUse()
    texts = {
        "globals": lambda: "; ".join(
            [f"{verb} {_names(names)}" for verb, names in (("reads", uses.read),
                                                           ("writes", uses.written)) if names]
            or ["no globals"]),
        "attrs": lambda: (f"attrs {_names(details.attributes)}" if details.attributes
                          else "no attributes"),
        "constants": lambda: (f"constants {_names(details.constants)}" if details.constants
                              else "no constants"),
        "opcodes": lambda: f"{sum((details.opcodes or {}).values())} instructions",
    }
    return "; ".join(texts[part]() for part in show)


def _names(names: tuple[str, ...]) -> str:
    shown = ", ".join(names[:_NAMES_SHOWN])
    rest = len(names) - _NAMES_SHOWN
    return shown + (f" (+{rest})" if rest > 0 else "")


def _summary(findings: list[Finding], not_compiled: int,
             show: tuple[str, ...]) -> dict[str, Any]:
    kinds = Counter(str(f.details.kind) for f in findings if isinstance(f.details, BytecodeDetails))
    return {"code_objects": len(findings), "by_kind": dict(sorted(kinds.items())),
            "files": len({f.anchor.file for f in findings if f.anchor}),
            "files_not_compiled": not_compiled, "show": list(show), "python": PYTHON}


