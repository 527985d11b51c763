"""`cq scopes TARGET`: closures — the free, cell, nonlocal and declared-global names of every
function scope, from the stdlib `symtable` (through `cq.query.scopes`).

This module also owns what a TARGET is, shared with `cq bytecode-surface` and
`cq exceptions --function`. The spelling decides, never the file system:
- a path contains `/` or ends in `.py` (`.` is the root): a root-relative file or directory,
  standing for every in-scope Python file at or under it (write `pkg/` for a top-level
  directory); a path outside the root or missing is bad input before any work;
- anything else is a symbol: a def or class name (`load`), `Class.method`, or a dotted full
  name (`pkg.mod.Class.method`). A simple name matches a def's name exactly, a dotted one
  the last segments of its full name. The symbol stands for every def it names and every
  def nested in them (a class: its methods); none found is bad input.

Only def scopes are listed, one finding per function or method at its `def` line: lambdas,
comprehensions and class bodies have no definition to anchor them; what they capture shows
as cells of the enclosing def. The key findings are the scopes with a free, cell, nonlocal
or declared-global name, in source order; the others are the section "Scopes without
closure variables". A file that does not compile has no scopes and is reported as a
`file_issue`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from cq.discover import Discovery, check_in_path
from cq.errors import BadInputError, ScopeError
from cq.facts import Def, Span
from cq.macros.spec import Args, Macro, MacroJob, Option
from cq.modules import dotted_suffix
from cq.result import Anchor, Finding, Section
from cq.runner import Outcome
from cq.settings import Settings

if TYPE_CHECKING:
    from cq.analysis.scopes import ScopeIndex, ScopeInfo
    from cq.index.source import FactSource

SYMBOL_HINT = "a def or class name, Class.method, or a dotted full name (pkg.mod.func)"
PYTHON = "python {}.{}".format(*sys.version_info[:2])

# --- TARGET ----------------------------------------------------------------------------------


class Target(msgspec.Struct, frozen=True):
    text: str
    path: str | None = None  # root-relative ("." is the root); None: a symbol

    def describe(self) -> str:
        return f"path {self.path}" if self.path is not None else f"symbol {self.text}"


class Selected(msgspec.Struct, frozen=True):
    """One file the target covers; `defs` are the symbol's defs in it (None: the whole file)."""

    path: str
    defs: tuple[Def, ...] | None = None


def is_path(text: str) -> bool:
    return "/" in text or "\\" in text or text.endswith(".py") or text == "."


def parse_target(macro: str, text: str, root: Path) -> Target:
    """A checked TARGET: a path inside the root that exists, or a symbol's spelling."""
    text = text.strip()
    if not is_path(text):
        if not all(part.isidentifier() for part in text.split(".")):
            raise BadInputError(f"{macro}: {text!r} is neither a path nor a symbol",
                                hint=SYMBOL_HINT + "; or a path with / or ending in .py")
        return Target(text=text)
    try:
        return Target(text=text, path=check_in_path(root, text))
    except ScopeError as exc:
        problem = exc.message.split(" ", 1)[1]
        raise BadInputError(f"{macro}: TARGET {text} {problem}", hint=exc.hint) from None


def select_target(source: FactSource, target: Target, macro: str) -> list[Selected]:
    """The files (and, for a symbol, the defs) TARGET stands for, in path order."""
    if target.path is not None:
        return _select_path(source, target.path, macro)
    found = find_defs(source, target.text)
    if not found:
        raise BadInputError(f"{macro}: no definition named {target.text!r} in scope",
                            hint=SYMBOL_HINT)
    return [Selected(path=path, defs=defs) for path, defs in found.items()]


def _select_path(source: FactSource, path: str, macro: str) -> list[Selected]:
    prefix = "" if path == "." else path.rstrip("/") + "/"
    paths = [ref.path for ref in source.files if ref.path == path or ref.path.startswith(prefix)]
    if not paths:
        raise BadInputError(f"{macro}: no Python file in scope at {path}",
                            hint="the path must be, or hold, an in-scope .py file")
    return [Selected(path=p) for p in paths]


def find_defs(source: FactSource, symbol: str) -> dict[str, tuple[Def, ...]]:
    """Every def `symbol` names, by file (path order)."""
    from cq.modules import full_name

    name = symbol.rsplit(".", 1)[-1]
    found: dict[str, tuple[Def, ...]] = {}
    for facts in source.facts_defining([name], name):
        defs = tuple(d for d in facts.defs if d.name == name and (
            "." not in symbol or dotted_suffix(full_name(facts.module, d.qualname), symbol)))
        if defs:
            found[facts.path] = defs
    return found


