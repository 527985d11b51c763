"""Expanders beyond the call graph: `imports`, `raises`, `scope`, `bytecode_surface` and
`hazards`, each one section about the key findings' defs (the subjects).

- imports: the imports each def uses (`cq.query.fields.def_imports`), one finding per
  import statement, listing the defs that use it;
- raises: raise sites in each def's body and in the defs nested in it;
- scope: each def's free, cell, local, global and nonlocal names (symtable);
- bytecode_surface: globals, attributes, constants and opcode counts of each def's code
  object (`cq.analysis.bytecode`);
- hazards: hazard registry hits inside each def's lines.
A def whose file does not compile gets no scope or bytecode finding; the section says so.
"""

from __future__ import annotations

from collections.abc import Callable

from cq.analysis.bytecode import CodeIndex, code_of, compile_source, surface
from cq.analysis.names import Target
from cq.details import RaiseDetails
from cq.facts import Import, Raise, def_span, within
from cq.findings import anchor_of, import_details, import_text, make_finding
from cq.hazards.matcher import hazard_finding
from cq.query.context import QueryContext
from cq.query.fields import def_imports
from cq.result import Finding, Section, finding_order

Expander = Callable[[QueryContext, list[Target], int], Section]


def _sorted(findings: list[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=finding_order))


def expand_imports(ctx: QueryContext, subjects: list[Target], depth: int) -> Section:
    users: dict[tuple[str, int, int], tuple[Import, list[str]]] = {}
    for subject in subjects:
        facts = ctx.source.facts_of(subject.path)
        for imp, _names in def_imports(ctx, facts, subject.definition):
            key = (subject.path, imp.span.line, imp.span.col)
            users.setdefault(key, (imp, []))[1].append(subject.label)
    findings = [make_finding("import", anchor_of(key[0], imp.span),
                             import_details(imp, tuple(sorted(set(labels)))),
                             message=import_text(imp))
                for key, (imp, labels) in users.items()]
    return Section(title="Imports used", kind="imports", findings=_sorted(findings))


def _raise_finding(path: str, site: Raise, subject: Target) -> Finding:
    details = RaiseDetails(exc_type=site.exc_type, message=site.message, bare=site.bare,
                           cause=site.cause, enclosing=site.enclosing, subject=subject.label)
    text = "raise" + (f" {site.exc_type}" if site.exc_type else " (re-raise)")
    return make_finding("raise", anchor_of(path, site.span), details,
                        message=f"{text} in {site.enclosing}")


def expand_raises(ctx: QueryContext, subjects: list[Target], depth: int) -> Section:
    found: dict[tuple[str, int, int], Finding] = {}
    for subject in subjects:
        qualname = subject.definition.qualname
        for site in ctx.source.facts_of(subject.path).raises:
            inside = site.enclosing == qualname or (site.enclosing or "").startswith(
                qualname + ".")
            if inside and within(site.span, subject.definition.span):
                key = (subject.path, site.span.line, site.span.col)
                found.setdefault(key, _raise_finding(subject.path, site, subject))
    return Section(title="Raise sites", kind="raises", findings=_sorted(list(found.values())))


def expand_scope(ctx: QueryContext, subjects: list[Target], depth: int) -> Section:
    findings, missing = [], []
    for subject in subjects:
        info = ctx.scopes.of(subject.path, subject.definition)
        if info is None:
            missing.append(subject.label)
            continue
        details = info.details(subject.definition.qualname)
        findings.append(make_finding("scope", anchor_of(subject.path, subject.definition.span),
                                     details, message=_scope_message(subject, info.free)))
    notes = (f"no symbol table (file does not compile): {', '.join(missing)}",) if missing else ()
    return Section(title="Scopes (symtable)", kind="scope", findings=_sorted(findings),
                   notes=notes)


def _scope_message(subject: Target, free: tuple[str, ...]) -> str:
    captured = f" captures {', '.join(free)}" if free else ""
    return f"{subject.definition.qualname}{captured}"


def expand_bytecode(ctx: QueryContext, subjects: list[Target], depth: int) -> Section:
    compiled: dict[str, CodeIndex | str] = {}
    findings, missing = [], []
    for subject in subjects:
        if subject.path not in compiled:
            compiled[subject.path] = compile_source(ctx.text(subject.path), subject.path)
            if isinstance(compiled[subject.path], str):
                ctx.source.not_analysed(subject.path, str(compiled[subject.path]))
        index = compiled[subject.path]
        code = code_of(index, subject.definition) if isinstance(index, dict) else None
        if code is None:
            missing.append(subject.label)
            continue
        details = surface(subject.definition.qualname, code)
        findings.append(make_finding("bytecode_surface",
                                     anchor_of(subject.path, subject.definition.span), details))
    notes = (f"no code object (file does not compile): {', '.join(missing)}",) if missing else ()
    return Section(title="Bytecode surface", kind="bytecode_surface",
                   findings=_sorted(findings), notes=notes)


def expand_hazards(ctx: QueryContext, subjects: list[Target], depth: int) -> Section:
    hits = ctx.hazards(sorted({s.path for s in subjects}))
    found: dict[tuple[str, int, int, str], Finding] = {}
    for subject in subjects:
        span = def_span(subject.definition)
        for hit in hits[subject.path]:
            if within(hit.span, span):
                key = (subject.path, hit.span.line, hit.span.col, hit.rule)
                found.setdefault(key, hazard_finding(subject.path, hit))
    return Section(title="Hazards", kind="hazards", findings=_sorted(list(found.values())))


SECTION_EXPANDERS: dict[str, Expander] = {
    "imports": expand_imports, "raises": expand_raises, "scope": expand_scope,
    "bytecode_surface": expand_bytecode, "hazards": expand_hazards,
}
