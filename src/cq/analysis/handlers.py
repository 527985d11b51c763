"""What an `except` handler does with the exception: its kind, from a table of rules.

Each statement of a handler's body (and of the blocks nested in it: `if`, `for`, `with`,
`try`, `match`; never the body of a def or class it defines) is given a kind by the first
rule of `RULES` that matches it; a statement no rule matches is `other`. The handler's kind
is the most important kind among its statements, in the order of `KINDS`:

    reraise > translate > log > return_default > other > swallow

- `reraise`: a bare `raise`, `raise e` or `raise e.with_traceback(…)` of the bound name;
- `translate`: raises another exception (`raise Other(…)`, with or without `from`), or calls
  something that always raises (`sys.exit`, `pytest.fail`, `self.fail`, …); a bare `raise`
  inside a handler nested in this one re-raises that inner exception, so it translates;
- `log`: logs and goes on: a logging method (`debug`, `info`, `warning`, `error`,
  `exception`, `critical`, `log`, …) called on a receiver named like a logger (`logging`,
  `logger`, `log`, `self._log`, `LOGGER`, `logging.getLogger(…)`), `print`, `warnings.warn`,
  `traceback.print_exc`, a write to `stderr` or `stdout`;
- `return_default`: returns, or binds a name (assignment, import, def or class: the
  fallback of `except ImportError:`), and goes on;
- `other`: does something none of the rules names (a cleanup call) and goes on;
- `swallow`: nothing at all: `pass`, `...`, a docstring, `continue`, `break`.

So a handler that logs and then re-raises is `reraise`, one that logs and returns a default
is `log`. The handler is found by parsing only its own text, cut out of the file behind a
`try: pass` (`handler_kinds`); when that does not parse (a string that starts left of the
handler) the whole file is parsed, and a file that does not parse gives no kind (None).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

import msgspec

from cq.details import HANDLER_KINDS as KINDS  # the precedence: the first found wins
from cq.details import HandlerKind
from cq.facts import Except
from cq.parsing import ParseFailure, parse_module

# Calls that always raise: a handler calling one does not go on.
RAISING_CALLS = frozenset({"sys.exit", "exit", "quit", "pytest.fail", "pytest.skip",
                           "pytest.xfail", "pytest.exit", "self.fail", "self.skipTest"})
LOG_CALLS = frozenset({"print", "warnings.warn", "traceback.print_exc",
                       "traceback.print_exception", "traceback.print_stack",
                       "sys.stderr.write"})
LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical",
                         "fatal", "log"})
LOG_RECEIVERS = frozenset({"logging", "logger", "log", "loggers", "logs"})  # the last word
LOGGER_FACTORIES = frozenset({"getLogger", "get_logger", "getChild"})
WRITER_RECEIVERS = frozenset({"stderr", "stdout"})  # `self.stdout.write(…)`: as `print`
BINDING = ("Return", "Assign", "AnnAssign", "AugAssign", "Import", "ImportFrom", "FunctionDef",
           "AsyncFunctionDef", "ClassDef")
NOTHING = ("Pass", "Continue", "Break", "Global", "Nonlocal")
# Statements whose nested blocks are looked into; they have no kind of their own.
COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try,
            ast.TryStar, ast.Match)


class Context(msgspec.Struct, frozen=True):
    """What a statement is judged against: the handler's bound name, and whether the
    statement sits in a handler nested inside it (where a bare raise is another exception)."""

    alias: str | None = None
    nested: bool = False


Test = Callable[[ast.stmt, Context], bool]


class Rule(msgspec.Struct, frozen=True):
    """Statements of these node types (`ast` class names) passing `test` have `kind`."""

    kind: HandlerKind
    nodes: tuple[str, ...]
    test: str = "always"  # a name in TESTS


def _always(node: ast.stmt, ctx: Context) -> bool:
    return True


def _raises_caught(node: ast.stmt, ctx: Context) -> bool:
    assert isinstance(node, ast.Raise)
    if node.exc is None:
        return not ctx.nested
    exc = node.exc
    if isinstance(exc, ast.Call) and isinstance(exc.func, ast.Attribute) \
            and exc.func.attr == "with_traceback":
        exc = exc.func.value
    return isinstance(exc, ast.Name) and exc.id == ctx.alias


def _call_of(node: ast.stmt) -> ast.Call | None:
    value = node.value if isinstance(node, ast.Expr) else None
    if isinstance(value, ast.Await):
        value = value.value
    return value if isinstance(value, ast.Call) else None


def _dotted(node: ast.expr) -> str:
    """`a.b.c` for a chain of names, "" for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    return ".".join([node.id, *reversed(parts)])


def _calls_raising(node: ast.stmt, ctx: Context) -> bool:
    call = _call_of(node)
    return call is not None and _dotted(call.func) in RAISING_CALLS


def _logs(node: ast.stmt, ctx: Context) -> bool:
    call = _call_of(node)
    if call is None:
        return False
    if _dotted(call.func) in LOG_CALLS:
        return True
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr in LOG_METHODS and _logger_named(func.value):
        return True
    return func.attr == "write" and _last_name(func.value) in WRITER_RECEIVERS


