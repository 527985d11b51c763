"""Small, allocation-light helpers over ast-grep-py nodes, shared by the extractors.

Every accessor on an `SgNode` crosses from Python into Rust, and on a full scan that crossing
is the main cost after parsing. The helpers here therefore work on text already fetched where
they can (previews, docstrings, dotted names) and fetch from a node only what they must.
This module owns text normalisation and the `ShapeError` raised for unexpected node shapes;
it knows nothing of facts or of the traversal.
"""

from __future__ import annotations

import ast
import re
import unicodedata

from ast_grep_py import SgNode

from cq.parsing import guarded

PREVIEW_CHARS = 80
# Named nodes that carry no code: skipped wherever children are counted or listed.
TRIVIA = frozenset({"comment", "line_continuation"})
ELLIPSIS = "…"

_STRING_PREFIX = re.compile(r"[A-Za-z]*")
_CONTINUATION = re.compile(r"\\\r?\n|\\$")  # a backslash line continuation
# A string literal (kept) or a comment (dropped), whichever starts first.
_STRING_OR_COMMENT = re.compile(
    r"""(?P<string>'''(?:[^\\]|\\.)*?'''|\"\"\"(?:[^\\]|\\.)*?\"\"\""""
    r"""|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
    r"""|(?P<comment>\#[^\n]*)""",
    re.DOTALL,
)


class ShapeError(ValueError):
    """A node does not have the shape its extractor expects (strict mode raises it)."""


def required(node: SgNode, field: str) -> SgNode:
    """`node.field(field)`, which well-formed trees always have."""
    child = node.field(field)
    if child is None:
        raise ShapeError(f"{node.kind()} at line {node.range().start.line + 1} has no {field}")
    return child


def squash(text: str) -> str:
    """Collapse every whitespace run (newlines included) to one space; drop comments."""
    if "#" in text:
        text = strip_comments(text)
    return " ".join(text.split())


def strip_comments(text: str) -> str:
    """The text without its `#` comments (a `#` inside a string literal stays)."""
    return _STRING_OR_COMMENT.sub(lambda m: m["string"] or "", text)


def dotted(text: str) -> str:
    """Normalise a name-like expression: `a . b` and multi-line chains become `a.b`."""
    if " " not in text and "\n" not in text and "\t" not in text and "\\" not in text:
        return text  # the overwhelmingly common case: nothing to do
    flat = squash(_CONTINUATION.sub(" ", text))
    return flat.replace(" .", ".").replace(". ", ".")


def identifier(text: str) -> str:
    """A name as Python sees it: identifiers are NFKC-normalised (`ｗｗｗ` is `www`)."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def is_dotted_name(text: str) -> bool:
    """`a`, `a.b.c`: identifiers joined by dots, nothing else."""
    return text.isidentifier() or ("." in text and all(map(str.isidentifier, text.split("."))))


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    """Whitespace-collapsed text cut to `limit` characters (an ellipsis marks the cut)."""
    if len(text) <= limit and text.isprintable() and "  " not in text and "#" not in text:
        return text.strip()  # short and on one line: already its own preview
    head = text[: limit * 8]  # never collapse a huge literal only to throw it away
    flat = squash(head)
    if len(flat) <= limit and len(head) == len(text):
        return flat
    return flat[: limit - 1] + ELLIPSIS


def inner_text(source: str, start: int, end: int, limit: int = PREVIEW_CHARS) -> str:
    """The text inside the brackets at `source[start:end]`, or when longer than `preview`
    reads, the part it reads and one character more: the same preview, at a cost that does
    not grow with the text."""
    inner_end = end - 1
    if inner_end - (start + 1) <= limit * 8:
        return source[start + 1:inner_end]
    return source[start + 1:start + 2 + limit * 8]


def docstring_line(string_node: SgNode) -> str | None:
    """First non-blank line of a docstring literal, or None when it is not a str docstring."""
    text = string_node.text()
    if string_node.kind() == "concatenated_string":
        return _first_line(_evaluate(text))
    prefix = _STRING_PREFIX.match(text).group().lower()  # type: ignore[union-attr]
    if "b" in prefix or "f" in prefix or "t" in prefix:
        return None  # bytes and f-strings are not docstrings (ast agrees)
    body = text[len(prefix):]
    quote = 3 if body[:3] in ('"""', "'''") else 1
    inner = body[quote:-quote] if len(body) >= 2 * quote else ""
    if "\\" in inner and "r" not in prefix:
        return _first_line(_evaluate(text))  # escapes: let Python decode them
    return _first_line(inner)


def _evaluate(literal: str) -> str | None:
    value = guarded(ast.literal_eval, literal)
    return value if isinstance(value, str) else None


def _first_line(text: str | None) -> str | None:
    if not text:
        return None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped:
            return stripped
    return None
