"""Extractor for call expressions: callee, simple name, receiver and argument shape.

Conventions: `callee` is the callee's source text with whitespace collapsed (`a . b` and
multi-line chains read `a.b`). For a name or attribute callee, `name` is the last identifier
and `receiver` the text before the last dot. For any other callee (`f()()`, `x[0]()`,
`(lambda: 1)()`) `name` is the whole callee text, so that a simple-name query never matches
a call it did not name; `receiver` is then None. The preview is the argument text inside
the parentheses, whitespace collapsed, cut at 80 characters.
"""

from __future__ import annotations

import re

from ast_grep_py import SgNode

from cq.facts import Call, Span
from cq.scan.nodes import (
    TRIVIA,
    ShapeError,
    dotted,
    identifier,
    inner_text,
    is_dotted_name,
    preview,
)
from cq.scan.state import ScanState, Site

# ASCII identifiers joined by dots, nothing else: `is_dotted_name` without NFKC to apply.
_PLAIN_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
_ATTRIBUTE = re.compile(r"(.*\S)\s*\.\s*((?!\d)\w+)", re.DOTALL)
_ARGUMENT_GROUPS = frozenset({"parenthesized_expression", "tuple"})
_NOT_POSITIONAL = frozenset({"keyword_argument", "list_splat", "dictionary_splat", *TRIVIA})
# An argument list longer than this is read child by child, never scanned as text: on a
# line of nested calls each list holds all the others.
_SCAN_CHARS = 4096


def extract_call(node: SgNode, site: Site, state: ScanState) -> tuple[Call, ...]:
    # The callee is the call's text before its argument list, read from the source by the
    # argument list's offset: no text is fetched from the tree, whose cost is the node's
    # length (a line of nested calls would cost its length squared).
    arguments = node.field("arguments")
    if arguments is None:
        raise ShapeError(f"call without arguments at line {site.line}")
    source = state.source
    where = arguments.replace("")  # offsets only (see `extract.traverse`)
    args_start, args_end = where.start_pos, where.end_pos
    head = source[site.start:args_start]
    span = site.span
    args_text = source[args_start:args_end] if args_end - args_start <= _SCAN_CHARS else None
    if head.isidentifier():  # `f(x)`, the commonest shape, needs no normalising
        callee = name = head if head.isascii() else identifier(head)
        receiver = None
    elif _PLAIN_DOTTED.fullmatch(head):  # `a.b.f(x)`, the next commonest: nor does this
        callee = head
        receiver, _, name = head.rpartition(".")
    else:
        callee, name, receiver, span = _callee_parts(head, span)
    scope = site.scope
    enclosing = scope.qualname if scope is not None else None
    # Positional arguments throughout: msgspec parses keywords noticeably slower.
    if args_text == "()":
        return (Call(callee, name, span, receiver, 0, (), False, False, "", enclosing),)
    inside = preview(args_text[1:-1] if args_text is not None
                     else inner_text(source, args_start, args_end))
    if arguments.kind() != "argument_list":  # `f(x for x in y)`: one generator argument
        return (Call(callee, name, span, receiver, 1, (), False, False, inside, enclosing),)
    n_positional, keywords, star, star2 = argument_shape(arguments, args_text, source)
    return (Call(callee, name, span, receiver, n_positional, keywords, star, star2, inside,
                 enclosing),)


def _callee_parts(head: str, span: Span) -> tuple[str, str, str | None, Span]:
    """(callee, name, receiver, span) from the text before a call's argument list."""
    callee = dotted(head)  # also drops comments: `(f  # why\n  )(x)`
    if callee.startswith("*"):  # tree-sitter reads `[*f(x)]` as a call of `*f`
        inner = callee[1:].strip()
        span = Span(span.line, span.col + len(callee) - len(inner), span.end_line, span.end_col)
        callee = inner
    return (*split_callee(callee), span)


def split_callee(callee: str) -> tuple[str, str, str | None]:
    """(callee, simple name, receiver) from a callee's normalised text.

    The text alone tells the shapes apart: an unparenthesised callee is a primary, and a
    primary whose text ends in `.name` is an attribute."""
    if is_dotted_name(callee):
        if not callee.isascii():
            callee = identifier(callee)
        receiver, _, name = callee.rpartition(".")
        return callee, name, receiver or None
    attribute = _ATTRIBUTE.fullmatch(callee)
    if attribute is not None:  # `f().g`, `x[0].y`, `"sep".join`
        return callee, identifier(attribute[2]), attribute[1]
    if callee.startswith("(") and callee.endswith(")") and is_dotted_name(callee[1:-1].strip()):
        return split_callee(callee[1:-1].strip())  # `(a.b)(x)` calls `a.b`
    return callee, callee, None  # `f()()`, `x[0]()`: the text is the name


def argument_shape(arguments: SgNode, text: str | None,
                   source: str) -> tuple[int, tuple[str, ...], bool, bool]:
    """(positional count, keyword names, `*` present, `**` present) of an argument list,
    given its text (None when too long to scan: then it is read child by child)."""
    if text is not None and not ("=" in text or "*" in text or "#" in text or "\\" in text):
        # Only plain positional arguments: count them without asking each for its kind,
        # and a single one without asking for the children at all.
        return (1 if "," not in text else len(arguments.named_children())), (), False, False
    positional = 0
    keywords: list[str] = []
    star = star2 = False
    maybe_misread = text is None or "*" in text
    for child in arguments.named_children():
        kind = child.kind()
        if kind not in _NOT_POSITIONAL:
            if maybe_misread and kind == "call" and source.startswith(
                    "*", child.replace("").start_pos):
                star = True  # `*a.b()` misread as a call of `*a.b` (see extract_call)
            else:
                positional += 1
        elif kind == "keyword_argument":
            where = child.replace("")
            equals = source.find("=", where.start_pos, where.end_pos)
            keywords.append(source[where.start_pos:equals if equals >= 0
                                   else where.end_pos].strip())
        elif kind == "list_splat":
            star = True
        elif kind == "dictionary_splat":
            star2 = True
    return positional, tuple(keywords), star, star2


def extract_type_call(node: SgNode, site: Site, state: ScanState) -> tuple[Call, ...]:
    """`type(x).attr = v`, which tree-sitter misreads as a `type X = ...` alias statement.

    A real alias names an identifier; a left side starting with `(` is the argument list
    of a call of `type`. Nested calls inside it are matched as usual."""
    left = node.named_children()[0]
    if not left.text().startswith("("):
        return ()  # a real `type X = int` alias: not a call (and not an assignment fact)
    group: SgNode | None = left
    while group is not None and group.kind() not in _ARGUMENT_GROUPS:
        group = group.child(0)
    if group is None:
        return ()
    end_line, end_col = state.spans.position(group.replace("").end_pos)
    span = Span(site.line, site.col, end_line, end_col)
    args = group.named_children() if group.kind() == "tuple" else [group]
    enclosing = site.scope.qualname if site.scope is not None else None
    return (Call("type", "type", span, None, len(args),
                 preview=preview(group.text()[1:-1]), enclosing=enclosing),)
