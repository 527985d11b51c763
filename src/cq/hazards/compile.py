"""Registry rows → a compiled rule set: each row's ast-grep config, checked by ast-grep, and
the literal words a file must contain for the row to match in it (the text prefilter).

Words come from the rule: a pattern's literal leaves (`cq.query.literals`), a few node kinds'
keywords (`global_statement` → `global`), the relational and `all` sub-rules (ANDed), the
`any` branches (ORed), plus the row's declared `words`; `not`, `regex` and constraints
require nothing. So each rule has a list of alternatives (a file may match when it contains
every word of one alternative); an empty alternative means "any file".

The compiled set is plain data and its JSON text is what `memoized_rules` keeps in the
coordination store (`cq.cache.coordination.memoized_stampede`), keyed by the registry digest,
so concurrent cold runs compile it once and later runs skip the work.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import msgspec

from cq.hazards.registry import RULES, HazardRule, registry_digest

# Keywords every node of a kind contains (the prefilter's words for `kind:` rules).
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "global_statement": ("global",), "nonlocal_statement": ("nonlocal",),
    "assert_statement": ("assert",), "except_clause": ("except",),
    "function_definition": ("def",), "class_definition": ("class",),
    "lambda": ("lambda",), "await": ("await",),
}
_RELATIONS = ("inside", "has", "precedes", "follows")
MAX_ALTERNATIVES = 32  # past this, the prefilter gives up on the rule (every file)
MEMO_EXPIRE_S = 7 * 24 * 3600.0

Alternatives = list[tuple[str, ...]]


class CompiledRule(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    config: dict[str, Any]
    words: tuple[tuple[str, ...], ...]  # alternatives; () inside means "any file"


def _and(left: Alternatives, right: Alternatives) -> Alternatives:
    combined = [tuple(dict.fromkeys((*a, *b))) for a in left for b in right]
    return list(dict.fromkeys(combined))[:MAX_ALTERNATIVES + 1]


def _or(branches: list[Alternatives]) -> Alternatives:
    merged = [alt for branch in branches for alt in branch]
    return [()] if () in merged or not merged else list(dict.fromkeys(merged))


def rule_words(rule: dict[str, Any]) -> Alternatives:
    """The word alternatives of one rule object (see the module docstring)."""
    from cq.query.literals import pattern_literals

    alts: Alternatives = [()]
    if isinstance(rule.get("pattern"), str):
        alts = _and(alts, [pattern_literals(rule["pattern"])])
    if isinstance(rule.get("kind"), str):
        alts = _and(alts, [KIND_WORDS.get(rule["kind"], ())])
    for key in _RELATIONS:
        if isinstance(rule.get(key), dict):
            alts = _and(alts, rule_words(rule[key]))
    for part in rule.get("all", ()):
        alts = _and(alts, rule_words(part))
    if rule.get("any"):
        alts = _and(alts, _or([rule_words(part) for part in rule["any"]]))
    return alts


def compile_rule(row: HazardRule) -> CompiledRule:
    from cq.query.rules import check_config

    config = row.config()
    check_config(config)  # a broken row fails loudly, in the registry's tests first
    alts = _and(rule_words(row.rule), [row.words])
    if len(alts) > MAX_ALTERNATIVES:
        alts = [()]
    return CompiledRule(id=row.id, config=config, words=tuple(alts))


def compile_rules(rows: Sequence[HazardRule] = RULES) -> list[CompiledRule]:
    return [compile_rule(row) for row in rows]


def rules_json(digest: str) -> str:
    """The compiled registry as JSON text (`digest` only keys the memo)."""
    del digest
    return json.dumps(msgspec.to_builtins(compile_rules()), sort_keys=True)


def rules_from_json(text: str) -> list[CompiledRule]:
    return msgspec.json.decode(text, type=list[CompiledRule])


def memoized_rules(store: Any) -> list[CompiledRule]:
    """The compiled registry, memoized across runs in the coordination `store`."""
    from cq.cache.coordination import memoized_stampede
    from cq.codeprint import code_fingerprint

    compiled = memoized_stampede(store, "hazard-rules", str, MEMO_EXPIRE_S)(rules_json)
    # Keyed by the registry and the code that compiles it (prefilter words, grammar).
    return rules_from_json(compiled(f"{registry_digest()}/{code_fingerprint()}"))


def load_rules(settings: Any) -> list[CompiledRule]:
    """The compiled registry for a run: memoized in the root's coordination store (a disabled
    or faulty store compiles in-process instead)."""
    from cq.cache.profile import profile_from_settings
    from cq.cache.store import open_store

    store = open_store(profile_from_settings(settings), "coordination")
    try:
        return memoized_rules(store)
    finally:
        store.close(flush_counters=False)


_COMPILED: list[CompiledRule] = []


def compiled_registry() -> list[CompiledRule]:
    """The compiled registry, compiled once per process (for `expand=hazards` and
    `fields=hazards`, whose runs have no coordination store at hand)."""
    if not _COMPILED:
        _COMPILED.extend(compile_rules())
    return list(_COMPILED)
