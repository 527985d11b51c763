"""Suppression comments: `# nosec` (bandit's spelling, optionally with ids: `# nosec B301`,
`# nosec: B301,pickle-load`) and `# cq: ignore[rule-id, ...]` (`# cq: ignore` alone: every
row), on a line of the finding (a call split over lines may carry it on any of them) or on the
first line of the statement that holds it.

A suppressed hit is kept and flagged, never dropped: the report counts it and lists it apart.
Only comments count (a `# nosec` inside a string does not), and the comments are read only when
the file's bytes mention one of the two spellings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from cq.hazards.registry import RULES

if TYPE_CHECKING:
    from ast_grep_py import SgNode

ALL = frozenset({"*"})
_NOSEC = re.compile(r"#.*?\bnosec\b:?([^#]*)", re.IGNORECASE)
_CQ_IGNORE = re.compile(r"#.*?\bcq:\s*ignore(?:\[([^\]]*)\])?")
_ID = re.compile(r"[A-Za-z][\w-]*")
_BANDIT = re.compile(r"^B\d{3}$")  # any bandit test id, ours or not (`# nosec B607`)
# The ids a comment may name; other words after `nosec` are prose (`# nosec: trusted input`).
KNOWN_IDS = frozenset(ident for row in RULES for ident in (row.id, *row.bandit))
_MARKERS = (b"nosec", b"NOSEC", b"cq:")
_STATEMENT_PARENTS = frozenset({"module", "block"})

Directives = Mapping[int, frozenset[str]]  # line -> ids it suppresses (ALL: every row)


def directives(data: bytes, root: SgNode) -> dict[int, frozenset[str]]:
    """The suppression comments of a file, by line (1-based)."""
    if not any(marker in data for marker in _MARKERS):
        return {}
    found: dict[int, frozenset[str]] = {}
    for comment in root.find_all(kind="comment"):
        ids = comment_ids(comment.text())
        if ids is not None:
            line = comment.range().start.line + 1
            found[line] = found.get(line, frozenset()) | ids
    return found


def comment_ids(text: str) -> frozenset[str] | None:
    """What one comment suppresses: None (nothing), ALL, or the ids it names. `# cq: ignore[...]`
    names exactly its ids (an unknown one suppresses nothing); after `nosec`, bandit ids
    (`B607`) and cq ids count, other words are prose."""
    ids: set[str] = set()
    matched = False
    for found in _NOSEC.finditer(text):
        matched = True
        named = [i for i in _ID.findall(found.group(1)) if i in KNOWN_IDS or _BANDIT.match(i)]
        if not named:
            return ALL
        ids.update(named)
    for found in _CQ_IGNORE.finditer(text):
        matched = True
        if found.group(1) is None:
            return ALL
        ids.update(_ID.findall(found.group(1)))
    return frozenset(ids) if matched else None


def statement_line(node: SgNode) -> int:
    """The first line of the statement that holds `node` (1-based)."""
    current = node
    while True:
        parent = current.parent()
        if parent is None or parent.kind() in _STATEMENT_PARENTS:
            return current.range().start.line + 1
        current = parent


def is_suppressed(found: Directives, lines: tuple[int, ...], ids: tuple[str, ...]) -> bool:
    """Does a directive on one of `lines` cover a row known by `ids` (its id, bandit's)?"""
    for line in lines:
        named = found.get(line)
        if named is not None and (named is ALL or "*" in named
                                  or any(i in named for i in ids)):
            return True
    return False
