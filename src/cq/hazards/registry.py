"""The hazard registry: one row per risky construct, as data (QUERY.md §4 `hazards`).

What a row holds is `cq.hazards.row.HazardRule`; the security rows (bandit's families) live in
`cq.hazards.security`, the correctness, design and performance rows here. `words` are literal
words every file that can match contains beyond those cq derives from the rule's patterns and
kinds (`cq.hazards.compile`), e.g. `shell` for a keyword argument matched by regex; `needles`
are substrings one of which such a file contains (`passw`, a bidi control character).
`skip_tests` drops matches in test files (`cq.hazards.testpaths`). Adding a hazard is adding a
row with its own true positive (`example`) and true negative (`counter`); the registry's
tests run both, and `docs/hazards.md` is generated from the rows.
"""

from __future__ import annotations

import msgspec

from cq.digests import digest
from cq.hazards.row import NOT_LITERAL, HazardRule, calls
from cq.hazards.security import SECURITY
from cq.vocabulary import BUCKETS

__all__ = ["CATEGORIES", "CONFIDENCES", "RULES", "RULES_BY_ID", "HazardRule", "registry_digest"]

CATEGORIES = ("security", "correctness", "design", "performance")
CONFIDENCES = tuple(reversed(BUCKETS))  # a row's confidence, surest first
# Bump when a row changes in a way its text does not show (the digest covers the rows).
REGISTRY_VERSION = "2"


_EXCEPT = {"kind": "except_clause"}
_BARE = r"^except\s*:"
_BROAD = r"^except\*?\s*[^:]*?\b(Exception|BaseException)\b[^:]*:"
# A handler body of nothing but pass, `...`, comments, or continue.
_EMPTY_BODY = {"kind": "block", "not": {"has": {"not": {"any": [
    {"kind": "pass_statement"}, {"kind": "comment"}, {"kind": "continue_statement"},
    {"kind": "expression_statement", "has": {"kind": "ellipsis"}}]}}}}
_MUTABLE = {"any": [
    {"kind": "list"}, {"kind": "dictionary"}, {"kind": "set"}, {"kind": "list_comprehension"},
    {"kind": "dictionary_comprehension"}, {"kind": "set_comprehension"},
    {"kind": "call", "has": {"field": "function", "regex":
        r"^(list|dict|set|bytearray|(collections\.)?(defaultdict|OrderedDict|Counter|deque))$"}}]}
_INNERMOST_ASYNC = {"kind": "function_definition", "regex": r"^async\s",
                    "stopBy": {"any": [{"kind": "function_definition"}, {"kind": "lambda"}]}}

