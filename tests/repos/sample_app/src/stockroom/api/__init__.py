"""HTTP routes (a tiny router, so the sample has no dependencies)."""

from .routes import app

__all__ = ["app"]
