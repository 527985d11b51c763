"""Name and filter predicates shared by entity selection and expanders."""

from __future__ import annotations

import re
from functools import lru_cache

from cq.facts import Def
from cq.modules import dotted_suffix
from cq.query.parse import NameMatch


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def name_matches(match: NameMatch, simple: str, qualified: str) -> bool:
    """`exact`: simple name equal; `regex`: re.search on the simple name; `dotted`: the
    value's dotted segments are a suffix of the qualified name's segments."""
    if match.mode == "exact":
        return simple == match.raw
    if match.mode == "regex":
        return _compiled(match.raw).search(simple) is not None
    return dotted_suffix(qualified, match.raw)


def decorator_name(text: str) -> str:
    """`app.route("/x")` → `app.route`; `functools.cache` stays; `property` stays."""
    return text.split("(", 1)[0].strip()


def has_decorator(definition: Def, wanted: str) -> bool:
    """Simple (`cache`) or dotted (`functools.cache`) name; a simple name also matches the
    last segment of a dotted decorator."""
    for text in definition.decorators:
        name = decorator_name(text)
        if name == wanted or ("." not in wanted and name.rsplit(".", 1)[-1] == wanted):
            return True
        if "." in wanted and dotted_suffix(name, wanted):
            return True
    return False
