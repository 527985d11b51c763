"""`cq calls FUNC`: every call site of FUNC with its argument shape.

FUNC is a name (`join`), `Class.method` or a dotted module path (`pkg.mod.func`); which sites
match is `cq.analysis.resolve`'s rule (a bare name: every call whose callee's last segment is
the name; a dotted FUNC: the sites that may reach its definitions). Files are prefiltered by
the name, so only files containing it are loaded.

The result:
- key findings: one `call_site` per site, anchored at the call's first line, with its
  shape (positional count, keywords, `*`/`**`), calling context, targets (or `external`,
  the name outside the repository it resolves to), evidence and a three-line source snippet
  (the call line and one line either side); the message shows the call's arguments;
- section "Signatures": one `definition` finding per target, with its signature (a class's
  also shows the `__init__` a call binds);
- sections "Resolved to", "Argument shapes", "Keyword usage" and "Calling contexts": counts
  over the sites. They summarise findings already listed, so they are notes (one line per
  row, most frequent first) rather than findings; the same counts are in the summary as
  `resolved_to`, `shapes`, `keywords` and `contexts` ({row: count}). "Resolved to" counts
  each site once per target it reaches; a site resolved through no receiver is counted
  under NAME_ONLY.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cq.discover import Discovery
from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.runner import Outcome
from cq.settings import Settings

if TYPE_CHECKING:
    from cq.analysis.resolve import Site, Target
    from cq.index.source import FactSource
    from cq.result import Finding, Section

SNIPPET_CONTEXT = 1  # lines shown before and after the call's first line
PREVIEW_WIDTH = 60  # characters of the arguments a site's message shows
NAME_ONLY = "name only (receiver not resolved)"  # the "Resolved to" row of name-only sites


def prepare(args: Args, settings: Settings) -> MacroJob:
    from cq.analysis.funcspec import check_spec

    spec = check_spec(args["target"])

    def compute(source: FactSource, discovery: Discovery) -> Outcome:
        return calls_outcome(source, spec)

    plan = (f"prefilter files by the name {spec.rsplit('.', 1)[-1]!r}",
            f"resolve the definitions and call sites of {spec}")
    return MacroJob(compute=compute, plan=plan)


def calls_outcome(source: FactSource, spec: str) -> Outcome:
    """The whole answer for one FUNC over a FactSource."""
    from cq.analysis.resolve import find_sites, find_targets, site_names

    targets = find_targets(source, spec)
    sites = find_sites(source, spec, targets)
    scanned = len(source.facts_for(site_names(spec, targets)))
    lines = _read_lines(Path(source.session.root), sorted({s.path for s in sites}))
    key = tuple(_site_finding(site, lines.get(site.path, [])) for site in sites)
    sections = (_signatures(source, targets), *_count_sections(sites))
    return Outcome(key_findings=key, sections=sections,
                   summary=_summary(spec, source, sites, targets, scanned))


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


def _read_lines(root: Path, paths: list[str]) -> dict[str, list[str]]:
    """Each file with a site, read once, split at Python's line breaks."""
    found: dict[str, list[str]] = {}
    for path in paths:
        try:
            text = (root / path).read_bytes().decode("utf-8", errors="replace")
        except OSError:
            continue  # the snippet is a convenience; the site stands without it
        if "\r" in text:  # Python's line breaks are \n, \r\n and \r (splitlines knows more)
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        found[path] = text.split("\n")
    return found


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_WIDTH else flat[:PREVIEW_WIDTH - 1] + "…"


def _snippet(lines: list[str], line: int) -> tuple[int, str]:
    first = max(1, line - SNIPPET_CONTEXT)
    last = min(len(lines), line + SNIPPET_CONTEXT)
    return first, "\n".join(lines[first - 1:last])


def _site_finding(site: Site, lines: list[str]) -> Finding:
    from cq.findings import anchor_of, make_finding

    call = site.call
    first, snippet = _snippet(lines, call.span.line)
    details: dict[str, Any] = {
        "callee": call.callee, "name": call.name, "caller": site.caller,
        "targets": list(site.targets), "n_positional": call.n_positional,
        "keywords": list(call.keywords), "star_args": call.star_args,
        "star_kwargs": call.star_kwargs, "forwarding": call.star_args or call.star_kwargs,
        "preview": call.preview, "snippet": snippet, "snippet_line": first,
        "evidence": site.evidence, "bound_self": site.bound_self, "external": site.external,
    }
    where = call.enclosing or "<module>"  # the anchor names the file, so no module here
    message = f"{call.callee}({_short(call.preview)}) in {where}"
    return make_finding("call_site", anchor_of(site.path, call.span), details, message=message)


# --- sections ---------------------------------------------------------------------------


def _signatures(source: FactSource, targets: list[Target]) -> Section:
    from cq.result import Section

    findings = tuple(_definition_finding(source, target) for target in targets)
    notes = () if targets else ("no definition found in scope: sites are matched by name",)
    return Section(title="Signatures", kind="signatures", findings=findings, notes=notes)


def _definition_finding(source: FactSource, target: Target) -> Finding:
    from cq.analysis.resolve import params_of
    from cq.analysis.signature import format_params, signature
    from cq.findings import anchor_of, make_finding

    definition = target.definition
    details: dict[str, Any] = {
        "kind": definition.kind, "name": definition.name, "qualname": definition.qualname,
        "module": target.module, "label": target.label, "signature": signature(definition),
        "evidence": "syntax",
    }
    if definition.kind == "class":
        details["binds"] = f"{definition.name}({format_params(params_of(target, source))})"
    return make_finding("definition", anchor_of(target.path, definition.span), details,
                        message=f"{target.label}: {details['signature']}")


def _rows(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda row: (-row[1], row[0]))


def _resolved_to(site: Site) -> list[str]:
    if site.evidence == "name":
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
    from cq.result import Section

    counts = _counts(sites)
    return [Section(title=title, kind=kind,
                    notes=tuple(f"{row}: {n}" for row, n in _rows(counts[kind])))
            for kind, title in _SECTIONS]


def _summary(spec: str, source: FactSource, sites: list[Site], targets: list[Target],
             scanned: int) -> dict[str, Any]:
    from cq.analysis.signature import signature

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


MACRO = Macro(
    name="calls",
    help="Every call site of a function, with argument shapes and calling contexts.\n\n"
         "FUNC is a name (every call whose callee ends with it), Class.method or "
         "module.func (the sites that may reach those definitions: resolved through "
         "imports, aliases and the class hierarchy, or through an unknown receiver).",
    options=(Option("target", "the function: name, Class.method or module.func",
                    required=True, positional=True),),
    headline=(("matches", "call site", "call sites"),
              ("files_with_calls", "file with calls", "files with calls"),
              ("forwarding", "forwarding */**", "forwarding */**")),
    prepare=prepare,
)
