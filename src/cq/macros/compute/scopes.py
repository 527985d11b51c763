"""`cq scopes TARGET` on a cache miss: one `scope` finding per function or method the target
covers (the answer is described in `cq.macros.scopes`)."""

from __future__ import annotations

from typing import Any

from cq.analysis.scopes import ScopeIndex, ScopeInfo
from cq.analysis.targets import Selected, inside, select_target
from cq.details import ScopeDetails
from cq.discover import Discovery
from cq.facts import Def
from cq.findings import anchor_of, details_of, make_finding
from cq.index.source import FactSource
from cq.macros.target import TargetArg
from cq.modules import full_name
from cq.result import Finding, Section
from cq.runner import Outcome
from cq.settings import Settings

FUNCTION_KINDS = ("function", "method")


def compute(target: TargetArg, source: FactSource, discovery: Discovery,
            settings: Settings) -> Outcome:
    index = ScopeIndex(source)
    findings: list[Finding] = []
    for selected in select_target(source, target.path, target.text, "scopes"):
        findings.extend(_file_scopes(source, index, selected))
    key = tuple(f for f in findings if _captures(f))
    plain = tuple(f for f in findings if not _captures(f))
    sections = (Section(title="Scopes without closure variables", kind="no_closure",
                        findings=plain),) if plain else ()
    summary = _summary(findings, len(index.failures()))
    summary.update(matches=len(key), files_in_scope=len(source.files),
                   files_with_matches=len({f.anchor.file for f in key if f.anchor}))
    return Outcome(key_findings=key, sections=sections, summary=summary)


def _file_scopes(source: FactSource, index: ScopeIndex, selected: Selected) -> list[Finding]:
    facts = source.facts_of(selected.path)
    defs = [d for d in facts.defs if d.kind in FUNCTION_KINDS and (
        selected.defs is None or any(inside(d.qualname, d.span, owner) for owner in selected.defs))]
    found = []
    for definition in sorted(defs, key=lambda d: (d.span.line, d.span.col)):
        scope = index.of(selected.path, definition)
        if scope is not None:
            found.append(_finding(selected.path, facts.module, definition, scope))
    return found


def _captures(finding: Finding) -> bool:
    """Has the scope any free, cell, nonlocal or declared-global name?"""
    details = details_of(finding, ScopeDetails)
    return bool(details.free or details.cells or details.nonlocals or details.declared_globals)


def _finding(path: str, module: str, definition: Def, scope: ScopeInfo) -> Finding:
    details = scope.details(definition.qualname, full_name(module, definition.qualname),
                            definition.kind)
    return make_finding("scope", anchor_of(path, definition.span), details,
                        message=_message(definition.qualname, scope))


def _message(qualname: str, scope: ScopeInfo) -> str:
    parts = [f"{label} {', '.join(names)}" for label, names in (
        ("free", scope.free), ("cells", scope.cells), ("nonlocal", scope.nonlocals),
        ("global", scope.declared_globals)) if names]
    return f"{qualname}: " + ("; ".join(parts) if parts else "no closure variables")


def _summary(findings: list[Finding], not_compiled: int) -> dict[str, Any]:
    scopes = [details_of(f, ScopeDetails) for f in findings]
    return {"scopes": len(findings), "closures": sum(1 for s in scopes if s.free),
            "with_cells": sum(1 for s in scopes if s.cells),
            "with_nonlocals": sum(1 for s in scopes if s.nonlocals),
            "with_globals": sum(1 for s in scopes if s.declared_globals),
            "files": len({f.anchor.file for f in findings if f.anchor}),
            "files_not_compiled": not_compiled}


