"""`cq scopes TARGET`: closures — the free, cell, nonlocal and declared-global names of every
function scope, from the stdlib `symtable` (through `cq.analysis.scopes`).

TARGET is a path or a symbol (`cq.macros.target`). Only def scopes are listed, one finding per
function or method at its `def` line: lambdas, comprehensions and class bodies have no
definition to anchor them; what they capture shows as cells of the enclosing def. The key
findings are the scopes with a free, cell, nonlocal or declared-global name, in source order;
the others are the section "Scopes without closure variables". A file that does not compile
has no scopes and is listed under the files not analysed (the answer is then partial).
"""

from __future__ import annotations

from pathlib import Path

from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.macros.target import PYTHON, parse_target
from cq.settings import Settings


def prepare(args: Args, settings: Settings) -> MacroJob:
    target = parse_target("scopes", args["target"], Path(settings.root))
    plan = (f"scopes of {target.describe()}", f"symtable of {PYTHON}")
    return MacroJob(params=target, plan=plan)


MACRO = Macro(
    name="scopes",
    help="Closures: free, cell and nonlocal variables of each function scope (symtable).\n\n"
         "TARGET is a path (with / or ending in .py, relative to the working directory "
         "inside the root; a directory covers its files) or a symbol: a def or class "
         "name, Class.method or a dotted full name (its nested defs included). One "
         "finding per function or method; lambdas and comprehensions show as cells of "
         "their def.",
    options=(Option("target", "A path (with / or ending in .py) or a symbol.", required=True,
                    positional=True),),
    counts=(("scopes by kind", "kind"),),
    headline=(("scopes", "function scope", "function scopes"),
              ("closures", "closure", "closures"), ("with_cells", "with cells", "with cells")),
    prepare=prepare,
)
