"""The commands of the resident engine: `cq mcp` (and `cq server`), imported only by them."""

from __future__ import annotations

from pathlib import Path


def serve_mcp(root: str | None) -> int:
    from cq.mcp_server import serve_stdio

    return serve_stdio(str(Path(root).resolve()) if root else None)