_OTHERS: tuple[HazardRule, ...] = (
    HazardRule(
        id="dynamic-attr",
        rule=calls("getattr($O, $NAME)", "getattr($O, $NAME, $D)", "setattr($O, $NAME, $V)",
                   "delattr($O, $NAME)"),
        constraints={"NAME": NOT_LITERAL}, category="design", severity="info",
        confidence="med", message="attribute name computed at runtime",
        fix="Prefer explicit attributes or a dict keyed by name.",
        example="getattr(obj, name)\n", counter="getattr(obj, 'name')\n"),
    HazardRule(
        id="dynamic-import",
        rule=calls("__import__($NAME, $$$)", "__import__($NAME)",
                   "importlib.import_module($NAME, $$$)", "importlib.import_module($NAME)",
                   "import_module($NAME, $$$)", "import_module($NAME)"),
        constraints={"NAME": NOT_LITERAL}, category="security", severity="warning",
        confidence="med", cwe=470, message="module name computed at runtime",
        fix="Map allowed names to modules in a table instead of importing any name.",
        example="__import__(name)\n", counter="__import__('os')\n"),
    HazardRule(
        id="args-forwarding",
        rule={"kind": "call", "has": {"field": "arguments", "has": {"any": [
            {"kind": "list_splat"}, {"kind": "dictionary_splat"}]}}},
        category="design", severity="info", confidence="high",
        message="*args/**kwargs forwarded: the callee's signature is hidden",
        fix="Spell out the parameters the callee takes where you can.",
        example="def f(*args):\n    return g(*args)\n",
        counter="def f(*args):\n    return g(args)\n"),
    HazardRule(
        id="bare-except", rule={**_EXCEPT, "regex": _BARE}, category="correctness",
        severity="warning", confidence="high", cwe=396,
        message="bare except: also catches KeyboardInterrupt and SystemExit",
        fix="Catch the exceptions you expect (at most `except Exception`).",
        example="try:\n    x()\nexcept:\n    log()\n",
        counter="try:\n    x()\nexcept ValueError:\n    log()\n"),
    HazardRule(
        id="broad-except",
        rule={**_EXCEPT, "regex": _BROAD},
        category="correctness", severity="warning", confidence="med", cwe=396,
        message="broad except (Exception/BaseException) hides unexpected errors",
        fix="Catch the exceptions you expect, or re-raise after logging.",
        example="try:\n    x()\nexcept Exception as e:\n    log(e)\n",
        counter="try:\n    x()\nexcept MyException:\n    log()\n"),
    HazardRule(
        id="empty-except",
        rule={**_EXCEPT, "has": _EMPTY_BODY, "any": [{"regex": _BARE}, {"regex": _BROAD}]},
        category="correctness", severity="warning", confidence="high", cwe=390,
        bandit=("B110", "B112"),
        message="a bare or broad except that only passes (or continues) swallows every error",
        fix="Handle the error, log it, or narrow the except and say why it is ignored.",
        example="try:\n    x()\nexcept Exception:\n    pass\n"
                "for x in xs:\n    try:\n        f(x)\n    except:\n"
                "        continue\n",
        counter="try:\n    x()\nexcept Exception:\n    log()\n"
                "try:\n    d[k]\nexcept KeyError:\n    pass\n"),
    HazardRule(
        id="mutable-default",
        rule={"any": [{"kind": "default_parameter"}, {"kind": "typed_default_parameter"}],
              "has": {"field": "value", **_MUTABLE}},
        category="correctness", severity="warning", confidence="high", cwe=1188,
        message="mutable default argument is shared between calls",
        fix="Default to None and build the value inside the function.",
        example="def f(a=[]):\n    pass\n", counter="def f(a=None):\n    pass\n"),
    HazardRule(
        id="global-statement", rule={"kind": "global_statement"}, category="design",
        severity="info", confidence="high", message="global statement: shared state",
        fix="Pass the state explicitly or keep it on an object.",
        example="def f():\n    global COUNT\n    COUNT += 1\n",
        counter="def f():\n    count = 1\n    return count\n"),
    HazardRule(
        id="assert-outside-tests", rule={"kind": "assert_statement"}, skip_tests=True,
        category="correctness", severity="info", confidence="med", cwe=703,
        bandit=("B101",), message="assert outside tests is removed under python -O",
        fix="Raise an exception for checks that must hold in production.",
        example="def f(x):\n    assert x > 0\n", counter="def f(x):\n    return x > 0\n"),
    HazardRule(
        id="blocking-in-async",
        rule={**calls("time.sleep($$$)", "requests.$M($$$)", "subprocess.run($$$)",
                      "subprocess.call($$$)", "subprocess.check_call($$$)",
                      "subprocess.check_output($$$)", "urllib.request.urlopen($$$)",
                      "open($$$).read($$$)"),
              "inside": _INNERMOST_ASYNC},
        constraints={"M": {"regex": "^(get|post|put|patch|delete|head|options|request)$"}},
        words=("async",), category="performance", severity="warning", confidence="med",
        message="blocking call inside async def stalls the event loop",
        fix="Use the async library (asyncio.sleep, httpx.AsyncClient) or run it in a thread.",
        example="async def f():\n    time.sleep(1)\n",
        counter="async def f():\n    await asyncio.sleep(1)\n"),
)

RULES: tuple[HazardRule, ...] = (*SECURITY, *_OTHERS)

RULES_BY_ID: dict[str, HazardRule] = {row.id: row for row in RULES}


def registry_digest() -> str:
    """A short digest of every row: compiled rule sets are memoized under it."""
    data = msgspec.json.encode([REGISTRY_VERSION, *RULES], order="sorted")
    return digest(data, 8)
