"""Domain objects."""

from __future__ import annotations

import dataclasses
from functools import cached_property


@dataclasses.dataclass(frozen=True)
class Item:
    sku: str
    quantity: int = 0

    def restock(self, amount: int) -> Item:
        return dataclasses.replace(self, quantity=self.quantity + amount)

    @property
    def empty(self) -> bool:
        return self.quantity == 0


class Warehouse:
    """Holds items by SKU."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: dict[str, Item] = {}

    def add(self, item: Item) -> None:
        self._items[item.sku] = item

    def get(self, sku: str, /, default: Item | None = None) -> Item | None:
        return self._items.get(sku, default)

    @cached_property
    def total(self) -> int:
        return sum(item.quantity for item in self._items.values())

    class Audit:
        def run(self, *, strict: bool = False) -> list[str]:
            def check(item: Item) -> str | None:
                return None if item.quantity >= 0 else item.sku

            return [sku for sku in map(check, []) if sku]
