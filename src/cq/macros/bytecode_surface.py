"""`cq bytecode-surface TARGET [--show globals,attrs,constants,opcodes]`: what compiled code
touches, per code object — from `compile()` and `dis` (`cq.analysis.bytecode`), never executing.

TARGET is a path or a symbol (`cq.macros.target`). A path lists every code
object of its files: the module, class bodies, functions, lambdas and comprehensions (on
3.12+ list/set/dict comprehensions are inlined into their parent). A symbol lists the code
objects of the defs it names and of everything nested in them.

The parts, each shown only when `--show` names it (default: all four):
- globals: `{"read": [...], "written": [...]}`. A function reads with LOAD_GLOBAL and writes
  with STORE_GLOBAL/DELETE_GLOBAL (a `global` statement); module code reads and writes its
  globals by name (LOAD_NAME, STORE_NAME); a class body reads the globals by name too, but
  a name it stores or deletes is its own (a class attribute, as `symtable` sees it), so
  neither its loads nor its stores of that name are globals;
- attrs: attribute names loaded, stored or deleted;
- constants: the code object's own constants (reprs, capped by `cq.analysis.bytecode`);
- opcodes: instruction counts by opcode name.
Opcode names and code objects are those of the running Python, which is part of the plan and
so of the cache key. A file that does not compile is listed under the files not analysed.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from cq.errors import BadInputError
from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.macros.target import PYTHON, TargetArg, parse_target
from cq.settings import Settings

NAME = "bytecode-surface"
PARTS = ("globals", "attrs", "constants", "opcodes")


class SurfaceJob(msgspec.Struct, frozen=True):
    target: TargetArg
    show: tuple[str, ...]


def parse_show(text: str | None) -> tuple[str, ...]:
    """The parts to show, in PARTS order; an unknown or empty part is bad input."""
    if text is None:
        return PARTS
    asked = [part.strip().lower() for part in text.split(",")]
    unknown = [part for part in asked if part not in PARTS]
    if unknown or not asked:
        raise BadInputError(f"{NAME}: unknown --show part {(unknown or [text])[0]!r}",
                            hint="valid: " + ", ".join(PARTS))
    return tuple(part for part in PARTS if part in asked)


def prepare(args: Args, settings: Settings) -> MacroJob:
    target = parse_target(NAME, args["target"], Path(settings.root))
    show = parse_show(args["show"])
    plan = (f"bytecode surface of {target.describe()}", f"compile with {PYTHON}",
            "show " + ",".join(show))
    return MacroJob(params=SurfaceJob(target, show), plan=plan, canonical=",".join(show))


MACRO = Macro(
    name=NAME,
    help="What compiled code touches: globals, attributes, constants, opcodes per code "
         "object.\n\nFiles are compiled, never executed. TARGET is a path "
         "(with / or ending in .py; relative to the working directory inside the root) "
         "or a symbol: a def or class name, Class.method or a dotted full name (its "
         "nested code objects included).",
    options=(
        Option("target", "A path (with / or ending in .py) or a symbol.", required=True,
               positional=True),
        Option("show", "Parts to show, comma-separated: globals, attrs, constants, opcodes "
                       "(default: all)."),
    ),
    counts=(("code objects by kind", "kind"),),
    headline=(("code_objects", "code object", "code objects"),),
    prepare=prepare,
)
