"""Extractors for definitions: functions, methods, classes, their parameters and decorators.

A def opens a scope frame (`cq.scan.state`) so that everything visited inside it knows its
enclosing qualified name. Conventions (see `cq.facts`): the span starts at the `def`/`class`
keyword (at `async` for async defs), `decorated_line` is the first decorator's line;
qualified names are dotted without `<locals>`; decorators are their source text without `@`;
bases are the class's positional arguments as written (`*bases` included), keyword arguments
such as `metaclass=` are left out.
"""

from __future__ import annotations

import re

from ast_grep_py import SgNode

from cq.facts import Def, Param, Span
from cq.scan.nodes import TRIVIA, ShapeError, docstring_line, identifier, preview, required, squash
from cq.scan.state import Decorators, Frame, ScanState, Site

_POSITIONAL = "positional_or_keyword"
_KEYWORD_ONLY = "keyword_only"
_SKIPPED_CHILDREN = frozenset({*TRIVIA, "ERROR"})  # an ERROR node is flagged on its own


def extract_function(node: SgNode, site: Site, state: ScanState) -> tuple[Def, ...]:
    scope = site.scope
    kind = "method" if scope is not None and scope.kind == "class" else "function"
    opened = _open(node, site, state, kind)
    parameters = required(node, "parameters")
    returns = node.field("return_type")
    # An `async` keyword starts the definition's text: the source says "not async" (nearly
    # always) without asking the node for its first child.
    is_async = state.source.startswith("async", site.start) and _opens_with_async(node)
    return (_define(opened, site, state, kind, parse_params(parameters),
                    squash(returns.text()) if returns is not None else None, is_async, ()),)


def _opens_with_async(node: SgNode) -> bool:
    head = node.child(0)
    return head is not None and head.kind() == "async"


def extract_class(node: SgNode, site: Site, state: ScanState) -> tuple[Def, ...]:
    opened = _open(node, site, state, "class")
    arguments = node.field("superclasses")
    bases = class_bases(arguments) if arguments is not None else ()
    return (_define(opened, site, state, "class", (), None, False, bases),)


def extract_decorators(node: SgNode, site: Site, state: ScanState) -> tuple[()]:
    """Hold a decorated definition's decorators for its def or class, visited next."""
    texts = tuple(squash(child.text()[1:]) for child in node.named_children()
                  if child.kind() == "decorator")
    state.decorators = Decorators(site.end, site.line, texts)
    return ()


# What `_open` read of a definition's header: (span, name, qualname, body node, where the
# body starts, decorators, type parameters). A tuple: one is made per definition.
_Opened = tuple[Span, str, str, SgNode, int, "Decorators | None", "str | None"]


def _open(node: SgNode, site: Site, state: ScanState, kind: str) -> _Opened:
    """Open the definition's scope first, so that its inner defs keep their qualified
    names even if reading its header fails."""
    name = identifier(required(node, "name").text())
    body = required(node, "body")
    scope = site.scope
    qualname = f"{scope.qualname}.{name}" if scope is not None else name
    span, end = site.span_and_end()
    body_start = body.replace("").start_pos  # the offset alone (see `extract.traverse`)
    state.open_scope(Frame(end, body_start, qualname, kind))
    type_params = node.field("type_parameters")  # `def f[T](...)`, `class C[T]` (3.12+)
    return (span, name, qualname, body, body_start, state.take_decorators(end),
            squash(type_params.text()) if type_params is not None else None)


def _define(opened: _Opened, site: Site, state: ScanState, kind: str,
            params: tuple[Param, ...], returns: str | None, is_async: bool,
            bases: tuple[str, ...]) -> Def:
    span, name, qualname, body, body_start, decorated, type_params = opened
    scope = site.scope
    docstring = (block_docstring(body) if _may_open_with_string(state.source, body_start)
                 else None)
    enclosing, enclosing_kind = (scope.qualname, scope.kind) if scope is not None else _NONE
    decorators, decorated_line = ((decorated.texts, decorated.line) if decorated is not None
                                  else _UNDECORATED)
    # Positional arguments in field order: msgspec parses keywords noticeably slower.
    return Def(kind, name, qualname, span, enclosing, enclosing_kind, is_async, params,
               returns, decorators, bases, docstring, decorated_line, type_params)


_NONE = (None, None)
_UNDECORATED = ((), None)


# How any string literal starts (prefix letters, then a quote), and the trivia a block may
# open with: where the source at a block's start matches neither, it has no docstring.
_STRING_OR_TRIVIA_START = re.compile(r"\w*['\"]|[#\\]")


