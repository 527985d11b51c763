"""Values of the structural keys: `pattern=` and its options, the relational keys
(`inside=`, `has=`, `precedes=`, `follows=` with `.stopBy=`/`.field=`), the composite keys
(`all=`, `any=`, `not=`), `nthChild=` and the metavariable filters (`$X=~re`, `$X=!~re`,
`$X.kind=K`, `$X.kind=!K`).

Every pattern must be Python (`cq.rules.syntax`; a def/class header such as `class Handler`
counts, `cq.rules.headers`), and every pattern, regex and kind is compiled by ast-grep here
(against an empty source), so a bad one is a QuerySyntaxError naming its token, the place in
the pattern and a hint, before any file is read. Relations default to any depth
(`stopBy=end`). Which keys a query shape accepts is `cq.query.parse`'s business.
"""

from __future__ import annotations

import re

from cq.bounds import Bounds, check_number
from cq.query.keys import (
    COMPOSITES,
    FIELD_RELATIONS,
    KEYS,
    METAVAR_KEY,
    METAVAR_KIND_KEY,
    NTH_TERM,
    RELATIONS,
    STRICTNESS,
)
from cq.query.tokens import Token, token_error
from cq.rules.build import (
    RuleError,
    check_config,
    metavariables,
    pattern_object,
    pattern_rule,
    relation_rule,
)
from cq.rules.headers import header_variants
from cq.rules.kinds import check_kind
from cq.rules.spec import Composite, MetaFilter, NthChild, PatternSpec, Relation
from cq.rules.syntax import syntax_problem
from cq.spelling import suggest

Values = dict[str, Token]

_METAVAR_KEY = re.compile(r"\$(?:\$\$)?([A-Z][A-Z0-9_]*)(\.kind)?")
_NTH = re.compile(r"(?P<n>[+-]?\d+)|(?P<a>[+-]?\d*)n(?P<b>[+-]\d+)?")
_BRACKETS = {"(": ")", "[": "]", "{": "}"}


FRAGMENT_HINT = ("a pattern is one whole Python node or a def/class header; for a fragment "
                 "give its context: pattern.context='…' pattern.selector=KIND")
RELATION_HINT = ("each pattern of a relational or composite key is one whole Python node or a "
                 "def/class header such as 'class Handler'")


def check_pattern(token: Token, pattern: str, what: str = "pattern") -> str:
    """The pattern, if it is Python and ast-grep compiles it; else a QuerySyntaxError naming
    the token, the place in the pattern and a hint."""
    if not pattern.strip():
        raise token_error(token, f"empty {what} in {token.key}=", KEYS[_row(token)].example)
    hint = FRAGMENT_HINT if token.key in ("pattern", "pattern.context") else RELATION_HINT
    problem = None if header_variants(pattern) else syntax_problem(pattern)
    if problem is not None:
        raise token_error(token, f"{what} {pattern!r} does not parse as Python: "
                          f"{problem.reason} ({problem.where(pattern)})", hint)
    try:
        check_config({"rule": pattern_object(pattern)})
    except RuleError as exc:
        raise token_error(token, f"{what} {pattern!r} does not parse: {exc}", hint) from None
    return pattern


def _row(token: Token) -> str:
    key = token.key or ""
    if key.startswith("$"):
        return METAVAR_KIND_KEY if key.endswith(".kind") else METAVAR_KEY
    return key


# --- pattern ---------------------------------------------------------------------------


def parse_pattern(values: Values) -> PatternSpec | None:
    token = values.get("pattern") or values.get("pattern.context")
    if token is None:
        return None
    if "pattern" in values and "pattern.context" in values:
        raise token_error(values["pattern.context"], "give pattern= or pattern.context=, "
                          "not both", "pattern.context='…' pattern.selector=KIND")
    spec = PatternSpec(text=token.value, is_context=token.key != "pattern",
                       selector=_kind(values.get("pattern.selector")),
                       strictness=_strictness(values.get("pattern.strictness")))
    if spec.selector is None:
        check_pattern(token, spec.text)  # a context without selector is the pattern itself
    else:
        _check_context(token, spec.text)
    _check_rule(values.get("pattern.selector") or token, pattern_rule(spec))
    return spec


def _strictness(token: Token | None) -> str | None:
    if token is None:
        return None
    if token.value not in STRICTNESS:
        raise token_error(token, f"unknown strictness {token.value!r}",
                          suggest(token.value, STRICTNESS, spell="pattern.strictness={}",
                                  listed="pattern.strictness=" + "|".join(STRICTNESS)))
    return token.value


