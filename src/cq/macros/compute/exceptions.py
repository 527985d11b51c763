"""`cq exceptions` on a cache miss: every raise and handler in scope (or inside `--function`),
judged by `cq.analysis.exceptions`, each handler's kind by `cq.analysis.handlers` (the answer
is described in `cq.macros.exceptions`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import msgspec

from cq.analysis.exceptions import (
    BROAD,
    FileRaises,
    Guards,
    Hierarchy,
    file_guards,
    judge,
    last,
)
from cq.analysis.handlers import handler_kinds
from cq.analysis.sourcefile import text_of, tree_of
from cq.analysis.targets import find_defs, inside
from cq.details import HANDLER_KINDS, CatchDetails, HandlerKind, RaiseDetails
from cq.discover import Discovery
from cq.errors import BadInputError
from cq.facts import Def, Except, FileFacts, Raise
from cq.findings import anchor_of, details_of, make_finding
from cq.funcspec import SYMBOL_HINT
from cq.index.source import FactSource
from cq.macros.exceptions import ExceptionsParams
from cq.modules import full_name
from cq.result import Finding, Section, finding_order
from cq.runner import Outcome
from cq.settings import Settings


def compute(params: ExceptionsParams, source: FactSource, discovery: Discovery,
            settings: Settings) -> Outcome:
    sites = collect(source, params.function)
    if params.kinds:
        return handlers_outcome(sites, params.kinds, len(source.files))
    return outcome(sites, len(source.files))


# --- findings -------------------------------------------------------------------------------


class Sites(msgspec.Struct, frozen=True):
    raises: list[Finding]
    handlers: list[Finding]


def _file_sites(source: FactSource, facts: FileFacts, owners: tuple[Def, ...] | None,
                hierarchy: Hierarchy) -> Sites:
    raises = [r for r in facts.raises
              if owners is None or any(inside(r.enclosing, r.span, d) for d in owners)]
    excepts = [e for e in facts.excepts
               if owners is None or any(inside(e.enclosing, e.span, d) for d in owners)]
    names = FileRaises(facts)
    kinds = _kinds(source, facts, excepts)
    return Sites(
        raises=[_raise_finding(names, site, found, hierarchy)
                for site, found in zip(raises, _guards(source, facts, raises), strict=True)],
        handlers=[_catch_finding(facts, site, kind)
                  for site, kind in zip(excepts, kinds, strict=True)])


def _kinds(source: FactSource, facts: FileFacts,
           excepts: list[Except]) -> list[HandlerKind | None]:
    if not excepts:
        return []
    text = text_of(source, facts.path)
    return handler_kinds(excepts, text) if text is not None else [None] * len(excepts)


def _guards(source: FactSource, facts: FileFacts, raises: list[Raise]) -> list[Guards | None]:
    found = file_guards(facts, raises, lambda: text_of(source, facts.path) or "")
    if any(guards is None for guards in found):
        tree_of(source, facts.path)  # a file that does not parse is recorded as not analysed
    return found


def _function(facts: FileFacts, enclosing: str | None) -> str | None:
    return full_name(facts.module, enclosing) if enclosing else None


def _raise_finding(names: FileRaises, site: Raise, guards: Guards | None,
                   hierarchy: Hierarchy) -> Finding:
    facts = names.facts
    raised = names.raised_types(site)
    verdict = judge(raised, guards, hierarchy)
    details = RaiseDetails(
        exc_type=site.exc_type, message=site.message, bare=site.bare, cause=site.cause,
        function=_function(facts, site.enclosing), raised=raised,
        qualified=tuple(names.qualify(t) for t in raised), caught=verdict.caught,
        caught_by=verdict.by, evidence=verdict.evidence)
    what = ("re-raise " + (", ".join(raised) or "(unknown)") if site.bare
            else f"raise {site.exc_type}")
    where = f" in {site.enclosing}" if site.enclosing else " at module level"
    return make_finding("raise", anchor_of(facts.path, site.span), details, message=what + where)


def _catch_finding(facts: FileFacts, site: Except, kind: HandlerKind | None) -> Finding:
    broad = any(last(t) in BROAD for t in site.types)
    empty, reraises = site.body == "empty", site.body == "reraises"
    details = CatchDetails(
        types=site.types, kind=kind, bare=site.bare, broad=broad, star=site.star, empty=empty,
        reraises=reraises, alias=site.alias, function=_function(facts, site.enclosing),
        evidence="syntax")
    flags = [name for name, on in (("bare", site.bare), ("broad", broad), ("empty", empty),
                                   ("re-raises", reraises)) if on]
    head = ("except*" if site.star else "except") + (
        " " + ", ".join(site.types) if site.types else ":")
    does = f" → {kind}" if kind else ""
    warn = site.bare or broad or empty or kind == "swallow"
    return make_finding("catch", anchor_of(facts.path, site.span), details,
                        message=head + does + (f" [{', '.join(flags)}]" if flags else ""),
                        severity="warning" if warn else "info")


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
    return Sites(raises=sorted(raises, key=finding_order),
                 handlers=sorted(handlers, key=finding_order))


def _raise(finding: Finding) -> RaiseDetails:
    return details_of(finding, RaiseDetails)


def _files(source: FactSource,
           function: str | None) -> list[tuple[FileFacts, tuple[Def, ...] | None]]:
    if function is None:
        return [(facts, None) for facts in source.facts_for(["raise", "except"])]
    found = find_defs(source, function)
    if not found:
        raise BadInputError(f"exceptions: no definition named {function!r} in scope",
                            hint=SYMBOL_HINT)
    return [(source.facts_of(path), defs) for path, defs in found.items()]


def outcome(sites: Sites, files_in_scope: int) -> Outcome:
    uncaught = [f for f in sites.raises if _raise(f).caught is False]
    caught = [f for f in sites.raises if _raise(f).caught]
    unjudged = [f for f in sites.raises if _raise(f).caught is None]
    handlers = sorted(sites.handlers, key=lambda f: (f.severity != "warning", *finding_order(f)))
    sections = [
        Section(title="Uncaught raises", kind="uncaught", findings=tuple(uncaught)),
        Section(title="Caught raises", kind="caught", findings=tuple(caught)),
        Section(title="Handlers", kind="handlers", findings=tuple(handlers),
                notes=("bare, broad (Exception/BaseException), empty and swallowing handlers "
                       "are warnings, listed first",)),
        Section(title="Raises not judged", kind="unjudged", findings=tuple(unjudged),
                notes=("the file does not parse with the running Python",))]
    key = tuple(_escapes(uncaught))
    summary = _summary(sites, len(uncaught), len(caught))
    summary.update(matches=len(key), files_in_scope=files_in_scope)
    return Outcome(key_findings=key, sections=tuple(s for s in sections if s.findings),
                   summary=summary)


def handlers_outcome(sites: Sites, kinds: tuple[str, ...], files_in_scope: int) -> Outcome:
    """`--kind`: the handlers of those kinds are the answer; raises are left out."""
    kept = [f for f in sites.handlers if details_of(f, CatchDetails).kind in kinds]
    handlers = sorted(kept, key=lambda f: (f.severity != "warning", *finding_order(f)))
    section = Section(title="Handlers: " + ", ".join(kinds), kind="handlers",
                      findings=tuple(handlers),
                      notes=(f"{len(kept):,} of {len(sites.handlers):,} handlers in scope "
                             f"(--kind {','.join(kinds)}); warnings first",))
    by_kind = _by_kind(sites.handlers)
    summary = {"handlers": len(kept), "handlers_in_scope": len(sites.handlers),
               "kinds": list(kinds), "by_kind": by_kind,
               "matches": len(kept), "files_in_scope": files_in_scope,
               "files_with_matches": len({f.anchor.file for f in kept if f.anchor})}
    return Outcome(key_findings=(), sections=(section,) if kept else (), summary=summary)


def _by_kind(handlers: list[Finding]) -> dict[str, int]:
    """Handlers per kind, in precedence order; `unknown` for those that do not parse."""
    counted: Counter[str] = Counter(details_of(f, CatchDetails).kind or "unknown"
                                    for f in handlers)
    return {kind: counted[kind] for kind in (*HANDLER_KINDS, "unknown") if counted[kind]}




def _escapes(uncaught: list[Finding]) -> list[Finding]:
    """One key finding per raised type that escapes (named through the file's imports, so
    `errors.E` and `E` are one type), at its first uncaught site; the types escaping from
    the most sites first."""
    groups: dict[str, list[Finding]] = {}
    for finding in uncaught:
        label = ", ".join(_raise(finding).qualified) or "(unknown re-raise)"
        groups.setdefault(label, []).append(finding)
    found = []
    for label, group in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        functions = tuple(sorted({_raise(f).function or "<module>" for f in group}))
        details = RaiseDetails(exc_type=label, sites=len(group), functions=functions,
                               files=len({f.anchor.file for f in group if f.anchor}),
                               evidence=_raise(group[0]).evidence)
        found.append(make_finding(
            "raise", group[0].anchor, details,
            message=f"{label} escapes uncaught from {len(group)} site(s) in "
                    f"{len(functions)} function(s)"))
    return found


def _summary(sites: Sites, uncaught: int, caught: int) -> dict[str, Any]:
    raised = Counter(_raise(f).exc_type or "(re-raise)" for f in sites.raises)
    handlers = [details_of(f, CatchDetails) for f in sites.handlers]
    handled = Counter(t for h in handlers for t in h.types or ["(bare)"])

    def count(flag: Callable[[CatchDetails], bool]) -> int:
        return sum(1 for h in handlers if flag(h))

    return {"raises": len(sites.raises), "handlers": len(sites.handlers),
            "uncaught": uncaught, "caught": caught,
            "unjudged": len(sites.raises) - uncaught - caught,
            "by_raised_type": dict(sorted(raised.items())),
            "by_caught_type": dict(sorted(handled.items())),
            "bare": count(lambda h: h.bare), "broad": count(lambda h: h.broad),
            "empty": count(lambda h: h.empty), "reraises": count(lambda h: h.reraises),
            "star": count(lambda h: h.star), "by_kind": _by_kind(sites.handlers),
            "notes": [] if sites.handlers else ["no handlers"],
            "files_with_matches": len({f.anchor.file for f in [*sites.raises, *sites.handlers]
                                       if f.anchor})}


