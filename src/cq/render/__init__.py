"""Output formats: one pure `CqResult -> str` module per format, chosen by name.

Every renderer has the signature `(result, *, top_n=10) -> str`: formats that always show
everything (json, summary) accept `top_n` and ignore it. Renderers return text without a
trailing newline and never write anywhere; the CLI's single emit function prints it.

Adding a format is a new module with its `render_<format>` function plus one row in
`RENDERERS` (e.g. `"mermaid": "cq.render.mermaid:render_mermaid"`, imported on first use).
`both` is Markdown, one blank line, then JSON, for a reader and a program sharing one output.
"""

from __future__ import annotations

from typing import Protocol

from cq.errors import BadInputError
from cq.render.json import render_json
from cq.render.markdown import render_markdown
from cq.render.summary import render_summary
from cq.result import CqResult


class Renderer(Protocol):
    def __call__(self, result: CqResult, *, top_n: int = 10) -> str: ...


def render_both(result: CqResult, *, top_n: int = 10) -> str:
    """Markdown, a blank line, then the full JSON."""
    return f"{render_markdown(result, top_n=top_n)}\n\n{render_json(result)}"


# A renderer, or "module:function" for the graph formats, imported when first used: most
# runs print Markdown or JSON and should not pay for the others.
RENDERERS: dict[str, Renderer | str] = {
    "md": render_markdown,
    "json": render_json,
    "both": render_both,
    "summary": render_summary,
    "mermaid": "cq.render.mermaid:render_mermaid",
    "mermaid-class": "cq.render.mermaid_class:render_mermaid_class",
    "mermaid-cfg": "cq.render.mermaid_cfg:render_mermaid_cfg",
    "dot": "cq.render.dot:render_dot",
}


def format_names() -> tuple[str, ...]:
    """The valid `--format` values, sorted."""
    return tuple(sorted(RENDERERS))


def renderer_for(fmt: str) -> Renderer | None:
    """The renderer of format `fmt` (importing it on first use), None when unknown."""
    entry = RENDERERS.get(fmt)
    if isinstance(entry, str):
        import importlib

        module, function = entry.split(":")
        entry = RENDERERS[fmt] = getattr(importlib.import_module(module), function)
    return entry


def render(result: CqResult, fmt: str, *, top_n: int = 10) -> str:
    """Render `result` in format `fmt`; an unknown format or a negative top_n is bad input."""
    renderer = renderer_for(fmt)
    if renderer is None:
        raise BadInputError(f"unknown format {fmt!r}",
                            hint=f"valid formats: {', '.join(format_names())}")
    if top_n < 0:
        raise BadInputError(f"top_n must be 0 or more, got {top_n}")
    return renderer(result, top_n=top_n)
