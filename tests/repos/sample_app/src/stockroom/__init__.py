"""Stockroom: track items, stock levels and reservations."""

from .config import Settings, load_settings
from .errors import OutOfStock, StockroomError
from .models import Item, Reservation

__all__ = ["Item", "OutOfStock", "Reservation", "Settings", "StockroomError", "load_settings"]
__version__ = "0.3.0"
