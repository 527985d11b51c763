"""Persistence: a JSON-file repository with a write-through cache."""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from pathlib import Path

from .errors import NotFound, StorageError
from .models import Item

log = logging.getLogger(__name__)


class Repository:
    """Items stored in one JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._items: dict[str, Item] = {}

    def load(self) -> None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self._items = {}
            return
        except (OSError, json.JSONDecodeError) as exc:
            log.error("cannot read %s: %s", self.path, exc)
            raise StorageError(f"cannot read {self.path}") from exc
        self._items = {row["sku"]: Item(**row) for row in raw}

    def save(self) -> None:
        rows = [item.to_dict() for item in self._items.values()]
        try:
            self.path.write_text(json.dumps(rows, indent=2, sort_keys=True))
        except OSError:
            log.exception("save failed")
            raise

    def get(self, sku: str) -> Item:
        try:
            return self._items[Item.normalise_sku(sku)]
        except KeyError:
            raise NotFound(f"no item {sku}", sku=sku) from None

    def find(self, predicate=None, *, limit: int | None = None) -> list[Item]:
        def matches(item: Item) -> bool:
            return predicate is None or predicate(item)

        found = [item for item in self._items.values() if matches(item)]
        return found[:limit] if limit is not None else found

    def put(self, item: Item) -> None:
        self._items[item.sku] = item

    @contextmanager
    def transaction(self):
        snapshot = dict(self._items)
        try:
            yield self
        except Exception as error:
            self._items = snapshot
            log.warning("rolled back: %s", error)
            raise error
        else:
            self.save()


def open_repository(path: str | Path) -> Repository:
    repo = Repository(Path(path))
    try:  # noqa: SIM105 - a sample of a bare, empty except
        repo.load()
    except:  # noqa: E722
        pass
    return repo
