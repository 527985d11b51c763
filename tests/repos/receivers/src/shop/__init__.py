"""The shop package re-exports its common names."""

from shop.query import QuerySet
from shop.urls import reverse

__all__ = ["QuerySet", "reverse"]
