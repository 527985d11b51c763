"""Extractors for statements: imports, raises, except clauses and module/class assignments.

Import statements hold no string literals, so they are read from their text (comments,
parentheses and line continuations removed) rather than node by node: one accessor call
instead of a dozen.

Conventions: one `Import` per statement. For `import a.b as c, d` the modules are the
names (`module` is ""), and `resolved` is the module only when the statement imports exactly
one; `from __future__ import x` is a from-import of `__future__`. One `Assign` per target
name: `a, *b = c = f()` yields `a`, `b` and `c`, all with the statement's span and the final
value's preview; attribute and subscript targets (`obj.x = 1`) keep their text; `type X = …`
aliases are not assignments. Assignments inside function bodies are not facts.
"""

from __future__ import annotations

import re

from ast_grep_py import SgNode

from cq.facts import Assign, Except, Import, ImportName, Raise
from cq.modules import resolve_relative
from cq.scan.nodes import TRIVIA, ShapeError, dotted, identifier, preview, required, squash
from cq.scan.state import Handler, ScanState, Site

_COMMENT = re.compile(r"#[^\n]*")
_FROM = re.compile(r"from(?![\w])\s*(?P<module>[.\w\s]*?)\s*(?<![\w])import(?![\w])(?P<names>.*)",
                   re.DOTALL)
_TARGET_GROUPS = frozenset({"pattern_list", "tuple_pattern", "list_pattern", "tuple", "list",
                            "expression_list", "parenthesized_expression"})
_EMPTY_STATEMENTS = frozenset({"pass_statement", *TRIVIA})
_EMPTY_EXPRESSIONS = frozenset({"ellipsis", "string", "concatenated_string"})


def _scope_name(site: Site) -> str | None:
    return site.scope.qualname if site.scope is not None else None


# -- imports ----------------------------------------------------------------------------

def extract_import(node: SgNode, site: Site, state: ScanState) -> tuple[Import, ...]:
    """`import a.b as c, d` and `from ..m import (x as y, z)` alike, from the text."""
    raw = node.text()
    # Names as Python reads them (NFKC): `import ｏｓ` imports `os`. Comments are gone first,
    # and nothing else in an import statement changes under NFKC.
    text = identifier(_COMMENT.sub(" ", raw).replace("\\", " "))
    if text.startswith("import"):
        names = _import_names(text[len("import"):])
        module, level, is_from = "", 0, False
    else:
        match = _FROM.fullmatch(text)
        if match is None:
            raise ShapeError(f"unexpected import statement {text[:60]!r}")
        spec = "".join(match["module"].split())
        module = spec.lstrip(".")
        level, is_from = len(spec) - len(module), True
        names = _import_names(match["names"])
    target = module if is_from else (names[0].name if len(names) == 1 else "")
    resolved = resolve_relative(state.module, state.is_package, level, target)
    return (Import(module=module, span=site.span_of(raw), names=names, is_from=is_from, level=level,
                   resolved=resolved, enclosing=_scope_name(site)),)


def _import_names(text: str) -> tuple[ImportName, ...]:
    names = []
    for item in text.replace("(", " ").replace(")", " ").split(","):
        words = item.split()
        if not words:
            continue  # trailing comma
        if len(words) >= 3 and words[-2] == "as":
            names.append(ImportName("".join(words[:-2]), words[-1]))
        else:
            names.append(ImportName("".join(words)))
    return tuple(names)


# -- raise and except --------------------------------------------------------------------

def extract_raise(node: SgNode, site: Site, state: ScanState) -> tuple[Raise, ...]:
    parts = [child for child in node.named_children() if child.kind() not in TRIVIA]
    scope = _scope_name(site)
    if not parts:
        state.mark_reraise(site.start, None, scope)
        return (Raise(site.span, bare=True, enclosing=scope),)
    exc_type, message = _raised(parts[0])
    state.mark_reraise(site.start, exc_type, scope)
    cause = dotted(parts[1].text()) if len(parts) > 1 else None
    return (Raise(site.span, exc_type, message, cause=cause, enclosing=scope),)


