"""Expanders: `callers(depth=N)` and `callees(depth=N)` sections for definition findings.

Callers are the call sites `cq calls` finds, in the same tiers
(`cq.analysis.resolve.tiers_for`): a site resolved to a subject or possibly reaching it (its
receiver not known) is listed with its `tier`; one whose receiver is proven to be something
else is left out. Callees are matched to definitions by simple name (the last segment of the
callee), with two refinements: a method is only called through a receiver (`obj.m()`,
`self.m()`), and a module-level or nested function is never called through `self`/`cls`.
Each call site appears once per section, listing every subject it may reach. Depth N walks
N levels: callers of callers, or callees of callees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from cq.analysis.names import Target, may_call
from cq.analysis.resolve import tiers_for
from cq.details import CallEdgeDetails
from cq.facts import Call, Def, FileFacts
from cq.findings import anchor_of, make_finding
from cq.index.source import FactSource
from cq.result import Finding, Section


def _def_index(facts: FileFacts) -> dict[str, Def]:
    return {d.qualname: d for d in facts.defs}


# --- callers ---------------------------------------------------------------------------


Sites = dict[tuple[str, int, int], dict[str, Any]]
Step = Callable[[FactSource, list[Target], int, Sites], list[Target]]


def _walk(source: FactSource, subjects: list[Target], depth: int, step: Step) -> Sites:
    """Breadth-first over the call graph: `step` records one level's sites and returns the
    definitions to visit next; each definition is visited once."""
    sites: Sites = {}
    seen = {s.key for s in subjects}
    frontier = subjects
    for level in range(1, depth + 1):
        found = step(source, frontier, level, sites)
        frontier = [s for s in found if s.key not in seen]
        seen.update(s.key for s in frontier)
        if not frontier:
            break
    return sites


def expand_callers(source: FactSource, subjects: list[Target], depth: int) -> Section:
    sites = _walk(source, subjects, depth, _callers_of)
    return _section("callers", f"Callers (depth ≤ {depth})", sites)


def _callers_of(source: FactSource, targets: list[Target], level: int,
                sites: dict[tuple[str, int, int], dict[str, Any]]) -> list[Target]:
    names = sorted({t.definition.name for t in targets})
    tiered = tiers_for(source, targets)
    callers: list[Target] = []
    for facts in source.facts_for(names):
        defs = _def_index(facts)
        for call in facts.calls:
            if not any(may_call(call, t.definition) for t in targets):
                continue
            site = tiered(facts, call)
            if site.tier == "excluded" or not site.targets:
                continue
            _record(sites, facts, call, list(site.targets), level,
                    call.enclosing or "<module>", site.tier)
            caller = defs.get(call.enclosing or "")
            if caller is not None:
                callers.append(Target(facts.path, facts.module, caller))
    return callers


def _record(sites: dict[tuple[str, int, int], dict[str, Any]], facts: FileFacts, call: Call,
            reached: list[str], level: int, caller: str, tier: str | None = None) -> None:
    key = (facts.path, call.span.line, call.span.col)
    entry = sites.get(key)
    if entry is None:
        sites[key] = {"facts_path": facts.path, "call": call, "caller": caller,
                      "module": facts.module, "targets": list(reached), "depth": level,
                      "tier": tier}
        return
    entry["targets"] = sorted(set(entry["targets"]) | set(reached))
    if tier == "resolved":
        entry["tier"] = tier


# --- callees ---------------------------------------------------------------------------


def expand_callees(source: FactSource, subjects: list[Target], depth: int) -> Section:
    sites = _walk(source, subjects, depth, _callees_of)
    return _section("callees", f"Callees (depth ≤ {depth})", sites)


def _callees_of(source: FactSource, subjects: list[Target], level: int,
                sites: dict[tuple[str, int, int], dict[str, Any]]) -> list[Target]:
    calls = [(facts, call, s) for s in subjects for facts in (source.facts_of(s.path),)
             for call in facts.calls if call.enclosing == s.definition.qualname]
    index = _definitions_named(source, {call.name for _, call, _ in calls})
    resolved_subjects: list[Target] = []
    for facts, call, subject in calls:
        targets = [t for t in index.get(call.name, ()) if may_call(call, t.definition)]
        _record(sites, facts, call, [t.label for t in targets], level, subject.label)
        resolved_subjects.extend(targets)
    return resolved_subjects


def _definitions_named(source: FactSource, names: Iterable[str]) -> dict[str, list[Target]]:
    wanted = sorted(set(names))
    index: dict[str, list[Target]] = {}
    if not wanted:
        return index
    names_set = set(wanted)
    for facts in source.facts_for(wanted):
        for definition in facts.defs:
            if definition.name in names_set and definition.kind != "class":
                index.setdefault(definition.name, []).append(
                    Target(facts.path, facts.module, definition))
    return index


# --- findings --------------------------------------------------------------------------

# What a call edge rests on, by its tier: the confidence score reads it (`cq.score`).
TIER_EVIDENCE = {"resolved": "resolved", "possible": "name"}


def _section(kind: str, title: str, sites: dict[tuple[str, int, int], dict[str, Any]]) -> Section:
    findings = [_site_finding(kind, sites[key]) for key in sorted(sites)]
    return Section(title=title, kind=kind, findings=tuple(findings))


def _site_finding(kind: str, entry: dict[str, Any]) -> Finding:
    call: Call = entry["call"]
    targets = entry["targets"]
    details = CallEdgeDetails(caller=entry["caller"], callee=call.callee,
                              targets=tuple(targets), depth=entry["depth"],
                              preview=call.preview, tier=entry["tier"],
                              evidence=TIER_EVIDENCE.get(entry["tier"] or ""))
    if kind == "callers":
        message = f"{entry['caller']} calls {call.callee}(…)"
        return make_finding("caller", anchor_of(entry["facts_path"], call.span), details,
                            message=message)
    resolved = f" → {', '.join(targets)}" if targets else " (not defined in scope)"
    return make_finding("callee", anchor_of(entry["facts_path"], call.span), details,
                        message=f"{entry['caller']} calls {call.callee}(…){resolved}")
