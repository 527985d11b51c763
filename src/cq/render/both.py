"""`both`: Markdown, one blank line, then the full JSON, for a reader and a program sharing one
output."""

from __future__ import annotations

from cq.render.json import render_json
from cq.render.markdown import render_markdown
from cq.result import CqResult


def render_both(result: CqResult, *, top_n: int = 10) -> str:
    """Markdown, a blank line, then the full JSON."""
    return f"{render_markdown(result, top_n=top_n)}\n\n{render_json(result)}"
