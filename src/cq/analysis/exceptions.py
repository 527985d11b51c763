"""Is a raise caught? The try nesting around each raise and the exception hierarchy.

The facts hold raise and except sites but not which `try` holds which raise. `guards_of`
parses a file once with the stdlib `ast` and gives every raise the handlers of the `try`
statements whose body holds it, innermost first, up to its function (a class body runs
where it stands, so the tries around a class statement count). Handlers of `except*` count
like any other. A raise is paired with its fact by line and order within the line. The walk
visits statements only (a raise is a statement) with an explicit stack, so deeply nested
expressions cost nothing and cannot exhaust the recursion limit.

A raise is caught when every type it may raise has a catching handler (`judge`):
- what it raises is `FileRaises.raised_types`: its type, or the handled types for a
  re-raise; no type at all (a bare re-raise outside a typed handler) is `BaseException`;
- a handler catches a type when it is bare, names the type (last dotted segment), names
  `BaseException`, or names an ancestor (`Hierarchy`): built-in exceptions through their
  real MRO (a built-in's name always means the built-in), repo classes through their `bases`
  by simple name (every class of that name; a class whose chain leaves the repo is
  incomplete). `Exception` catches an incomplete or unknown type (a variable, a third-party
  class) unless a known ancestor is BaseException-only (`BASE_ONLY`).
A judgement made by exact name, a bare handler or no handler at all has evidence `ast`; one
that needed the hierarchy or a guess has evidence `name`; a file that does not parse leaves
its raises unjudged (`caught` None, evidence `syntax`) — the macro parses only files with an
`except` clause, as elsewhere nothing can catch.
"""

from __future__ import annotations

import ast
import builtins
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING

import msgspec

from cq.facts import Def, Except, FileFacts, Raise, within
from cq.parsing import ParseFailure, parse_module

if TYPE_CHECKING:
    from cq.index.source import FactSource

BROAD = frozenset({"Exception", "BaseException"})
BASE_ONLY = frozenset({"BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit",
                       "BaseExceptionGroup"})
UNKNOWN = "BaseException"  # what a re-raise of an unknown exception may be
MAX_DEPTH = 30  # base-class chain followed at most this far


def last(text: str) -> str:
    """The simple name of a type as written: `pkg.Error[int]` → `Error`."""
    return text.split("[", 1)[0].strip().rsplit(".", 1)[-1]


class FileRaises:
    """One file's raise and except facts by enclosing def, and the names its imports and
    classes bind: built once per file, so judging every raise of a file of thousands of defs
    costs each raise its own def's handlers, not the whole file's."""

    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.raises: dict[str | None, list[Raise]] = {}
        self.handlers: dict[str | None, list[Except]] = {}
        for site in facts.raises:
            self.raises.setdefault(site.enclosing, []).append(site)
        for handler in facts.excepts:
            self.handlers.setdefault(handler.enclosing, []).append(handler)
        self.bound = bindings(facts)
        self.classes = frozenset(d.qualname for d in facts.defs
                                 if d.kind == "class" and "." not in d.qualname)

    def handler(self, site: Raise) -> Except | None:
        """The innermost except clause of the same def that contains the raise."""
        around = [e for e in self.handlers.get(site.enclosing, ()) if within(site.span, e.span)]
        return max(around, key=lambda e: (e.span.line, e.span.col), default=None)

    def raised_types(self, site: Raise) -> tuple[str, ...]:
        """What a raise site raises: its type, or the handled types when it re-raises."""
        handler = self.handler(site)
        reraise = site.bare or (handler is not None and site.exc_type == handler.alias)
        if reraise:
            return handler.types if handler is not None else ()
        return (site.exc_type,) if site.exc_type else ()

    def qualify(self, text: str) -> str:
        """A raised type as the file names it: through its imports (`errors.AppError` after
        `from pkg import errors` is `pkg.errors.AppError`) or its own top-level classes; a
        builtin or anything else stays as written."""
        head, dot, rest = text.partition(".")
        if head in self.bound:
            return self.bound[head] + dot + rest
        if not dot and head in self.classes:
            module = self.facts.module
            return f"{module}.{head}" if module else head
        return text


