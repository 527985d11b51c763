"""The hazard registry: one row per risky construct, as data (QUERY.md §4 `hazards`).

Each row is an ast-grep rule object (the `rule` of a config), optional metavariable
`constraints`, and how to report a match: category, severity, confidence and a one-line
message. `words` are literal words every file that can match contains beyond those cq derives
from the rule's patterns and kinds (`cq.hazards.compile`), e.g. `shell` for a keyword argument
matched by regex. `skip_tests` drops matches in test files (`cq.hazards.matcher.is_test_path`).
Adding a hazard is adding a row here and a true positive and a true negative to
`tests/hazards/test_registry.py`.
"""

from __future__ import annotations

from typing import Any

import msgspec

from cq.digests import digest
from cq.vocabulary import BUCKETS

CATEGORIES = ("security", "correctness", "design", "performance")
CONFIDENCES = tuple(reversed(BUCKETS))  # a row's confidence, surest first
# Bump when a row changes in a way its text does not show (the digest covers the rows).
REGISTRY_VERSION = "1"


class HazardRule(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    rule: dict[str, Any]
    category: str
    severity: str
    message: str
    confidence: str
    constraints: dict[str, Any] = msgspec.field(default_factory=dict)
    words: tuple[str, ...] = ()
    skip_tests: bool = False

    def config(self) -> dict[str, Any]:
        """The ast-grep config this row runs."""
        config: dict[str, Any] = {"rule": self.rule}
        if self.constraints:
            config["constraints"] = self.constraints
        return config


def _calls(*patterns: str) -> dict[str, Any]:
    return {"any": [{"pattern": pattern} for pattern in patterns]}


# A name argument that is not a plain string literal (an f-string with fields is dynamic).
_NOT_LITERAL = {"not": {"all": [{"any": [{"kind": "string"}, {"kind": "concatenated_string"}]},
                                {"not": {"has": {"kind": "interpolation", "stopBy": "end"}}}]}}
_EXCEPT = {"kind": "except_clause"}
_EMPTY_BODY = {"kind": "block", "not": {"has": {"not": {"any": [
    {"kind": "pass_statement"}, {"kind": "comment"},
    {"kind": "expression_statement", "has": {"kind": "ellipsis"}}]}}}}
_SQL_TEXT = {"any": [
    {"kind": "binary_operator", "has": {"field": "operator", "regex": "^[%+]$"}},
    {"kind": "string", "has": {"kind": "interpolation"}},
    {"pattern": "$S.format($$$)"}]}
_MUTABLE = {"any": [
    {"kind": "list"}, {"kind": "dictionary"}, {"kind": "set"}, {"kind": "list_comprehension"},
    {"kind": "dictionary_comprehension"}, {"kind": "set_comprehension"},
    {"kind": "call", "has": {"field": "function", "regex":
        r"^(list|dict|set|bytearray|(collections\.)?(defaultdict|OrderedDict|Counter|deque))$"}}]}
_INNERMOST_ASYNC = {"kind": "function_definition", "regex": r"^async\s",
                    "stopBy": {"any": [{"kind": "function_definition"}, {"kind": "lambda"}]}}

RULES: tuple[HazardRule, ...] = (
    HazardRule(id="eval", rule=_calls("eval($$$)"), category="security", severity="error",
               confidence="high", message="eval() runs arbitrary code"),
    HazardRule(id="exec", rule=_calls("exec($$$)"), category="security", severity="error",
               confidence="high", message="exec() runs arbitrary code"),
    HazardRule(id="compile", rule=_calls("compile($$$)"), category="security",
               severity="warning", confidence="med",
               message="compile() of source text: code built at runtime"),
    HazardRule(id="shell-true",
               rule={"kind": "call", "has": {"field": "arguments", "has": {
                   "kind": "keyword_argument", "regex": r"^shell\s*=\s*True$"}}},
               words=("shell", "True"), category="security", severity="error",
               confidence="high", message="shell=True: the command line goes through a shell"),
    HazardRule(id="pickle-load",
               rule=_calls("pickle.load($$$)", "pickle.loads($$$)", "pickle.Unpickler($$$)",
                           "cPickle.load($$$)", "cPickle.loads($$$)", "marshal.load($$$)",
                           "marshal.loads($$$)"),
               category="security", severity="error", confidence="high",
               message="unpickling/unmarshalling untrusted data runs arbitrary code"),
    HazardRule(id="yaml-load",
               rule={**_calls("yaml.load($$$)", "yaml.load_all($$$)"),
                     "not": {"has": {"stopBy": "end", "regex": r"^(yaml\.)?C?Safe(Loader)?$"}}},
               category="security", severity="error", confidence="high",
               message="yaml.load without a Safe* Loader constructs arbitrary objects"),
    HazardRule(id="sql-built",
               rule={**_calls("$C.execute($$$)", "$C.executemany($$$)"),
                     "has": {"field": "arguments", "has": {"nthChild": 1, **_SQL_TEXT}}},
               category="security", severity="warning", confidence="med",
               message="SQL built with %, +, format() or an f-string: use query parameters"),
    HazardRule(id="dynamic-attr",
               rule=_calls("getattr($O, $NAME)", "getattr($O, $NAME, $D)",
                           "setattr($O, $NAME, $V)", "delattr($O, $NAME)"),
               constraints={"NAME": _NOT_LITERAL}, category="design", severity="info",
               confidence="med", message="attribute name computed at runtime"),
    HazardRule(id="dynamic-import",
               rule=_calls("__import__($NAME, $$$)", "__import__($NAME)",
                           "importlib.import_module($NAME, $$$)",
                           "importlib.import_module($NAME)", "import_module($NAME, $$$)",
                           "import_module($NAME)"),
               constraints={"NAME": _NOT_LITERAL}, category="security", severity="warning",
               confidence="med", message="module name computed at runtime"),
    HazardRule(id="args-forwarding",
               rule={"kind": "call", "has": {"field": "arguments", "has": {"any": [
                   {"kind": "list_splat"}, {"kind": "dictionary_splat"}]}}},
               category="design", severity="info", confidence="high",
               message="*args/**kwargs forwarded: the callee's signature is hidden"),
    HazardRule(id="bare-except", rule={**_EXCEPT, "regex": r"^except\s*:"},
               category="correctness", severity="warning", confidence="high",
               message="bare except: also catches KeyboardInterrupt and SystemExit"),
    HazardRule(id="broad-except",
               rule={**_EXCEPT,
                     "regex": r"^except\*?\s*[^:]*?\b(Exception|BaseException)\b[^:]*:"},
               category="correctness", severity="warning", confidence="med",
               message="broad except (Exception/BaseException) hides unexpected errors"),
    HazardRule(id="empty-except", rule={**_EXCEPT, "has": _EMPTY_BODY},
               category="correctness", severity="warning", confidence="high",
               message="empty except handler swallows the error"),
    HazardRule(id="mutable-default",
               rule={"any": [{"kind": "default_parameter"}, {"kind": "typed_default_parameter"}],
                     "has": {"field": "value", **_MUTABLE}},
               category="correctness", severity="warning", confidence="high",
               message="mutable default argument is shared between calls"),
    HazardRule(id="global-statement", rule={"kind": "global_statement"}, category="design",
               severity="info", confidence="high", message="global statement: shared state"),
    HazardRule(id="assert-outside-tests", rule={"kind": "assert_statement"},
               skip_tests=True, category="correctness", severity="info", confidence="med",
               message="assert outside tests is removed under python -O"),
    HazardRule(id="blocking-in-async",
               rule={**_calls("time.sleep($$$)", "requests.$M($$$)", "subprocess.run($$$)",
                              "subprocess.call($$$)", "subprocess.check_call($$$)",
                              "subprocess.check_output($$$)", "urllib.request.urlopen($$$)",
                              "open($$$).read($$$)"),
                     "inside": _INNERMOST_ASYNC},
               constraints={"M": {"regex": "^(get|post|put|patch|delete|head|options|request)$"}},
               words=("async",), category="performance", severity="warning", confidence="med",
               message="blocking call inside async def stalls the event loop"),
)

RULES_BY_ID: dict[str, HazardRule] = {row.id: row for row in RULES}


def registry_digest() -> str:
    """A short digest of every row: compiled rule sets are memoized under it."""
    data = msgspec.json.encode([REGISTRY_VERSION, *RULES], order="sorted")
    return digest(data, 8)
