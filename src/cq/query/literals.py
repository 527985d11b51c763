"""The words a file must contain for a rule to match in it (the text prefilter).

A pattern's leaves are compared by text (except under `signature` strictness), so every
identifier or keyword leaf outside the metavariables must appear in a matching file. Which
leaves count follows ast-grep's strictness: `cst` and `smart` match every pattern node, so
keywords count too (`async def $F` needs `async`); `ast` and `relaxed` skip unnamed nodes, so
only named leaves (identifiers, `True`, ...) count; `signature` ignores text, so nothing does.
Only ASCII words are used, because the test runs on the file's raw bytes. A word leaf of the
pattern is a whole token of the matched code, so after the (substring) literal memo says yes,
`has_words` also requires each word to stand alone (`eval` is not in `evaluate`).

The pattern is parsed the way ast-grep parses it: `$` becomes the expando character `µ`, so
metavariables are identifiers we can recognise and skip.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from cq.query.model import PatternSpec, Query

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


def has_error_node(text: str) -> bool:
    """Does tree-sitter need error recovery to parse the pattern? (ast-grep warns then.)"""
    root = pattern_tree(text)
    return root.kind() == "ERROR" or root.find(kind="ERROR") is not None


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


def required_literals(query: Query) -> tuple[str, ...]:
    """Words a file must contain ALL of for the query's rule to match in it: those of the
    pattern and of every pattern the node or its relatives must match (inside, has,
    precedes, follows, all=). `any=` and `not=` require nothing; a stopBy pattern neither."""
    words: list[str] = []
    if query.pattern is not None:
        words.extend(spec_literals(query.pattern))
    for relation in query.relations:
        words.extend(pattern_literals(relation.pattern))
    for composite in query.composites:
        if composite.op == "all":
            for pattern in composite.patterns:
                words.extend(pattern_literals(pattern))
    return tuple(dict.fromkeys(words))
