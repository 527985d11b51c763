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

Each handler says what it does with the exception (`details.kind`, `cq.analysis.handlers`):
`reraise`, `translate`, `log`, `return_default`, `other` or `swallow`; the summary counts
them (`by_kind`, and a note Markdown shows). A swallowing handler is a warning too.

`--function F` (a name, `Class.method` or a dotted full name, as for `cq scopes`;
`cq.macros.target`) keeps the
sites inside F's body, nested defs included; F not found is bad input. `--kind K[,K…]` makes
the answer the handlers of those kinds (raises are left out; `by_kind` still counts every
handler in scope); an unknown kind is bad input.
"""

from __future__ import annotations

import msgspec

from cq.details import HANDLER_KINDS
from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.macros.target import check_symbol
from cq.resultfilter import parse_choices
from cq.settings import Settings


class ExceptionsParams(msgspec.Struct, frozen=True):
    function: str | None = None
    kinds: tuple[str, ...] = ()  # empty: every handler, and the raises


def parse_kinds(text: str | None) -> tuple[str, ...]:
    """`--kind log,swallow` → the kinds in precedence order; an unknown one is bad input."""
    return parse_choices("--kind", text, HANDLER_KINDS)


def prepare(args: Args, settings: Settings) -> MacroJob:
    function = args["function"]
    if function is not None:
        function = check_symbol("exceptions", "--function", function)
    kinds = parse_kinds(args["kind"])
    plan = ("raise and except facts; try nesting from ast; handler bodies from ast",
            f"inside {function}" if function else "every file with raise or except",
            *([f"handlers that {'/'.join(kinds)}"] if kinds else []))
    return MacroJob(params=ExceptionsParams(function, kinds), plan=plan)


MACRO = Macro(
    name="exceptions",
    help="Raise and catch sites: types raised and caught, bare/broad/empty handlers, "
         "re-raises, except*, and raises no handler in the same function catches.\n\n"
         "Each handler has a kind, the first that applies of: reraise (bare raise or raise "
         "of the bound name), translate (raises another exception), log (logs and goes on), "
         "return_default (returns or binds a value and goes on), other (does something "
         "else and goes on), swallow (pass, ..., continue: nothing).",
    options=(Option("function", "Only sites inside this def (a name, Class.method or a "
                                "dotted full name), nested defs included."),
             Option("kind", "Only handlers of these kinds (comma-separated), raises left out: "
                            + ", ".join(HANDLER_KINDS) + ".")),
    headline=(("raises", "raise", "raises"), ("uncaught", "uncaught", "uncaught"),
              ("handlers", "handler", "handlers"), ("broad", "broad", "broad"),
              ("bare", "bare", "bare"), ("empty", "empty", "empty")),
    counts=(("handlers by kind", "summary:by_kind"), ("raised by type", "exc_type")),
    prepare=prepare,
)
