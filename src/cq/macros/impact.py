"""`cq impact FUNC --param P [--depth N]`: where a parameter's value flows.

FUNC names definitions as `cq.analysis.resolve.find_targets` reads them (a class stands for its
`__init__`); P must be a parameter of one of them, else bad input naming the valid ones (found
in compute, as it needs facts; nothing is cached then). Each function's file is parsed with
`ast` and P's taint followed inside it (`cq.analysis.taint`). A tainted call is resolved with
`find_sites` (imports, local defs, self/cls through the class hierarchy, else by name), the
tainted argument bound to the callee's parameter (`binding.parameter_for`; for `*p` / `**p`
every parameter the site leaves to them, per `binding.bind`) and the taint continues there,
one level deeper. A tainted receiver (`p.m()`) is reported but not followed into `self`: its
type is unknown, and a tainted `self` would taint every attribute read.

`--depth N` counts functions along a chain: 1 is FUNC alone, 2 (the default) adds its direct
callees, ...; 0 is bad input. Calls at the last level are not resolved (no `bound_to`).
Values FUNC returns are `return` sites; how callers use them is not followed — the callers
are listed instead.

Result: key findings are the sites inside FUNC (depth 1), then one section per deeper level
and one listing FUNC's callers. Each site is one `taint_site` finding whose `evidence` is
"ast" inside FUNC and, below, the weakest evidence of the hops that led there.
"""

from __future__ import annotations

import builtins
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from cq.errors import BadInputError
from cq.facts import Def, Param
from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.runner import Outcome
from cq.settings import Settings

if TYPE_CHECKING:
    import ast

    from cq.analysis.resolve import Site, Target
    from cq.analysis.taint import Slot, TaintSite
    from cq.discover import Discovery
    from cq.index.source import FactSource
    from cq.result import Finding, Section


def prepare(args: Args, settings: Settings) -> MacroJob:
    from cq.analysis.resolve import check_spec

    spec = check_spec(args["target"])
    param = str(args["param"]).strip()
    if not param.isidentifier():
        raise BadInputError(f"impact: --param {param!r} is not a parameter name",
                            hint="give the name of one of FUNC's parameters")
    depth = args["depth"]
    if depth < 1:
        raise BadInputError(f"impact: --depth must be 1 or more, got {depth}",
                            hint="1 = only FUNC itself, 2 = FUNC and its direct callees")

    def compute(source: FactSource, discovery: Discovery) -> Outcome:
        return run_impact(source, spec, param, depth)

    plan = (f"definitions of {spec}", f"taint of parameter {param}, depth {depth}",
            f"callers of {spec}")
    return MacroJob(compute=compute, plan=plan)


MAX_FUNCTIONS = 500  # a hop by simple name can fan out; the walk stops here and says so
POSITIONAL = ("positional_only", "positional_or_keyword")
KEYWORD_KINDS = ("positional_or_keyword", "keyword_only")
_BUILTINS = frozenset(dir(builtins))


class Visit(msgspec.Struct, frozen=True):
    """One function the taint reaches, with the parameters that carry it. `evidence` is ""
    for FUNC itself, else the weakest evidence of the hops on the way."""

    path: str
    module: str
    definition: Def
    params: tuple[str, ...]
    depth: int
    evidence: str = ""

    @property
    def label(self) -> str:
        qualname = self.definition.qualname
        return f"{self.module}.{qualname}" if self.module else qualname


class Bound(msgspec.Struct, frozen=True):
    """A tainted argument bound to a callee's parameter."""

    function: str
    param: str
    evidence: str


class Flow(msgspec.Struct, frozen=True):
    visit: Visit
    site: TaintSite
    bound: tuple[Bound, ...] = ()


def run_impact(source: FactSource, spec: str, param: str, depth: int) -> Outcome:
    from cq.analysis.resolve import find_sites, find_targets

    targets = find_targets(source, spec)
    if not targets:
        raise BadInputError(f"impact: no definition of {spec} in scope",
                            hint="give a def name, Class.method or a dotted full name")
    walk = _Walk(source, depth)
    roots = walk.roots(targets, spec, param)
    walk.run(roots)
    callers = find_sites(source, spec, targets)
    return _outcome(walk, callers, spec, param, depth, roots)


