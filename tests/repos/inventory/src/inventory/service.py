"""Application service: glue between storage and the API."""

import logging

from .models import Item, Warehouse
from .storage.backend import load, save

log = logging.getLogger(__name__)


def build_warehouse(name, *items, **options):
    warehouse = Warehouse(name)
    for item in items:
        warehouse.add(item)
    return warehouse


def restock_all(warehouse, amount=1):
    counter = 0

    def bump(item):
        nonlocal counter
        counter += 1
        return item.restock(amount)

    for sku in list(warehouse._items):
        warehouse.add(bump(warehouse.get(sku)))
    return counter


async def sync(warehouse):
    data = await load(warehouse.name)
    save(warehouse.name, data)


def main(argv=None):
    warehouse = build_warehouse("main", Item("a", 1))
    restock_all(warehouse)
    log.info("done")
    return 0
