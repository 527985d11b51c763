"""Source excerpts of bounded width: a line cut to a window around a column, so that what a
finding quotes grows with the finding, not with the length of the line it sits on (one
minified line can hold thousands of sites). Like ripgrep's `--max-columns-preview`, a cut is
marked with `…` on the side it was made.
"""

from __future__ import annotations

EXCERPT_WIDTH = 200  # characters of one quoted line
ELLIPSIS = "…"


def clip_line(line: str, col: int = 0, width: int = EXCERPT_WIDTH) -> str:
    """`line` if it fits in `width`, else a window of `width` characters that holds `col`,
    starting a quarter of the width before it."""
    if len(line) <= width:
        return line
    start = max(0, min(col - width // 4, len(line) - width))
    window = line[start:start + width]
    head = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if start + width < len(line) else ""
    return head + window + tail


def clip_lines(lines: list[str], col: int = 0, width: int = EXCERPT_WIDTH) -> str:
    """Lines joined by newlines, each clipped around the same column."""
    return "\n".join(clip_line(line, col, width) for line in lines)