def _plain(token: Token | None) -> str | None:
    if token is None:
        return None
    if not token.value:
        raise token_error(token, f"empty value for {token.key}=", KEYS[_row(token)].example)
    return token.value


def _check_context(token: Token, text: str) -> None:
    problem = syntax_problem(text) if text.strip() else None
    if problem is not None:
        raise token_error(token, f"pattern.context {text!r} does not parse as Python: "
                          f"{problem.reason} ({problem.where(text)})",
                          "the context is complete Python code around the fragment")


def _kind(token: Token | None) -> str | None:
    """A node kind the user names: one ast-grep knows, or an error with the nearest one."""
    kind = _plain(token)
    if token is None or kind is None:
        return None
    try:
        return check_kind(kind)
    except RuleError as exc:
        raise token_error(token, f"{token.key}=: {exc}", KEYS[_row(token)].example) from None


def _check_rule(token: Token, rule: dict) -> None:
    try:
        check_config({"rule": rule})
    except RuleError as exc:
        raise token_error(token, f"{token.key}={token.value!r} is refused by ast-grep: {exc}",
                          KEYS[_row(token)].example) from None


# --- relational ------------------------------------------------------------------------


def parse_relations(values: Values) -> tuple[Relation, ...]:
    _check_orphans(values, RELATIONS)
    relations = []
    for op in RELATIONS:
        token = values.get(op)
        if token is not None:
            relations.append(_relation(op, token, values))
    return tuple(relations)


def _relation(op: str, token: Token, values: Values) -> Relation:
    stop = values.get(f"{op}.stopBy")
    field = values.get(f"{op}.field")
    stop_by = "end"  # any depth, unlike ast-grep's default (the immediate relation)
    if stop is not None:
        stop_by = stop.value if stop.value in ("neighbor", "end") else check_pattern(
            stop, stop.value, "stopBy pattern")
    relation = Relation(op=op, pattern=check_pattern(token, token.value, f"{op} pattern"),
                        stop_by=stop_by, field=_plain(field))
    if field is not None and op in FIELD_RELATIONS:
        _check_rule(field, {"kind": "module", op: relation_rule(relation)})
    return relation


def _check_orphans(values: Values, bases: tuple[str, ...]) -> None:
    """`inside.stopBy=` without `inside=` would be silently meaningless: refuse it."""
    for key, token in values.items():
        base, _, sub = key.partition(".")
        if sub and base in bases and base not in values:
            raise token_error(token, f"{key}= needs {base}=", KEYS[base].example)


# --- composite -------------------------------------------------------------------------


def parse_composites(values: Values) -> tuple[Composite, ...]:
    composites = []
    for op in COMPOSITES:
        token = values.get(op)
        if token is not None:
            patterns = split_patterns(token)
            for pattern in patterns:
                check_pattern(token, pattern, f"{op} pattern")
            composites.append(Composite(op=op, patterns=patterns))
    return tuple(composites)


def split_patterns(token: Token) -> tuple[str, ...]:
    """`a,b` or `[a, b]`: split on commas outside brackets, parentheses and quotes."""
    value = token.value.strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    parts = [part.strip() for part in _top_level_split(value)]
    if not parts or not all(parts):
        raise token_error(token, f"empty pattern in {token.key}={token.value!r}",
                          f"{token.key}=[pattern, pattern]")
    return tuple(parts)