class _Walk:
    """Breadth-first over the functions the taint reaches: each (function, parameters)
    once, at the smallest depth it is reached."""

    def __init__(self, source: FactSource, max_depth: int) -> None:
        self.source = source
        self.max_depth = max_depth
        self.flows: list[Flow] = []
        self.visited: list[Visit] = []
        self.notes: list[str] = []
        self._files: dict[str, tuple[ast.Module, str] | None] = {}
        self._sites: dict[tuple[str, str], dict[tuple[str, int, int], Site]] = {}
        self._targets: dict[str, Target] = {}
        self._inits: dict[str, Target | None] = {}

    def roots(self, targets: list[Target], spec: str, param: str) -> list[Visit]:
        roots, valid = [], set()
        for target in targets:
            function = self.callable(target)
            names = [p.name for p in function.definition.params] if function else []
            valid.update(names)
            if function is not None and param in names:
                roots.append(_visit(function, (param,), 1, ""))
        if not roots:
            raise BadInputError(f"impact: {spec} has no parameter {param!r}",
                                hint="valid: " + (", ".join(sorted(valid)) or "none"))
        skipped = len(targets) - len(roots)
        if skipped:
            self.notes.append(f"{skipped} definition(s) of {spec} without parameter {param}")
        return roots

    def run(self, roots: list[Visit]) -> None:
        seen: set[tuple[str, int, tuple[str, ...]]] = set()
        frontier = roots
        while frontier:
            following: list[Visit] = []
            for visit in frontier:
                key = (visit.path, visit.definition.span.line, visit.params)
                if key in seen:
                    continue
                if len(seen) >= MAX_FUNCTIONS:
                    self.notes.append(f"stopped after {MAX_FUNCTIONS} functions")
                    return
                seen.add(key)
                following += self.visit(visit)
            frontier = following

    def visit(self, visit: Visit) -> list[Visit]:
        from cq.analysis.taint import taint_function

        found = self.function(visit)
        if found is None:
            return []
        self.visited.append(visit)
        result = taint_function(found[0], visit.params, found[1])
        following: list[Visit] = []
        for site in result.sites:
            bound, visits = self.follow(visit, site)
            self.flows.append(Flow(visit, site, bound))
            following += visits
        return following

    def function(self, visit: Visit) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef, str] | None:
        import ast

        from cq.analysis.taint import find_function

        parsed = self.parse(visit.path)
        if parsed is None:
            return None
        definition = visit.definition
        node = find_function(parsed[0], definition.span.line, definition.name)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.notes.append(f"{visit.label}: no def at {visit.path}:{definition.span.line}")
            return None
        return node, parsed[1]

    def parse(self, path: str) -> tuple[ast.Module, str] | None:
        import ast
        import io
        import tokenize

        if path not in self._files:
            try:
                data = (Path(self.source.session.root) / path).read_bytes()
                encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
                text = data.decode(encoding)
                self._files[path] = (ast.parse(text, filename=path), text)
            except (OSError, SyntaxError, UnicodeDecodeError, ValueError) as exc:
                self.notes.append(f"{path}: not analysed ({type(exc).__name__})")
                self._files[path] = None
        return self._files[path]

    def follow(self, visit: Visit, site: TaintSite) -> tuple[tuple[Bound, ...], list[Visit]]:
        """Bind a tainted call's arguments to the parameters of what it may call."""
        if site.kind != "call" or visit.depth >= self.max_depth or not site.callee_name:
            return (), []
        call = self.call_site(visit.path, site)
        if call is None:
            return (), []
        bounds: list[Bound] = []
        visits: list[Visit] = []
        for label in call.targets:
            callee = self.callable(self._targets[label]) if label in self._targets else None
            names = _bound_params(callee.definition.params, call, site) if callee else ()
            if callee is None or not names:
                continue
            bounds += [Bound(callee.label, name, call.evidence) for name in names]
            evidence = _weaker(visit.evidence, call.evidence)
            visits.append(_visit(callee, names, visit.depth + 1, evidence))
        return tuple(bounds), visits

    def call_site(self, path: str, site: TaintSite) -> Site | None:
        """The resolved call at the site's position (calls of one name resolved once)."""
        from cq.analysis.resolve import find_sites, find_targets

        name = lookup = site.callee_name
        if site.callee == name:  # a bare name: a local def, an import (maybe aliased), else
            bound = self.bound_name(path, name)
            if bound is None and name in _BUILTINS:
                return None  # len(p), str(p): a builtin the file does not rebind
            lookup = bound or name
        if (name, lookup) not in self._sites:
            targets = find_targets(self.source, lookup)
            self._targets.update((t.label, t) for t in targets)
            found = find_sites(self.source, name, targets) if targets else []
            self._sites[name, lookup] = {(s.path, s.call.span.line, s.call.span.col): s
                                         for s in found}
        return self._sites[name, lookup].get((path, site.line, site.col))

    def bound_name(self, path: str, name: str) -> str | None:
        """The definition name a bare name stands for in a file (`from m import f as name`
        -> f), None when the file neither defines nor imports it."""
        facts = self.source.facts_of(path)
        if any(d.name == name for d in facts.defs):
            return name
        for imp in facts.imports:
            for item in imp.names:
                if (item.alias or item.name.split(".")[0]) == name:
                    return item.name if imp.is_from else name
        return None

    def callable(self, target: Target) -> Target | None:
        """The def a call of the target runs: itself, or a class's `__init__`."""
        from cq.analysis.resolve import find_targets

        if target.definition.kind != "class":
            return target
        if target.label not in self._inits:
            inits = find_targets(self.source, target.label + ".__init__")
            self._inits[target.label] = inits[0] if inits else None
        return self._inits[target.label]


