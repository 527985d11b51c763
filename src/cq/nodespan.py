"""Positions and texts of ast-grep nodes that stay linear on a long line.

The parser's `range()` counts the characters before a node on its line, and `text()` copies
the node's whole text: on one line of many nested nodes both are quadratic. Here a file's
nodes are placed by `range()` until one sits past `LONG_LINE` characters on its line; from
then on by their character offsets (`replace("")` describes an edit without making it, and
counts nothing) and the file's line starts. Texts are read from the source by offset, cut at
the caller's cap. Lines end at `\\n` only, as tree-sitter's rows do.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import TYPE_CHECKING

from cq.facts import Span

if TYPE_CHECKING:
    from ast_grep_py import Range, SgNode

LONG_LINE = 1000  # characters before a node (or its end) on its line
_PLUS_ONE = (1).__add__  # each line's length and its newline, added up without a lambda


def line_starts(source: str) -> list[int]:
    """The character index where each line starts, then one past the end."""
    return list(accumulate(map(_PLUS_ONE, map(len, source.split("\n"))), initial=0))


def position(starts: list[int], index: int) -> tuple[int, int]:
    """(1-based line, 0-based column in characters) of a character index."""
    line = bisect_right(starts, index) - 1
    return line + 1, index - starts[line]


class NodeSpans:
    """Positions and capped texts of one file's nodes. `locate` (in source order, as the
    scanner asks) and `span` (in any order) switch to offsets at the first long line."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._starts: list[int] | None = None

    def starts(self) -> list[int]:
        """The file's `line_starts`, made on first use."""
        if self._starts is None:
            self._starts = line_starts(self.source)
        return self._starts

    def locate(self, node: SgNode) -> tuple[int, int, int, int, Range | None]:
        """(1-based line, column, start index, end index) of a node, and its `Range` while
        the parser's positions are used (None after: `position` gives the end's)."""
        starts = self._starts
        if starts is None:
            where = node.range()
            start, end = where.start, where.end
            if start.column > LONG_LINE or end.column > LONG_LINE:
                self.starts()  # from here on, offsets and line starts
                return start.line + 1, start.column, start.index, end.index, None
            return start.line + 1, start.column, start.index, end.index, where
        edit = node.replace("")
        first = edit.start_pos
        row = bisect_right(starts, first) - 1
        return row + 1, first - starts[row], first, edit.end_pos, None

    def position(self, index: int) -> tuple[int, int]:
        """(1-based line, column) of a character index."""
        return position(self.starts(), index)

    def span(self, node: SgNode) -> tuple[Span, int, int]:
        """The node's span and its start and end character indexes."""
        line, col, first, last, where = self.locate(node)
        if where is not None:
            return Span(line, col, where.end.line + 1, where.end.column), first, last
        return Span(line, col, *self.position(last)), first, last

    def text(self, node: SgNode, cap: int) -> tuple[str, bool]:
        """The node's text cut at `cap` characters, and whether it was cut."""
        edit = node.replace("")
        first, last = edit.start_pos, edit.end_pos
        return self.source[first:min(last, first + cap)], last - first > cap
