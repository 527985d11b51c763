"""What one hazard row is (`HazardRule`) and the small builders the registry writes rows with.

A row is an ast-grep rule object (the `rule` of a config), optional metavariable
`constraints`, an optional named `check` (`cq.hazards.checks`) a match must also pass, and how
to report a match: category, severity, confidence, CWE, a one-line message and the fix. Each
row carries its own true positive (`example`, a snippet with at least one match) and true
negative (`counter`, a snippet with none): the registry's tests run both and `docs/hazards.md`
quotes them. `bandit` names the bandit test ids the row stands for, so `# nosec B301` is
honoured and the parity benchmark can compare families.

Calls are written with the dotted name a module documents (`hashlib.md5($$$)`); the matcher
also tries the names the file's imports give it (`import hashlib as h`, `from pickle import
loads as lp`), see `cq.hazards.aliases`.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec


class HazardRule(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    rule: dict[str, Any]
    category: str
    severity: str
    message: str
    confidence: str
    example: str
    counter: str
    fix: str = ""
    cwe: int | None = None
    bandit: tuple[str, ...] = ()  # bandit test ids: `# nosec B301` names this row too
    constraints: dict[str, Any] = msgspec.field(default_factory=dict)
    check: str | None = None  # a name in cq.hazards.checks.CHECKS
    words: tuple[str, ...] = ()  # whole words every matching file also contains
    needles: tuple[str, ...] = ()  # substrings one of which every matching file contains
    skip_tests: bool = False  # no report in test files (the test-paths setting)

    def config(self) -> dict[str, Any]:
        """The ast-grep config this row runs."""
        config: dict[str, Any] = {"rule": self.rule}
        if self.constraints:
            config["constraints"] = self.constraints
        return config


def calls(*patterns: str) -> dict[str, Any]:
    """Any of the patterns (one alternative each for the prefilter)."""
    return {"any": [{"pattern": pattern} for pattern in patterns]}


def called(*names: str) -> dict[str, Any]:
    """A call of any of the dotted names: one regex on the callee's text, which matches many
    names at the cost of one (a pattern per name costs a match per name at every call). The
    prefilter and the import aliases read the names back (`callee_names`)."""
    return {"kind": "call", "has": {"field": "function", "regex": callee_regex(names)}}


_CALLEE = re.compile(r"^\^\(\?:([\w.\\|]+)\)\$$")


def callee_regex(names: tuple[str, ...] | list[str]) -> str:
    return "^(?:" + "|".join(re.escape(name) for name in names) + ")$"


def callee_names(rule: Any) -> tuple[str, ...] | None:
    """The names of a `called(...)` rule object, or None for any other rule object."""
    if not (isinstance(rule, dict) and rule.get("kind") == "call" and len(rule) == 2):
        return None
    has = rule.get("has")
    if not (isinstance(has, dict) and has.get("field") == "function" and len(has) == 2):
        return None
    found = _CALLEE.match(str(has.get("regex", "")))
    return tuple(name.replace("\\", "") for name in found.group(1).split("|")) if found else None


def callee_patterns(rule: Any) -> Any:
    """The rule object with each `called(...)` spelled as patterns: what the prefilter reads
    its words from (`pickle.loads($$$)` needs `pickle` and `loads`)."""
    names = callee_names(rule)
    if names is not None:
        return calls(*(f"{name}($$$)" for name in names))
    if isinstance(rule, list):
        return [callee_patterns(item) for item in rule]
    if isinstance(rule, dict):
        return {key: callee_patterns(value) for key, value in rule.items()}
    return rule


def kwarg(name: str, value: str | None = None) -> dict[str, Any]:
    """A call argument `name=...` (whose value's text matches the regex `value`, if given)."""
    parts: list[dict[str, Any]] = [{"has": {"field": "name", "regex": f"^(?:{name})$"}}]
    if value is not None:
        parts.append({"has": {"field": "value", "regex": value}})
    return {"has": {"field": "arguments", "has": {"kind": "keyword_argument", "all": parts}}}


def no_kwarg(name: str, value: str | None = None) -> dict[str, Any]:
    return {"not": kwarg(name, value)}


def first_arg(rule: dict[str, Any]) -> dict[str, Any]:
    """The call's first positional argument matches `rule`."""
    return {"has": {"field": "arguments", "has": {"nthChild": 1, "all": [
        {"not": {"kind": "keyword_argument"}}, rule]}}}


def string_matching(regex: str) -> dict[str, Any]:
    return {"kind": "string", "regex": regex}


# A plain string literal: no f-string fields (an f-string with fields is built at runtime).
LITERAL = {"all": [{"any": [{"kind": "string"}, {"kind": "concatenated_string"}]},
                   {"not": {"has": {"kind": "interpolation", "stopBy": "end"}}}]}
NOT_LITERAL = {"not": LITERAL}
# Text built at runtime: `%` or `+` on operands, `.format(...)`, an f-string with fields.
BUILT_TEXT = {"any": [
    {"kind": "binary_operator", "has": {"field": "operator", "regex": "^[%+]$"}},
    {"kind": "string", "has": {"kind": "interpolation"}},
    {"kind": "concatenated_string", "has": {"kind": "string", "has": {"kind": "interpolation"}}},
    {"pattern": "$S.format($$$)"}]}
