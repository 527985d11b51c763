"""`cq imports [--cycles] [--module M]`: the import graph (QUERY.md §4).

Every import fact becomes one row per imported module (`import a, b` is two rows, `from m
import x, y` one), classified:
- internal: a relative import, or one whose top-level package is a module of the repository
  (names from `cq.modules`, src-layout aware) — with `--in`, of the scope — or, evidence
  "heuristic", a module next to the importer's package root (the first directory up without
  `__init__.py`, which a script's run or pytest puts on `sys.path`);
- stdlib: the top-level name is in `sys.stdlib_module_names` (and not shadowed by the repo);
- third_party: anything else.

An internal row is an edge to the most specific module of the repository it names: `from pkg
import name` is an edge to `pkg.name` when that is a module, else to `pkg`; `import a.b.c` to
`a.b.c`, else its longest prefix that is a module (parent packages are not extra edges: an
`__init__` importing its submodules would otherwise close a cycle with every submodule). A
fallback that lands on the importer itself is dropped (`from . import _speedups` in an
`__init__`, naming a compiled submodule); only a module naming itself is a self-import.

Rows are `lazy` when any enclosing scope is a function (a class body runs at import time) and
`type_only` inside `if TYPE_CHECKING:` (read with `ast`, only in files that mention it) or in a
`.pyi` stub. Cycles are the strongly connected components of the module graph with a cycle
(`cq.analysis.graph`); a cycle is `import_time` when its eager edges alone still form one —
only then can it fail at import time, and only then is it a warning.

Findings: without `--cycles`, the internal imports are the key findings and stdlib and
third-party imports are sections; with `--cycles`, the cycles are the key findings and the
imports are omitted (the edges forming each cycle are in its details).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cq.errors import BadInputError
from cq.macros.spec import Args, Macro, MacroJob, Option

if TYPE_CHECKING:
    from cq.analysis.import_graph import Cycle, ImportGraph, ImportRow
    from cq.discover import Discovery
    from cq.facts import Span
    from cq.index.source import FactSource
    from cq.result import Anchor, Finding, Section
    from cq.runner import Outcome
    from cq.settings import Settings


def prepare(args: Args, settings: Settings) -> MacroJob:
    wanted = _module_arg(args["module"])
    cycles = bool(args["cycles"])

    def compute(source: FactSource, discovery: Discovery) -> Outcome:
        from cq.analysis.import_graph import build_graph, check_module

        if wanted is not None:
            check_module(source, wanted)
        return import_outcome(build_graph(source), cycles=cycles, module=wanted)

    plan = ("every import fact → internal / stdlib / third-party",
            "strongly connected components of the internal module graph" if cycles
            else "internal imports as findings, stdlib and third-party as sections",
            f"only imports by or of {wanted}" if wanted else "every module")
    return MacroJob(compute=compute, plan=plan)


def _module_arg(value: str | None) -> str | None:
    """The module `--module` names: a dotted name or a root-relative .py/.pyi path."""
    if value is None:
        return None
    from cq.modules import module_name

    text = value.strip()
    if text.endswith((".py", ".pyi")) or "/" in text:
        text = module_name(text.strip("/"))
    parts = text.split(".")
    if any(not part or part.isspace() or " " in part for part in parts):
        raise BadInputError(f"imports: --module needs a dotted module name, got {value!r}",
                            hint="e.g. --module pkg.models or --module src/pkg/models.py")
    return text


# -- the outcome --------------------------------------------------------------------------

TOP_THIRD_PARTY = 10
_CYCLE_SHOWN = 8  # modules a cycle's message spells out before eliding
_SECTION_TITLES = {"stdlib": "Standard-library imports", "third_party": "Third-party imports"}


def import_outcome(graph: ImportGraph, *, cycles: bool, module: str | None) -> Outcome:
    from cq.runner import Outcome

    rows = _rows_of(graph, module)
    found = tuple(c for c in graph.cycles if module is None or module in c.modules)
    if cycles:
        key = tuple(_cycle_finding(c) for c in found)
        sections: tuple[Section, ...] = ()
    else:
        key = tuple(f for row, way in rows if row.classification == "internal"
                    for f in [_row_finding(row, way)])
        sections = _row_sections(rows)
    key = tuple(sorted(key, key=_position))
    summary = _summary(graph, [row for row, _ in rows], found, key, cycles)
    return Outcome(key_findings=key, sections=sections, summary=summary)


def _rows_of(graph: ImportGraph, module: str | None) -> list[tuple[ImportRow, str | None]]:
    """The rows of the answer with their direction relative to `module`: "outgoing" (made
    by it), "incoming" (of it) or "self" (both)."""
    if module is None:
        return [(row, None) for row in graph.rows]
    picked: list[tuple[ImportRow, str | None]] = []
    for row in graph.rows:
        out, into = row.importer == module, module in row.targets
        if out or into:
            picked.append((row, "self" if out and into else "outgoing" if out else "incoming"))
    return picked


def _row_sections(rows: list[tuple[ImportRow, str | None]]) -> tuple[Section, ...]:
    from cq.result import Section

    sections = []
    for kind, title in _SECTION_TITLES.items():
        findings = tuple(_row_finding(row, way) for row, way in rows
                         if row.classification == kind)
        if findings:
            sections.append(Section(title=title, kind=kind, findings=findings))
    return tuple(sections)


def _row_finding(row: ImportRow, direction: str | None) -> Finding:
    from cq.findings import make_finding

    details = {"module": row.module, "resolved": row.resolved, "names": list(row.names),
               "alias": row.alias, "level": row.level, "classification": row.classification,
               "targets": list(row.targets), "lazy": row.lazy, "type_only": row.type_only,
               "importer": row.importer, "text": row.text, "evidence": row.evidence}
    if direction is not None:
        details["direction"] = direction
    marks = [row.classification.replace("_", "-"), *(["lazy"] if row.lazy else []),
             *(["type-only"] if row.type_only else [])]
    return make_finding("import", _anchor(row.path, row.span), details,
                        message=f"{row.text} ({', '.join(marks)})")


def _cycle_finding(cycle: Cycle) -> Finding:
    from cq.findings import make_finding

    first = next(e for e in cycle.edges
                 if (e.source, e.target) == (cycle.order[0], cycle.order[1]))
    edges = [{"from": e.source, "to": e.target, "file": e.path, "line": e.span.line,
              "text": e.text, "lazy": e.lazy, "type_only": e.type_only} for e in cycle.edges]
    details = {"modules": list(cycle.modules), "cycle": list(cycle.order), "edges": edges,
               "size": len(cycle.modules), "lazy_only": cycle.lazy_only,
               "import_time": cycle.import_time, "evidence": "syntax"}
    return make_finding("import_cycle", _anchor(first.path, first.span), details,
                        message=_cycle_message(cycle),
                        severity="warning" if cycle.import_time else "info")


def _cycle_message(cycle: Cycle) -> str:
    order = list(cycle.order)
    if len(order) > _CYCLE_SHOWN + 1:
        order = [*order[:_CYCLE_SHOWN], "...", order[-1]]
    size = len(cycle.modules)
    head = "import cycle" if size <= _CYCLE_SHOWN else f"import cycle of {size} modules"
    tail = "" if cycle.import_time else " (not at import time: lazy or type-only edges)"
    return f"{head}: {' -> '.join(order)}{tail}"


def _summary(graph: ImportGraph, rows: list[ImportRow], cycles: tuple[Cycle, ...],
             key: tuple[Finding, ...], cycles_mode: bool) -> dict[str, Any]:
    from collections import Counter

    kinds = Counter(row.classification for row in rows)
    packages = Counter((row.resolved or row.module).split(".")[0] for row in rows
                       if row.classification == "third_party")
    summary: dict[str, Any] = {
        "matches": len(key), "imports": len(rows),
        **{kind: kinds.get(kind, 0) for kind in ("internal", "stdlib", "third_party")},
        "lazy": sum(row.lazy for row in rows), "type_only": sum(row.type_only for row in rows),
        "modules": len(graph.modules),
        "edges": len({(row.importer, t) for row in rows for t in row.targets}),
        "cycles": len(cycles), "import_time_cycles": sum(c.import_time for c in cycles),
        "files_in_scope": graph.files,
        "files_with_matches": len({f.anchor.file for f in key if f.anchor}),
        "top_third_party": [[name, count] for name, count in
                            sorted(packages.items(), key=lambda kv: (-kv[1], kv[0]))
                            [:TOP_THIRD_PARTY]]}
    if cycles_mode:
        summary["notes"] = ["with --cycles the imports themselves are omitted; each cycle "
                            "lists the import lines that form it"]
    return summary


def _anchor(path: str, span: Span) -> Anchor:
    from cq.result import Anchor

    return Anchor(file=path, line=span.line, col=span.col, end_line=span.end_line,
                  end_col=span.end_col)


def _position(finding: Finding) -> tuple[str, int, int]:
    anchor = finding.anchor
    return (anchor.file, anchor.line, anchor.col) if anchor else ("", 0, 0)


MACRO = Macro(
    name="imports",
    help="The import graph: internal, stdlib and third-party imports, and import cycles.\n\n"
         "Module names are src-layout aware; relative imports are resolved. --cycles reports "
         "each strongly connected component of the internal module graph with the import "
         "lines that form it; --module keeps the imports made by a module and those of it.",
    options=(
        Option("cycles", "Report import cycles (strongly connected components) instead of "
                         "the imports.", kind="bool", default=False),
        Option("module", "Only imports made by this module or of it (dotted name or path)."),
    ),
    prepare=prepare,
)
