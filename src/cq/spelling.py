"""The nearest valid spelling of a word the user mistyped (a key, an entity, a format, an
option value, a command): one suggestion, not the whole list, when one is near enough."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

CUTOFF = 0.6  # difflib's ratio a suggestion must reach


def nearest(word: str, choices: Iterable[str], cutoff: float = CUTOFF) -> str | None:
    """The choice closest to `word` (case-insensitive), None when none is close."""
    options = list(dict.fromkeys(choices))
    by_lower = {choice.lower(): choice for choice in options}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=cutoff)
    return by_lower[close[0]] if close else None


def suggest(word: str, choices: Iterable[str], *, spell: str = "{}", listed: str = "") -> str:
    """`did you mean <spell of the nearest>?`, else `listed` (the whole list, as the caller
    words it; "valid: a, b" by default)."""
    options = list(choices)
    near = nearest(word, options)
    if near is not None:
        return f"did you mean {spell.format(near)}?"
    return listed or "valid: " + ", ".join(options)
