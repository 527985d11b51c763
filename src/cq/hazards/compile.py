"""Registry rows → a compiled rule set: each row's ast-grep config, checked by ast-grep, and
the literal words a file must contain for the row to match in it (the text prefilter).

Words come from the rule (`cq.rules.literals.rule_words`) plus the row's declared `words`, as
a list of alternatives (a file may match when it contains every word of one alternative). A
row's `needles` (substrings, any of which a matching file contains) become one alternative each,
marked with `SUBSTRING`.

The compiled set is plain data, kept as a typed value (`list[CompiledRule]`) by `memoized_rules`
in the coordination store (`cq.cache.coordination.memoized_stampede`), keyed by the registry
digest, so concurrent cold runs compile it once and later runs skip the work. A memo that does
not decode as that type is dropped inside the store and compiled again; `load_rules` hands the
store's notices back so the run can show them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from cq.cache.coordination import memoized_stampede
from cq.cache.profile import profile_from_settings
from cq.cache.store import open_store
from cq.codeprint import code_fingerprint
from cq.hazards.registry import RULES, HazardRule, registry_digest
from cq.hazards.row import callee_patterns
from cq.rules.build import check_config
from cq.rules.literals import MAX_ALTERNATIVES, and_words, rule_words

MEMO_EXPIRE_S = 7 * 24 * 3600.0


SUBSTRING = "~"  # a word so marked is a substring of the file, not a whole token


class CompiledRule(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    config: dict[str, Any]
    words: tuple[tuple[str, ...], ...]  # alternatives; () inside means "any file"
    check: str | None = None  # a named check of cq.hazards.checks
    suppress_ids: tuple[str, ...] = ()  # the ids a `# nosec ...` may name for this row


def compile_rule(row: HazardRule) -> CompiledRule:
    config = row.config()
    check_config(config)  # a broken row fails loudly, in the registry's tests first
    alts = and_words(rule_words(callee_patterns(row.rule)), [row.words])
    if row.needles:
        alts = and_words(alts, [(SUBSTRING + needle,) for needle in row.needles])
    if len(alts) > MAX_ALTERNATIVES:
        alts = [()]
    return CompiledRule(id=row.id, config=config, words=tuple(alts), check=row.check,
                        suppress_ids=(row.id, *row.bandit))


def compile_rules(rows: Sequence[HazardRule] = RULES) -> list[CompiledRule]:
    return [compile_rule(row) for row in rows]


def _compile_for(digest: str) -> list[CompiledRule]:
    """The compiled registry (`digest` only keys the memo)."""
    del digest
    return compile_rules()


def memoized_rules(store: Any) -> list[CompiledRule]:
    """The compiled registry, memoized across runs in the coordination `store`."""
    compiled = memoized_stampede(store, "hazard-rules", list[CompiledRule],
                                 MEMO_EXPIRE_S)(_compile_for)
    # Keyed by the registry and the code that compiles it (prefilter words, grammar).
    return list(compiled(f"{registry_digest()}/{code_fingerprint()}"))


def load_rules(settings: Any) -> tuple[list[CompiledRule], tuple[str, ...]]:
    """The compiled registry for a run, memoized in the root's coordination store (a disabled
    or faulty store compiles in-process instead), and that store's notices."""
    store = open_store(profile_from_settings(settings), "coordination")
    try:
        return memoized_rules(store), tuple(store.notices)
    finally:
        store.close(flush_counters=False)


_COMPILED: list[CompiledRule] = []


def compiled_registry() -> list[CompiledRule]:
    """The compiled registry, compiled once per process (for `expand=hazards` and
    `fields=hazards`, whose runs have no coordination store at hand)."""
    if not _COMPILED:
        _COMPILED.extend(compile_rules())
    return list(_COMPILED)
