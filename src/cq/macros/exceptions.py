"""`cq exceptions [--function F]`: raise and catch sites, and which raises escape their function.

Sites come from the facts (`Raise`, `Except`). Whether a raise is caught needs the try
nesting, which the facts do not hold: each file with raises is parsed once with the stdlib
`ast`, and every `raise` gets the handlers of the `try` statements whose body holds it,
innermost first, up to its function (a class body runs where it stands, so the tries around
a class statement count). Handlers of `except*` count like any other. A raise is paired
with its fact by line and order within the line.

A raise is caught when every type it may raise has a catching handler:
- what it raises: its type (`raise pkg.E(...)` → `E`); a bare `raise` (or `raise e` of the
  handler's bound name) re-raises the types of the handler it sits in
  (`cq.query.joins.raised_types`); an unknown type (a bare re-raise in a bare handler or
  outside any handler) is taken as `BaseException`;
- a handler catches a type when it is bare, names the type (last dotted segment), names
  `BaseException`, or names an ancestor: built-in exceptions through their real MRO (a
  built-in's name always means the built-in), repo classes through their `bases` by simple
  name (every class of that name; a class whose chain leaves the repo is incomplete).
  `Exception` catches an incomplete or unknown type (a variable, a third-party class) unless
  a known ancestor is BaseException-only (`SystemExit`, `KeyboardInterrupt`,
  `GeneratorExit`, `BaseExceptionGroup`).
A judgement made by exact name, a bare handler or no handler at all has evidence `ast`; one
that needed the hierarchy or a guess has evidence `name`. Raises in a file `ast` cannot parse
are not judged (`caught` None).

`--function F` (a name, `Class.method` or a dotted full name, as for `cq scopes`) keeps the
sites inside F's body, nested defs included; F not found is bad input.
"""

from __future__ import annotations

import ast
import builtins
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from cq.discover import Discovery
from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.result import Finding, Section
from cq.runner import Outcome
from cq.settings import Settings

if TYPE_CHECKING:
    from cq.facts import Def, Except, FileFacts, Raise
    from cq.index.source import FactSource

BROAD = frozenset({"Exception", "BaseException"})
BASE_ONLY = frozenset({"BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit",
                       "BaseExceptionGroup"})
UNKNOWN = "BaseException"  # what a re-raise of an unknown exception may be
MAX_DEPTH = 30  # base-class chain followed at most this far


def last(text: str) -> str:
    return text.split("[", 1)[0].strip().rsplit(".", 1)[-1]


# --- try nesting from ast ------------------------------------------------------------------


class Guard(msgspec.Struct, frozen=True):
    """One handler of a try whose body holds a raise."""

    line: int
    types: tuple[str, ...] = ()  # last dotted segments; empty for a bare `except:`
    bare: bool = False


class _Tries(ast.NodeVisitor):
    """Every raise's guards (innermost try first), by line in column order."""

    def __init__(self) -> None:
        self.stack: list[tuple[Guard, ...]] = []
        self.raises: dict[int, list[tuple[int, tuple[Guard, ...]]]] = {}

    def visit_Raise(self, node: ast.Raise) -> None:
        guards = tuple(g for handlers in reversed(self.stack) for g in handlers)
        self.raises.setdefault(node.lineno, []).append((node.col_offset, guards))

    def visit_Try(self, node: ast.Try | ast.TryStar) -> None:
        self.stack.append(tuple(_guard(handler) for handler in node.handlers))
        for statement in node.body:
            self.visit(statement)
        self.stack.pop()
        after: list[ast.AST] = [*node.handlers, *node.orelse, *node.finalbody]
        for child in after:  # a raise here leaves this try: only outer tries guard it
            self.visit(child)

    visit_TryStar = visit_Try

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        saved, self.stack = self.stack, []  # a def's body runs later, outside these tries
        self.generic_visit(node)
        self.stack = saved

    visit_AsyncFunctionDef = visit_FunctionDef


def _guard(handler: ast.ExceptHandler) -> Guard:
    if handler.type is None:
        return Guard(line=handler.lineno, bare=True)
    parts = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return Guard(line=handler.lineno, types=tuple(last(ast.unparse(p)) for p in parts))