def _may_open_with_string(source: str, index: int) -> bool:
    """Can the block starting at `index` open with a docstring? A block starts where its
    first child does, so the source text answers "no" for most bodies without a node."""
    return _STRING_OR_TRIVIA_START.match(source, index) is not None


def block_docstring(block: SgNode) -> str | None:
    """First line of the docstring opening a block (or module), if it has one."""
    index = 0
    first = block.child(0)
    while first is not None and first.kind() in TRIVIA:
        index += 1
        first = block.child(index)
    if first is None or first.kind() != "expression_statement":
        return None
    string = first.child(0)
    if string is None or string.kind() not in ("string", "concatenated_string"):
        return None
    if first.child(1) is not None:
        return None  # `"a", b` is a tuple, not a docstring
    return docstring_line(string)


def class_bases(arguments: SgNode) -> tuple[str, ...]:
    skipped = ("keyword_argument", "dictionary_splat", *TRIVIA)
    return tuple(squash(child.text()) for child in arguments.named_children()
                 if child.kind() not in skipped)


def parse_params(parameters: SgNode) -> tuple[Param, ...]:
    """Parameters with their `inspect` kinds, from one pass over the parameter list."""
    params: list[Param] = []
    mode = _POSITIONAL
    for child in parameters.named_children():
        kind = child.kind()
        if kind == "identifier":  # the commonest parameter, read without a parser call
            params.append(Param(identifier(child.text()), mode))
            continue
        if kind in _SKIPPED_CHILDREN:
            continue
        if kind == "positional_separator":
            params = [_as_positional_only(p) for p in params]
            continue
        if kind == "keyword_separator":
            mode = _KEYWORD_ONLY
            continue
        param = _parse_param(child, kind, mode)
        if param.kind == "var_positional":
            mode = _KEYWORD_ONLY
        params.append(param)
    return tuple(params)


def _as_positional_only(param: Param) -> Param:
    if param.kind != _POSITIONAL:
        return param
    return Param(param.name, "positional_only", param.has_default, param.annotation,
                 param.default)


def _parse_param(node: SgNode, kind: str, mode: str) -> Param:
    parse = _PARAM_PARSERS.get(kind)
    if parse is None:
        raise ShapeError(f"unexpected parameter node {kind!r}: {node.text()[:40]!r}")
    return parse(node, mode)


def _identifier(node: SgNode, mode: str) -> Param:
    return Param(identifier(node.text()), mode)  # the common case, kept short


def _plain(node: SgNode, mode: str) -> Param:
    return _named(node.text(), mode)


def _typed(node: SgNode, mode: str) -> Param:
    # The name part (`x`, `*args`, `**kw`) cannot contain a colon: split the text once
    # instead of asking the node for its children.
    name, annotation = node.text().split(":", 1)
    return _named(name, mode, annotation=squash(annotation))


def _with_default(node: SgNode, mode: str) -> Param:
    name, default = node.text().split("=", 1)
    return _named(name, mode, default=preview(default))


def _typed_with_default(node: SgNode, mode: str) -> Param:
    # The annotation may itself contain `=` (`Annotated[int, Field(default=1)]`), so take
    # the default from its node; it is the tail of the parameter's text.
    text = node.text()
    default = required(node, "value").text()
    head = text[: len(text) - len(default)].rstrip()
    if not head.endswith("="):
        raise ShapeError(f"unexpected typed default parameter {text[:40]!r}")
    name, annotation = head[:-1].split(":", 1)
    return _named(name, mode, annotation=squash(annotation), default=preview(default))


def _named(raw: str, mode: str, annotation: str | None = None,
           default: str | None = None) -> Param:
    name = raw.strip()
    if name.startswith("**"):
        return Param(identifier(name[2:].strip()), "var_keyword", False, annotation)
    if name.startswith("*"):
        return Param(identifier(name[1:].strip()), "var_positional", False, annotation)
    if not name.isidentifier():
        name = squash(name)  # Python 2 `(a, b)` tuple parameters, kept as written
    return Param(identifier(name), mode, default is not None, annotation, default)


_PARAM_PARSERS = {
    "identifier": _identifier,
    "list_splat_pattern": _plain,
    "dictionary_splat_pattern": _plain,
    "tuple_pattern": _plain,  # Python 2 `def f((a, b)):`, kept as written
    "typed_parameter": _typed,
    "default_parameter": _with_default,
    "typed_default_parameter": _typed_with_default,
}
