"""A def or class header as a pattern: `class Handler`, `class Handler(Base)`, `def load`,
`def load(self, $$$)`, `async def $F` stand for the whole definition they open.

ast-grep matches a pattern against a whole node, and a header alone is not one: `class Handler`
does not parse. Read as a reader reads it, it means "a class named Handler", whatever its bases
and body, so a header becomes the complete definitions it can open, as alternatives (an `any`
of patterns): the body is `$$$`, and parts the header leaves out are left free (`class Name`
matches with or without bases; a `def` without `-> T` matches with or without a return
annotation, and without `(...)` with any parameters). `def` matches `async def` too, as in
ast-grep; `async def` only coroutines. A trailing `:` is allowed (`class Handler:`).
"""

from __future__ import annotations

import re

from cq.rules.literals import pattern_tree
from cq.rules.syntax import syntax_problem

_HEADER = re.compile(
    r"(?P<head>(?:async\s+)?def|class)\s+(?P<name>[A-Za-z_]\w*|\${1,3}[A-Z_][A-Z0-9_]*)"
    r"(?P<rest>\s*(?:\(.*)?)", re.DOTALL)
_KINDS = {"def": "function_definition", "class": "class_definition"}
BODY = ": $$$"


def header_variants(text: str) -> tuple[str, ...] | None:
    """The complete patterns a header stands for, or None when `text` is not a header (a
    text that parses is never one: `def f(): $$$` is a pattern already)."""
    match = _HEADER.fullmatch(text.strip().removesuffix(":").rstrip())
    if match is None or syntax_problem(text) is None:
        return None
    head, name, rest = match["head"], match["name"], match["rest"].strip()
    keyword = head.split()[-1]
    if keyword == "class":
        variants = [f"class {name}{BODY}", f"class {name}($$$){BODY}"] if not rest else [
            f"class {name}{rest}{BODY}"]
    else:
        stem = f"{head} {name}{rest or '($$$)'}"
        variants = [f"{stem}{BODY}"]
        if not _has_return_type(variants[0]):
            variants.append(f"{stem} -> $_{BODY}")
    return tuple(variants) if all(_is_definition(v, keyword) for v in variants) else None


def _is_definition(text: str, keyword: str) -> bool:
    """The variant parses as exactly one definition of the header's kind, with no error."""
    children = pattern_tree(text).children()
    if len(children) != 1 or children[0].kind() != _KINDS[keyword]:
        return False
    return syntax_problem(text) is None


def _has_return_type(text: str) -> bool:
    children = pattern_tree(text).children()
    return bool(children) and children[0].field("return_type") is not None
