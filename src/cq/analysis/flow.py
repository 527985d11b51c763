"""Interprocedural taint: a parameter's value followed from function to function.

`Walk` runs `cq.analysis.taint` in one function at a time, breadth first. Each tainted call
is resolved on its own (`cq.analysis.resolve.resolve_one`: imports, local defs, self/cls
through the class hierarchy, else by name), so a hop costs the files that call's names point
at, never every file that mentions the callee's name. The tainted argument is bound to the
callee's parameter (`binding.parameter_for`; for `*p` / `**p` every parameter the site leaves
to them, per `binding.bind`) and the walk continues there, one level deeper.

Not followed: a tainted receiver or callee (`p.m()`, `p()`: the type is unknown, and a
tainted `self` would taint every attribute read), builtins the file does not rebind
(`len(p)`), a called local variable or parameter, and a name-only call with more than
`MAX_BY_NAME` candidate definitions (listed in `unfollowed`: following `x.append(p)` into
every `append` in the repository would bury the answer); calls at the last level are not
resolved.

A function is analysed once per set of tainted parameters: when a later hop taints more of
its parameters, its sites are recomputed with the union, so each site is reported once, at
the depth the function was first reached. `evidence` is "" for the roots, else the weakest
evidence of the hops that led there.
"""

from __future__ import annotations

import ast
import builtins
from typing import TYPE_CHECKING

import msgspec

from cq.analysis.binding import Shape, bind, parameter_for
from cq.analysis.names import Names, Target
from cq.analysis.receivers import Receivers
from cq.analysis.resolve import resolve_one
from cq.analysis.sourcefile import kept, text_of, tree_of
from cq.analysis.syntax import shorten, target_names
from cq.analysis.taint import Slot, TaintSite, taint_function
from cq.details import BoundTo
from cq.facts import Call, Def, Param
from cq.modules import full_name
from cq.parsing import guarded
from cq.score import EVIDENCE

if TYPE_CHECKING:
    from cq.analysis.resolve import Resolved, Site
    from cq.index.source import FactSource

MAX_FUNCTIONS = 500  # the walk stops after this many functions and says so
MAX_BY_NAME = 3  # name-only candidates a call may fan out to; beyond, it is not followed
CALLEE_WIDTH = 40  # characters of a callee's text in `unfollowed`
POSITIONAL = ("positional_only", "positional_or_keyword")
KEYWORD_KINDS = ("positional_or_keyword", "keyword_only")
_BUILTINS = frozenset(dir(builtins))
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


class Visit(msgspec.Struct, frozen=True):
    """One function the taint reaches, with the parameters that carry it."""

    path: str
    module: str
    definition: Def
    params: tuple[str, ...]
    depth: int
    evidence: str = ""

    @property
    def label(self) -> str:
        return full_name(self.module, self.definition.qualname)

    @property
    def key(self) -> tuple[str, int]:
        return (self.path, self.definition.span.line)


class Flow(msgspec.Struct, frozen=True):
    visit: Visit
    site: TaintSite
    bound: tuple[BoundTo, ...] = ()


def visit_of(target: Target, params: tuple[str, ...], depth: int, evidence: str) -> Visit:
    return Visit(target.path, target.module, target.definition, params, depth, evidence)


