"""`cq sig-impact FUNC --to SIG` on a cache miss: every site of FUNC bound against SIG and the
current signature, in buckets (the answer is described in `cq.macros.sig_impact`)."""

from __future__ import annotations

from typing import Any

import msgspec

from cq.analysis.binding import Binding, Shape, bind
from cq.analysis.resolve import Site, Target, find_sites, find_targets, params_of
from cq.analysis.signature import format_params
from cq.details import SigSiteDetails
from cq.discover import Discovery
from cq.facts import Param
from cq.findings import anchor_of, details_of, make_finding
from cq.index.source import FactSource
from cq.macros.sig_impact import SigImpactJob
from cq.result import Finding, Section
from cq.runner import Outcome
from cq.score import EVIDENCE
from cq.settings import Settings

BUCKETS = ("would_break", "ambiguous", "ok")
SEVERITY = {"would_break": "error", "ambiguous": "warning", "ok": "info"}
SELF_NAMES = ("self", "cls")
PREVIEW_WIDTH = 60  # characters of the arguments a site's message shows


def compute(job: SigImpactJob, source: FactSource, discovery: Discovery,
            settings: Settings) -> Outcome:
    return run_sig_impact(source, job.spec, job.new)


class _Subject(msgspec.Struct, frozen=True):
    """What one site is bound against: its target (None when none is known), the target's
    current params (None when unknown) and the new params as that target reads them."""

    target: Target | None
    current: tuple[Param, ...] | None
    new: tuple[Param, ...]


def run_sig_impact(source: FactSource, spec: str, new: tuple[Param, ...]) -> Outcome:
    targets = find_targets(source, spec)
    every = find_sites(source, spec, targets)
    sites = [s for s in every if s.tier != "excluded" and (s.targets or not targets)]
    subjects = {t.label: _subject(t, params_of(t, source), new) for t in targets}
    unknown = _Subject(None, None, new)
    binder = _Binder()
    findings = [_finding(binder, site, [subjects[label] for label in site.targets] or [unknown])
                for site in sites]
    groups = {b: tuple(f for f in findings if _sig(f).bucket == b
                       and not _broken_today(f)) for b in BUCKETS}
    groups["already_broken"] = tuple(f for f in findings if _broken_today(f))
    key = _ranked(groups["would_break"]) + groups["ambiguous"]
    summary = _summary(findings, subjects, new, len(key))
    summary.update({tier: sum(1 for s in every if s.tier == tier)
                    for tier in ("resolved", "possible", "excluded")})
    return Outcome(key_findings=key, sections=_sections(groups, subjects, spec, new),
                   summary=summary)


UNRESOLVED = "receiver not resolved"


