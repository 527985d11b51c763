"""Domain objects: items, stock levels and reservations."""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

from .errors import OutOfStock

_ids = itertools.count(1)


class Status(enum.Enum):
    ACTIVE = "active"
    RETIRED = "retired"


class Registry(type):
    """Metaclass that remembers every model class."""

    classes: dict[str, type] = {}

    def __new__(mcs, name, bases, namespace, **kwargs):
        cls = super().__new__(mcs, name, bases, namespace)
        mcs.classes[name] = cls
        return cls


class Model(metaclass=Registry):
    """Base of every stored object."""

    table = "models"

    def to_dict(self) -> dict[str, object]:
        return {key: value for key, value in vars(self).items() if not key.startswith("_")}

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items())
        return f"{type(self).__name__}({fields})"


class Item(Model):
    """A stock-keeping unit."""

    table = "items"
    price_cents: int

    def __init__(self, sku: str, name: str, quantity: int = 0, price_cents: int = 0) -> None:
        self.sku = sku
        self.name = name
        self.quantity = quantity
        self.price_cents = price_cents
        self.status = Status.ACTIVE

    @property
    def in_stock(self) -> bool:
        return self.quantity > 0

    @staticmethod
    def normalise_sku(raw: str) -> str:
        return raw.strip().upper().replace(" ", "-")

    def take(self, count: int) -> int:
        if count > self.quantity:
            raise OutOfStock(self.sku, count, self.quantity)
        self.quantity -= count
        return self.quantity

    class Meta:
        ordering = ("sku",)
        indexes = ["sku", "name"]


@dataclass
class Reservation:
    item: Item
    count: int
    created: datetime = datetime.now(UTC)
    id: int = 0

    def __post_init__(self) -> None:
        self.id = next(_ids)

    def release(self) -> None:
        self.item.quantity += self.count
