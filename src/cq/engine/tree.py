"""One root's memo of discoveries and fingerprints, kept while its watcher sees no change.

`cq.runner` asks `recall(key)` before listing the tree (the key names the scope and the cache
that validated the fingerprints) and offers `keep(key, token, …)` after a run in which every
file was a cache hit. `begin()` hands out the generation current before the listing started;
any relevant event bumps the generation, so a memo whose listing raced with an edit is never
kept, and every memo is dropped by the first flush that reports a change. With no watcher
(`watcher is None`) nothing is remembered: every run lists and stats, and `mode` says why.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cq.discover import Discovery
    from cq.engine.watch import RootWatcher

MAX_MEMOS = 64  # scopes remembered per root (each holds one FileRef per file)


class TreeMemo:
    def __init__(self, root: str, watcher: RootWatcher | None, reason: str = "") -> None:
        self.root = root
        self.watcher = watcher
        self.mode = "watching" if watcher is not None else f"stat checks ({reason})"
        self.generation = 0
        self.changes_seen = 0
        self.recalled = 0  # runs that listed nothing: their memo was current
        self._memos: dict[str, tuple[int, Discovery, dict[str, str]]] = {}
        self._lock = threading.Lock()
        self._fresh = False  # did the last flush prove the memo current?

    def flush(self) -> None:
        """At the start of a request: collect every change completed before it."""
        if self.watcher is None:
            return
        changed = self.watcher.flush()
        with self._lock:
            self._fresh = changed is not None
            if changed is None or changed:
                self.changes_seen += len(changed or ())
                self.invalidate()
            if changed is None:
                self.mode = "stat checks (the watcher did not answer in time)"
            else:
                self.mode = "watching"

    def invalidate(self) -> None:
        self.generation += 1
        self._memos.clear()

    # --- the runner's side (cq.runner.TreeMemo) ------------------------------------------

    def recall(self, key: str) -> tuple[Discovery, dict[str, str]] | None:
        with self._lock:
            found = self._memos.get(key)
            if not self._fresh or found is None or found[0] != self.generation:
                return None
            self.recalled += 1
            return found[1], found[2]

    def begin(self) -> object:
        return self.generation

    def keep(self, key: str, token: object, discovery: Discovery,
             digests: dict[str, str]) -> None:
        with self._lock:
            if self.watcher is None or not self._fresh or token != self.generation:
                return
            if len(self._memos) >= MAX_MEMOS:
                self._memos.pop(next(iter(self._memos)))
            self._memos[key] = (self.generation, discovery, digests)

    @property
    def files_watched(self) -> int:
        with self._lock:
            return max((len(d.files) for _, d, _ in self._memos.values()), default=0)

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.close()
