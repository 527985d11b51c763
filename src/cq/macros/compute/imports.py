"""`cq imports` on a cache miss: the graph (`cq.analysis.import_graph`) as findings — rows,
cycles and the lines that form them (the answer is described in `cq.macros.imports`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from cq.analysis.import_graph import (
    Cycle,
    Edge,
    ImportGraph,
    ImportRow,
    build_graph,
    check_module,
)
from cq.details import CycleEdge, ImportCycleDetails, ImportDetails, ImportedName
from cq.discover import Discovery
from cq.facts import Span
from cq.findings import details_of, make_finding
from cq.index.source import FactSource
from cq.macros.imports import ImportsJob
from cq.result import Anchor, Finding, Section, finding_order
from cq.runner import Outcome
from cq.settings import Settings


def compute(job: ImportsJob, source: FactSource, discovery: Discovery,
            settings: Settings) -> Outcome:
    if job.module is not None:
        check_module(source, job.module)
    return import_outcome(build_graph(source), cycles=job.cycles, module=job.module)


TOP_THIRD_PARTY = 10
_CYCLE_SHOWN = 8  # modules a cycle's message spells out before eliding
_SECTION_TITLES = {"stdlib": "Standard-library imports", "third_party": "Third-party imports"}


def import_outcome(graph: ImportGraph, *, cycles: bool, module: str | None) -> Outcome:
    rows = _rows_of(graph, module)
    found = tuple(sorted((c for c in graph.cycles if module is None or module in c.modules),
                         key=_cycle_rank))
    if cycles:
        key = tuple(_cycle_finding(c) for c in found)
        sections = _cycle_lines(found)
    else:
        key = tuple(sorted((_row_finding(row, way) for row, way in rows
                            if row.classification == "internal"), key=_row_rank))
        sections = _row_sections(rows)
    summary = _summary(graph, [row for row, _ in rows], found, key)
    summary["notes"] = _notes(summary, cycles, module)
    return Outcome(key_findings=key, sections=sections, summary=summary)


def _cycle_rank(cycle: Cycle) -> tuple[bool, int, tuple[str, ...]]:
    """Import-time cycles first (they can fail), the most tangled first."""
    return (not cycle.import_time, -len(cycle.modules), cycle.modules)


def _row_rank(finding: Finding) -> tuple[object, ...]:
    """With --module, the imports of it (who depends on it) before the imports it makes."""
    return (details_of(finding, ImportDetails).direction == "outgoing", *finding_order(finding))


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
    sections = []
    for kind, title in _SECTION_TITLES.items():
        findings = tuple(_row_finding(row, way) for row, way in rows
                         if row.classification == kind)
        if findings:
            sections.append(Section(title=title, kind=kind, findings=findings))
    return tuple(sections)


def _row_finding(row: ImportRow, direction: str | None) -> Finding:
    names = (tuple(ImportedName(name) for name in row.names) if row.names
             else (ImportedName(row.module, row.alias),))
    details = ImportDetails(
        module=row.module, resolved=row.resolved, level=row.level, is_from=bool(row.names),
        names=names, classification=row.classification, targets=row.targets, lazy=row.lazy,
        type_only=row.type_only, main_only=row.main_only, importer=row.importer,
        text=row.text, evidence=row.evidence, direction=direction)
    marks = [row.classification.replace("_", "-"), *(["lazy"] if row.lazy else []),
             *(["type-only"] if row.type_only else []),
             *(["script-only"] if row.main_only else [])]
    by = f"{row.importer} imports it: " if direction == "incoming" else ""
    return make_finding("import", _anchor(row.path, row.span), details,
                        message=f"{by}{row.text} ({', '.join(marks)})")


def _cycle_finding(cycle: Cycle) -> Finding:
    details = ImportCycleDetails(
        modules=cycle.modules, cycle=cycle.order, size=len(cycle.modules),
        import_time=cycle.import_time, lazy_only=cycle.lazy_only,
        path=tuple(_edge_details(e) for e in cycle.path),
        edges=tuple(_edge_details(e) for e in cycle.edges),
        import_time_cycles=cycle.import_time_cycles, evidence="syntax")
    first = (cycle.path or cycle.edges)[0]
    return make_finding("import_cycle", _anchor(first.path, first.span), details,
                        message=_cycle_message(cycle),
                        severity="warning" if cycle.import_time else "info")


def _edge_details(edge: Edge) -> CycleEdge:
    return CycleEdge(source=edge.source, target=edge.target, file=edge.path,
                     line=edge.span.line, text=edge.text, lazy=edge.lazy,
                     type_only=edge.type_only, main_only=edge.main_only)


def _cycle_message(cycle: Cycle) -> str:
    """`import-time cycle of 5 modules in pkg.db: base -> features -> base` (the shared
    package named once so the ring fits on a line; the size when the component is bigger
    than the ring)."""
    package, order = _common_package(list(cycle.order))
    if len(order) > _CYCLE_SHOWN + 1:
        order = [*order[:_CYCLE_SHOWN], "...", order[-1]]
    closing = (cycle.path or cycle.edges)[0]
    head = "import-time cycle" if cycle.import_time else "cycle closed by a " + (
        "lazy" if closing.lazy else "script-only" if closing.main_only
        else "type-only") + " import"
    size = len(cycle.modules)
    of = f" of {size} modules" if size > len(cycle.order) - 1 else ""
    where = f" in {package}" if package else ""
    inner = len(cycle.import_time_cycles)
    tail = f" (holds {inner} import-time cycle{'s' if inner > 1 else ''})" if inner else ""
    return f"{head}{of}{where}{tail}: {' -> '.join(order)}"


def _common_package(names: list[str]) -> tuple[str, list[str]]:
    """The dotted prefix every name shares (leaving each a non-empty rest), and the rests."""
    split = [name.split(".") for name in names]
    shared = 0
    while all(len(parts) > shared + 1 for parts in split) and len(
            {parts[shared] for parts in split}) == 1:
        shared += 1
    return ".".join(split[0][:shared]), [".".join(parts[shared:]) for parts in split]


def _cycle_lines(cycles: tuple[Cycle, ...]) -> tuple[Section, ...]:
    """The import lines of each cycle, one finding per step, numbered like the cycles."""
    findings = []
    for number, cycle in enumerate(cycles, 1):
        for edge in cycle.path:
            details = ImportDetails(
                module=edge.target, text=edge.text, importer=edge.source,
                targets=(edge.target,), lazy=edge.lazy, type_only=edge.type_only,
                main_only=edge.main_only, cycle=number, evidence="syntax")
            mark = (" (lazy)" if edge.lazy else " (type-only)" if edge.type_only
                    else " (script-only)" if edge.main_only else "")
            into = "" if edge.target in edge.text else f" -> {edge.target}"
            findings.append(make_finding(
                "import", _anchor(edge.path, edge.span), details,
                message=f"cycle {number}: {edge.text}{mark}{into}"))
    if not findings:
        return ()
    return (Section(title="Import lines forming each cycle", kind="cycle_lines",
                    findings=tuple(findings),
                    notes=("numbered in the order of the cycles above",)),)


def _summary(graph: ImportGraph, rows: list[ImportRow], cycles: tuple[Cycle, ...],
             key: tuple[Finding, ...]) -> dict[str, Any]:
    kinds = Counter(row.classification for row in rows)
    packages = Counter((row.resolved or row.module).split(".")[0] for row in rows
                       if row.classification == "third_party")
    summary: dict[str, Any] = {
        "matches": len(key), "imports": len(rows),
        **{kind: kinds.get(kind, 0) for kind in ("internal", "stdlib", "third_party")},
        "lazy": sum(row.lazy for row in rows), "type_only": sum(row.type_only for row in rows),
        "main_only": sum(row.main_only for row in rows),
        "modules": len(graph.modules),
        "edges": len({(row.importer, t) for row in rows for t in row.targets}),
        "cycles": len(cycles), "import_time_cycles": sum(c.import_time for c in cycles),
        "files_in_scope": graph.files,
        "files_with_matches": len({f.anchor.file for f in key if f.anchor}),
        "top_third_party": [[name, count] for name, count in
                            sorted(packages.items(), key=lambda kv: (-kv[1], kv[0]))
                            [:TOP_THIRD_PARTY]]}
    return summary


def _notes(summary: dict[str, Any], cycles: bool, module: str | None) -> list[str]:
    """What the answer is, in a line or two: the imports by kind, the cycles."""
    top = ", ".join(f"{name} {count}" for name, count in summary["top_third_party"][:5])
    notes = [f"{summary['imports']:,} imports: {summary['internal']:,} internal, "
             f"{summary['stdlib']:,} stdlib, {summary['third_party']:,} third-party"
             + (f" ({top})" if top else "")]
    found, at_import = summary["cycles"], summary["import_time_cycles"]
    where = f" through {module}" if module else ""
    if cycles:
        notes.append(f"{found} cycles{where}, {at_import} at import time (warnings); the "
                     "imports themselves are omitted, each cycle's lines are a section")
    elif found:
        notes.append(f"{found} import cycles{where} ({at_import} at import time): see "
                     "--cycles")
    return notes


def _anchor(path: str, span: Span) -> Anchor:
    return Anchor(file=path, line=span.line, col=span.col, end_line=span.end_line,
                  end_col=span.end_col)


