"""`cq sig-impact FUNC --to SIG`: which call sites of FUNC break under a new signature.

FUNC names definitions as `cq.analysis.resolve.find_targets` reads them; the call sites are
`find_sites`' (a site that resolves to some other definition is left out). Every site is bound
exactly like Python would (`cq.analysis.binding.bind`) against the NEW signature and, for
comparison, against the current one (`params_of`), so each finding says whether the site
binds today.

Methods and `self`: when a target is a method (not a staticmethod) or a class (whose call
binds `__init__`), SIG may be written like the definition, with `self`/`cls` first: a bound
site (`obj.m()`, `self.m()`, `cls.m()`, `Class(...)`) supplies it implicitly and
`Class.m(obj, ...)` passes it explicitly. When SIG's first parameter is not named
self/cls, SIG is read as seen by a bound caller: an implicit `self` is put in front of it.

A site reaching several targets (a name-only match) is bound against the first target it
binds to today, else the first.

Buckets: "would_break" (no content of the site's `*`/`**` arguments can make it bind),
"ambiguous" (the site forwards `*args`/`**kwargs` and some content binds; evidence
"dynamic") and "ok". Key findings are the sites the change breaks: would_break (surest
evidence first), then ambiguous (`summary.matches` counts them). A site that does not bind
to the current signature either is not broken by the change (dead code, or a call of
another definition of the name): it goes to the "Already failing today" section (present
only when not empty). The "OK" section lists the rest; the "Signatures" section notes each
target's current signature and the new one. One `sig_site` finding per site; the summary
counts per bucket cover every site, and its note says the answer in one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from cq.errors import BadInputError
from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.runner import Outcome
from cq.settings import Settings

if TYPE_CHECKING:
    from cq.analysis.binding import Binding, Shape
    from cq.analysis.resolve import Site, Target
    from cq.discover import Discovery
    from cq.facts import Param
    from cq.index.source import FactSource
    from cq.result import Finding

BUCKETS = ("would_break", "ambiguous", "ok")
SEVERITY = {"would_break": "error", "ambiguous": "warning", "ok": "info"}
SELF_NAMES = ("self", "cls")
PREVIEW_WIDTH = 60  # characters of the arguments a site's message shows


def prepare(args: Args, settings: Settings) -> MacroJob:
    from cq.analysis.binding import parse_signature
    from cq.analysis.funcspec import check_spec

    spec = check_spec(args["target"])
    try:
        new = parse_signature(args["to"])
    except BadInputError as error:
        raise BadInputError(f"sig-impact: --to: {error.message}", hint=error.hint) from None

    def compute(source: FactSource, discovery: Discovery) -> Outcome:
        return run_sig_impact(source, spec, new)

    plan = (f"definitions and call sites of {spec}",
            f"bind every site against {str(args['to']).strip()} and the current signature")
    return MacroJob(compute=compute, plan=plan, canonical=msgspec.json.encode(new).decode())


class _Subject(msgspec.Struct, frozen=True):
    """What one site is bound against: its target (None when none is known), the target's
    current params (None when unknown) and the new params as that target reads them."""

    target: Target | None
    current: tuple[Param, ...] | None
    new: tuple[Param, ...]


def run_sig_impact(source: FactSource, spec: str, new: tuple[Param, ...]) -> Outcome:
    from cq.analysis.resolve import find_sites, find_targets, params_of

    targets = find_targets(source, spec)
    sites = [s for s in find_sites(source, spec, targets) if s.targets or not targets]
    subjects = {t.label: _subject(t, params_of(t, source), new) for t in targets}
    unknown = _Subject(None, None, new)
    binder = _Binder()
    findings = [_finding(binder, site, [subjects[label] for label in site.targets] or [unknown])
                for site in sites]
    groups = {b: tuple(f for f in findings if f.details["bucket"] == b
                       and not _broken_today(f)) for b in BUCKETS}
    groups["already_broken"] = tuple(f for f in findings if _broken_today(f))
    key = _ranked(groups["would_break"]) + groups["ambiguous"]
    return Outcome(key_findings=key, sections=_sections(groups, subjects, spec, new),
                   summary=_summary(findings, subjects, new, len(key)))


def _ranked(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Surest first: resolved, then through self, then by name (stable: file order within)."""
    from cq.score import EVIDENCE

    return tuple(sorted(findings, key=lambda f: -EVIDENCE.get(f.details["evidence"], 0.0)))