def _ranked(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Surest first: resolved, then through self, then by name (stable: file order within)."""
    return tuple(sorted(findings, key=lambda f: -EVIDENCE.get(_sig(f).evidence or "", 0.0)))


def _broken_today(finding: Finding) -> bool:
    """A site that does not bind today either: the change does not break it (it is dead
    code, or the call reaches another definition of the name)."""
    return _sig(finding).bucket != "ok" and _sig(finding).current == "would_break"


def _subject(target: Target, current: tuple[Param, ...], new: tuple[Param, ...]) -> _Subject:
    known = current if current or target.definition.kind != "class" else None
    return _Subject(target, known, _as_defined(target, new))


def _takes_self(target: Target) -> bool:
    definition = target.definition
    if definition.kind == "class":
        return True
    decorators = {d.split("(")[0].rsplit(".", 1)[-1] for d in definition.decorators}
    return definition.kind == "method" and "staticmethod" not in decorators


def _as_defined(target: Target, new: tuple[Param, ...]) -> tuple[Param, ...]:
    """The new params as the definition would spell them: with `self` first for a method."""
    if not _takes_self(target):
        return new
    first = new[0] if new else None
    if first is not None and first.name in SELF_NAMES and first.kind in (
            "positional_only", "positional_or_keyword"):
        return new
    return (Param("self", "positional_or_keyword"), *new)


# -- one finding per site ---------------------------------------------------------------------

class _Binder:
    """`binding.bind`, memoised for the run: thousands of sites share a few shapes, and a
    name-only site of a common name reaches dozens of definitions."""

    def __init__(self) -> None:
        self._memo: dict[tuple[Shape, tuple[Param, ...], bool], Binding] = {}

    def bind(self, shape: Shape, params: tuple[Param, ...], bound_self: bool) -> Binding:
        key = (shape, params, bound_self)
        if key not in self._memo:
            self._memo[key] = bind(shape, params, bound_self)
        return self._memo[key]

    def today(self, shape: Shape, subject: _Subject, bound_self: bool) -> Binding | None:
        """The binding against the current params, None when they are unknown."""
        if subject.current is None:
            return None
        return self.bind(shape, subject.current, bound_self)


def _finding(binder: _Binder, site: Site, subjects: list[_Subject]) -> Finding:
    """The site bound against the first of its targets it binds to today (else the first):
    a name-only site reaching several definitions most likely calls the one it fits."""
    shape = Shape.from_call(site.call)
    subject, today = subjects[0], binder.today(shape, subjects[0], site.bound_self)
    for candidate in subjects:
        fits = binder.today(shape, candidate, site.bound_self)
        if fits is not None and fits.status == "ok":
            subject, today = candidate, fits
            break
    binding = _tiered(binder.bind(shape, subject.new, site.bound_self), site)
    details = _details(site, subject, binding, today)
    return make_finding("sig_site", anchor_of(site.path, site.call.span), details,
                        message=_message(site, binding, today),
                        severity=SEVERITY[binding.status])


def _tiered(binding: Binding, site: Site) -> Binding:
    """A possible site (its receiver not resolved) that would break is only ambiguous: it
    may not call the target at all."""
    if site.tier != "possible" or binding.status != "would_break":
        return binding
    return msgspec.structs.replace(binding, status="ambiguous",
                                   reason=f"{UNRESOLVED}; {binding.reason}")


def _details(site: Site, subject: _Subject, binding: Binding,
             today: Binding | None) -> SigSiteDetails:
    call = site.call
    return SigSiteDetails(
        bucket=binding.status, reason=binding.reason, slots=dict(binding.slots),
        callee=call.callee, caller=site.caller, preview=call.preview,
        evidence=("dynamic" if binding.status == "ambiguous" and site.tier != "possible"
                  else site.evidence),
        current=today.status if today else "unknown",
        current_reason=today.reason if today is not None and today.status != "ok" else None,
        n_positional=call.n_positional, keywords=call.keywords, star_args=call.star_args,
        star_kwargs=call.star_kwargs, bound_self=site.bound_self, targets=site.targets,
        target=subject.target.label if subject.target else None, tier=site.tier)


def _sig(finding: Finding) -> SigSiteDetails:
    return details_of(finding, SigSiteDetails)


def _message(site: Site, binding: Binding, today: Binding | None) -> str:
    call = site.call
    preview = " ".join(call.preview.split())
    short = preview if len(preview) <= PREVIEW_WIDTH else preview[:PREVIEW_WIDTH - 1] + "…"
    head = f"{call.callee}({short})"
    if binding.status == "ok":
        text = f"{head} binds under the new signature"
    else:
        text = f"{head} {binding.status.replace('_', ' ')}: {binding.reason}"
    if today is not None and today.status == "would_break":
        text += " (already breaks today)"
    return text


# -- the answer's frame -----------------------------------------------------------------------

def _sections(groups: dict[str, tuple[Finding, ...]], subjects: dict[str, _Subject],
              spec: str, new: tuple[Param, ...]) -> tuple[Any, ...]:
    notes = [f"{label}: current ({_current_text(s)}), new ({_format(s.new)})"
             for label, s in subjects.items()]
    if not subjects:
        notes.append(f"no definition of {spec} found: sites matched by name only, "
                     f"new ({_format(new)})")
    broken = groups["already_broken"]
    today = (Section(title="Already failing today", kind="already_broken", findings=broken,
                     notes=("these sites do not bind to the current signature either: "
                            "dead code, or calls of another definition of the name",)),)
    return (*(today if broken else ()), Section(title="OK", kind="ok", findings=groups["ok"]),
            Section(title="Signatures", kind="signatures", notes=tuple(notes)))


def _summary(findings: list[Finding], subjects: dict[str, _Subject],
             new: tuple[Param, ...], matches: int) -> dict[str, Any]:
    counts = {b: sum(1 for f in findings if _sig(f).bucket == b) for b in BUCKETS}
    olds = {f"({_current_text(s)})" for s in subjects.values()}
    old = olds.pop() if len(olds) == 1 else "; ".join(
        f"{label}({_current_text(s)})" for label, s in subjects.items())
    today = sum(1 for f in findings if _sig(f).current == "would_break")
    return {**counts, "sites": len(findings), "matches": matches,
            "notes": [_counts_note(findings, counts)],
            "files_with_calls": len({f.anchor.file for f in findings if f.anchor}),
            "breaks_today": today,
            "old_signature": old or None, "new_signature": f"({_format(new)})",
            "targets": list(subjects)}


def _counts_note(findings: list[Finding], counts: dict[str, int]) -> str:
    """The answer in one line: `15 call sites: 0 would break, 0 ambiguous, 15 ok`."""
    broken = sum(1 for f in findings if _broken_today(f))
    already = ""
    if broken:
        already = f" ({broken} of them already fail{'s' if broken == 1 else ''} today)"
    plural = "" if len(findings) == 1 else "s"
    return (f"{len(findings)} call site{plural}: {counts['would_break']} would break{already}, "
            f"{counts['ambiguous']} ambiguous, {counts['ok']} ok")


def _current_text(subject: _Subject) -> str:
    return "unknown" if subject.current is None else _format(subject.current)


def _format(params: tuple[Param, ...]) -> str:
    return format_params(params)


