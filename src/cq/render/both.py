"""`both`: Markdown, one blank line, then the full JSON, for a reader and a program sharing one
output."""

from __future__ import annotations

from collections.abc import Iterator

from cq.render.json import json_chunks, render_json
from cq.render.markdown import render_markdown
from cq.result import CqResult


def render_both(result: CqResult, *, top_n: int = 10) -> str:
    """Markdown, a blank line, then the full JSON."""
    return f"{render_markdown(result, top_n=top_n)}\n\n{render_json(result)}"


def both_chunks(result: CqResult, *, top_n: int = 10) -> Iterator[bytes]:
    """`render_both`'s text as UTF-8 pieces: the JSON is made one batch of findings at a time."""
    yield f"{render_markdown(result, top_n=top_n)}\n\n".encode("utf-8", "surrogateescape")
    yield from json_chunks(result)
