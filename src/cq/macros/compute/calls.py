"""`cq calls FUNC` on a cache miss: the sites, their snippets, the signatures and the counts
(the answer's shape is described in `cq.macros.calls`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import msgspec

from cq.analysis.resolve import Site, Target, find_sites, find_targets, params_of, site_names
from cq.analysis.signature import format_params, param_names, signature
from cq.analysis.sourcefile import lines_of, text_of
from cq.details import DefinitionDetails
from cq.discover import Discovery
from cq.excerpts import clip_lines
from cq.findings import anchor_of, call_details, make_finding
from cq.gcpause import gc_paused
from cq.index.source import FactSource
from cq.result import Finding, Section
from cq.runner import Outcome
from cq.settings import Settings

SNIPPET_CONTEXT = 1  # lines shown before and after the call's first line
SNIPPET_WIDTH = 120  # characters of each snippet line, around the call's column
PREVIEW_WIDTH = 60  # characters of the arguments a site's message shows
NAME_ONLY = "name only (receiver not resolved)"  # the "Resolved to" row of name-only sites
TIERS = ("resolved", "possible", "excluded")
# The parts resolution reads: the sites (calls), what names mean (imports, and the module
# assignments aliases and receiver inference look at). Raises and excepts are never read,
# so they are neither extracted, stored nor decoded.
PARTS = ("calls", "imports", "assigns")


def compute(spec: str, source: FactSource, discovery: Discovery, settings: Settings) -> Outcome:
    source.narrow(PARTS)
    with gc_paused():  # see `find_sites`: what is built here holds no cycles either
        return calls_outcome(source, spec)


def calls_outcome(source: FactSource, spec: str) -> Outcome:
    """The whole answer for one FUNC over a FactSource."""
    targets = find_targets(source, spec)
    every = find_sites(source, spec, targets)
    sites = [s for s in every if s.tier != "excluded"]
    scanned = source.count_containing(site_names(spec, targets))
    lines = _read_lines(source, sorted({s.path for s in sites}))
    key = tuple(_site_finding(site, lines.get(site.path, [])) for site in sites)
    sections = (_signatures(source, targets), _tiers_section(every), *_count_sections(sites))
    summary = _summary(spec, source, sites, targets, scanned)
    summary.update(_tier_summary(every))
    return Outcome(key_findings=key, sections=sections, summary=summary)


# --- tiers ------------------------------------------------------------------------------


def tier_counts(sites: list[Site]) -> dict[str, int]:
    counts = Counter(s.tier for s in sites)
    return {tier: counts[tier] for tier in TIERS}


def _tiers_section(sites: list[Site]) -> Section:
    """How many sites each tier holds, and why the excluded ones were left out (counted)."""
    counts = tier_counts(sites)
    reasons = Counter(_reason_kind(s) for s in sites if s.tier == "excluded")
    notes = (*(f"{tier}: {counts[tier]}" for tier in TIERS),
             *(f"excluded, {why}: {n}" for why, n in _rows(reasons)))
    return Section(title="Tiers", kind="tiers", notes=notes)


def _reason_kind(site: Site) -> str:
    """The family an excluded site belongs to (its own reason is in JSON)."""
    if site.override:
        return "a subclass override"
    if site.external:
        return "a def outside the repository"
    if "defines no" in (site.reason or ""):
        return "the receiver has no such def"
    return "another def in the repository"


def _tier_summary(sites: list[Site]) -> dict[str, Any]:
    """The tier counts, and every excluded site (with its reason) for JSON readers."""
    excluded = [_excluded_row(s) for s in sites if s.tier == "excluded"]
    return {**tier_counts(sites), "excluded_sites": excluded,
            "via_override": [row for row in excluded if "override" in row]}


def _excluded_row(site: Site) -> dict[str, Any]:
    row: dict[str, Any] = {"file": site.path, "line": site.call.span.line,
                           "col": site.call.span.col, "callee": site.call.callee,
                           "caller": site.caller, "evidence": site.evidence,
                           "reason": site.reason or ""}
    if site.override:
        row["override"] = site.override
    if site.external:
        row["external"] = site.external
    return row


# --- sites ------------------------------------------------------------------------------


def shape_of(n_positional: int, keywords: tuple[str, ...], star_args: bool,
             star_kwargs: bool) -> str:
    """A call's argument shape as a histogram row: `2 positional + kw[sep] + **kwargs`."""
    parts = [f"{n_positional} positional"]
    if keywords:
        parts.append(f"kw[{','.join(sorted(keywords))}]")
    if star_args:
        parts.append("*args")
    if star_kwargs:
        parts.append("**kwargs")
    return " + ".join(parts)