def inside(qualname: str | None, span: Span, definition: Def) -> bool:
    """Is an item (by its enclosing qualname and span) `definition` or nested in it?"""
    if qualname is None:
        return False
    if qualname != definition.qualname and not qualname.startswith(definition.qualname + "."):
        return False
    first = definition.decorated_line or definition.span.line
    return first <= span.line and span.end_line <= definition.span.end_line


def file_issue(path: str, problem: str) -> Finding:
    from cq.findings import make_finding

    return make_finding("file_issue", Anchor(file=path, line=1),
                        {"path": path, "problem": problem, "evidence": "syntax"})


def issues_section(issues: list[Finding]) -> tuple[Section, ...]:
    if not issues:
        return ()
    return (Section(title="Files that do not compile", kind="file_issues",
                    findings=tuple(issues)),)


# --- the macro -------------------------------------------------------------------------------

FUNCTION_KINDS = ("function", "method")


def prepare(args: Args, settings: Settings) -> MacroJob:
    target = parse_target("scopes", args["target"], Path(settings.root))

    def compute(source: FactSource, discovery: Discovery) -> Outcome:
        from cq.analysis.scopes import ScopeIndex

        index = ScopeIndex(source)
        findings: list[Finding] = []
        for selected in select_target(source, target, "scopes"):
            findings.extend(_file_scopes(source, index, selected))
        issues = [file_issue(path, error) for path, error in index.failures().items()]
        key = tuple(f for f in findings if _captures(f))
        plain = tuple(f for f in findings if not _captures(f))
        sections = (*((Section(title="Scopes without closure variables", kind="no_closure",
                               findings=plain),) if plain else ()), *issues_section(issues))
        summary = _summary(findings, issues)
        summary.update(matches=len(key), files_in_scope=len(source.files),
                       files_with_matches=len({f.anchor.file for f in key if f.anchor}))
        return Outcome(key_findings=key, sections=sections, summary=summary)

    plan = (f"scopes of {target.describe()}", f"symtable of {PYTHON}")
    return MacroJob(compute=compute, plan=plan)


def _file_scopes(source: FactSource, index: ScopeIndex, selected: Selected) -> list[Finding]:
    facts = source.facts_of(selected.path)
    defs = [d for d in facts.defs if d.kind in FUNCTION_KINDS and (
        selected.defs is None or any(inside(d.qualname, d.span, owner) for owner in selected.defs))]
    found = []
    for definition in sorted(defs, key=lambda d: (d.span.line, d.span.col)):
        scope = index.of(selected.path, definition)
        if scope is not None:
            found.append(_finding(selected.path, facts.module, definition, scope))
    return found


def _captures(finding: Finding) -> bool:
    """Has the scope any free, cell, nonlocal or declared-global name?"""
    return any(finding.details[key] for key in ("free", "cells", "nonlocals", "globals"))


def _finding(path: str, module: str, definition: Def, scope: ScopeInfo) -> Finding:
    from cq.findings import anchor_of, make_finding
    from cq.modules import full_name

    details: dict[str, Any] = {
        "qualname": definition.qualname, "name": full_name(module, definition.qualname),
        "kind": definition.kind, "free": list(scope.free), "cells": list(scope.cells),
        "nonlocals": list(scope.nonlocals), "globals": list(scope.declared_globals),
        "locals": len(scope.locals), "nested": scope.nested, "closure": scope.is_closure,
        "evidence": "symtable",
    }
    return make_finding("scope", anchor_of(path, definition.span), details,
                        message=_message(definition.qualname, scope))


def _message(qualname: str, scope: ScopeInfo) -> str:
    parts = [f"{label} {', '.join(names)}" for label, names in (
        ("free", scope.free), ("cells", scope.cells), ("nonlocal", scope.nonlocals),
        ("global", scope.declared_globals)) if names]
    return f"{qualname}: " + ("; ".join(parts) if parts else "no closure variables")


def _summary(findings: list[Finding], issues: list[Finding]) -> dict[str, Any]:
    def count(key: str) -> int:
        return sum(1 for f in findings if f.details[key])

    return {"scopes": len(findings), "closures": count("free"), "with_cells": count("cells"),
            "with_nonlocals": count("nonlocals"), "with_globals": count("globals"),
            "files": len({f.anchor.file for f in findings if f.anchor}),
            "files_not_compiled": len(issues)}


MACRO = Macro(
    name="scopes",
    help="Closures: free, cell and nonlocal variables of each function scope (symtable).\n\n"
         "TARGET is a root-relative path (with / or ending in .py; a directory covers its "
         "files) or a symbol: a def or class name, Class.method or a dotted full name (its "
         "nested defs included). One finding per function or method; lambdas and "
         "comprehensions show as cells of their def.",
    options=(Option("target", "A path (with / or ending in .py) or a symbol.", required=True,
                    positional=True),),
    headline=(("scopes", "function scope", "function scopes"),
              ("closures", "closure", "closures"), ("with_cells", "with cells", "with cells")),
    prepare=prepare,
)
