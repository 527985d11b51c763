"""`cq exceptions [--function F]`: raise and catch sites, and which raises escape their function.

Sites come from the facts (`Raise`, `Except`); whether a raise is caught is
`cq.analysis.exceptions` (the try nesting from `ast`, parsing only the functions where a
handler can reach a raise; the exception hierarchy; the rules). What a re-raise raises is
`cq.query.joins.raised_types`.

Findings: the key findings name each raised type that escapes, once, at its first uncaught
site, the most frequent first (a type is named through the raising file's imports and
classes, details `qualified`: `errors.E` and `E` imported from the same module are one);
the sections list every uncaught raise, every caught raise, the handlers (bare, broad and
empty ones first, as warnings) and the raises not judged (their function does not parse).
Empty sections are left out.

`--function F` (a name, `Class.method` or a dotted full name, as for `cq scopes`) keeps the
sites inside F's body, nested defs included; F not found is bad input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.result import Finding

if TYPE_CHECKING:
    from cq.analysis.exceptions import Guards, Hierarchy
    from cq.discover import Discovery
    from cq.facts import Def, Except, FileFacts, Raise
    from cq.index.source import FactSource
    from cq.runner import Outcome
    from cq.settings import Settings


# --- findings -------------------------------------------------------------------------------


class Sites(msgspec.Struct, frozen=True):
    raises: list[Finding]
    handlers: list[Finding]


def _file_sites(source: FactSource, facts: FileFacts, owners: tuple[Def, ...] | None,
                hierarchy: Hierarchy) -> Sites:
    from cq.analysis.exceptions import bindings
    from cq.macros.scopes import inside

    raises = [r for r in facts.raises
              if owners is None or any(inside(r.enclosing, r.span, d) for d in owners)]
    excepts = [e for e in facts.excepts
               if owners is None or any(inside(e.enclosing, e.span, d) for d in owners)]
    return Sites(
        raises=[_raise_finding(facts, site, found, hierarchy, bindings(facts))
                for site, found in zip(raises, _guards(source, facts, raises), strict=True)],
        handlers=[_catch_finding(facts, site) for site in excepts])


def _guards(source: FactSource, facts: FileFacts, raises: list[Raise]) -> list[Guards | None]:
    from cq.analysis.exceptions import file_guards

    return file_guards(facts, raises, lambda: _text(source, facts.path))


def _text(source: FactSource, path: str) -> str:
    from cq.coding import decode_source

    data = source.session.text(path)
    return decode_source(data)[0] if data is not None else ""


def _function(facts: FileFacts, enclosing: str | None) -> str | None:
    from cq.modules import full_name

    return full_name(facts.module, enclosing) if enclosing else None


def _raise_finding(facts: FileFacts, site: Raise, guards: Guards | None,
                   hierarchy: Hierarchy, bound: dict[str, str]) -> Finding:
    from cq.analysis.exceptions import judge, qualify, raised_types
    from cq.findings import anchor_of, make_finding

    raised = raised_types(facts, site)
    verdict = judge(raised, guards, hierarchy)
    details: dict[str, Any] = {
        "exc_type": site.exc_type, "message": site.message, "bare": site.bare,
        "cause": site.cause, "function": _function(facts, site.enclosing),
        "raised": list(raised), "qualified": [qualify(facts, bound, t) for t in raised],
        "caught": verdict.caught, "caught_by": list(verdict.by),
        "evidence": verdict.evidence,
    }
    what = ("re-raise " + (", ".join(raised) or "(unknown)") if site.bare
            else f"raise {site.exc_type}")
    where = f" in {site.enclosing}" if site.enclosing else " at module level"
    return make_finding("raise", anchor_of(facts.path, site.span), details, message=what + where)


def _catch_finding(facts: FileFacts, site: Except) -> Finding:
    from cq.analysis.exceptions import BROAD, last
    from cq.findings import anchor_of, make_finding

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
    from cq.analysis.exceptions import Hierarchy

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


def outcome(sites: Sites, files_in_scope: int) -> Outcome:
    from cq.result import Section
    from cq.runner import Outcome

    uncaught = [f for f in sites.raises if f.details["caught"] is False]
    caught = [f for f in sites.raises if f.details["caught"]]
    unjudged = [f for f in sites.raises if f.details["caught"] is None]
    handlers = sorted(sites.handlers, key=lambda f: (f.severity != "warning", *_order(f)))
    sections = [
        Section(title="Uncaught raises", kind="uncaught", findings=tuple(uncaught)),
        Section(title="Caught raises", kind="caught", findings=tuple(caught)),
        Section(title="Handlers", kind="handlers", findings=tuple(handlers),
                notes=("bare, broad (Exception/BaseException) and empty handlers are "
                       "warnings, listed first",)),
        Section(title="Raises not judged", kind="unjudged", findings=tuple(unjudged),
                notes=("the file does not parse with the running Python",))]
    key = tuple(_escapes(uncaught))
    summary = _summary(sites, len(uncaught), len(caught))
    summary.update(matches=len(key), files_in_scope=files_in_scope)
    return Outcome(key_findings=key, sections=tuple(s for s in sections if s.findings),
                   summary=summary)


def _escapes(uncaught: list[Finding]) -> list[Finding]:
    """One key finding per raised type that escapes (named through the file's imports, so
    `errors.E` and `E` are one type), at its first uncaught site; the types escaping from
    the most sites first."""
    from cq.findings import make_finding

    groups: dict[str, list[Finding]] = {}
    for finding in uncaught:
        label = ", ".join(finding.details["qualified"]) or "(unknown re-raise)"
        groups.setdefault(label, []).append(finding)
    found = []
    for label, group in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
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
    from collections import Counter

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
            "files_with_matches": len({f.anchor.file for f in [*sites.raises, *sites.handlers]
                                       if f.anchor})}


def prepare(args: Args, settings: Settings) -> MacroJob:
    function = args["function"]
    if function is not None:
        function = _check_function(function)

    def compute(source: FactSource, discovery: Discovery) -> Outcome:
        return outcome(collect(source, function), len(source.files))

    plan = ("raise and except facts; try nesting from ast",
            f"inside {function}" if function else "every file with raise or except")
    return MacroJob(compute=compute, plan=plan)


def _check_function(text: str) -> str:
    from cq.errors import BadInputError
    from cq.macros.scopes import SYMBOL_HINT, is_path, parse_target

    if is_path(text):
        raise BadInputError(f"exceptions: --function takes a symbol, not a path: {text!r}",
                            hint=SYMBOL_HINT)
    from pathlib import Path

    return parse_target("exceptions", text, Path(".")).text  # a symbol: checks its spelling


MACRO = Macro(
    name="exceptions",
    help="Raise and catch sites: types raised and caught, bare/broad/empty handlers, "
         "re-raises, except*, and raises no handler in the same function catches.",
    options=(Option("function", "Only sites inside this def (a name, Class.method or a "
                                "dotted full name), nested defs included."),),
    headline=(("raises", "raise", "raises"), ("uncaught", "uncaught", "uncaught"),
              ("handlers", "handler", "handlers"), ("broad", "broad", "broad"),
              ("bare", "bare", "bare"), ("empty", "empty", "empty")),
    prepare=prepare,
)
