"""Entity selection: facts → key findings for each `entity=` kind.

One selector per entity kind, registered in SELECTORS; each yields `(fact, Finding)` pairs for
the facts that pass the query's filters. Details carried per finding follow `fields=`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import msgspec

from cq.analysis.signature import param_names, signature
from cq.details import (
    DefinitionDetails,
    ModuleDetails,
)
from cq.facts import Call, Def, FileFacts, Import
from cq.findings import anchor_of, call_details, import_details, import_text, make_finding
from cq.modules import full_name
from cq.query.match import decorator_name, has_decorator, name_matches
from cq.query.parse import Query
from cq.result import Anchor, Finding

Selector = Callable[[Query, FileFacts], Iterator[Finding]]


def def_details(facts: FileFacts, definition: Def, fields: tuple[str, ...],
                decorators: bool = False) -> DefinitionDetails:
    loc = definition.span.end_line - definition.span.line + 1
    return DefinitionDetails(
        kind=definition.kind, name=definition.name, qualname=definition.qualname,
        module=facts.module, signature=signature(definition),
        bases=definition.bases if definition.kind == "class" else (),
        enclosing=definition.enclosing or None, docstring=definition.docstring or None,
        loc=loc if "loc" in fields else None,
        decorators=definition.decorators if decorators or "decorators" in fields else (),
        params=param_names(definition.params))


def _def_passes(query: Query, facts: FileFacts, definition: Def) -> bool:
    if definition.kind not in query.entities and not (
            "decorator" in query.entities and definition.decorators):
        return False
    if query.name and not name_matches(query.name, definition.name,
                                       full_name(facts.module, definition.qualname)):
        return False
    return _decorators_pass(query, definition)


def _decorators_pass(query: Query, definition: Def) -> bool:
    count = len(definition.decorators)
    if query.decorator_count_min is not None and count < query.decorator_count_min:
        return False
    if query.decorator_count_max is not None and count > query.decorator_count_max:
        return False
    return not query.decorated_by or has_decorator(definition, query.decorated_by)


def select_defs(query: Query, facts: FileFacts) -> Iterator[Finding]:
    members: dict[str, list[tuple[str, ...]]] | None = None  # built on the first class
    for definition in facts.defs:
        if not _def_passes(query, facts, definition):
            continue
        finding = _def_finding(query, facts, definition)
        if definition.kind == "class":
            members = _methods_by_class(facts) if members is None else members
            details = msgspec.structs.replace(
                finding.details, methods=tuple(members.get(definition.qualname, ())))
            finding = msgspec.structs.replace(finding, details=details)
        yield finding


def _methods_by_class(facts: FileFacts) -> dict[str, list[tuple[str, ...]]]:
    """Each class's methods in the file, (name, parameter names...), in source order."""
    members: dict[str, list[tuple[str, ...]]] = {}
    for definition in facts.defs:
        if definition.kind == "method" and "." in definition.qualname:
            owner = definition.qualname.rsplit(".", 1)[0]
            members.setdefault(owner, []).append((definition.name,
                                                  *param_names(definition.params)))
    return members


def _def_finding(query: Query, facts: FileFacts, definition: Def) -> Finding:
    details = def_details(facts, definition, query.fields, "decorator" in query.entities)
    if "decorator" in query.entities:
        names = ", @".join(decorator_name(d) for d in definition.decorators)
        return make_finding("decorator", anchor_of(facts.path, definition.span), details,
                            message=f"@{names} {definition.kind} {definition.qualname}")
    return make_finding("definition", anchor_of(facts.path, definition.span), details,
                        message=details.signature.split("(", 1)[0]
                        + ("" if definition.kind == "class" else "(…)")
                        + (f" in {definition.enclosing}" if definition.enclosing else ""))


def select_modules(query: Query, facts: FileFacts) -> Iterator[Finding]:
    simple = facts.module.rsplit(".", 1)[-1]
    if query.name and not name_matches(query.name, simple, facts.module):
        return
    kinds = [d.kind for d in facts.defs]
    details = ModuleDetails(
        module=facts.module, lines=facts.lines, classes=kinds.count("class"),
        functions=kinds.count("function"), methods=kinds.count("method"),
        n_imports=len(facts.imports), docstring=facts.docstring or None, flags=facts.flags)
    yield make_finding("module", Anchor(file=facts.path, line=1), details)


def _call_passes(query: Query, call: Call) -> bool:
    return query.name is None or name_matches(query.name, call.name, call.callee)


def select_calls(query: Query, facts: FileFacts) -> Iterator[Finding]:
    for call in facts.calls:
        if _call_passes(query, call):
            yield make_finding("call_site", anchor_of(facts.path, call.span), call_details(call))


def import_targets(imp: Import) -> list[str]:
    """The dotted names an import brings in: modules for `import`, `mod.name` for `from`."""
    base = imp.resolved or imp.module
    if not imp.is_from:
        return [name.name for name in imp.names]
    return [base, *(f"{base}.{name.name}" if base else name.name for name in imp.names)]


def _import_passes(query: Query, imp: Import) -> bool:
    if query.name is None:
        return True
    return any(name_matches(query.name, target, target) for target in import_targets(imp))


def select_imports(query: Query, facts: FileFacts) -> Iterator[Finding]:
    for imp in facts.imports:
        if _import_passes(query, imp):
            yield make_finding("import", anchor_of(facts.path, imp.span), import_details(imp),
                               message=import_text(imp))


SELECTORS: dict[str, Selector] = {
    "function": select_defs, "method": select_defs, "class": select_defs,
    "decorator": select_defs, "module": select_modules, "callsite": select_calls,
    "import": select_imports,
}
