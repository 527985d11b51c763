"""cq.nodespan: node positions and texts, the parser's own or from offsets, always equal."""

from __future__ import annotations

import pytest
from ast_grep_py import SgRoot
from hypothesis import given, settings
from hypothesis import strategies as st

import cq.nodespan as nodespan
from cq.facts import Span
from cq.nodespan import NodeSpans, line_starts, position

pieces = st.sampled_from(["f(", ")", "x", " ", "\n", "\r\n", "é", "😀", "'s'", ", ", "a.b",
                          "[", "]", "# c\n", "=", "1"])
sources = st.lists(pieces, max_size=60).map("".join)


def _parser_view(source: str) -> list[tuple[Span, str]]:
    nodes = SgRoot(source, "python").root().find_all(kind="identifier")
    return [(Span(r.start.line + 1, r.start.column, r.end.line + 1, r.end.column), n.text())
            for n in nodes for r in [n.range()]]


@settings(max_examples=200, deadline=None)
@given(source=sources, long_line=st.sampled_from([-1, 3, 1000]))
def test_spans_and_texts_are_the_parsers(source: str, long_line: int) -> None:
    """From offsets and line starts (a "long line" of any length here) or from the parser,
    in any order of asking: the same spans and texts."""
    expected = _parser_view(source)
    saved, nodespan.LONG_LINE = nodespan.LONG_LINE, long_line
    try:
        spans = NodeSpans(source)
        nodes = SgRoot(source, "python").root().find_all(kind="identifier")
        got = [(spans.span(n)[0], spans.text(n, 10**6)[0]) for n in reversed(nodes)]
    finally:
        nodespan.LONG_LINE = saved
    assert got[::-1] == expected


@pytest.mark.parametrize(("source", "starts"), [
    ("", [0, 1]), ("a", [0, 2]), ("a\nbc\n", [0, 2, 5, 6]), ("a\r\nb", [0, 3, 5])])
def test_line_starts_break_at_newlines_only(source: str, starts: list[int]) -> None:
    assert line_starts(source) == starts
    assert position(starts, len(source)) == (len(starts) - 1, len(source) - starts[-2])


def test_texts_are_cut_at_the_cap_without_reading_the_rest() -> None:
    source = "f(" + "x" * 50 + ")"
    (node,) = SgRoot(source, "python").root().find_all(kind="call")
    assert NodeSpans(source).text(node, 5) == ("f(xxx", True)
    assert NodeSpans(source).text(node, 53) == (source, False)
