"""`cq bytecode-surface TARGET [--show globals,attrs,constants,opcodes]`: what compiled code
touches, per code object — from `compile()` and `dis` (`cq.query.bytecode`), never executing.

TARGET is a path or a symbol (`cq.macros.scopes` owns that rule). A path lists every code
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
- constants: the code object's own constants (reprs, capped by `cq.query.bytecode`);
- opcodes: instruction counts by opcode name.
Opcode names and code objects are those of the running Python, which is part of the plan and
so of the cache key. A file that does not compile is a `file_issue` finding.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cq.discover import Discovery
from cq.errors import BadInputError
from cq.facts import Def, Span
from cq.macros import scopes as targets
from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.result import Anchor, Finding
from cq.runner import Outcome
from cq.settings import Settings

if TYPE_CHECKING:
    import types

    from cq.index.source import FactSource

NAME = "bytecode-surface"
PARTS = ("globals", "attrs", "constants", "opcodes")
COMPREHENSIONS = frozenset({"<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"})
READ_OPS = frozenset({"LOAD_GLOBAL", "LOAD_NAME", "LOAD_FROM_DICT_OR_GLOBALS"})
FUNCTION_WRITES = frozenset({"STORE_GLOBAL", "DELETE_GLOBAL"})
MODULE_WRITES = FUNCTION_WRITES | {"STORE_NAME", "DELETE_NAME"}
CLASS_STORES = frozenset({"STORE_NAME", "DELETE_NAME"})
CO_NEWLOCALS = 0x2  # inspect.CO_NEWLOCALS: a function's own namespace (not module or class)


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
    target = targets.parse_target(NAME, args["target"], Path(settings.root))
    show = parse_show(args["show"])

    def compute(source: FactSource, discovery: Discovery) -> Outcome:
        findings: list[Finding] = []
        issues: list[Finding] = []
        for selected in targets.select_target(source, target, NAME):
            module = _compiled(source, selected.path)
            if isinstance(module, str):
                issues.append(targets.file_issue(selected.path, module))
                continue
            findings.extend(_describe(selected, code, kind, show)
                            for code, kind in _chosen(module, selected))
        summary = _summary(findings, issues, show)
        summary.update(matches=len(findings), files_in_scope=len(source.files),
                       files_with_matches=summary["files"])
        return Outcome(key_findings=tuple(findings), sections=targets.issues_section(issues),
                       summary=summary)

    plan = (f"bytecode surface of {target.describe()}", f"compile with {targets.PYTHON}",
            "show " + ",".join(show))
    return MacroJob(compute=compute, plan=plan, canonical=",".join(show))


def _compiled(source: FactSource, path: str) -> types.CodeType | str:
    from cq.analysis.bytecode import compile_module
    from cq.coding import decode_source

    data = source.session.text(path)
    if data is None:
        return "unreadable or too large"
    text, _flags = decode_source(data)
    return compile_module(text, path)


def _chosen(module: types.CodeType,
            selected: targets.Selected) -> list[tuple[types.CodeType, str]]:
    """The code objects the selection covers, with their kind, in source order."""
    from cq.analysis.bytecode import code_objects

    codes = [(module, "module")] if selected.defs is None else []
    for code in code_objects(module):
        if selected.defs is None or any(_covers(owner, code) for owner in selected.defs):
            codes.append((code, _kind(code)))
    return sorted(codes, key=lambda pair: pair[0].co_firstlineno)


def _covers(owner: Def, code: types.CodeType) -> bool:
    from cq.analysis.bytecode import qualname_of

    line = code.co_firstlineno
    return targets.inside(qualname_of(code), Span(line, 0, line, 0), owner)


def _kind(code: types.CodeType) -> str:
    if code.co_name == "<lambda>":
        return "lambda"
    if code.co_name in COMPREHENSIONS:
        return "comprehension"
    return "function" if code.co_flags & CO_NEWLOCALS else "class"


def _describe(selected: targets.Selected, code: types.CodeType, kind: str,
              show: tuple[str, ...]) -> Finding:
    from cq.analysis.bytecode import qualname_of, surface
    from cq.findings import make_finding

    parts = surface(code)
    qualname = "<module>" if kind == "module" else qualname_of(code)
    details: dict[str, Any] = {"qualname": qualname, "kind": kind, "nested": parts["nested"]}
    available = {"globals": _globals(code, kind), "attrs": parts["attributes"],
                 "constants": parts["constants"], "opcodes": parts["opcodes"]}
    details.update((part, available[part]) for part in show)
    details["evidence"] = "bytecode"
    anchor = Anchor(file=selected.path, line=max(1, code.co_firstlineno))
    return make_finding("bytecode_surface", anchor, details,
                        message=f"{kind} {qualname}: " + _counts(details, show))


def _globals(code: types.CodeType, kind: str) -> dict[str, list[str]]:
    import dis

    writes = MODULE_WRITES if kind == "module" else FUNCTION_WRITES
    read: set[str] = set()
    written: set[str] = set()
    stored: set[str] = set()  # a class body's own names (its namespace, not the globals)
    for instruction in dis.get_instructions(code):
        name = str(instruction.argval)
        if instruction.opname in READ_OPS:
            read.add(name)
        elif instruction.opname in writes:
            written.add(name)
        elif instruction.opname in CLASS_STORES:
            stored.add(name)
    if kind == "class":
        read -= stored
    return {"read": sorted(read), "written": sorted(written)}


_NAMES_SHOWN = 6  # names a message spells out per list before counting the rest


def _counts(details: dict[str, Any], show: tuple[str, ...]) -> str:
    """What the code touches, by name (the first few of each list)."""
    texts = {
        "globals": lambda g: "; ".join(
            [f"{verb} {_names(g[key])}" for verb, key in (("reads", "read"),
                                                          ("writes", "written")) if g[key]]
            or ["no globals"]),
        "attrs": lambda a: f"attrs {_names(a)}" if a else "no attributes",
        "constants": lambda c: f"constants {_names(c)}" if c else "no constants",
        "opcodes": lambda o: f"{sum(o.values())} instructions",
    }
    return "; ".join(texts[part](details[part]) for part in show)


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:_NAMES_SHOWN])
    rest = len(names) - _NAMES_SHOWN
    return shown + (f" (+{rest})" if rest > 0 else "")


def _summary(findings: list[Finding], issues: list[Finding],
             show: tuple[str, ...]) -> dict[str, Any]:
    kinds: dict[str, int] = {}
    for finding in findings:
        kinds[finding.details["kind"]] = kinds.get(finding.details["kind"], 0) + 1
    return {"code_objects": len(findings), "by_kind": dict(sorted(kinds.items())),
            "files": len({f.anchor.file for f in findings if f.anchor}),
            "files_not_compiled": len(issues), "show": list(show), "python": targets.PYTHON}


MACRO = Macro(
    name=NAME,
    help="What compiled code touches: globals, attributes, constants, opcodes per code "
         "object.\n\nFiles are compiled, never executed. TARGET is a root-relative path "
         "(with / or ending in .py) or a symbol: a def or class name, Class.method or a "
         "dotted full name (its nested code objects included).",
    options=(
        Option("target", "A path (with / or ending in .py) or a symbol.", required=True,
               positional=True),
        Option("show", "Parts to show, comma-separated: globals, attrs, constants, opcodes "
                       "(default: all)."),
    ),
    headline=(("code_objects", "code object", "code objects"),),
    prepare=prepare,
)
