"""The words a file must contain for a rule to match in it (the text prefilter).

Two entries: `pattern_literals` for one pattern, and `rule_words` for a whole rule object,
whose answer is a list of alternatives (a file may match when it contains every word of one
alternative; an empty alternative means "any file"). A rule's words come from its patterns'
literal leaves, a few node kinds' keywords (`global_statement` → `global`), the relational and
`all` sub-rules (ANDed) and the `any` branches (ORed); `not`, `regex` and constraints require
nothing.

A pattern's leaves are compared by text (except under `signature` strictness), so every
identifier or keyword leaf outside the metavariables must appear in a matching file. Which
leaves count follows ast-grep's strictness: `cst` and `smart` match every pattern node, so
keywords count too (`async def $F` needs `async`); `ast` and `relaxed` skip unnamed nodes, so
only named leaves (identifiers, `True`, ...) count; `signature` ignores text, so nothing does.
Only ASCII words are used, because the test runs on an ASCII view of the file
(`cq.coding.ascii_view`). A word leaf of the pattern is a whole token of the matched code, so
after the (substring) literal memo says yes, `has_words` also requires each word to stand
alone (`eval` is not in `evaluate`).

The pattern is parsed the way ast-grep parses it: `$` becomes the expando character `µ`, so
metavariables are identifiers we can recognise and skip.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from cq.rules.spec import PatternSpec

if TYPE_CHECKING:
    from ast_grep_py import SgNode

EXPANDO = "µ"
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAMED_ONLY = frozenset({"ast", "relaxed"})
_MAX_NODES = 10_000  # a pattern is small; this bounds a pathological one


def word_regexes(words: tuple[str, ...]) -> tuple[re.Pattern[bytes], ...]:
    return tuple(re.compile(rb"(?<![A-Za-z0-9_])" + re.escape(word.encode()) + rb"(?![A-Za-z0-9_])")
                 for word in words)


def has_words(data: bytes, regexes: tuple[re.Pattern[bytes], ...]) -> bool:
    return all(regex.search(data) is not None for regex in regexes)


def pattern_tree(text: str) -> SgNode:
    from ast_grep_py import SgRoot  # only queries with a rule pay for the import

    return SgRoot(text.replace("$", EXPANDO), "python").root()


def pattern_literals(text: str, selector: str | None = None,
                     strictness: str | None = None) -> tuple[str, ...]:
    """Words every file that matches the pattern contains, in first-seen order."""
    if strictness == "signature":
        return ()
    node = pattern_tree(text)
    if selector:
        found = node.find(kind=selector)
        if found is None:
            return ()
        node = found
    named_only = strictness in _NAMED_ONLY
    words = (leaf.text() for leaf in _leaves(node)
             if not (named_only and not leaf.is_named()) and "comment" not in leaf.kind())
    return tuple(dict.fromkeys(w for w in words if _WORD.fullmatch(w)))


def _leaves(node: SgNode) -> Iterator[SgNode]:
    stack, seen = [node], 0
    while stack and seen < _MAX_NODES:
        current = stack.pop()
        seen += 1
        children = current.children()
        if not children:
            yield current
        stack.extend(reversed(children))


def spec_literals(spec: PatternSpec) -> tuple[str, ...]:
    return pattern_literals(spec.text, spec.selector, spec.strictness)


# --- rule objects --------------------------------------------------------------------

Alternatives = list[tuple[str, ...]]
# Keywords every node of a kind contains (the prefilter's words for `kind:` rules).
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "global_statement": ("global",), "nonlocal_statement": ("nonlocal",),
    "assert_statement": ("assert",), "except_clause": ("except",),
    "function_definition": ("def",), "class_definition": ("class",),
    "lambda": ("lambda",), "await": ("await",),
}
_RELATIONS = ("inside", "has", "precedes", "follows")
MAX_ALTERNATIVES = 32  # past this, the prefilter gives up on the rule (every file)


def and_words(left: Alternatives, right: Alternatives) -> Alternatives:
    combined = [tuple(dict.fromkeys((*a, *b))) for a in left for b in right]
    return list(dict.fromkeys(combined))[:MAX_ALTERNATIVES + 1]


def _or_words(branches: list[Alternatives]) -> Alternatives:
    merged = [alt for branch in branches for alt in branch]
    return [()] if () in merged or not merged else list(dict.fromkeys(merged))


def rule_words(rule: dict[str, Any]) -> Alternatives:
    """The word alternatives of one rule object (see the module docstring)."""
    alts: Alternatives = [()]
    if isinstance(rule.get("pattern"), str):
        alts = and_words(alts, [pattern_literals(rule["pattern"])])
    if isinstance(rule.get("kind"), str):
        alts = and_words(alts, [KIND_WORDS.get(rule["kind"], ())])
    for key in _RELATIONS:
        if isinstance(rule.get(key), dict):
            alts = and_words(alts, rule_words(rule[key]))
    for part in rule.get("all", ()):
        alts = and_words(alts, rule_words(part))
    if rule.get("any"):
        alts = and_words(alts, _or_words([rule_words(part) for part in rule["any"]]))
    return alts
