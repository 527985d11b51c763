"""JSON: the whole result for programs, exactly `cq.result.result_to_json` (sorted keys, indent 2).

Nothing is cut: `top_n` is accepted for a uniform renderer signature and ignored. The shape
and its encoding belong to `cq.result`; this module only adapts it to the renderer registry.
"""

from __future__ import annotations

from cq.result import CqResult, result_to_json


def render_json(result: CqResult, *, top_n: int = 10) -> str:
    """The full result as deterministic JSON (equal results give equal text)."""
    del top_n  # JSON always carries everything
    return result_to_json(result)