def _last_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def _logger_named(receiver: ast.expr) -> bool:
    """`logger`, `self._log`, `LOGGER`, `request_logger`, `logging.getLogger(__name__)`."""
    if isinstance(receiver, ast.Call):
        return _last_name(receiver.func) in LOGGER_FACTORIES
    words = _last_name(receiver).lower().strip("_").split("_")
    return words[-1] in LOG_RECEIVERS


def _constant(node: ast.stmt, ctx: Context) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


TESTS: dict[str, Test] = {"always": _always, "raises_caught": _raises_caught,
                          "calls_raising": _calls_raising, "logs": _logs,
                          "constant": _constant}

RULES: tuple[Rule, ...] = (
    Rule("reraise", ("Raise",), "raises_caught"),
    Rule("translate", ("Raise",)),
    Rule("translate", ("Expr",), "calls_raising"),
    Rule("log", ("Expr",), "logs"),
    Rule("return_default", BINDING),
    Rule("swallow", NOTHING),
    Rule("swallow", ("Expr",), "constant"),
)


def statement_kind(node: ast.stmt, ctx: Context) -> HandlerKind:
    """The kind of the first rule matching `node`; `other` when none does."""
    name = type(node).__name__
    for rule in RULES:
        if name in rule.nodes and TESTS[rule.test](node, ctx):
            return rule.kind
    return "other"


def classify(handler: ast.ExceptHandler) -> HandlerKind:
    """The handler's kind: the first of KINDS among its statements' kinds."""
    found = {statement_kind(node, ctx) for node, ctx in _statements(handler)}
    return next((kind for kind in KINDS if kind in found), "swallow")


def _statements(handler: ast.ExceptHandler) -> Iterator[tuple[ast.stmt, Context]]:
    """Every statement the handler runs, nested blocks included (an explicit stack: deep
    nesting cannot exhaust the recursion limit)."""
    todo = [(node, Context(alias=handler.name)) for node in reversed(handler.body)]
    while todo:
        node, ctx = todo.pop()
        if not isinstance(node, COMPOUND):
            yield node, ctx
            continue
        todo.extend(reversed(_blocks(node, ctx)))


def _blocks(node: ast.stmt, ctx: Context) -> list[tuple[ast.stmt, Context]]:
    inner = msgspec.structs.replace(ctx, nested=True)
    found = [(s, ctx) for s in (*getattr(node, "body", ()), *getattr(node, "orelse", ()),
                                *getattr(node, "finalbody", ()))]
    found += [(s, inner) for h in getattr(node, "handlers", ()) for s in h.body]
    found += [(s, ctx) for case in getattr(node, "cases", ()) for s in case.body]
    return found


# --- finding each handler ------------------------------------------------------------------


def handler_kinds(excepts: list[Except], text: str) -> list[HandlerKind | None]:
    """The kind of each except clause of a file whose decoded text is `text`; None for a
    clause that cannot be parsed (nor the file)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    whole: dict[tuple[int, int], ast.ExceptHandler] | None = None
    kinds: list[HandlerKind | None] = []
    for site in excepts:
        handler = _cut_handler(lines, site)
        if handler is None:
            if whole is None:
                whole = _handlers_of(text)
            handler = whole.get((site.span.line, site.span.col)) or _only_on_line(whole, site)
        kinds.append(classify(handler) if handler is not None else None)
    return kinds


def _cut_handler(lines: list[str], site: Except) -> ast.ExceptHandler | None:
    """The clause parsed on its own, behind `try: pass` at its indentation (under `if 1:`
    when indented, so the indentation stays as written)."""
    first, end = site.span.line, site.span.end_line
    if not 1 <= first <= end <= len(lines):
        return None
    indent = lines[first - 1][:site.span.col]
    if indent.strip():
        return None
    head = ["if 1:"] if indent else []
    snippet = "\n".join([*head, f"{indent}try:", f"{indent} pass", *lines[first - 1:end]])
    tree = parse_module(snippet)
    if isinstance(tree, ParseFailure):
        return None
    node = tree.body[0]
    if isinstance(node, ast.If):
        node = node.body[0]
    handlers = node.handlers if isinstance(node, ast.Try | ast.TryStar) else []
    return handlers[0] if len(handlers) == 1 else None


def _handlers_of(text: str) -> dict[tuple[int, int], ast.ExceptHandler]:
    tree = parse_module(text)
    if isinstance(tree, ParseFailure):
        return {}
    return {(node.lineno, node.col_offset): node for node in ast.walk(tree)
            if isinstance(node, ast.ExceptHandler)}


def _only_on_line(handlers: dict[tuple[int, int], ast.ExceptHandler],
                  site: Except) -> ast.ExceptHandler | None:
    """The one handler starting on the clause's line (ast counts columns in UTF-8 bytes)."""
    found = [h for (line, _), h in handlers.items() if line == site.span.line]
    return found[0] if len(found) == 1 else None