def _visit(target: Target, params: tuple[str, ...], depth: int, evidence: str) -> Visit:
    return Visit(target.path, target.module, target.definition, params, depth, evidence)


def _weaker(first: str, second: str) -> str:
    from cq.score import EVIDENCE

    if not first:
        return second
    return min((first, second), key=lambda e: EVIDENCE.get(e, 0.0))


def _bound_params(params: tuple[Param, ...], call: Site, site: TaintSite) -> tuple[str, ...]:
    """The callee parameters that receive the site's tainted slots."""
    names: list[str] = []
    for slot in site.slots:
        if slot.kind in ("*args", "**kwargs") or slot.after_star:
            names += _star_params(params, call, slot.kind == "**kwargs")
        else:
            found = _slot_param(params, call.bound_self, slot)
            names += [found.name] if found is not None else []
    return tuple(dict.fromkeys(names))


def _star_params(params: tuple[Param, ...], call: Site, keywords: bool) -> list[str]:
    """What `*p` (or `**p`) may supply: its var parameter and every parameter it can fill
    that the site does not pass explicitly (`binding.bind` says which are explicit)."""
    from cq.analysis.binding import Shape, bind

    slots = bind(Shape.from_call(call.call), params, call.bound_self).slots
    own = params[1:] if call.bound_self and params and params[0].kind in POSITIONAL else params
    fillable = KEYWORD_KINDS if keywords else POSITIONAL
    var = "var_keyword" if keywords else "var_positional"
    return [p.name for p in own if p.kind == var or (
        p.kind in fillable and not slots.get(p.name, "").startswith(("arg ", "kw ")))]


def _slot_param(params: tuple[Param, ...], bound_self: bool, slot: Slot) -> Param | None:
    from cq.analysis.binding import parameter_for

    if slot.kind == "arg":
        return parameter_for(params, bound_self, position=slot.position)
    if slot.kind == "kw":
        return parameter_for(params, bound_self, keyword=slot.keyword)
    # `p.m()` / `p()`: the value is the receiver or the callee, whose type is unknown here;
    # following it into `self` would taint every attribute of the object
    return None


# --- findings ---------------------------------------------------------------------------------


def _outcome(walk: _Walk, callers: list[Site], spec: str, param: str, depth: int,
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
        "callers": len(callers), "notes": list(dict.fromkeys(walk.notes)),
    }
    return Outcome(key_findings=key, sections=tuple(sections), summary=summary)


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
    arrow = ", ".join(f"{b.function}({b.param})" for b in flow.bound)
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
               kind="int", default=2),
    ),
    prepare=prepare,
)
