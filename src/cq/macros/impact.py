"""`cq impact FUNC --param P [--depth N]`: where a parameter's value flows.

FUNC names definitions as `cq.analysis.resolve.find_targets` reads them (a class stands for its
`__init__`); P must be a parameter of one of them, else bad input naming the valid ones (found
in compute, as it needs facts; nothing is cached then). The walk itself, which calls it
follows and which it does not, is `cq.analysis.flow`'s.

`--depth N` counts functions along a chain: 1 is FUNC alone, 2 (the default) adds its direct
callees, ...; 0 is bad input. Calls at the last level are not resolved (no `bound_to`).
Values FUNC returns are `return` sites; how callers use them is not followed — the callers
are listed instead.

Result: key findings are the sites inside FUNC (depth 1), then one section per deeper level
and one listing FUNC's callers. Each site is one `taint_site` finding whose `evidence` is
"ast" inside FUNC and, below, the weakest evidence of the hops that led there. Calls the walk
did not follow (a wide name-only fan-out) and files `ast` cannot parse are summary notes.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from cq.bounds import Bounds
from cq.errors import BadInputError
from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.runner import Outcome
from cq.settings import Settings

if TYPE_CHECKING:
    from cq.analysis.flow import Flow, Visit, Walk
    from cq.analysis.resolve import Site, Target
    from cq.discover import Discovery
    from cq.index.source import FactSource
    from cq.result import Finding, Section

# --depth: each level follows the value into one more layer of callees; a walk rarely finds
# anything new after a handful of levels, so 50 is generous.
DEPTH = Bounds(1, 50)


def prepare(args: Args, settings: Settings) -> MacroJob:
    from cq.analysis.funcspec import check_spec

    spec = check_spec(args["target"])
    param = str(args["param"]).strip()
    if not param.isidentifier():
        raise BadInputError(f"impact: --param {param!r} is not a parameter name",
                            hint="give the name of one of FUNC's parameters")
    depth = args["depth"]  # within DEPTH: checked with the other arguments

    def compute(source: FactSource, discovery: Discovery) -> Outcome:
        return run_impact(source, spec, param, depth)

    plan = (f"definitions of {spec}", f"taint of parameter {param}, depth {depth}",
            f"callers of {spec}")
    return MacroJob(compute=compute, plan=plan)


def run_impact(source: FactSource, spec: str, param: str, depth: int) -> Outcome:
    from cq.analysis.flow import Walk
    from cq.analysis.resolve import find_sites, find_targets

    targets = find_targets(source, spec)
    if not targets:
        raise BadInputError(f"impact: no definition of {spec} in scope",
                            hint="give a def name, Class.method or a dotted full name")
    walk = Walk(source, depth)
    roots = _roots(walk, targets, spec, param)
    walk.run(roots)
    callers = find_sites(source, spec, targets)
    return _outcome(walk, callers, spec, param, depth, roots)


def _roots(walk: Walk, targets: list[Target], spec: str, param: str) -> list[Visit]:
    """A visit of every target (a class: its `__init__`) that has the parameter."""
    from cq.analysis.flow import visit_of

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
        "notes": list(dict.fromkeys([*walk.notes, *_unfollowed_note(walk.unfollowed)])),
    }
    return Outcome(key_findings=key, sections=tuple(sections), summary=summary)


def _unfollowed_note(unfollowed: list[dict[str, Any]]) -> list[str]:
    """One line for every wide name-only call the walk left (summary.unfollowed lists them)."""
    from cq.analysis.flow import MAX_BY_NAME

    if not unfollowed:
        return []
    count = len(unfollowed)
    examples = ", ".join(f"{u['callee']} at {u['file']}:{u['line']} ({u['definitions']} defs)"
                         for u in unfollowed[:3])
    return [f"{count} tainted call{'s' if count > 1 else ''} not followed: the receiver is "
            f"unknown and more than {MAX_BY_NAME} definitions share the name — {examples}"
            + (" …" if count > 3 else "")]


def _depth_section(level: int, flows: list[Flow]) -> Section:
    from cq.result import Section

    functions = sorted({f.visit.label for f in flows})
    kinds = Counter(f.site.kind for f in flows)
    notes = ("in " + ", ".join(functions),
             "by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    return Section(title=f"Depth {level} — {len(functions)} function(s) reached",
                   kind=f"depth_{level}", findings=tuple(_site_finding(f) for f in flows),
                   notes=notes)


def _callers_section(spec: str, callers: list[Site]) -> Section:
    from cq.findings import make_finding
    from cq.query.entities import anchor_of
    from cq.result import Section

    findings = []
    for site in callers:
        details = {"qualname": site.caller, "caller": site.caller, "callee": site.call.callee,
                   "target": ", ".join(site.targets) or site.call.callee,
                   "targets": list(site.targets), "preview": site.call.preview,
                   "evidence": site.evidence}
        findings.append(make_finding("caller", anchor_of(site.path, site.call.span), details))
    notes = () if findings else (f"no call of {spec} found in scope",)
    return Section(title=f"Callers of {spec}", kind="callers", findings=tuple(findings),
                   notes=notes)


def _site_finding(flow: Flow) -> Finding:
    from cq.findings import make_finding
    from cq.result import Anchor

    site, visit = flow.site, flow.visit
    details: dict[str, Any] = {
        "kind": site.kind, "depth": visit.depth, "function": visit.label,
        "param": ", ".join(visit.params), "text": site.text, "names": list(site.names),
        "evidence": visit.evidence or "ast"}
    if site.kind == "call":
        details.update(callee=site.callee, slot=", ".join(s.label for s in site.slots),
                       bound_to=[{"function": b.function, "param": b.param,
                                  "evidence": b.evidence} for b in flow.bound])
    if site.bound:
        details["bound"] = list(site.bound)
    if site.target:
        details["target"] = site.target
    anchor = Anchor(file=visit.path, line=site.line, col=site.col, end_line=site.end_line,
                    end_col=site.end_col)
    params: dict[str, list[str]] = {}
    for b in flow.bound:
        params.setdefault(b.function, []).append(b.param)
    arrow = ", ".join(f"{function}({', '.join(names)})" for function, names in params.items())
    message = f"{site.kind}: {site.text}" + (f" → {arrow}" if arrow else "")
    return make_finding("taint_site", anchor, details, message=message)


MACRO = Macro(
    name="impact",
    help="Where a parameter's value flows: assignments, calls (into callees), returns.\n\n"
         "Taint from --param through FUNC's body, then into the functions it passes the value "
         "to, up to --depth levels (1 = FUNC only).",
    options=(
        Option("target", "FUNC: a function name, Class.method or a dotted full name.",
               required=True, positional=True),
        Option("param", "The parameter of FUNC whose value is followed.", required=True),
        Option("depth", "Levels of functions to follow (1 = FUNC only; default 2).",
               kind="int", default=2, bounds=DEPTH),
    ),
    headline=(("sites", "taint site", "taint sites"), ("files_with_sites", "file", "files"),
              ("callers", "caller", "callers")),
    prepare=prepare,
)
