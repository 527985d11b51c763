"""`cq side-effects` on a cache miss: the effects `cq.analysis.import_time` finds, by kind and
by module (the answer is described in `cq.macros.side_effects`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from cq.analysis.import_time import Effect, EffectsReport, find_effects
from cq.details import ModuleDetails, SideEffectDetails
from cq.discover import Discovery
from cq.findings import make_finding
from cq.index.source import FactSource
from cq.result import Anchor, Finding, Section
from cq.runner import Outcome
from cq.settings import Settings

_SECTIONS = (("global_mutation", "Global mutations at import time"),
             ("ambient_read", "Ambient reads at import time (environment, argv, cwd, files)"),
             ("call", "Calls at import time"),
             ("decorator", "Decorators run at import time"))
_NOUNS = {"call": "call", "global_mutation": "global mutation", "ambient_read": "ambient read",
          "decorator": "decorator"}



def compute(params: None, source: FactSource, discovery: Discovery,
            settings: Settings) -> Outcome:
    return effects_outcome(find_effects(source), len(source.files))


def effects_outcome(report: EffectsReport, files_in_scope: int) -> Outcome:
    sections = tuple(section for kind, title in _SECTIONS
                     for section in _section(report.effects, kind, title))
    key = _module_findings(report.effects)
    return Outcome(key_findings=key, sections=sections,
                   summary=_summary(report, key, files_in_scope))


def _section(effects: tuple[Effect, ...], kind: str, title: str) -> list[Section]:
    findings = tuple(_effect_finding(e) for e in effects if e.kind == kind)
    return [Section(title=title, kind=kind, findings=findings)] if findings else []


def _effect_finding(effect: Effect) -> Finding:
    details = SideEffectDetails(kind=effect.kind, text=effect.text, callee=effect.callee,
                                qualified=effect.qualified, module=effect.module,
                                scope=effect.scope, evidence=effect.evidence)
    where = f" in class {effect.scope}" if effect.scope else ""
    message = f"{_NOUNS[effect.kind]}{where}: {effect.text}"
    span = effect.span
    anchor = _anchor(effect.path, span.line, span.col, span.end_line, span.end_col)
    return make_finding("side_effect", anchor, details, message=message,
                        severity="info" if effect.kind == "decorator" else "warning")


def _module_findings(effects: tuple[Effect, ...]) -> tuple[Finding, ...]:
    by_path: dict[str, Counter[str]] = {}
    modules: dict[str, str] = {}
    for effect in effects:
        by_path.setdefault(effect.path, Counter())[effect.kind] += 1
        modules[effect.path] = effect.module
    findings = []
    for path, counts in sorted(by_path.items(), key=_module_rank):
        parts = [f"{counts[k]} {_NOUNS[k]}{'s' if counts[k] > 1 else ''}"
                 for k, _ in _SECTIONS if counts[k]]
        details = ModuleDetails(module=modules[path], effects=sum(counts.values()),
                                by_kind=dict(sorted(counts.items())), evidence="ast")
        warns = any(k != "decorator" for k in counts)
        findings.append(make_finding(
            "module", _anchor(path, 1, 0), details,
            message=f"{modules[path]} at import time: {', '.join(parts)}",
            severity="warning" if warns else "info"))
    return tuple(findings)


def _module_rank(item: tuple[str, Counter[str]]) -> tuple[int, int, str]:
    """Modules that change process-wide state first, then those that read the environment,
    then by how much they do."""
    path, counts = item
    worst = next(rank for rank, (kind, _) in enumerate(_SECTIONS) if counts[kind])
    return worst, -sum(counts.values()), path


def _summary(report: EffectsReport, key: tuple[Finding, ...],
             files_in_scope: int) -> dict[str, Any]:
    kinds = Counter(e.kind for e in report.effects)
    summary: dict[str, Any] = {
        "matches": len(key), "effects": len(report.effects),
        "by_kind": {kind: kinds.get(kind, 0) for kind, _ in _SECTIONS},
        "files_in_scope": files_in_scope, "files_checked": report.files_checked,
        "files_with_matches": len(key)}
    if report.files_unparsed:
        summary["files_unparsed"] = list(report.files_unparsed)
        count = len(report.files_unparsed)
        summary["notes"] = [f"{count} file{'s do' if count > 1 else ' does'} not parse with "
                            "ast: effects from the facts (evidence heuristic; a top-level "
                            "`__main__` or TYPE_CHECKING block found by indentation)"]
    return summary


def _anchor(path: str, line: int, col: int, end_line: int | None = None,
            end_col: int | None = None) -> Anchor:
    return Anchor(file=path, line=line, col=col, end_line=end_line, end_col=end_col)


