"""Output formats: one pure `CqResult -> str` module per format, chosen by name.

Every renderer has the signature `(result, *, top_n=10) -> str`: formats that always show
everything (json, summary) accept `top_n` and ignore it. Renderers return text without a
trailing newline and never write anywhere; the CLI's single emit function prints it.

Adding a format is a new module with its `render_<format>` function plus one row in
`cq.vocabulary.FORMATS` (e.g. `"mermaid": "cq.render.mermaid:render_mermaid"`), imported on
first use. `both` is Markdown, one blank line, then JSON, for a reader and a program sharing
one output.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from cq.errors import BadInputError
from cq.result import CqResult
from cq.vocabulary import FORMATS


class Renderer(Protocol):
    def __call__(self, result: CqResult, *, top_n: int = 10) -> str: ...


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
    renderer = renderer_for(fmt)
    if renderer is None:
        raise BadInputError(f"unknown format {fmt!r}",
                            hint=f"valid formats: {', '.join(format_names())}")
    if top_n < 0:
        raise BadInputError(f"top_n must be 0 or more, got {top_n}")
    return renderer(result, top_n=top_n)
