"""The closed catalogue of finding categories, with default severity and message template.

Every `Finding.category` in a result is a key of CATEGORIES; `make_finding` refuses any other,
so a typo is a test failure rather than a new category.
"""

from __future__ import annotations

from typing import Any

import msgspec

from cq.facts import Span
from cq.result import Anchor, Finding


class Category(msgspec.Struct, frozen=True):
    name: str
    severity: str
    template: str
    description: str


_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("definition", "info", "{kind} {qualname}", "a def or class returned by an entity query"),
    ("module", "info", "module {module}", "one file returned by entity=module"),
    ("call_site", "info", "call {callee}(…)", "a call expression"),
    ("import", "info", "import {module}", "an import statement"),
    ("decorator", "info", "@{decorator} on {qualname}", "a decorated definition"),
    ("caller", "info", "{qualname} calls {target}", "a def that calls the subject"),
    ("callee", "info", "{target} is called by {qualname}", "a def the subject calls"),
    ("pattern_match", "info", "{text}", "a match of an ast-grep pattern"),
    ("hazard", "warning", "{message}", "a risky construct"),
    ("taint_site", "info", "{text}", "a place a tainted value reaches"),
    ("sig_site", "info", "{text}", "a call site bound against a new signature"),
    ("raise", "info", "raise {exc_type}", "a raise statement"),
    ("catch", "info", "except {types}", "an except clause"),
    ("side_effect", "warning", "{text}", "work done at import time"),
    ("scope", "info", "{qualname}", "a function scope's free and cell variables"),
    ("bytecode_surface", "info", "{qualname}", "what a code object touches"),
    ("import_cycle", "warning", "cycle {modules}", "a strongly connected import component"),
    ("file_issue", "warning", "{path}: {problem}", "a file scanned partially or skipped"),
)

CATEGORIES: dict[str, Category] = {row[0]: Category(*row) for row in _ROWS}
SEVERITIES = ("error", "warning", "info")


def make_finding(category: str, anchor: Anchor | None, details: dict[str, Any],
                 message: str | None = None, severity: str | None = None) -> Finding:
    """Build a Finding whose message comes from the category's template unless given."""
    cat = CATEGORIES[category]
    text = message if message is not None else cat.template.format_map(_Lenient(details))
    return Finding(category=category, message=text, anchor=anchor,
                   severity=severity or cat.severity, details=details)


def file_issue(path: str, problem: str, stage: str, error: str | None = None) -> Finding:
    """A file read, scanned, matched or analysed with a problem (`stage` says which),
    anchored at its first line."""
    return make_finding("file_issue", Anchor(file=path, line=1),
                        {"path": path, "problem": problem, "stage": stage, "error": error,
                         "evidence": "syntax"})


def anchor_of(path: str, span: Span) -> Anchor:
    """The anchor of a fact's span in the root-relative file `path`."""
    return Anchor(file=path, line=span.line, col=span.col, end_line=span.end_line,
                  end_col=span.end_col)


class _Lenient(dict[str, Any]):
    """format_map helper: a missing template field renders as `?` instead of raising."""

    def __missing__(self, key: str) -> str:
        return "?"
