"""Inventory: a small stock-keeping package used as a test repository."""

from .models import Item, Warehouse
from .service import main

__all__ = ["Item", "Warehouse", "main"]