def _broken_today(finding: Finding) -> bool:
    """A site that does not bind today either: the change does not break it (it is dead
    code, or the call reaches another definition of the name)."""
    return finding.details["bucket"] != "ok" and finding.details["current"] == "would_break"


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
    from cq.facts import Param

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
        from cq.analysis.binding import bind

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
    from cq.analysis.binding import Shape
    from cq.findings import anchor_of, make_finding

    shape = Shape.from_call(site.call)
    subject, today = subjects[0], binder.today(shape, subjects[0], site.bound_self)
    for candidate in subjects:
        fits = binder.today(shape, candidate, site.bound_self)
        if fits is not None and fits.status == "ok":
            subject, today = candidate, fits
            break
    binding = binder.bind(shape, subject.new, site.bound_self)
    details = _details(site, subject, binding, today)
    return make_finding("sig_site", anchor_of(site.path, site.call.span), details,
                        message=_message(site, binding, today),
                        severity=SEVERITY[binding.status])


def _details(site: Site, subject: _Subject, binding: Binding,
             today: Binding | None) -> dict[str, Any]:
    call = site.call
    details: dict[str, Any] = {
        "bucket": binding.status, "reason": binding.reason, "slots": dict(binding.slots),
        "callee": call.callee, "caller": site.caller, "preview": call.preview,
        "evidence": "dynamic" if binding.status == "ambiguous" else site.evidence,
        "current": today.status if today else "unknown",
        "n_positional": call.n_positional, "keywords": list(call.keywords),
        "star_args": call.star_args, "star_kwargs": call.star_kwargs,
        "bound_self": site.bound_self, "targets": list(site.targets),
        "target": subject.target.label if subject.target else None,
    }
    if today is not None and today.status != "ok":
        details["current_reason"] = today.reason
    return details


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
    from cq.result import Section

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
    counts = {b: sum(1 for f in findings if f.details["bucket"] == b) for b in BUCKETS}
    olds = {f"({_current_text(s)})" for s in subjects.values()}
    old = olds.pop() if len(olds) == 1 else "; ".join(
        f"{label}({_current_text(s)})" for label, s in subjects.items())
    today = sum(1 for f in findings if f.details["current"] == "would_break")
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
    from cq.analysis.signature import format_params

    return format_params(params)


MACRO = Macro(
    name="sig-impact",
    help="Which call sites break under a new signature: would_break, ambiguous or ok.\n\n"
         "Binds every call site of FUNC against --to exactly like Python would "
         "(positional-only, keyword-only, defaults, *args, **kwargs, self) and against the "
         "current signature. For a method, write --to like the definition, with self/cls "
         "first (bound calls supply it); without self/cls first, --to is read as seen by "
         "obj.method() callers. For a class, --to is its __init__'s signature. Sites that "
         "forward *args/**kwargs are ambiguous unless no content could make them bind.",
    options=(
        Option("target", "The function: a name, Class.method or a dotted full name.",
               required=True, positional=True),
        Option("to", 'The new signature, e.g. "f(a, /, b, *, c=1)" or "(self, amount, *, '
                     'note=None)".', required=True),
    ),
    headline=(("would_break", "would break", "would break"),
              ("ambiguous", "ambiguous", "ambiguous"), ("ok", "ok", "ok"),
              ("breaks_today", "already failing", "already failing")),
    prepare=prepare,
)
