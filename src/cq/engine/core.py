"""The `Engine`: one per resident process, shared by `cq mcp` and `cq server`.

It keeps the decoded facts of the files it has read (`cq.index.memory`, bounded by the
`engine-memory` setting, least recently used dropped first) and, per root, a `TreeMemo` with
its watcher (opened on the root's first request, at most `MAX_ROOTS` at a time, least
recently used closed first); it installs both for the runner (`cq.runner.set_resident`) and
counts what `cq server status` shows. Requests run one at a time under `lock`: a run changes
process-wide state (the working directory, the environment, the alarm of `--timeout`), and
identical concurrent requests are thereby computed once — the second finds the first's
answer in the query cache.
"""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING, Any

from cq.cache.boundary import pool_backends
from cq.engine.tree import TreeMemo
from cq.engine.watch import RootWatcher, WatchUnavailable
from cq.index.memory import FactsMemory
from cq.index.memory import install as install_memory

if TYPE_CHECKING:
    from cq.settings import Settings

MAX_ROOTS = 8


class Engine:
    def __init__(self, *, watch: bool = True, memory_bytes: int = 256 * 1024 * 1024) -> None:
        self.watch = watch
        self.memory = FactsMemory(memory_bytes)
        self.trees: dict[str, TreeMemo] = {}
        self.lock = threading.RLock()
        self.started = time.time()
        self.requests = 0
        self.last_mode = ""

    def install(self) -> Engine:
        from cq.runner import set_resident

        set_resident(self.tree_for)
        install_memory(self.memory)
        pool_backends(True)
        return self

    def tree_for(self, settings: Settings) -> TreeMemo | None:
        """The root's memo, flushed: every change completed before now has been seen."""
        if settings.no_cache:
            return None
        tree = self.trees.pop(settings.root, None) or self._open(settings)
        self.trees[settings.root] = tree  # most recently used last
        while len(self.trees) > MAX_ROOTS:
            self.trees.pop(next(iter(self.trees))).close()
        tree.flush()
        self.last_mode = tree.mode
        return tree

    def _open(self, settings: Settings) -> TreeMemo:
        if not self.watch:
            return TreeMemo(settings.root, None, "watching is off")
        cache = os.path.realpath(settings.cache_dir)
        try:
            return TreeMemo(settings.root, RootWatcher(settings.root, [cache]))
        except WatchUnavailable as exc:
            return TreeMemo(settings.root, None, f"the root cannot be watched: {exc}")

    def served(self) -> None:
        self.requests += 1

    def status(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "uptime_s": round(time.time() - self.started, 1),
                "memory_bytes": resident_bytes(), "requests": self.requests,
                "facts_files": len(self.memory), "facts_bytes": self.memory.size,
                "roots": [{"root": t.root, "mode": t.mode, "files_watched": t.files_watched,
                           "changes_seen": t.changes_seen} for t in self.trees.values()]}

    def close(self) -> None:
        from cq.runner import set_resident

        set_resident(None)
        install_memory(None)
        pool_backends(False)
        for tree in self.trees.values():
            tree.close()
        self.trees.clear()


def resident_bytes() -> int:
    """The process's resident memory now (Linux), else its peak."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