def _site_shape(site: Site) -> str:
    call = site.call
    return shape_of(call.n_positional, call.keywords, call.star_args, call.star_kwargs)


def _read_lines(source: FactSource, paths: list[str]) -> dict[str, list[str]]:
    """Each file with a site, read once through the session, split at Python's line breaks."""
    found: dict[str, list[str]] = {}
    for path in paths:
        text = text_of(source, path)
        if text is not None:  # the snippet is a convenience; the site stands without it
            found[path] = lines_of(text)
    return found


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_WIDTH else flat[:PREVIEW_WIDTH - 1] + "…"


def _snippet(lines: list[str], line: int, col: int) -> tuple[int, str]:
    """The call's line and one either side, each clipped around the call's column."""
    first = max(1, line - SNIPPET_CONTEXT)
    last = min(len(lines), line + SNIPPET_CONTEXT)
    return first, clip_lines(lines[first - 1:last], col, SNIPPET_WIDTH)


def _site_finding(site: Site, lines: list[str]) -> Finding:
    call = site.call
    first, snippet = _snippet(lines, call.span.line, call.span.col)
    details = msgspec.structs.replace(
        call_details(call), caller=site.caller, targets=tuple(site.targets),
        snippet=snippet, snippet_line=first, evidence=site.evidence,
        bound_self=site.bound_self, external=site.external, tier=site.tier,
        reason=site.reason)
    where = call.enclosing or "<module>"  # the anchor names the file, so no module here
    message = f"{call.callee}({_short(call.preview)}) in {where}"
    return make_finding("call_site", anchor_of(site.path, call.span), details, message=message)


# --- sections ---------------------------------------------------------------------------


def _signatures(source: FactSource, targets: list[Target]) -> Section:
    findings = tuple(_definition_finding(source, target) for target in targets)
    notes = () if targets else ("no definition found in scope: sites are matched by name",)
    return Section(title="Signatures", kind="signatures", findings=findings, notes=notes)


def _definition_finding(source: FactSource, target: Target) -> Finding:
    definition = target.definition
    binds = (f"{definition.name}({format_params(params_of(target, source))})"
             if definition.kind == "class" else None)
    details = DefinitionDetails(
        kind=definition.kind, name=definition.name, qualname=definition.qualname,
        module=target.module, label=target.label, signature=signature(definition),
        binds=binds, bases=definition.bases, params=param_names(definition.params),
        evidence="syntax")
    return make_finding("definition", anchor_of(target.path, definition.span), details,
                        message=f"{target.label}: {details.signature}")


def _rows(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda row: (-row[1], row[0]))


def _resolved_to(site: Site) -> list[str]:
    if site.tier == "possible":
        return [NAME_ONLY]
    return list(site.targets) or [site.external or NAME_ONLY]


def _counts(sites: list[Site]) -> dict[str, Counter[str]]:
    return {
        "resolved_to": Counter(row for s in sites for row in _resolved_to(s)),
        "shapes": Counter(_site_shape(s) for s in sites),
        "keywords": Counter(k for s in sites for k in s.call.keywords),
        "contexts": Counter(s.caller for s in sites),
    }


_SECTIONS = (("resolved_to", "Resolved to"), ("shapes", "Argument shapes"),
             ("keywords", "Keyword usage"), ("contexts", "Calling contexts"))


def _count_sections(sites: list[Site]) -> list[Section]:
    counts = _counts(sites)
    return [Section(title=title, kind=kind,
                    notes=tuple(f"{row}: {n}" for row, n in _rows(counts[kind])))
            for kind, title in _SECTIONS]


def _summary(spec: str, source: FactSource, sites: list[Site], targets: list[Target],
             scanned: int) -> dict[str, Any]:
    files = len({s.path for s in sites})
    summary: dict[str, Any] = {
        "matches": len(sites), "files_with_calls": files,
        "files_with_matches": files, "files_in_scope": len(source.files),
        "files_scanned": scanned,
        "forwarding": sum(1 for s in sites if s.call.star_args or s.call.star_kwargs),
        "targets": [t.label for t in targets],
        "signature": signature(targets[0].definition) if targets else None,
    }
    summary.update({kind: dict(_rows(counter)) for kind, counter in _counts(sites).items()})
    return summary


