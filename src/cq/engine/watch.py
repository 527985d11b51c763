"""A file watcher per root (watchfiles), and the flush that makes it never stale.

**Why an answer is never stale.** inotify queues an event in the kernel when the change is
made (inside the `write`, `rename` or `unlink` call), and one inotify instance delivers its
events in the order they were queued. watchfiles' notify thread reads that one instance
and adds each event, in order, to a set we collect with `RustNotify.watch`. So at the start
of a request `flush` writes to a marker file inside the root (`<root>/.cq/engine-marker`, kept
open) and collects events until it has seen the event of that write: every change completed before
the request started was queued before the marker, hence has been collected by then. A new
directory is watched by notify when it reads the directory's creation, before any later
event; files created in it before that are covered because any relevant event makes the
next run list the tree again (`cq.engine.tree`). If the marker's event does not arrive in
time (an overflowing queue, an unwatchable filesystem), `flush` says so and the run falls
back to listing and stat-ing the tree, as an in-process run does.

Events that cannot change an answer are ignored: the marker and artifacts under `.cq/`,
`__pycache__`, the inside of `.git/` (except `info/exclude`, an ignore file) and the cache
directory when it lies inside the root.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable

FLUSH_TIMEOUT_S = 2.0
STEP_MS = 0  # return a batch as soon as events are there: `flush` loops until the marker
MARKER = "engine-marker"


class WatchUnavailable(Exception):
    """The root cannot be watched; the message says why (shown with -v)."""


class RootWatcher:
    def __init__(self, root: str, ignored_dirs: Iterable[str] = ()) -> None:
        self.root = root
        self.marker = os.path.join(root, ".cq", MARKER)
        self._ignored = tuple(os.path.join(d, "") for d in
                              (os.path.join(root, ".cq"), *ignored_dirs))
        self._count = 0
        try:
            from watchfiles._rust_notify import RustNotify

            self._fd = self._open_marker()
            self._notify = RustNotify([root], False, False, 300, True, True)
        except Exception as exc:  # no inotify watches left, an unsupported filesystem
            raise WatchUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def flush(self) -> set[str] | None:
        """The relevant paths changed since the last flush, including every change completed
        before this call; None when that cannot be proved (the marker never arrived)."""
        self._count += 1
        token = f"{self._count:020d}".encode()
        try:  # a write to the open marker: one cheap syscall, one IN_MODIFY event
            os.pwrite(self._fd, token, 0)
        except OSError:
            return None
        changed: set[str] = set()
        deadline = time.monotonic() + FLUSH_TIMEOUT_S
        while time.monotonic() < deadline:
            batch = self._notify.watch(int(FLUSH_TIMEOUT_S * 1000), STEP_MS,
                                       int(FLUSH_TIMEOUT_S * 1000), None)
            if isinstance(batch, str):
                continue  # "timeout" or "signal": the loop's deadline decides
            paths = {path for _, path in batch}
            changed.update(p for p in paths if self.relevant(p))
            if self.marker in paths:
                return changed
        self._reopen()  # the marker may have been deleted: the next flush writes a new one
        return None

    def _open_marker(self) -> int:
        folder = os.path.dirname(self.marker)
        os.makedirs(folder, exist_ok=True)
        ignore = os.path.join(folder, ".gitignore")
        if not os.path.exists(ignore):  # cq's own files never show in `git status`
            with open(ignore, "w") as handle:
                handle.write("*\n")
        return os.open(self.marker, os.O_WRONLY | os.O_CREAT, 0o600)

    def _reopen(self) -> None:
        try:
            fd = self._open_marker()
        except OSError:
            return
        os.close(self._fd)
        self._fd = fd

    def relevant(self, path: str) -> bool:
        if path.startswith(self._ignored) or path == self.marker:
            return False
        parts = path[len(self.root) + 1:].split(os.sep)
        if "__pycache__" in parts:
            return False
        if ".git" in parts[:-1]:
            return path.endswith(os.path.join("info", "exclude"))
        return True

    def close(self) -> None:
        self._notify.close()
        os.close(self._fd)
