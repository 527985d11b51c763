"""The exception hierarchy every layer raises."""

from __future__ import annotations


class StockroomError(Exception):
    """Base class of stockroom failures."""

    code = "stockroom"

    def __init__(self, message: str, *, sku: str | None = None) -> None:
        super().__init__(message)
        self.sku = sku


class NotFound(StockroomError):
    code = "not-found"


class OutOfStock(StockroomError):
    """Not enough units to satisfy a request."""

    code = "out-of-stock"

    def __init__(self, sku: str, wanted: int, available: int) -> None:
        super().__init__(f"{sku}: wanted {wanted}, {available} available", sku=sku)
        self.wanted, self.available = wanted, available


class StorageError(StockroomError, RuntimeError):
    code = "storage"
