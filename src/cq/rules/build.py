"""Rule parts (`cq.rules.spec`) → ast-grep rule objects, and the check that rejects a bad
config before any work.

A pattern becomes `pattern: TEXT`, or, for a def/class header (`class Handler`), the `any`
of the complete definitions it stands for (`cq.rules.headers`). Relations look at any depth
unless told otherwise (`stopBy: end`; ast-grep's own default is the immediate relation).
`all=`/`any=`/`not=` mean "the node contains all / any / none of the patterns", so each
pattern becomes `has: {pattern, stopBy: end}`; metavariable filters (a regex or a node kind
on the captured node) become `constraints`. A config's JSON text (`config_json`) is stable, so
it can be part of a cache key.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from cq.rules.headers import header_variants
from cq.rules.literals import EXPANDO
from cq.rules.spec import Composite, MetaFilter, NthChild, PatternSpec, Relation

if TYPE_CHECKING:
    from ast_grep_py import Config as SgConfig
    from ast_grep_py import SgNode

Config = dict[str, Any]

# `$NAME` (one node), `$$NAME` (one node, unnamed too) and `$$$NAME` (zero or more); names
# starting with `_` (and `$_`, `$$$`) are anonymous: they match but capture nothing.
_METAVAR = re.compile(r"(\${1,3})([A-Z][A-Z0-9_]*)")


class RuleError(ValueError):
    """ast-grep refused a rule; the message is its most specific cause."""


def metavariables(pattern: str) -> dict[str, str]:
    """Capturing metavariables of a pattern: name (no `$`) → as written (`$X`, `$$$ARGS`)."""
    found: dict[str, str] = {}
    for match in _METAVAR.finditer(pattern):
        found.setdefault(match.group(2), match.group(0))
    return found


def pattern_object(text: str) -> Config:
    """The rule for one pattern text: the pattern, or the `any` of a header's definitions."""
    variants = header_variants(text)
    if variants is None:
        return {"pattern": text}
    return {"any": [{"pattern": variant} for variant in variants]}


def pattern_rule(spec: PatternSpec) -> Config:
    variants = None if spec.is_context else header_variants(spec.text)
    if variants is not None:
        return {"any": [pattern_rule(PatternSpec(text=variant, strictness=spec.strictness))
                        for variant in variants]}
    if spec.selector is None and spec.strictness is None and not spec.is_context:
        return {"pattern": spec.text}
    obj: Config = {"context": spec.text}
    if spec.selector:
        obj["selector"] = spec.selector
    if spec.strictness:
        obj["strictness"] = spec.strictness
    return {"pattern": obj}


def relation_rule(relation: Relation) -> Config:
    rule = pattern_object(relation.pattern)
    if relation.stop_by in ("neighbor", "end"):
        rule["stopBy"] = relation.stop_by
    else:
        rule["stopBy"] = pattern_object(relation.stop_by)
    if relation.field:
        rule["field"] = relation.field
    return rule


def contains_rule(pattern: str) -> Config:
    return {"has": {**pattern_object(pattern), "stopBy": "end"}}


def composite_rule(composite: Composite) -> Config:
    parts = [contains_rule(p) for p in composite.patterns]
    if composite.op == "all":
        return {"all": parts}
    if composite.op == "any":
        return {"any": parts}
    return {"not": {"any": parts}}


def nth_child_rule(nth: NthChild) -> Any:
    position: Any = int(nth.position) if nth.position.isdigit() else nth.position
    if not nth.reverse and nth.of_kind is None:
        return position
    rule: Config = {"position": position}
    if nth.reverse:
        rule["reverse"] = True
    if nth.of_kind:
        rule["ofRule"] = {"kind": nth.of_kind}
    return rule


def constraints(filters: tuple[MetaFilter, ...]) -> Config:
    """One rule per metavariable: its filter's, or the `all` of several (a regex and a kind)."""
    parts: dict[str, list[Config]] = {}
    for item in filters:
        parts.setdefault(item.name, []).append(_filter_rule(item))
    return {name: rules[0] if len(rules) == 1 else {"all": rules}
            for name, rules in parts.items()}


def _filter_rule(item: MetaFilter) -> Config:
    rule: Config = {"kind": item.kind} if item.kind is not None else {"regex": item.regex}
    return {"not": rule} if item.negate else rule


def config_json(config: Config | None) -> str | None:
    return None if config is None else json.dumps(config, sort_keys=True, ensure_ascii=False)


@cache
def _empty_root() -> SgNode:
    from ast_grep_py import SgRoot  # only queries with a rule pay for the import

    return SgRoot("", "python").root()


def check_config(config: Config) -> None:
    """Compile the config (against an empty source); raise RuleError with ast-grep's reason."""
    try:
        _empty_root().find_all(cast("SgConfig", config))
    except Exception as exc:  # ast-grep raises RuntimeError (or ValueError for bad shapes)
        raise RuleError(ast_grep_reason(str(exc))) from None


def ast_grep_reason(message: str) -> str:
    """ast-grep's error text is a cause chain plus a backtrace: keep the deepest cause, with
    the metavariables spelled as typed (ast-grep quotes the pattern after its `$` → `µ`)."""
    head = message.split("Stack backtrace:", 1)[0]
    lines = [line.strip() for line in head.splitlines() if line.strip()]
    if not lines:
        return "invalid rule"
    last = re.sub(r"^\d+:\s*", "", lines[-1])
    return (last or lines[0]).replace(EXPANDO, "$")