class Walk:
    """Breadth first over the functions the taint reaches (module docstring)."""

    def __init__(self, source: FactSource, max_depth: int) -> None:
        self.source = source
        self.max_depth = max_depth
        self.lookup = Names(source)
        self.receivers = Receivers(self.lookup, source)
        self.notes: list[str] = []
        self.unfollowed: list[dict[str, str | int]] = []  # wide name-only calls, not followed
        self.visits: dict[tuple[str, int], Visit] = {}  # per function: depth, params so far
        self._flows: dict[tuple[str, int], list[Flow]] = {}
        self._files: dict[str, tuple[dict[tuple[int, str], FunctionNode], str] | None] = {}
        self._calls: dict[str, dict[tuple[int, int], list[Call]]] = {}

    @property
    def flows(self) -> list[Flow]:
        return [flow for flows in self._flows.values() for flow in flows]

    @property
    def visited(self) -> list[Visit]:
        return [self.visits[key] for key in self._flows]

    def callable(self, target: Target) -> Target | None:
        """The def a call of the target runs: itself, or a class's `__init__`."""
        if target.definition.kind != "class":
            return target
        return self.lookup.member(target, "__init__")

    def run(self, roots: list[Visit]) -> None:
        frontier = roots
        while frontier:
            following: list[Visit] = []
            for visit in frontier:
                if visit.key not in self.visits and len(self.visits) >= MAX_FUNCTIONS:
                    self.notes.append(f"stopped after {MAX_FUNCTIONS} functions")
                    return
                if self.source.deadline.expired():
                    self.notes.append(f"stopped at the time budget, {len(self.visits)} "
                                      "functions in")
                    return
                widened = self._widen(visit)
                if widened is not None:
                    following += self._visit(widened)
            frontier = following

    def _widen(self, visit: Visit) -> Visit | None:
        """The visit to run: the function with every parameter tainted so far, None when
        this visit taints nothing new. Depth and evidence stay those of the first visit."""
        known = self.visits.get(visit.key)
        if known is None:
            self.visits[visit.key] = visit
            return visit
        params = tuple(dict.fromkeys((*known.params, *visit.params)))
        if params == known.params:
            return None
        widened = msgspec.structs.replace(known, params=params)
        self.visits[visit.key] = widened
        return widened

    def _visit(self, visit: Visit) -> list[Visit]:
        found = self._function(visit)
        if found is None:
            return []
        result = kept(self.source, visit.path,
                      guarded(taint_function, found[0], visit.params, found[1]))
        if result is None:  # too deep for the walk: the file is recorded as not analysed
            return []
        local = local_names(found[0])
        flows: list[Flow] = []
        following: list[Visit] = []
        for site in result.sites:
            bound, visits = self._follow(visit, site, local)
            flows.append(Flow(visit, site, bound))
            following += visits
        self._flows[visit.key] = flows
        return following

    def _function(self, visit: Visit) -> tuple[FunctionNode, str] | None:
        parsed = self._parse(visit.path)
        if parsed is None:
            return None
        definition = visit.definition
        node = parsed[0].get((definition.span.line, definition.name))
        if node is None:
            self.notes.append(f"{visit.label}: no def at {visit.path}:{definition.span.line}")
            return None
        return node, parsed[1]

    def _parse(self, path: str) -> tuple[dict[tuple[int, str], FunctionNode], str] | None:
        """The file's defs by (line of `def`, name), and its text; None when `ast` cannot read
        it (Python 2 files, syntax errors: the source records it as not analysed)."""
        if path not in self._files:
            text = text_of(self.source, path)
            tree = tree_of(self.source, path, text) if text is not None else None
            nodes = None if tree is None else {(n.lineno, n.name): n for n in ast.walk(tree)
                                               if isinstance(n, FunctionNode)}
            self._files[path] = None if nodes is None or text is None else (nodes, text)
        return self._files[path]

    # --- one tainted call --------------------------------------------------------------

    def _follow(self, visit: Visit, site: TaintSite,
                local: frozenset[str]) -> tuple[tuple[BoundTo, ...], list[Visit]]:
        """Bind a tainted call's arguments to the parameters of what it may call."""
        if (site.kind != "call" or visit.depth >= self.max_depth or not site.callee_name
                or all(slot.kind in ("receiver", "callee") for slot in site.slots)
                or site.callee in local):  # `for f in fs: f(p)`: a value, not a def
            return (), []
        resolved = self._resolve(visit.path, site)
        if resolved is None:
            return (), []
        bounds: list[BoundTo] = []
        visits: list[Visit] = []
        evidence = resolved.site.evidence
        for target in resolved.targets:
            callee = self.callable(target)
            names = bound_params(callee.definition.params, resolved.site, site) if callee else ()
            if callee is None or not names:
                continue
            bounds += [BoundTo(callee.label, name, evidence) for name in names]
            visits.append(visit_of(callee, names, visit.depth + 1,
                                   weaker(visit.evidence, evidence)))
        return tuple(bounds), visits

    def _resolve(self, path: str, site: TaintSite) -> Resolved | None:
        facts = self.source.facts_of(path)
        call = self._call_at(facts.calls, path, site)
        if call is None:
            return None
        if (call.receiver is None and call.name in _BUILTINS
                and self.lookup.scope(path).lookup(call.name, call.enclosing) is None):
            return None  # len(p), str(p): a builtin the file does not rebind
        resolved = resolve_one(self.lookup, facts, call, MAX_BY_NAME, self.receivers)
        entry: dict[str, str | int] = {"callee": shorten(call.callee, CALLEE_WIDTH),
                                       "file": path, "line": site.line,
                                       "definitions": resolved.unfollowed}
        if resolved.unfollowed and entry not in self.unfollowed:  # a widened re-visit
            self.unfollowed.append(entry)
        return resolved

    def _call_at(self, calls: tuple[Call, ...], path: str, site: TaintSite) -> Call | None:
        """The call fact at the site's start; else the one call of that name on its line."""
        if path not in self._calls:
            index: dict[tuple[int, int], list[Call]] = {}
            for call in calls:
                index.setdefault((call.span.line, call.span.col), []).append(call)
                index.setdefault((call.span.line, -1), []).append(call)
            self._calls[path] = index
        index = self._calls[path]
        exact = [c for c in index.get((site.line, site.col), []) if c.name == site.callee_name]
        if exact:
            return exact[0]
        named = [c for c in index.get((site.line, -1), []) if c.name == site.callee_name]
        return named[0] if len(named) == 1 else None


def local_names(node: FunctionNode) -> frozenset[str]:
    """Names the function binds to values: by assignment, loop, `with`, `except`, `match` or
    as parameters (nested defs and classes are their own scopes; imports and defs bind
    definitions, which resolution follows)."""
    names = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
    todo: list[ast.AST] = list(node.body)
    while todo:
        part = todo.pop()
        if isinstance(part, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(part, ast.Name | ast.MatchAs | ast.MatchStar | ast.MatchMapping):
            names |= target_names(part)
        elif isinstance(part, ast.ExceptHandler) and part.name:
            names.add(part.name)
        todo.extend(ast.iter_child_nodes(part))
    return frozenset(names)


def weaker(first: str, second: str) -> str:
    if not first:
        return second
    return min((first, second), key=lambda e: EVIDENCE.get(e, 0.0))


def bound_params(params: tuple[Param, ...], call: Site, site: TaintSite) -> tuple[str, ...]:
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
    slots = bind(Shape.from_call(call.call), params, call.bound_self).slots
    own = params[1:] if call.bound_self and params and params[0].kind in POSITIONAL else params
    fillable = KEYWORD_KINDS if keywords else POSITIONAL
    var = "var_keyword" if keywords else "var_positional"
    return [p.name for p in own if p.kind == var or (
        p.kind in fillable and not slots.get(p.name, "").startswith(("arg ", "kw ")))]


def _slot_param(params: tuple[Param, ...], bound_self: bool, slot: Slot) -> Param | None:
    if slot.kind == "arg":
        return parameter_for(params, bound_self, position=slot.position)
    if slot.kind == "kw":
        return parameter_for(params, bound_self, keyword=slot.keyword)
    return None  # receiver / callee: see the module docstring
