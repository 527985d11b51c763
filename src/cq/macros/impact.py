"""`cq impact FUNC --param P [--depth N]`: where a parameter's value flows.

FUNC names definitions as `cq.analysis.resolve.find_targets` reads them (a class stands for its
`__init__`); P must be a parameter of one of them, else bad input naming the valid ones (found
in compute, as it needs facts; nothing is cached then). The walk itself, which calls it
follows and which it does not, is `cq.analysis.flow`'s.

`--depth N` counts functions along a chain: 1 is FUNC alone, 2 (the default) adds its direct
callees, ...; 0 is bad input. Calls at the last level are not resolved (no `bound_to`).
Values FUNC returns are `return` sites; how callers use them is not followed — the callers
are listed instead.

Result: key findings are the sites inside FUNC (depth 1), then one section per deeper level
and one listing FUNC's callers in `cq calls`' tiers (resolved and possible, each `caller`
finding with its `tier`; excluded sites are left out). Each site is one `taint_site` finding
whose `evidence` is "ast" inside FUNC and, below, the weakest evidence of the hops that led
there. Calls the walk did not follow (a wide name-only fan-out) and files `ast` cannot parse
are summary notes.
"""

from __future__ import annotations

import msgspec

from cq.bounds import Bounds
from cq.errors import BadInputError
from cq.funcspec import check_spec
from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.settings import Settings


class ImpactJob(msgspec.Struct, frozen=True):
    spec: str  # FUNC, checked
    param: str
    depth: int

# --depth: each level follows the value into one more layer of callees; a walk rarely finds
# anything new after a handful of levels, so 50 is generous.
DEPTH = Bounds(1, 50)


def prepare(args: Args, settings: Settings) -> MacroJob:
    spec = check_spec(args["target"])
    param = str(args["param"]).strip()
    if not param.isidentifier():
        raise BadInputError(f"impact: --param {param!r} is not a parameter name",
                            hint="give the name of one of TARGET's parameters")
    depth = args["depth"]  # within DEPTH: checked with the other arguments
    plan = (f"definitions of {spec}", f"taint of parameter {param}, depth {depth}",
            f"callers of {spec}")
    return MacroJob(params=ImpactJob(spec, param, depth), plan=plan)


MACRO = Macro(
    name="impact",
    help="Where a parameter's value flows: assignments, calls (into callees), returns.\n\n"
         "Taint from --param through TARGET's body, then into the functions it passes the value "
         "to, up to --depth levels (1 = TARGET only).",
    options=(
        Option("target", "A function name, Class.method or a dotted full name.",
               required=True, positional=True),
        Option("param", "The parameter of TARGET whose value is followed.", required=True),
        Option("depth", "Levels of functions to follow (1 = TARGET only; default 2).",
               kind="int", default=2, bounds=DEPTH),
    ),
    counts=(("sites by kind", "kind"),),
    headline=(("sites", "taint site", "taint sites"), ("files_with_sites", "file", "files"),
              ("callers", "caller", "callers")),
    prepare=prepare,
)