def _raised(exc: SgNode) -> tuple[str, str | None]:
    """(type text, message literal) of a raised expression: `E("msg")` → ("E", '"msg"')."""
    if exc.kind() != "call":
        return dotted(exc.text()), None
    exc_type = dotted(required(exc, "function").text())
    arguments = required(exc, "arguments")
    first = arguments.child(1)  # child 0 is "("
    if first is not None and first.kind() in ("string", "concatenated_string"):
        return exc_type, preview(first.text())
    return exc_type, None


def extract_except(node: SgNode, site: Site, state: ScanState) -> tuple[Except, ...]:
    children = node.children()
    star = len(children) > 1 and children[1].kind() == "*"
    named = [child for child in children if child.is_named() and child.kind() not in TRIVIA]
    if not named or named[-1].kind() != "block":
        raise ShapeError(f"except clause without a body at line {site.line}")
    types, alias = _handled(named[:-1])
    scope = _scope_name(site)
    slot = len(state.found["excepts"])
    span, end = site.span_and_end()
    state.open_handler(Handler(end, slot, alias, scope))
    body = "empty" if _is_empty(named[-1]) else "other"
    return (Except(span, types, bare=not types, star=star, alias=alias, body=body,
                   enclosing=scope),)


def _handled(header: list[SgNode]) -> tuple[tuple[str, ...], str | None]:
    """(types, alias) from an except clause's header nodes."""
    if not header:
        return (), None
    value = header[0]
    alias = squash(header[1].text()) if len(header) > 1 else None  # Python 2 `except E, e:`
    if value.kind() == "as_pattern":
        alias = squash(required(value, "alias").text())
        value = value.named_children()[0]
    kind = value.kind()
    if kind == "tuple":
        return tuple(dotted(item.text()) for item in value.named_children()
                     if item.kind() not in TRIVIA), alias
    text = dotted(value.text())
    if kind == "parenthesized_expression":
        text = text[1:-1].strip()  # `except (E):` handles E
    return (text,), alias


def _is_empty(block: SgNode) -> bool:
    """Only `pass`, `...` or string statements (no behaviour at all)."""
    for statement in block.named_children():
        kind = statement.kind()
        if kind in _EMPTY_STATEMENTS:
            continue
        if kind != "expression_statement":
            return False
        first = statement.child(0)
        if first is None or first.kind() not in _EMPTY_EXPRESSIONS:
            return False
    return True


# -- assignments -------------------------------------------------------------------------

def extract_assign(node: SgNode, site: Site, state: ScanState) -> tuple[Assign, ...]:
    scope = site.scope  # never a function: see `skip_in_functions` in the rules table
    augmented = node.kind() == "augmented_assignment"
    annotated = not augmented and node.field("type") is not None
    value = node.field("right")
    while value is not None and value.kind() == "assignment":
        value = value.field("right")  # `a = b = 1`: the inner assignment yields `b`
    value_text = preview(value.text()) if value is not None else ""
    where = "class" if scope is not None else "module"
    enclosing = scope.qualname if scope is not None else None
    span = site.span
    return tuple(Assign(target, span, where, value_text, enclosing, augmented, annotated)
                 for target in assign_targets(required(node, "left")))


def assign_targets(target: SgNode) -> list[str]:
    """Every name a target binds, in order; unpacking patterns are flattened."""
    kind = target.kind()
    if kind == "identifier":
        return [identifier(target.text())]
    if kind in ("list_splat_pattern", "list_splat"):
        return [dotted(target.text().lstrip("*").strip())]
    if kind in _TARGET_GROUPS:
        names: list[str] = []
        for child in target.named_children():
            if child.kind() not in TRIVIA:
                names.extend(assign_targets(child))
        return names
    return [dotted(target.text())]
