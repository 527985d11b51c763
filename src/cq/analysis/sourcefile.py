"""A file's source for the analyses that read more than its facts: the decoded text and the
stdlib tree, through the run's session (so every byte read is the one fingerprinted) and the
one guarded parse (`cq.parsing`).

A file that cannot be read or parsed is not an error: the caller gets None, and the run's
`FactSource` records the file as not analysed, which marks the answer partial.
"""

from __future__ import annotations

import ast
import re
from typing import TypeVar

from cq.coding import decode_source
from cq.index.source import FactSource
from cq.parsing import ParseFailure, parse_module

T = TypeVar("T")

_NEWLINE = re.compile(r"\r\n|\r|\n")
UNREADABLE = "unreadable or too large"


def text_of(source: FactSource, path: str) -> str | None:
    """The file decoded like the scanner does; None (recorded) when it cannot be read."""
    data = source.session.text(path)
    if data is None:
        source.not_analysed(path, UNREADABLE)
        return None
    return decode_source(data)[0]


def lines_of(text: str) -> list[str]:
    """The text's lines as Python numbers them (only \\n, \\r\\n and \\r end one)."""
    if "\r" not in text:
        return text.split("\n")  # the usual file: the same lines, ten times faster
    return _NEWLINE.split(text)


def tree_of(source: FactSource, path: str, text: str | None = None) -> ast.Module | None:
    """The file's `ast` tree; None (recorded with the reason) when it does not parse."""
    if text is None:
        text = text_of(source, path)
        if text is None:
            return None
    return kept(source, path, parse_module(text, path))


def kept(source: FactSource, path: str, result: T | ParseFailure) -> T | None:
    """`result`, or None when it is a ParseFailure (then recorded against `path`)."""
    if isinstance(result, ParseFailure):
        source.not_analysed(path, result.text)
        return None
    return result