def guards_of(text: str, raises: tuple[Raise, ...]) -> list[tuple[Guard, ...] | None]:
    """Each raise fact's guards; None for all when the text does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return [None] * len(raises)
    visitor = _Tries()
    visitor.visit(tree)
    by_line: dict[int, list[Raise]] = {}
    for site in raises:
        by_line.setdefault(site.span.line, []).append(site)
    paired: dict[int, tuple[Guard, ...]] = {}
    for line, sites in by_line.items():
        found = sorted(visitor.raises.get(line, []), key=lambda pair: pair[0])
        if len(found) == len(sites):
            ordered = sorted(sites, key=lambda s: s.span.col)
            paired.update((id(site), guards) for site, (_, guards) in zip(ordered, found,
                                                                          strict=True))
    return [paired.get(id(site)) for site in raises]


# --- the exception hierarchy ---------------------------------------------------------------


class Hierarchy:
    """Ancestors of exception types by simple name: builtins, then repo classes."""

    def __init__(self, source: FactSource) -> None:
        self.source = source
        self._memo: dict[str, tuple[frozenset[str], bool]] = {}

    def catches(self, handler: str, raised: str) -> tuple[bool, bool]:
        """(caught, exact): does a handler naming `handler` catch `raised`?"""
        if handler in (raised, "BaseException"):
            return True, True
        names, complete = self.ancestors(raised)
        if handler in names:
            return True, False
        if handler == "Exception" and not complete:
            return not names & BASE_ONLY, False
        return False, False

    def ancestors(self, name: str, depth: int = 0) -> tuple[frozenset[str], bool]:
        """The names of `name` and its ancestors, and whether the chain is fully known."""
        if name not in self._memo:
            if depth > MAX_DEPTH:
                return frozenset({name}), False
            self._memo[name] = self._resolve(name, depth)
        return self._memo[name]

    def _resolve(self, name: str, depth: int) -> tuple[frozenset[str], bool]:
        known = getattr(builtins, name, None)
        if isinstance(known, type) and issubclass(known, BaseException):
            return frozenset(c.__name__ for c in known.__mro__ if c is not object), True
        if not name.isidentifier():  # `raise make_error()()`: no class to look up
            return frozenset({name}), False
        classes = [d for facts in self.source.facts_defining([name], name)
                   for d in facts.defs if d.kind == "class" and d.name == name]
        names, complete = {name}, bool(classes)
        self._memo[name] = (frozenset(names), False)  # a cycle stops here
        for base in {last(b) for d in classes for b in d.bases if "=" not in b}:
            if base != "object":
                found, known_chain = self.ancestors(base, depth + 1)
                names |= found
                complete = complete and known_chain
        return frozenset(names), complete


class Judgement(msgspec.Struct, frozen=True):
    caught: bool | None
    by: tuple[int, ...] = ()
    evidence: str = "ast"


def judge(raised: tuple[str, ...], guards: tuple[Guard, ...] | None,
          hierarchy: Hierarchy) -> Judgement:
    if guards is None:
        return Judgement(caught=None, evidence="syntax")
    lines: list[int] = []
    exact = True
    for exc_type in raised or (UNKNOWN,):
        catcher = _catcher(exc_type, guards, hierarchy)
        if catcher is None:
            return Judgement(caught=False, by=tuple(sorted(set(lines))),
                             evidence="ast" if not guards else "name")
        lines.append(catcher[0])
        exact = exact and catcher[1]
    return Judgement(caught=True, by=tuple(sorted(set(lines))),
                     evidence="ast" if exact else "name")


def _catcher(exc_type: str, guards: tuple[Guard, ...],
             hierarchy: Hierarchy) -> tuple[int, bool] | None:
    """The first handler catching `exc_type` (its line, whether by exact name)."""
    for guard in guards:
        if guard.bare:
            return guard.line, True
        for handler in guard.types:
            caught, exact = hierarchy.catches(handler, last(exc_type))
            if caught:
                return guard.line, exact
    return None


# --- findings -------------------------------------------------------------------------------


class Sites(msgspec.Struct, frozen=True):
    raises: list[Finding]
    handlers: list[Finding]


def _file_sites(source: FactSource, facts: FileFacts, owners: tuple[Def, ...] | None,
                hierarchy: Hierarchy) -> Sites:
    from cq.macros.scopes import inside

    raises = [r for r in facts.raises
              if owners is None or any(inside(r.enclosing, r.span, d) for d in owners)]
    excepts = [e for e in facts.excepts
               if owners is None or any(inside(e.enclosing, e.span, d) for d in owners)]
    guards = guards_of(_text(source, facts.path), tuple(raises)) if raises else []
    return Sites(
        raises=[_raise_finding(facts, site, found, hierarchy)
                for site, found in zip(raises, guards, strict=True)],
        handlers=[_catch_finding(facts, site) for site in excepts])


def _text(source: FactSource, path: str) -> str:
    from cq.scan import decode_source

    data = source.session.text(path)
    return decode_source(data)[0] if data is not None else ""


def _function(facts: FileFacts, enclosing: str | None) -> str | None:
    from cq.query.entities import full_name

    return full_name(facts.module, enclosing) if enclosing else None


def _raise_finding(facts: FileFacts, site: Raise, guards: tuple[Guard, ...] | None,
                   hierarchy: Hierarchy) -> Finding:
    from cq.findings import make_finding
    from cq.query.entities import anchor_of
    from cq.query.joins import raised_types

    raised = raised_types(facts, site)
    verdict = judge(raised, guards, hierarchy)
    details: dict[str, Any] = {
        "exc_type": site.exc_type, "message": site.message, "bare": site.bare,
        "cause": site.cause, "function": _function(facts, site.enclosing),
        "raised": list(raised), "caught": verdict.caught, "caught_by": list(verdict.by),
        "evidence": verdict.evidence,
    }
    what = ("re-raise " + (", ".join(raised) or "(unknown)") if site.bare
            else f"raise {site.exc_type}")
    where = f" in {site.enclosing}" if site.enclosing else " at module level"
    return make_finding("raise", anchor_of(facts.path, site.span), details, message=what + where)


def _catch_finding(facts: FileFacts, site: Except) -> Finding:
    from cq.findings import make_finding
    from cq.query.entities import anchor_of

    broad = any(last(t) in BROAD for t in site.types)
    empty, reraises = site.body == "empty", site.body == "reraises"
    details: dict[str, Any] = {
        "types": list(site.types), "bare": site.bare, "broad": broad, "star": site.star,
        "empty": empty, "reraises": reraises, "alias": site.alias,
        "function": _function(facts, site.enclosing), "evidence": "syntax",
    }
    flags = [name for name, on in (("bare", site.bare), ("broad", broad), ("empty", empty),
                                   ("re-raises", reraises)) if on]
    head = ("except*" if site.star else "except") + (
        " " + ", ".join(site.types) if site.types else ":")
    return make_finding("catch", anchor_of(facts.path, site.span), details,
                        message=head + (f" [{', '.join(flags)}]" if flags else ""),
                        severity="warning" if site.bare or broad or empty else "info")


# --- the answer -----------------------------------------------------------------------------


def collect(source: FactSource, function: str | None) -> Sites:
    """Every raise and handler in scope (or inside `function`), in file and line order."""
    hierarchy = Hierarchy(source)
    raises: list[Finding] = []
    handlers: list[Finding] = []
    for facts, owners in _files(source, function):
        sites = _file_sites(source, facts, owners, hierarchy)
        raises.extend(sites.raises)
        handlers.extend(sites.handlers)
    return Sites(raises=sorted(raises, key=_order), handlers=sorted(handlers, key=_order))


def _order(finding: Finding) -> tuple[str, int, int]:
    anchor = finding.anchor
    return (anchor.file, anchor.line, anchor.col) if anchor else ("", 0, 0)


def _files(source: FactSource,
           function: str | None) -> list[tuple[FileFacts, tuple[Def, ...] | None]]:
    from cq.errors import BadInputError
    from cq.macros.scopes import SYMBOL_HINT, find_defs

    if function is None:
        return [(facts, None) for facts in source.facts_for(["raise", "except"])]
    found = find_defs(source, function)
    if not found:
        raise BadInputError(f"exceptions: no definition named {function!r} in scope",
                            hint=SYMBOL_HINT)
    return [(source.facts_of(path), defs) for path, defs in found.items()]


def outcome(sites: Sites) -> Outcome:
    uncaught = [f for f in sites.raises if f.details["caught"] is False]
    caught = [f for f in sites.raises if f.details["caught"]]
    unjudged = [f for f in sites.raises if f.details["caught"] is None]
    sections = [Section(title="Uncaught raises", kind="uncaught", findings=tuple(uncaught)),
                Section(title="Caught raises", kind="caught", findings=tuple(caught)),
                Section(title="Handlers", kind="handlers", findings=tuple(sites.handlers),
                        notes=("bare, broad (Exception/BaseException) and empty handlers "
                               "are warnings",))]
    if unjudged:
        sections.append(Section(title="Raises not judged", kind="unjudged",
                                findings=tuple(unjudged),
                                notes=("the file does not parse with the running Python",)))
    return Outcome(key_findings=tuple(_escapes(uncaught)), sections=tuple(sections),
                   summary=_summary(sites, len(uncaught), len(caught)))


def _escapes(uncaught: list[Finding]) -> list[Finding]:
    """One key finding per raised type that escapes, at its first uncaught site."""
    from cq.findings import make_finding

    groups: dict[str, list[Finding]] = {}
    for finding in uncaught:
        label = ", ".join(finding.details["raised"]) or "(unknown re-raise)"
        groups.setdefault(label, []).append(finding)
    found = []
    for label, group in groups.items():
        functions = sorted({f.details["function"] or "<module>" for f in group})
        details = {"exc_type": label, "sites": len(group), "functions": functions,
                   "files": len({f.anchor.file for f in group if f.anchor}),
                   "evidence": group[0].details["evidence"]}
        found.append(make_finding(
            "raise", group[0].anchor, details,
            message=f"{label} escapes uncaught from {len(group)} site(s) in "
                    f"{len(functions)} function(s)"))
    return found


def _summary(sites: Sites, uncaught: int, caught: int) -> dict[str, Any]:
    raised = Counter(f.details["exc_type"] or "(re-raise)" for f in sites.raises)
    handled = Counter(t for f in sites.handlers for t in f.details["types"] or ["(bare)"])

    def count(key: str) -> int:
        return sum(1 for f in sites.handlers if f.details[key])

    return {"raises": len(sites.raises), "handlers": len(sites.handlers),
            "uncaught": uncaught, "caught": caught,
            "unjudged": len(sites.raises) - uncaught - caught,
            "by_raised_type": dict(sorted(raised.items())),
            "by_caught_type": dict(sorted(handled.items())),
            "bare": count("bare"), "broad": count("broad"), "empty": count("empty"),
            "reraises": count("reraises"), "star": count("star"),
            "files": len({f.anchor.file for f in [*sites.raises, *sites.handlers]
                          if f.anchor})}


def prepare(args: Args, settings: Settings) -> MacroJob:
    function = args["function"]
    if function is not None:
        function = _check_function(function)

    def compute(source: FactSource, discovery: Discovery) -> Outcome:
        return outcome(collect(source, function))

    plan = ("raise and except facts; try nesting from ast",
            f"inside {function}" if function else "every file with raise or except")
    return MacroJob(compute=compute, plan=plan)


def _check_function(text: str) -> str:
    from cq.errors import BadInputError
    from cq.macros.scopes import SYMBOL_HINT, is_path, parse_target

    if is_path(text):
        raise BadInputError(f"exceptions: --function takes a symbol, not a path: {text!r}",
                            hint=SYMBOL_HINT)
    return parse_target("exceptions", text, Path(".")).text  # a symbol: checks its spelling


MACRO = Macro(
    name="exceptions",
    help="Raise and catch sites: types raised and caught, bare/broad/empty handlers, "
         "re-raises, except*, and raises no handler in the same function catches.",
    options=(Option("function", "Only sites inside this def (a name, Class.method or a "
                                "dotted full name), nested defs included."),),
    prepare=prepare,
)
