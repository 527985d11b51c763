"""Use cases: reserve and restock items, report low stock."""

from __future__ import annotations

import asyncio
from functools import lru_cache

from . import storage
from .config import load_settings
from .errors import OutOfStock, StockroomError
from .models import Item, Reservation
from .utils import gather_all, retry, timed


class StockroomService:
    """Reservations and restocking over one repository."""

    default_batch = 50

    def __init__(self, repo: storage.Repository, *, low_stock: int | None = None) -> None:
        self.repo = repo
        self.low_stock = low_stock if low_stock is not None else load_settings().low_stock
        self.reservations: list[Reservation] = []

    @retry(times=2)
    def reserve(self, sku: str, count: int = 1) -> Reservation:
        item = self.repo.get(sku)
        item.take(count)
        reservation = Reservation(item, count)
        self.reservations.append(reservation)
        return reservation

    def restock(self, sku: str, count: int, *, note: str = "") -> Item:
        if count <= 0:
            raise ValueError(f"count must be positive, not {count}")
        with self.repo.transaction():
            item = self.repo.get(sku)
            item.quantity += count
        return item

    @timed
    def low_stock_items(self) -> list[Item]:
        return self.repo.find(lambda item: item.quantity < self.low_stock)

    def cancel_all(self) -> int:
        cancelled = 0
        for reservation in reversed(self.reservations):
            try:
                reservation.release()
            except StockroomError:
                continue
            cancelled += 1
        self.reservations.clear()
        return cancelled

    async def reserve_many(self, requests: dict[str, int]) -> list[Reservation]:
        async def one(sku: str, count: int) -> Reservation:
            await asyncio.sleep(0)
            return self.reserve(sku, count)

        results = await gather_all(*(one(sku, n) for sku, n in requests.items()), limit=4)
        return [r for r in results if r is not None]


@lru_cache(maxsize=32)
def service_for(path: str) -> StockroomService:
    return StockroomService(storage.open_repository(path))


def try_reserve(service: StockroomService, sku: str, count: int) -> Reservation | None:
    try:
        return service.reserve(sku, count)
    except OutOfStock as exc:
        if exc.available:
            return service.reserve(sku, exc.available)
        return None
    except (KeyError, LookupError):
        ...