def bindings(facts: FileFacts) -> dict[str, str]:
    """The names the file's imports bind, with what they stand for (`import a.b` binds `a`;
    `import a.b as m` binds `m` to `a.b`; `from m import f as g` binds `g` to `m.f`)."""
    bound: dict[str, str] = {}
    for fact in facts.imports:
        for name in fact.names:
            if fact.is_from and name.name != "*":
                bound[name.alias or name.name] = f"{fact.resolved or fact.module}.{name.name}"
            elif not fact.is_from:
                bound[name.alias or name.name.split(".")[0]] = (
                    name.name if name.alias else name.name.split(".")[0])
    return bound


# --- try nesting ---------------------------------------------------------------------------


class Guard(msgspec.Struct, frozen=True):
    """One handler of a try whose body holds a raise."""

    line: int
    types: tuple[str, ...] = ()  # last dotted segments; empty for a bare `except:`
    bare: bool = False


Guards = tuple[Guard, ...]
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _guard(handler: ast.ExceptHandler) -> Guard:
    if handler.type is None:
        return Guard(line=handler.lineno, bare=True)
    parts = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return Guard(line=handler.lineno, types=tuple(last(ast.unparse(p)) for p in parts))


def raise_guards(tree: ast.Module) -> dict[int, list[tuple[int, Guards]]]:
    """Every raise's guards (innermost try first), by line, as (column, guards) pairs."""
    found: dict[int, list[tuple[int, Guards]]] = {}
    todo: list[tuple[ast.stmt, Guards]] = [(node, ()) for node in tree.body]
    while todo:
        node, guards = todo.pop()
        if isinstance(node, ast.Raise):
            found.setdefault(node.lineno, []).append((node.col_offset, guards))
        todo.extend(_children(node, guards))
    return found


def _children(node: ast.stmt, guards: Guards) -> list[tuple[ast.stmt, Guards]]:
    """The statements nested in `node`, each with the guards it runs under."""
    if isinstance(node, _FUNCTIONS):
        return [(child, ()) for child in node.body]  # a def's body runs later, unguarded
    if isinstance(node, ast.Try | ast.TryStar):
        inner = tuple(_guard(h) for h in node.handlers) + guards
        after = [s for h in node.handlers for s in h.body] + node.orelse + node.finalbody
        return [(s, inner) for s in node.body] + [(s, guards) for s in after]
    blocks: list[ast.stmt] = [*getattr(node, "body", ()), *getattr(node, "orelse", ()),
                              *(s for case in getattr(node, "cases", ()) for s in case.body)]
    return [(s, guards) for s in blocks if isinstance(s, ast.stmt)]


def guards_of(text: str, raises: tuple[Raise, ...], offset: int = 0) -> list[Guards | None]:
    """Each raise fact's guards; None for all when the text does not parse. `text` starts
    at line `offset + 1` of the file (a function cut out of it)."""
    tree = parse_module(text)
    if isinstance(tree, ParseFailure):
        return [None] * len(raises)
    if offset:
        ast.increment_lineno(tree, offset)
    found = raise_guards(tree)
    by_line: dict[int, list[Raise]] = {}
    for site in raises:
        by_line.setdefault(site.span.line, []).append(site)
    paired: dict[int, Guards] = {}
    for line, sites in by_line.items():
        here = sorted(found.get(line, []), key=lambda pair: pair[0])
        if len(here) == len(sites):
            ordered = sorted(sites, key=lambda s: s.span.col)
            paired.update((id(site), guards) for site, (_, guards) in zip(ordered, here,
                                                                          strict=True))
    return [paired.get(id(site)) for site in raises]


