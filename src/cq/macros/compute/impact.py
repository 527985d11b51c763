"""`cq impact FUNC --param P` on a cache miss: the walk (`cq.analysis.flow`) from FUNC's
parameter, its sites by depth, and FUNC's callers (the answer is described in
`cq.macros.impact`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from cq.analysis.flow import MAX_BY_NAME, Flow, Visit, Walk, visit_of
from cq.analysis.resolve import Site, Target, find_sites, find_targets
from cq.details import CallEdgeDetails, TaintSiteDetails
from cq.discover import Discovery
from cq.errors import BadInputError
from cq.findings import anchor_of, make_finding
from cq.index.source import FactSource
from cq.macros.impact import ImpactJob
from cq.result import Anchor, Finding, Section
from cq.runner import Outcome
from cq.settings import Settings


def compute(job: ImpactJob, source: FactSource, discovery: Discovery,
            settings: Settings) -> Outcome:
    return run_impact(source, job.spec, job.param, job.depth)


def run_impact(source: FactSource, spec: str, param: str, depth: int) -> Outcome:
    targets = find_targets(source, spec)
    if not targets:
        raise BadInputError(f"impact: no definition of {spec} in scope",
                            hint="give a def name, Class.method or a dotted full name")
    walk = Walk(source, depth)
    roots = _roots(walk, targets, spec, param)
    walk.run(roots)
    callers = [s for s in find_sites(source, spec, targets) if s.tier != "excluded"]
    return _outcome(walk, callers, spec, param, depth, roots)


def _roots(walk: Walk, targets: list[Target], spec: str, param: str) -> list[Visit]:
    """A visit of every target (a class: its `__init__`) that has the parameter."""
    roots, valid = [], set()
    for target in targets:
        function = walk.callable(target)
        names = [p.name for p in function.definition.params] if function else []
        valid.update(names)
        if function is not None and param in names:
            roots.append(visit_of(function, (param,), 1, ""))
    if not roots:
        raise BadInputError(f"impact: {spec} has no parameter {param!r}",
                            hint="valid: " + (", ".join(sorted(valid)) or "none"))
    skipped = len(targets) - len(roots)
    if skipped:
        walk.notes.append(f"{skipped} definition(s) of {spec} without parameter {param}")
    return roots


# --- findings ---------------------------------------------------------------------------------


def _outcome(walk: Walk, callers: list[Site], spec: str, param: str, depth: int,
             roots: list[Visit]) -> Outcome:
    flows = sorted(walk.flows, key=lambda f: (f.visit.depth, f.visit.path, f.site.line,
                                              f.site.col, f.site.kind, f.visit.label))
    by_depth: dict[int, list[Flow]] = {}
    for flow in flows:
        by_depth.setdefault(flow.visit.depth, []).append(flow)
    key = tuple(_site_finding(f) for f in by_depth.pop(1, []))
    sections = [_depth_section(level, items) for level, items in sorted(by_depth.items())]
    sections.append(_callers_section(spec, callers))
    summary = {
        "param": param, "depth": depth, "targets": [v.label for v in roots],
        "sites": len(flows), "matches": len(key),
        "by_kind": dict(sorted(Counter(f.site.kind for f in flows).items())),
        "by_depth": {str(level): n for level, n in
                     sorted(Counter(f.visit.depth for f in flows).items())},
        "functions_reached": sorted({v.label for v in walk.visited}),
        "files_with_sites": len({f.visit.path for f in flows}),
        "returns_tainted": any(f.site.kind == "return" and f.visit.depth == 1 for f in flows),
        "callers": len(callers), "unfollowed": walk.unfollowed,
        "callers_resolved": sum(1 for s in callers if s.tier == "resolved"),
        "callers_possible": sum(1 for s in callers if s.tier == "possible"),
        "notes": list(dict.fromkeys([*walk.notes, *_unfollowed_note(walk.unfollowed)])),
    }
    return Outcome(key_findings=key, sections=tuple(sections), summary=summary)


def _unfollowed_note(unfollowed: list[dict[str, Any]]) -> list[str]:
    """One line for every wide name-only call the walk left (summary.unfollowed lists them)."""
    if not unfollowed:
        return []
    count = len(unfollowed)
    examples = ", ".join(f"{u['callee']} at {u['file']}:{u['line']} ({u['definitions']} defs)"
                         for u in unfollowed[:3])
    return [f"{count} tainted call{'s' if count > 1 else ''} not followed: the receiver is "
            f"unknown and more than {MAX_BY_NAME} definitions share the name — {examples}"
            + (" …" if count > 3 else "")]


def _depth_section(level: int, flows: list[Flow]) -> Section:
    functions = sorted({f.visit.label for f in flows})
    kinds = Counter(f.site.kind for f in flows)
    notes = ("in " + ", ".join(functions),
             "by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    return Section(title=f"Depth {level} — {len(functions)} function(s) reached",
                   kind=f"depth_{level}", findings=tuple(_site_finding(f) for f in flows),
                   notes=notes)


def _callers_section(spec: str, callers: list[Site]) -> Section:
    findings = []
    for site in callers:
        details = CallEdgeDetails(caller=site.caller, callee=site.call.callee,
                                  targets=tuple(site.targets), preview=site.call.preview,
                                  evidence=site.evidence, tier=site.tier)
        findings.append(make_finding("caller", anchor_of(site.path, site.call.span), details))
    tiers = Counter(site.tier for site in callers)
    notes = ((f"{tiers['resolved']} resolved, {tiers['possible']} possible (receiver not "
              f"resolved)",) if findings else (f"no call of {spec} found in scope",))
    return Section(title=f"Callers of {spec}", kind="callers", findings=tuple(findings),
                   notes=notes)


def _site_finding(flow: Flow) -> Finding:
    site, visit = flow.site, flow.visit
    call = site.kind == "call"
    details = TaintSiteDetails(
        kind=site.kind, depth=visit.depth, function=visit.label,
        param=", ".join(visit.params), text=site.text, names=site.names,
        evidence=visit.evidence or "ast", callee=site.callee if call else None,
        slot=", ".join(s.label for s in site.slots) if call else None,
        bound_to=flow.bound,
        bound=site.bound, target=site.target or None)
    anchor = Anchor(file=visit.path, line=site.line, col=site.col, end_line=site.end_line,
                    end_col=site.end_col)
    params: dict[str, list[str]] = {}
    for b in flow.bound:
        params.setdefault(b.function, []).append(b.param)
    arrow = ", ".join(f"{function}({', '.join(names)})" for function, names in params.items())
    message = f"{site.kind}: {site.text}" + (f" → {arrow}" if arrow else "")
    return make_finding("taint_site", anchor, details, message=message)


