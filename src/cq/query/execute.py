"""Execute a planned query over a FactSource: select, filter, sort, limit, expand, add fields.

An entity query selects from facts, then (with relational or composite keys) keeps the
definitions whose node matches the rule (`cq.query.relational`), then applies the symtable
keys and the joins (`cq.query.filters`); the expanders add sections (`cq.query.expand` for
the call graph, `cq.query.sections` for the others) and `fields=` adds details
(`cq.query.fields`). A pattern query matches its rule on the candidate files
(`cq.query.pattern`). Returns a QueryOutcome (findings and summary counts); building the
CqResult with run metadata is the API's job.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec

from cq.cache.query import Previous
from cq.details import CallEdgeDetails, DefinitionDetails, FileIssueDetails
from cq.discover import Discovery
from cq.facts import FileFacts
from cq.findings import details_of, file_issue, make_finding
from cq.index.source import UNREAD_FLAGS, FactSource
from cq.modules import full_name
from cq.query.entities import SELECTORS
from cq.query.model import Join, Query
from cq.query.nearmiss import (
    decorator_constraint,
    emptied_by,
    has_decorator_keys,
    near_names,
    nothing_named,
    rule_constraint,
    wanted_name,
)
from cq.query.plan import Plan, parts_read, reusable
from cq.result import Finding, Section, finding_order
from cq.settings import DEFAULT_TEST_PATHS

# The engine past selection (filters, joins, expanders, fields, rules, patterns) is imported
# by the queries that use it: a query that only selects (`parts_read`) never loads it.
if TYPE_CHECKING:
    from cq.analysis.names import Target
    from cq.query.context import QueryContext
    from cq.query.items import Item
    from cq.query.sections import Expander

Walk = Callable[[FactSource, "list[Target]", int], Section]


@cache
def _graph() -> dict[str, Walk]:
    from cq.query.expand import expand_callees, expand_callers

    return {"callers": expand_callers, "callees": expand_callees}


def _on_graph(walk: Walk) -> Expander:
    def expand(ctx: QueryContext, subjects: list[Target], depth: int) -> Section:
        return walk(ctx.source, subjects, depth)

    return expand


@cache
def _expanders() -> dict[str, Expander]:
    from cq.query.sections import SECTION_EXPANDERS

    return {**{name: _on_graph(walk) for name, walk in _graph().items()}, **SECTION_EXPANDERS}


class QueryOutcome(msgspec.Struct, frozen=True, kw_only=True):
    key_findings: tuple[Finding, ...]
    sections: tuple[Section, ...]
    summary: dict[str, Any]
    # The flagged files the answer counted, when a later run may reuse it file by file.
    reuse_flagged: tuple[FileFacts, ...] | None = None


class _Kept(NamedTuple):
    """What a run keeps of the previous answer: the files unchanged since, their findings
    and their flags."""

    paths: frozenset[str]
    findings: list[Finding]
    flagged: list[FileFacts]


# Scopes smaller than this are read again whole after an edit: a reuse record (a digest per
# file) would cost about what it saves.
REUSE_FROM = 64


__all__ = ["QueryOutcome", "execute_query", "finding_order"]


def execute_query(query: Query, plan: Plan, source: FactSource, discovery: Discovery, *,
                  jobs: int = 0, test_paths: Sequence[str] = DEFAULT_TEST_PATHS,
                  previous: Previous | None = None) -> QueryOutcome:
    """`jobs`: worker processes for parsing rule candidates (0 = one per core). `previous`:
    the stale answer to this query, whose unchanged files' findings a `reusable` query
    keeps instead of reading those files again."""
    if query.is_pattern:
        return _execute_pattern(query, plan, source, discovery, jobs)
    parts = parts_read(query)
    if parts is not None:
        source.narrow(parts)
        kept = _kept(previous, source, discovery) \
            if previous is not None and reusable(query) else None
        streamed = _execute_streamed(query, plan, source, discovery, kept)
        if streamed.summary["matches"]:
            return streamed
        # An empty answer explains itself from the facts (near names, the constraint that
        # removed the candidates): the full engine reads them again, from the index now.
    return _execute_full(query, plan, source, discovery, jobs, test_paths)


def _execute_full(query: Query, plan: Plan, source: FactSource, discovery: Discovery,
                  jobs: int, test_paths: Sequence[str]) -> QueryOutcome:
    from cq.query.context import QueryContext
    from cq.query.fields import add_fields
    from cq.query.filters import apply_filters
    from cq.query.items import resolve
    from cq.query.relational import filter_by_rule

    ctx = QueryContext(source, jobs, test_paths)
    literals = _literals(query, plan, ctx)
    if plan.defines_name:
        facts_list = source.facts_defining(literals, plan.defines_name)
    else:
        facts_list = source.facts_for(literals)
    selected = sorted(_select(query, facts_list), key=finding_order)
    if not selected:
        _explain_nothing(query, facts_list, ctx)
    counted = len(selected)
    selected = filter_by_rule(selected, plan, source, jobs)
    if counted and not selected:
        ctx.note(emptied_by(query, counted, rule_constraint(query)))
    items = apply_filters(query, ctx, resolve(selected, ctx),
                          lambda keys, before: ctx.note(emptied_by(
                              query, before, "passing " + _given(query, keys))))
    selected = [item.finding for item in items]
    shown_items = items[: query.limit] if query.limit else items
    subjects = _subjects(shown_items)
    sections = [_expanders()[exp.name](ctx, subjects, exp.depth) for exp in query.expand]
    shown = [item.finding for item in add_fields(query, ctx, shown_items)]
    shown = _with_relation_fields(query, source, subjects, shown)
    sections.extend(_explain_sections(query, facts_list, discovery))
    summary = _summary(query, plan, facts_list, discovery, selected, shown)
    _add_notes(summary, [*ctx.notes, *_unread_note(facts_list)])
    if ctx.suggestions:
        summary["suggestions"] = list(ctx.suggestions)
    return QueryOutcome(key_findings=tuple(shown), sections=tuple(sections), summary=summary)


def _explain_nothing(query: Query, facts_list: list[FileFacts], ctx: QueryContext) -> None:
    """A note on why nothing was selected: the decorator keys removed every candidate, or
    the name is not defined (with the nearest names; `summary.suggestions` via the context)."""
    if has_decorator_keys(query):
        loose = msgspec.structs.replace(query, decorated_by=None, decorator_count_min=None,
                                        decorator_count_max=None)
        before = sum(1 for _ in _select(loose, facts_list))
        if before:
            ctx.note(emptied_by(query, before, decorator_constraint(query)))
            return
    if wanted_name(query) is None:
        return
    near = near_names(query, ctx.source)
    ctx.suggestions.extend(near)
    ctx.note(nothing_named(query, near))


def _given(query: Query, keys: tuple[str, ...]) -> str:
    """`used_by=function:main`: the keys of a filter as the query gave them."""
    parts = []
    for key in keys:
        value = getattr(query, key, None)
        if value is None:
            continue
        text = value.label if isinstance(value, Join) else getattr(value, "raw", value)
        parts.append(f"`{key}={str(text).lower() if isinstance(text, bool) else text}`")
    return " and ".join(parts)


def _execute_streamed(query: Query, plan: Plan, source: FactSource, discovery: Discovery,
                      kept: _Kept | None = None) -> QueryOutcome:
    """A query that reads each file's facts once and nothing else (`parts_read`): no filter,
    join, field or expander looks at them again, so they are streamed batch by batch and
    only the findings (and the flagged files' flags) are kept. With `kept`, the files
    unchanged since the previous answer are not read: their findings and flags are its."""
    selected: list[Finding] = [] if kept is None else kept.findings
    flagged: list[FileFacts] = [] if kept is None else kept.flagged
    skip = frozenset() if kept is None else kept.paths
    for batch in source.stream(plan.literals, plan.defines_name, skip=skip):
        selected.extend(_select(query, batch))
        flagged.extend(_flags_only(facts) for facts in batch if facts.flags)
    selected.sort(key=finding_order)
    shown = selected[: query.limit] if query.limit else selected
    flagged.sort(key=lambda facts: facts.path)
    sections = _explain_sections(query, flagged, discovery)
    summary = _summary(query, plan, flagged, discovery, selected, shown)
    _add_notes(summary, _unread_note(flagged))
    offered = reusable(query) and plan.defines_name is None \
        and len(discovery.files) >= REUSE_FROM
    return QueryOutcome(key_findings=tuple(shown), sections=tuple(sections), summary=summary,
                        reuse_flagged=tuple(flagged) if offered else None)


def _kept(previous: Previous, source: FactSource, discovery: Discovery) -> _Kept | None:
    """The previous answer's findings and flags of the files whose digest is the one it was
    computed from; None when it cannot be split by file (a partial answer, a finding not
    in a file, sections beside its findings)."""
    old = previous.result
    if old.sections or "partial" in old.summary or any(
            finding.anchor is None for finding in old.key_findings):
        return None
    digests = source.session.digests
    unchanged = frozenset(ref.path for ref in discovery.files
                          if previous.digests.get(ref.path, "") == digests.get(ref.path))
    findings = [finding for finding in old.key_findings
                if finding.anchor is not None and finding.anchor.file in unchanged]
    return _Kept(unchanged, findings, [f for f in previous.flagged if f.path in unchanged])


def _flags_only(facts: FileFacts) -> FileFacts:
    return FileFacts(path=facts.path, module=facts.module, flags=facts.flags, error=facts.error)


def _literals(query: Query, plan: Plan, ctx: QueryContext) -> tuple[str, ...] | None:
    """The plan's literals; when it has none, with `subclass_of=` the names of the
    subclasses, with `used_by=` the names the named def calls."""
    from cq.query.joins import used_by_literals
    from cq.query.subclasses import subclass_literals

    if plan.literals is not None:
        return plan.literals
    if query.subclass_of is not None:
        return subclass_literals(query, ctx)
    return used_by_literals(query, ctx)


def _execute_pattern(query: Query, plan: Plan, source: FactSource, discovery: Discovery,
                     jobs: int) -> QueryOutcome:
    from cq.query.pattern import pattern_summary, problems_section, run_pattern

    run = run_pattern(query, plan, source, jobs)
    shown = run.findings[: query.limit] if query.limit else run.findings
    summary = pattern_summary(run, discovery, len(shown))
    if query.limit is not None:
        summary["limit"] = query.limit
    unmatched = sum("unmatched" in found.flags for found in run.results)
    if unmatched:  # the runner does not cache an answer some file failed to contribute to
        summary["files_unmatched"] = unmatched
    sections: list[Section] = []
    if query.explain:
        sections = [_excluded_section(discovery), problems_section(run)]
        summary.update(_explain_summary(plan, discovery))
    return QueryOutcome(key_findings=tuple(shown), sections=tuple(sections), summary=summary)


def _unread_note(facts_list: list[FileFacts]) -> list[str]:
    """The files that could have answered but were not read (too large, unreadable)."""
    unread = [facts for facts in facts_list if UNREAD_FLAGS.intersection(facts.flags)]
    if not unread:
        return []
    shown = ", ".join(f"`{f.path}` ({', '.join(sorted(UNREAD_FLAGS.intersection(f.flags)))})"
                      for f in unread[:3])
    more = f" and {len(unread) - 3:,} more" if len(unread) > 3 else ""
    return [f"not read, may hold more: {shown}{more}"]


def _add_notes(summary: dict[str, Any], notes: list[str]) -> None:
    if notes:
        summary["notes"] = [*summary.get("notes", []), *notes]


def _explain_summary(plan: Plan, discovery: Discovery) -> dict[str, Any]:
    return {"plan": plan.describe(), "scope": [ref.path for ref in discovery.files]}


def _select(query: Query, facts_list: list[FileFacts]) -> list[Finding]:
    selectors = dict.fromkeys(SELECTORS[entity] for entity in query.entities)
    return [finding for facts in facts_list for selector in selectors
            for finding in selector(query, facts)]


def _subjects(items: list[Item]) -> list[Target]:
    from cq.analysis.names import Target

    return [Target(item.facts.path, item.facts.module, item.definition)
            for item in items if item.definition is not None]


def _with_relation_fields(query: Query, source: FactSource, subjects: list[Target],
                          shown: list[Finding]) -> list[Finding]:
    """fields=callers / fields=callees: each definition carries the labels it relates to."""
    wanted: list[str] = [name for name in ("callers", "callees") if name in query.fields]
    if not wanted:
        return shown
    relations = {name: _relation_map(name, source, subjects) for name in wanted}
    return [_add_relations(finding, relations) for finding in shown]


def _relation_map(name: str, source: FactSource, subjects: list[Target]) -> dict[str, list[str]]:
    section = _graph()[name](source, subjects, 1)
    related: dict[str, set[str]] = {}
    for finding in section.findings:
        edge = details_of(finding, CallEdgeDetails)
        if name == "callers":
            for target in edge.targets:
                related.setdefault(target, set()).add(edge.caller)
        else:
            related.setdefault(edge.caller, set()).add(edge.callee)
    return {key: sorted(values) for key, values in related.items()}


def _add_relations(finding: Finding, relations: dict[str, dict[str, list[str]]]) -> Finding:
    details = finding.details
    if not isinstance(details, DefinitionDetails):
        return finding
    label = full_name(details.module, details.qualname)
    related = {name: tuple(mapping.get(label, [])) for name, mapping in relations.items()}
    return msgspec.structs.replace(finding, details=msgspec.structs.replace(details, **related))


def _flagged(facts_list: list[FileFacts]) -> list[Finding]:
    findings = []
    for facts in facts_list:
        if facts.flags:
            findings.append(file_issue(facts.path, ", ".join(facts.flags), "scan", facts.error))
    return sorted(findings, key=finding_order)


def _excluded_section(discovery: Discovery) -> Section:
    excluded = [make_finding("file_issue", None,
                             FileIssueDetails(path=item.path, problem=item.reason, stage="scope"),
                             message=f"{item.path}: excluded ({item.reason})")
                for item in discovery.excluded]
    return Section(title="Excluded from scope", kind="excluded", findings=tuple(excluded))


def _explain_sections(query: Query, facts_list: list[FileFacts],
                      discovery: Discovery) -> list[Section]:
    if not query.explain:
        return []
    return [_excluded_section(discovery),
            Section(title="Files scanned with problems", kind="file_issues",
                    findings=tuple(_flagged(facts_list)))]


def _summary(query: Query, plan: Plan, facts_list: list[FileFacts], discovery: Discovery,
             selected: list[Finding], shown: list[Finding]) -> dict[str, Any]:
    files_with = {f.anchor.file for f in selected if f.anchor}
    summary: dict[str, Any] = {
        "matches": len(selected), "files_with_matches": len(files_with),
        "files_in_scope": len(discovery.files),
        "truncated": len(shown) < len(selected),
    }
    # Counted over the files that could answer (the same whatever the caches held), never
    # over the files this run happened to load.
    flagged = sum(1 for facts in facts_list if facts.flags)
    if flagged:
        summary["files_flagged"] = flagged
    if query.limit is not None:
        summary["limit"] = query.limit
    if query.shorthand:
        summary["notes"] = ["a single word searches functions, methods and classes by name"]
    if query.explain:
        summary.update(_explain_summary(plan, discovery))
    return summary
