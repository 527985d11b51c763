"""JSON: the whole result for programs, exactly `cq.result.result_to_json` (sorted keys, indent 2).

Nothing is cut: `top_n` is accepted for a uniform renderer signature and ignored. The shape
and its encoding belong to `cq.result`; this module only adapts it to the renderer registry.
`json_chunks` is the same text in UTF-8 pieces, for a writer that should not hold a large
answer whole.
"""

from __future__ import annotations

from collections.abc import Iterator

from cq.result import CqResult, result_json_chunks, result_to_json


def render_json(result: CqResult, *, top_n: int = 10) -> str:
    """The full result as deterministic JSON (equal results give equal text)."""
    del top_n  # JSON always carries everything
    return result_to_json(result)


def json_chunks(result: CqResult, *, top_n: int = 10) -> Iterator[bytes]:
    """`render_json`'s text as UTF-8 pieces, made one batch of findings at a time."""
    del top_n
    return result_json_chunks(result)
