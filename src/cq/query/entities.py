"""Entity selection: facts → key findings for each `entity=` kind.

One selector per entity kind, registered in SELECTORS; each yields `(fact, Finding)` pairs for
the facts that pass the query's filters. Details carried per finding follow `fields=`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from cq.analysis.signature import signature
from cq.facts import Call, Def, FileFacts, Import
from cq.findings import anchor_of, make_finding
from cq.modules import full_name
from cq.query.match import decorator_name, has_decorator, name_matches
from cq.query.parse import Query
from cq.result import Anchor, Finding

Selector = Callable[[Query, FileFacts], Iterator[Finding]]


def def_details(facts: FileFacts, definition: Def, fields: tuple[str, ...]) -> dict[str, Any]:
    details: dict[str, Any] = {
        "kind": definition.kind, "name": definition.name, "qualname": definition.qualname,
        "module": facts.module, "signature": signature(definition),
    }
    if definition.kind == "class" and definition.bases:
        details["bases"] = list(definition.bases)
    if definition.enclosing:
        details["enclosing"] = definition.enclosing
    if definition.docstring:
        details["docstring"] = definition.docstring
    if "loc" in fields:
        details["loc"] = definition.span.end_line - definition.span.line + 1
    if "decorators" in fields:
        details["decorators"] = list(definition.decorators)
    return details


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
    for definition in facts.defs:
        if _def_passes(query, facts, definition):
            yield _def_finding(query, facts, definition)


def _def_finding(query: Query, facts: FileFacts, definition: Def) -> Finding:
    details = def_details(facts, definition, query.fields)
    if "decorator" in query.entities:
        details["decorators"] = list(definition.decorators)
        names = ", @".join(decorator_name(d) for d in definition.decorators)
        return make_finding("decorator", anchor_of(facts.path, definition.span), details,
                            message=f"@{names} {definition.kind} {definition.qualname}")
    return make_finding("definition", anchor_of(facts.path, definition.span), details,
                        message=details["signature"].split("(", 1)[0]
                        + ("" if definition.kind == "class" else "(…)")
                        + (f" in {definition.enclosing}" if definition.enclosing else ""))


def select_modules(query: Query, facts: FileFacts) -> Iterator[Finding]:
    simple = facts.module.rsplit(".", 1)[-1]
    if query.name and not name_matches(query.name, simple, facts.module):
        return
    kinds = [d.kind for d in facts.defs]
    details: dict[str, Any] = {
        "module": facts.module, "lines": facts.lines, "classes": kinds.count("class"),
        "functions": kinds.count("function"), "methods": kinds.count("method"),
        "imports": len(facts.imports),
    }
    if facts.docstring:
        details["docstring"] = facts.docstring
    if facts.flags:
        details["flags"] = list(facts.flags)
    yield make_finding("module", Anchor(file=facts.path, line=1), details)


def _call_passes(query: Query, call: Call) -> bool:
    return query.name is None or name_matches(query.name, call.name, call.callee)


def select_calls(query: Query, facts: FileFacts) -> Iterator[Finding]:
    for call in facts.calls:
        if _call_passes(query, call):
            yield make_finding("call_site", anchor_of(facts.path, call.span), call_details(call))


def call_details(call: Call) -> dict[str, Any]:
    details: dict[str, Any] = {
        "callee": call.callee, "name": call.name, "positional": call.n_positional,
        "keywords": list(call.keywords), "preview": call.preview,
    }
    if call.receiver:
        details["receiver"] = call.receiver
    if call.star_args or call.star_kwargs:
        details["forwarding"] = ("*" if call.star_args else "") + ("**" if call.star_kwargs else "")
    details["enclosing"] = call.enclosing
    return details


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


def import_details(imp: Import) -> dict[str, Any]:
    details: dict[str, Any] = {
        "module": imp.module, "resolved": imp.resolved, "level": imp.level,
        "names": [[n.name, n.alias] for n in imp.names], "from": imp.is_from,
    }
    if imp.enclosing:
        details["enclosing"] = imp.enclosing
    return details


def import_text(imp: Import) -> str:
    names = ", ".join(n.name + (f" as {n.alias}" if n.alias else "") for n in imp.names)
    if imp.is_from:
        return f"from {'.' * imp.level}{imp.module} import {names}"
    return f"import {names}"


SELECTORS: dict[str, Selector] = {
    "function": select_defs, "method": select_defs, "class": select_defs,
    "decorator": select_defs, "module": select_modules, "callsite": select_calls,
    "import": select_imports,
}
