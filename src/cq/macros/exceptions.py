"""`cq exceptions [--function F]`: raise and catch sites, and which raises escape their function.

Sites come from the facts (`Raise`, `Except`); whether a raise is caught is
`cq.analysis.exceptions` (the try nesting from `ast`, parsing only the functions where a
handler can reach a raise; the exception hierarchy; the rules). What a re-raise raises is
`cq.analysis.exceptions.raised_types`.

Findings: the key findings name each raised type that escapes, once, at its first uncaught
site, the most frequent first (a type is named through the raising file's imports and
classes, details `qualified`: `errors.E` and `E` imported from the same module are one);
the sections list every uncaught raise, every caught raise, the handlers (bare, broad and
empty ones first, as warnings) and the raises not judged (their function does not parse).
Empty sections are left out.

`--function F` (a name, `Class.method` or a dotted full name, as for `cq scopes`;
`cq.macros.target`) keeps the
sites inside F's body, nested defs included; F not found is bad input.
"""

from __future__ import annotations

from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.macros.target import check_symbol
from cq.settings import Settings


def prepare(args: Args, settings: Settings) -> MacroJob:
    function = args["function"]
    if function is not None:
        function = check_symbol("exceptions", "--function", function)
    plan = ("raise and except facts; try nesting from ast",
            f"inside {function}" if function else "every file with raise or except")
    return MacroJob(params=function, plan=plan)


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
