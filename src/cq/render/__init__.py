"""Output formats: one pure `CqResult -> str` module per format, chosen by name.

Every renderer has the signature `(result, *, top_n=10) -> str`: formats that always show
everything (json, summary) accept `top_n` and ignore it. Renderers return text without a
trailing newline and never write anywhere; the CLI's single emit function prints it.

Adding a format is a new module with its `render_<format>` function plus one row in
`cq.vocabulary.FORMATS` (e.g. `"mermaid": "cq.render.mermaid:render_mermaid"`), imported on
first use. `both` is Markdown, one blank line, then JSON, for a reader and a program sharing
one output.

`render_chunks` is the same text as UTF-8 pieces. The formats in `CHUNKED` make theirs one
batch of findings at a time, so printing a large answer never holds its whole text (JSON of
tens of thousands of findings is tens of megabytes, and each copy counts in peak memory);
the others are rendered whole.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Protocol

from cq.errors import BadInputError
from cq.result import CqResult
from cq.vocabulary import FORMATS


class Renderer(Protocol):
    def __call__(self, result: CqResult, *, top_n: int = 10) -> str: ...


# Formats with a piecewise writer: `render_chunks` calls it instead of the renderer.
CHUNKED: dict[str, str] = {
    "json": "cq.render.json:json_chunks",
    "both": "cq.render.both:both_chunks",
}

# Renderers imported so far, by format name.
RENDERERS: dict[str, Renderer] = {}


def format_names() -> tuple[str, ...]:
    """The valid `--format` values, sorted."""
    return tuple(sorted(FORMATS))


def renderer_for(fmt: str) -> Renderer | None:
    """The renderer of format `fmt` (importing it on first use), None when unknown. Most runs
    print Markdown or JSON and should not pay for the graph formats."""
    found = RENDERERS.get(fmt)
    if found is None and fmt in FORMATS:
        module, function = FORMATS[fmt].split(":")
        found = RENDERERS[fmt] = getattr(importlib.import_module(module), function)
    return found


def render(result: CqResult, fmt: str, *, top_n: int = 10) -> str:
    """Render `result` in format `fmt`; an unknown format or a negative top_n is bad input."""
    return _checked(fmt, top_n)(result, top_n=top_n)


def render_chunks(result: CqResult, fmt: str, *, top_n: int = 10) -> Iterator[bytes]:
    """`render(result, fmt, top_n=top_n)` as UTF-8 pieces (joined and decoded: the same text;
    undecodable path bytes kept as they were read). The checks run before the first piece."""
    renderer = _checked(fmt, top_n)
    if fmt in CHUNKED:
        module, function = CHUNKED[fmt].split(":")
        chunks: Iterator[bytes] = getattr(importlib.import_module(module), function)(
            result, top_n=top_n)
        return chunks
    return iter((renderer(result, top_n=top_n).encode("utf-8", "surrogateescape"),))


def _checked(fmt: str, top_n: int) -> Renderer:
    renderer = renderer_for(fmt)
    if renderer is None:
        raise BadInputError(f"unknown format {fmt!r}",
                            hint=f"valid formats: {', '.join(format_names())}")
    if top_n < 0:
        raise BadInputError(f"top_n must be 0 or more, got {top_n}")
    return renderer
