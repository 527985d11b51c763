"""Decoded facts kept in memory by a resident process, least recently used dropped first.

A warm run of a resident engine (`cq mcp`, `cq server`) would decode the same files' facts
from the index cache on every miss; `FactsMemory` keeps them, keyed by the store directory,
the extractor tag, the path and the content digest — so a file whose content changed is a
different key and is never answered from memory. Its size is bounded by an estimate of the
bytes the facts take (`budget`, the `engine-memory` setting). An in-process run installs
none: `RESIDENT` stays empty and nothing is kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from cq.facts import FileFacts

BYTES_PER_FACT = 400  # a decoded fact (struct, strings, spans) takes about this much
BYTES_PER_FILE = 600

Key = tuple[str, str, str, str]  # store directory, extractor tag, path, digest


def estimate(facts: FileFacts) -> int:
    count = (len(facts.defs) + len(facts.calls) + len(facts.imports) + len(facts.raises)
             + len(facts.excepts) + len(facts.assigns))
    return BYTES_PER_FILE + BYTES_PER_FACT * count


class FactsMemory:
    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self.hits = 0
        self._items: OrderedDict[Key, tuple[FileFacts, int]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, keys: dict[str, Key]) -> dict[str, FileFacts]:
        """The facts held for these keys (by path), each marked most recently used."""
        found: dict[str, FileFacts] = {}
        with self._lock:
            for path, key in keys.items():
                item = self._items.get(key)
                if item is not None:
                    self._items.move_to_end(key)
                    found[path] = item[0]
            self.hits += len(found)
        return found

    def keep(self, items: dict[Key, FileFacts]) -> None:
        with self._lock:
            for key, facts in items.items():
                size = estimate(facts)
                if size > self.budget or key in self._items:
                    continue
                self._items[key] = (facts, size)
                self.size += size
            while self.size > self.budget and self._items:
                _, (_, size) = self._items.popitem(last=False)
                self.size -= size

    def __len__(self) -> int:
        return len(self._items)


RESIDENT: list[FactsMemory] = []


def install(memory: FactsMemory | None) -> None:
    RESIDENT[:] = [memory] if memory is not None else []
