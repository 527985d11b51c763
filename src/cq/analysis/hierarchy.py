"""Subclasses of a class, at any depth, through the repository's bases.

`descendants(names, roots)` finds every class whose bases lead, resolved the way calls
resolve classes (`cq.analysis.names.Names.bases`: imports, aliases, re-exports, star
imports), to one of `roots`. Only files that can hold one are loaded: a direct subclass names
its base (or an import of it) in its file, so the search reads the files containing a root's
name, then those containing the name of each subclass found, until no new name turns up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from cq.analysis.names import Names, Target


class Descendant(NamedTuple):
    target: Target
    chain: tuple[Target, ...]  # the bases from the class up to a root (the root last)


def descendants(names: Names, roots: Sequence[Target]) -> list[Descendant]:
    """Every class deriving from a root (the roots themselves are not), in file order."""
    walk = _Walk(names, {root.label for root in roots})
    found: dict[str, Descendant] = {}
    searched: set[str] = set()
    frontier = {root.definition.name for root in roots}
    while frontier:
        searched |= frontier
        new: set[str] = set()
        for facts in names.source.facts_for(sorted(frontier)):
            for definition in facts.defs:
                if definition.kind != "class" or not definition.bases:
                    continue
                klass = Target(facts.path, facts.module, definition)
                chain = walk.chain(klass)
                if chain and klass.label not in found and klass.label not in walk.roots:
                    found[klass.label] = Descendant(klass, chain[1:])
                    new.add(definition.name)
        frontier = new - searched
    return sorted(found.values(), key=lambda d: (d.target.path, d.target.definition.span.line))


class _Walk:
    """Paths from classes up to a root, memoised; a base cycle ends a path."""

    def __init__(self, names: Names, roots: set[str]) -> None:
        self.names = names
        self.roots = roots
        self._chains: dict[str, tuple[Target, ...]] = {}

    def chain(self, klass: Target, visiting: frozenset[str] = frozenset()) -> tuple[Target, ...]:
        """(klass, base, …, root) along the first base that leads to a root; () if none."""
        label = klass.label
        if label in self.roots:
            return (klass,)
        if label in self._chains:
            return self._chains[label]
        if label in visiting:
            return ()
        found: tuple[Target, ...] = ()
        for base in self.names.bases(klass):
            above = self.chain(base, visiting | {label})
            if above:
                found = (klass, *above)
                break
        self._chains[label] = found
        return found
