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
binds to today, else the first. Sites come in `cq calls`' tiers: excluded sites are only
counted (`summary.excluded`); a possible site (its receiver not resolved) that would break is
"ambiguous", its reason starting "receiver not resolved".

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

import msgspec

from cq.errors import BadInputError
from cq.facts import Param
from cq.funcspec import check_spec
from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.settings import Settings
from cq.sigspec import parse_signature


class SigImpactJob(msgspec.Struct, frozen=True):
    spec: str  # FUNC, checked
    new: tuple[Param, ...]  # SIG, parsed


def prepare(args: Args, settings: Settings) -> MacroJob:
    spec = check_spec(args["target"])
    try:
        new = parse_signature(args["to"])
    except BadInputError as error:
        raise BadInputError(f"sig-impact: --to: {error.message}", hint=error.hint) from None
    plan = (f"definitions and call sites of {spec}",
            f"bind every site against {str(args['to']).strip()} and the current signature")
    return MacroJob(params=SigImpactJob(spec, new), plan=plan,
                    canonical=msgspec.json.encode(new).decode())


MACRO = Macro(
    name="sig-impact",
    help="Which call sites break under a new signature: would_break, ambiguous or ok.\n\n"
         "Binds every call site of TARGET against --to exactly like Python would "
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
    counts=(("sites by bucket", "bucket"),),
    prepare=prepare,
)
