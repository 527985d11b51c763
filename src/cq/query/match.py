"""Name and filter predicates shared by entity selection and expanders."""

from __future__ import annotations

from cq.facts import Def
from cq.modules import dotted_suffix
from cq.query.parse import NameMatch
from cq.userregex import user_regex


def name_matches(match: NameMatch, simple: str, qualified: str) -> bool:
    """`exact`: simple name equal; `regex`: a search (RE2, linear time) in the simple name;
    `dotted`: the value's dotted segments are a suffix of the qualified name's segments."""
    if match.mode == "exact":
        return simple == match.raw
    if match.mode == "regex":
        return user_regex(match.raw, "name=").search(simple)
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