def _top_level_split(value: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    closers: list[str] = []
    quote: str | None = None
    escaped = False
    for char in value:
        if quote is not None:
            quote, escaped = _in_quote(quote, escaped, char)
        elif char in "'\"":
            quote = char
        elif char in _BRACKETS:
            closers.append(_BRACKETS[char])
        elif closers and char == closers[-1]:
            closers.pop()
        elif char == "," and not closers:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _in_quote(quote: str, escaped: bool, char: str) -> tuple[str | None, bool]:
    """One character inside a string literal: (the quote still open, next char escaped)."""
    if escaped:
        return quote, False
    if char == "\\":
        return quote, True
    return (None if char == quote else quote), False


# --- nthChild --------------------------------------------------------------------------


def parse_nth_child(values: Values) -> NthChild | None:
    _check_orphans(values, ("nthChild",))
    token = values.get("nthChild")
    if token is None:
        return None
    position = _nth_position(token)
    reverse = values.get("nthChild.reverse")
    nth = NthChild(position=position, reverse=_bool(reverse),
                   of_kind=_kind(values.get("nthChild.ofRule")))
    _check_rule(token, {"kind": "module", "nthChild": {"position": _position(position)}})
    return nth


def _nth_position(token: Token) -> str:
    """N or An+B as ast-grep reads it, each number within its range (`cq.query.keys`)."""
    position = token.value.replace(" ", "")
    match = _NTH.fullmatch(position)
    if match is None:
        raise token_error(token, f"nthChild= takes N (>= 1) or An+B, got {token.value!r}",
                          "nthChild=2 or nthChild=2n+1")
    if match.group("n") is not None:
        bounds = KEYS["nthChild"].bounds
        assert bounds is not None
        return str(_nth_number(token, "N", match.group("n"), bounds))
    if match.group("a").lstrip("+-"):
        _nth_number(token, "A", match.group("a"), NTH_TERM)
    if match.group("b"):
        _nth_number(token, "B", match.group("b"), NTH_TERM)
    return position


def _nth_number(token: Token, part: str, text: str, bounds: Bounds) -> int:
    try:
        return int(check_number(text, bounds))
    except ValueError as exc:
        raise token_error(token, f"nthChild= {part} {exc}", "nthChild=2 or nthChild=2n+1") \
            from None


def _position(position: str) -> int | str:
    return int(position) if position.isdigit() else position


def _bool(token: Token | None) -> bool:
    if token is None:
        return False
    lowered = token.value.lower()
    if lowered not in ("true", "false", "1", "0", "yes", "no"):
        raise token_error(token, f"{token.key}= takes true or false, got {token.value!r}",
                          f"{token.key}=true")
    return lowered in ("true", "1", "yes")


# --- metavariable filters ----------------------------------------------------------------


def metavar_name(token: Token) -> str:
    """`$X` / `$$$ARGS` / `$X.kind` → `X` / `ARGS` / `X`; anything else is a syntax error."""
    match = _METAVAR_KEY.fullmatch(token.key or "")
    if match is None:
        raise token_error(token, f"invalid metavariable {token.key!r}",
                          "a filter is $NAME=~regex, $NAME=!~regex, $NAME.kind=KIND or "
                          "$NAME.kind=!KIND (NAME in upper case)")
    return match.group(1)


def parse_meta_filters(values: Values, patterns: list[str]) -> tuple[MetaFilter, ...]:
    """Filters on metavariables the query's patterns define; regexes and kinds compiled by
    ast-grep, so cq accepts exactly what ast-grep runs (Rust's linear-time regex engine,
    the grammar's node kinds). cq never matches them itself."""
    defined: dict[str, str] = {}
    for pattern in patterns:
        defined.update(metavariables(pattern))
    filters = [_meta_filter(token, defined) for key, token in values.items()
               if key.startswith("$")]
    return tuple(sorted(filters, key=lambda item: (item.name, item.kind is not None)))


def _meta_filter(token: Token, defined: dict[str, str]) -> MetaFilter:
    name = metavar_name(token)
    if name not in defined:
        known = ", ".join(defined.values()) or "none"
        raise token_error(token, f"{token.key} does not occur in the pattern",
                          f"metavariables of this query: {known}")
    if defined[name].startswith("$$$") or (token.key or "").startswith("$$$"):
        raise token_error(token, f"{token.key}= filters a multi-node metavariable",
                          "ast-grep applies filters to single-node metavariables ($X)")
    if (token.key or "").endswith(".kind"):
        return _kind_filter(token, name)
    return _regex_filter(token, name)


def _kind_filter(token: Token, name: str) -> MetaFilter:
    negate = token.value.startswith("!")
    kind = token.value[1:] if negate else token.value
    if not kind or kind.startswith("~"):
        raise token_error(token, f"a kind filter is {token.key}=KIND or {token.key}=!KIND, "
                          f"got {token.value!r}", KEYS[METAVAR_KIND_KEY].example)
    try:
        check_kind(kind)
    except RuleError as exc:
        raise token_error(token, f"{token.key}=: {exc}", KEYS[METAVAR_KIND_KEY].example) \
            from None
    return MetaFilter(name=name, kind=kind, negate=negate)


def _regex_filter(token: Token, name: str) -> MetaFilter:
    negate = token.value.startswith("!~")
    if not (negate or token.value.startswith("~")):
        raise token_error(token, f"a metavariable filter is {token.key}=~regex or "
                          f"{token.key}=!~regex, got {token.value!r}", KEYS[METAVAR_KEY].example)
    regex = token.value[2:] if negate else token.value[1:]
    try:
        check_config({"rule": {"pattern": "$A"}, "constraints": {"A": {"regex": regex}}})
    except RuleError as exc:
        reason = str(exc).removeprefix("error: ")
        raise token_error(token, f"invalid regex {regex!r} in {token.key}=: {reason}",
                          "filters use Rust regex syntax: look-around and backreferences are "
                          "not supported (ast-grep runs regexes in linear time)") from None
    return MetaFilter(name=name, regex=regex, negate=negate)
