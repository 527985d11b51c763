"""Refers to the hub only for type checking."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loops.lazy.hub import Hub


class Spoke:
    hub: Hub | None = None
