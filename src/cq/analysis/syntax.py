"""Names and text read off a function's `ast`, for the taint walk (`cq.analysis.taint`) and
the interprocedural layer (`cq.analysis.flow`): source segments and character columns
(`ast` counts bytes), the names an expression reads or a target binds, a callee's text.
"""

from __future__ import annotations

import ast
import re

TEXT_LIMIT = 80
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class SourceText:
    """A file's lines, for source segments and character columns (`ast` counts bytes)."""

    def __init__(self, source: str) -> None:
        self.lines = _LINE.findall(source)

    def column(self, line: int, byte_col: int) -> int:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_col
        return len(text.encode()[:byte_col].decode(errors="ignore"))

    def segment(self, line: int, col: int, end_line: int, end_col: int) -> str:
        """Source between two (line, byte column) positions."""
        rows = [row.encode() for row in self.lines[line - 1:end_line]]
        if not rows:
            return ""
        if len(rows) == 1:
            return rows[0][col:end_col].decode(errors="replace")
        middle = b"".join(rows[1:-1])
        return (rows[0][col:] + middle + rows[-1][:end_col]).decode(errors="replace")


def shorten(text: str, limit: int = TEXT_LIMIT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def loaded_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)}


def target_names(node: ast.AST) -> set[str]:
    """Names a binding target or match pattern binds."""
    names: set[str] = set()
    for part in ast.walk(node):
        if isinstance(part, ast.Name) and isinstance(part.ctx, ast.Store):
            names.add(part.id)
        elif isinstance(part, ast.MatchAs | ast.MatchStar) and part.name:
            names.add(part.name)
        elif isinstance(part, ast.MatchMapping) and part.rest:
            names.add(part.rest)
    return names


def callee_parts(func: ast.expr) -> tuple[str, str]:
    """The callee's text and its last segment ("" when it is not a name or attribute)."""
    last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return shorten(ast.unparse(func)), last
