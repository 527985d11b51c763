"""The closed catalogue of finding categories: each one's details struct (`cq.details`),
default severity, message template and description; and the makers every producer uses.

Every `Finding.category` in a result is a key of CATEGORIES; `make_finding` refuses any other
category, and details of another category's type, so a typo is a test failure rather than a
new shape. A template names fields its details struct always has (a test checks it).
"""

from __future__ import annotations

from functools import cache
from typing import TypeVar, cast

import msgspec

from cq.details import CallSiteDetails, Details, FileIssueDetails, ImportDetails, ImportedName
from cq.facts import Call, Import, Span
from cq.result import FINDING_TYPES, Anchor, Finding


class Category(msgspec.Struct, frozen=True):
    name: str
    severity: str
    template: str
    description: str

    @property
    def details_type(self) -> type[Details]:
        return _details_type(self.name)


_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("definition", "info", "{kind} {qualname}", "a def or class returned by an entity query"),
    ("module", "info", "module {module}", "one file returned by entity=module"),
    ("call_site", "info", "call {callee}(…)", "a call expression"),
    ("import", "info", "import {module}", "an import statement"),
    ("decorator", "info", "{kind} {qualname}", "a decorated definition"),
    ("caller", "info", "{caller} calls {callee}", "a def that calls the subject"),
    ("callee", "info", "{caller} calls {callee}", "a def the subject calls"),
    ("pattern_match", "info", "{text}", "a match of an ast-grep pattern"),
    ("hazard", "warning", "{id}: {text}", "a risky construct"),
    ("taint_site", "info", "{kind}: {text}", "a place a tainted value reaches"),
    ("sig_site", "info", "{callee}(…) {bucket}", "a call site bound against a new signature"),
    ("raise", "info", "raise", "a raise statement, or a type that escapes"),
    ("catch", "info", "except", "an except clause"),
    ("side_effect", "warning", "{kind}: {text}", "work done at import time"),
    ("scope", "info", "{qualname}", "a function scope's free and cell variables"),
    ("bytecode_surface", "info", "{qualname}", "what a code object touches"),
    ("import_cycle", "warning", "cycle of {size} modules", "a strongly connected import component"),
    ("file_issue", "warning", "{path}: {problem}", "a file scanned partially or skipped"),
)

CATEGORIES: dict[str, Category] = {row[0]: Category(*row) for row in _ROWS}


@cache
def _details_type(category: str) -> type[Details]:
    """The details struct a category's finding type declares (read once per process)."""
    field = next(f for f in msgspec.structs.fields(FINDING_TYPES[category])
                 if f.name == "details")
    found: type[Details] = field.type
    return found


def make_finding(category: str, anchor: Anchor | None, details: Details,
                 message: str | None = None, severity: str | None = None) -> Finding:
    """Build the category's Finding; its message comes from the template unless given."""
    cat = CATEGORIES[category]
    if not isinstance(details, cat.details_type):
        raise TypeError(f"{category} takes {cat.details_type.__name__}, "
                        f"not {type(details).__name__}")
    text = message if message is not None else cat.template.format_map(
        msgspec.structs.asdict(details))
    made = FINDING_TYPES[category](message=text, anchor=anchor,
                                   severity=severity or cat.severity, details=details)
    return cast(Finding, made)


D = TypeVar("D", bound=Details)


def details_of(finding: Finding, kind: type[D]) -> D:
    """The finding's details as the struct its category has (a mismatch is a bug)."""
    details = finding.details
    if not isinstance(details, kind):
        raise TypeError(f"{finding.category} details are {type(details).__name__}, "
                        f"not {kind.__name__}")
    return details


def file_issue(path: str, problem: str, stage: str, error: str | None = None) -> Finding:
    """A file read, scanned, matched or analysed with a problem (`stage` says which),
    anchored at its first line."""
    details = FileIssueDetails(path=path, problem=problem, stage=stage, error=error,
                               evidence="syntax")
    return make_finding("file_issue", Anchor(file=path, line=1), details)


def anchor_of(path: str, span: Span) -> Anchor:
    """The anchor of a fact's span in the root-relative file `path`."""
    return Anchor(file=path, line=span.line, col=span.col, end_line=span.end_line,
                  end_col=span.end_col)


def call_details(call: Call) -> CallSiteDetails:
    return CallSiteDetails(
        callee=call.callee, name=call.name, receiver=call.receiver or None,
        n_positional=call.n_positional, keywords=call.keywords, star_args=call.star_args,
        star_kwargs=call.star_kwargs, forwarding=call.star_args or call.star_kwargs,
        preview=call.preview, enclosing=call.enclosing)


def import_details(imp: Import, used_by: tuple[str, ...] = ()) -> ImportDetails:
    return ImportDetails(
        module=imp.module, resolved=imp.resolved, level=imp.level, is_from=imp.is_from,
        names=tuple(ImportedName(n.name, n.alias) for n in imp.names),
        enclosing=imp.enclosing or None, text=import_text(imp), used_by=used_by)


def import_text(imp: Import) -> str:
    names = ", ".join(n.name + (f" as {n.alias}" if n.alias else "") for n in imp.names)
    if imp.is_from:
        return f"from {'.' * imp.level}{imp.module} import {names}"
    return f"import {names}"