Region = tuple[int, int]  # the lines of the function to parse; WHOLE: the file
WHOLE: Region = (0, 0)


def file_guards(facts: FileFacts, raises: list[Raise], read: Callable[[], str]
                ) -> list[Guards | None]:
    """Each raise's guards, parsing as little as possible. A raise no except clause can
    reach (none after it in its scope or, through class bodies, a scope around it) has no
    guards and needs no parse; the others are found by parsing the function around them
    (through class bodies), or the whole file for module-level code, for a file with
    syntax errors, or when cutting a function out fails."""
    regions = _regions(facts, raises)
    region_of = {id(site): region for site, region in zip(raises, regions, strict=True)}
    found: dict[int, Guards | None] = {}
    whole: list[Raise] = []
    text = read() if any(r is not None for r in regions) else ""
    for region in sorted({r for r in regions if r is not None and r != WHOLE}):
        inside = tuple(s for s in raises if region[0] <= s.span.line <= region[1])
        for site, guards in zip(inside, _cut_guards(text, region, inside), strict=True):
            if region_of[id(site)] == region:
                found[id(site)] = guards
                if guards is None:
                    whole.append(site)
    whole.extend(s for s, r in zip(raises, regions, strict=True)
                 if r == WHOLE or (r is not None and id(s) not in found))
    if whole:
        wanted = {id(site) for site in whole}
        found.update((id(site), guards) for site, guards in zip(
            raises, guards_of(text, tuple(raises)), strict=True) if id(site) in wanted)
    return [found.get(id(s)) if r is not None else () for s, r in zip(raises, regions,
                                                                      strict=True)]


def _cut_guards(text: str, region: Region, raises: tuple[Raise, ...]) -> list[Guards | None]:
    first, end = region
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return guards_of(textwrap.dedent("\n".join(lines[first - 1: end])), raises, first - 1)


def _regions(facts: FileFacts, raises: list[Raise]) -> list[Region | None]:
    """What to parse for each raise (None: nothing can guard it)."""
    if "partial" in facts.flags:
        return [WHOLE] * len(raises)
    defs: dict[str, list[Def]] = {}  # a qualname defined twice (if/else) has two defs
    for definition in facts.defs:
        defs.setdefault(definition.qualname, []).append(definition)
    handlers: dict[str | None, int] = {}  # scope -> line of its last except clause
    for site in facts.excepts:
        handlers[site.enclosing] = max(handlers.get(site.enclosing, 0), site.span.line)
    return [_region(site, defs, handlers) for site in raises]


def _region(site: Raise, defs: dict[str, list[Def]], handlers: dict[str | None, int]
            ) -> Region | None:
    scope, guarded, line = site.enclosing, False, site.span.line
    while True:
        guarded = guarded or handlers.get(scope, 0) > line
        around = next((d for d in defs.get(scope, ()) if d.span.line <= line <= d.span.end_line),
                      None) if scope is not None else None
        if around is None or around.kind != "class":
            break
        scope = around.enclosing
    if not guarded:
        return None
    if around is None:
        return WHOLE
    return (around.decorated_line or around.span.line, around.span.end_line)


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


# --- the verdict ---------------------------------------------------------------------------


class Judgement(msgspec.Struct, frozen=True):
    caught: bool | None
    by: tuple[int, ...] = ()  # the lines of the catching handlers
    evidence: str = "ast"


def judge(raised: tuple[str, ...], guards: Guards | None, hierarchy: Hierarchy) -> Judgement:
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


def _catcher(exc_type: str, guards: Guards, hierarchy: Hierarchy) -> tuple[int, bool] | None:
    """The first handler catching `exc_type` (its line, whether by exact name)."""
    for guard in guards:
        if guard.bare:
            return guard.line, True
        for handler in guard.types:
            caught, exact = hierarchy.catches(handler, last(exc_type))
            if caught:
                return guard.line, exact
    return None
