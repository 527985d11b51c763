"""Why an entity query found nothing: the nearest defined names, and the constraint that
removed the candidates (DESIGN §10: an answer explains itself).

Nearest names are cheap: a misspelt name keeps one of its halves intact, so only the files
containing either half (the literal prefilter, memoised per file content) are looked at, and
`difflib` ranks the names of their definitions (or calls, for `entity=callsite`). The steps
that narrow an answer (`cq.query.execute`) report here how many candidates each had; the first
step that emptied a non-empty list is the one named ("12 methods named handle; none inside
`class Handler`").
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from cq.facts import FileFacts
from cq.index.source import FactSource
from cq.query.model import Query

NEAR_CUTOFF = 0.75  # difflib ratio a suggestion must reach
NEAR_COUNT = 3
MIN_HALF = 3  # a half shorter than this matches too many files to be worth reading
MAX_FILES = 400  # files read for suggestions at most (the ones the halves select first)

# How findings of each entity kind are counted in an explanation.
PLURALS = {"function": "functions", "method": "methods", "class": "classes",
           "decorator": "decorated definitions", "module": "modules",
           "callsite": "call sites", "import": "imports"}
SINGULARS = {"decorator": "decorated definition", "callsite": "call site"}


def wanted_name(query: Query) -> str | None:
    """The simple name a query asks for exactly, if it does (`name=X`, `name=a.b.X`)."""
    if query.name is None or query.name.mode == "regex":
        return None
    return query.name.raw.rsplit(".", 1)[-1] or None


def halves(name: str) -> tuple[str, ...]:
    """The name's two halves (a typo leaves one of them whole), those long enough to be
    selective."""
    middle = len(name) // 2
    return tuple(part for part in (name[:middle], name[middle:]) if len(part) >= MIN_HALF)


def candidate_names(query: Query, facts_list: Iterable[FileFacts]) -> set[str]:
    """The names a query of this kind could have matched in these files."""
    names: set[str] = set()
    for facts in facts_list:
        if "callsite" in query.entities:
            names.update(call.name for call in facts.calls)
        if "import" in query.entities:
            names.update(imp.module for imp in facts.imports if imp.module)
        kinds = set(query.entities)
        names.update(d.name for d in facts.defs
                     if d.kind in kinds or ("decorator" in kinds and d.decorators))
    return names


def near_names(query: Query, source: FactSource) -> list[str]:
    """Up to NEAR_COUNT defined names closest to the one asked for, nearest first."""
    name = wanted_name(query)
    parts = halves(name) if name else ()
    if not name or not parts:
        return []
    paths = [ref.path for ref in source.files
             if any(source.session.contains(ref.path, part) for part in parts)]
    facts_list = [source.facts_of(path) for path in paths[:MAX_FILES]]
    names = candidate_names(query, facts_list) - {name}
    return difflib.get_close_matches(name, sorted(names), n=NEAR_COUNT, cutoff=NEAR_CUTOFF)


def nothing_named(query: Query, near: list[str]) -> str:
    """`no function named get_objet_or_404; did you mean get_object_or_404?`"""
    text = f"no {_kinds(query, 1)} named `{query.name.raw if query.name else ''}`"
    if near:
        names = [f"`{n}`" for n in near]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        text += f"; did you mean {listed}?"
    return text


def emptied_by(query: Query, before: int, constraint: str) -> str:
    """`12 methods named handle; none inside `class Handler``."""
    named = f" named `{query.name.raw}`" if query.name else ""
    return f"{before:,} {_kinds(query, before)}{named}; none {constraint}"


def rule_constraint(query: Query) -> str:
    """The relational and composite keys, as a reader would say them."""
    parts = [f"{r.op} `{r.pattern}`" + ("" if r.stop_by == "end" else f" (stopBy={r.stop_by})")
             for r in query.relations]
    words = {"all": "containing all of", "any": "containing any of", "not": "containing none of"}
    parts += [f"{words.get(c.op, c.op)} " + ", ".join(f"`{p}`" for p in c.patterns)
              for c in query.composites]
    return " and ".join(parts) or "matching the rule"


def decorator_constraint(query: Query) -> str:
    parts = []
    if query.decorated_by:
        parts.append(f"decorated by `{query.decorated_by}`")
    if query.decorator_count_min is not None:
        parts.append(f"with at least {query.decorator_count_min} decorators")
    if query.decorator_count_max is not None:
        parts.append(f"with at most {query.decorator_count_max} decorators")
    return " and ".join(parts)


def _kinds(query: Query, count: int) -> str:
    if query.shorthand or len(query.entities) > 1:
        return "definition" if count == 1 else "definitions"
    entity = query.entities[0] if query.entities else "match"
    if count == 1:
        return SINGULARS.get(entity, entity)
    return PLURALS.get(entity, entity + "es")


def has_decorator_keys(query: Query) -> bool:
    return bool(query.decorated_by or query.decorator_count_min is not None
                or query.decorator_count_max is not None)


__all__ = ["FactSource", "candidate_names", "decorator_constraint", "emptied_by", "halves",
           "has_decorator_keys", "near_names", "nothing_named", "rule_constraint",
           "wanted_name"]
