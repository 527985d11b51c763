"""One root's memo of discoveries and fingerprints, kept current by its watcher's events.

`cq.runner` asks `recall(key)` before listing the tree (the key names the scope and the cache
that validated the fingerprints) and offers `keep(key, token, …)` after the run. `begin()`
hands out the generation current before the run looked; every flush that reports a change
starts a new generation, so a memo whose run raced with an edit is never kept.

A flush that reports changes patches each memo when every changed path is a file the memo
lists, still a regular file, and no other listed path shares its inode (a hard link or a
symlink would change unseen): the file's stamp is taken again and its digest forgotten, so
the next run fingerprints that file only. Any other change — a new, deleted or moved file,
a directory, an ignore or config file — drops the memo: the next run lists the tree. With no
watcher (`watcher is None`) nothing is remembered and `mode` says why.
"""

from __future__ import annotations

import os
import stat
import threading
from collections import Counter
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from cq.discover import Discovery, FileRef
    from cq.engine.watch import RootWatcher

MAX_MEMOS = 64  # scopes remembered per root (each holds one FileRef per file)


class Memo(msgspec.Struct):
    """One scope's discovery and fingerprints (`cq.runner.Recalled`), and the indexes a
    patch needs. `digests`, `by_path` and `hits` are shared with the runs that adopt them,
    which never change them; a patch builds new ones."""

    generation: int
    discovery: Discovery
    digests: dict[str, str]
    where: dict[str, int]  # path -> position in discovery.files
    inodes: Counter[int]
    by_path: dict[str, FileRef]
    hits: frozenset[str]
    scope: str = ""  # the scope digest, once a run has computed it over these digests


def _memo(generation: int, discovery: Discovery, digests: dict[str, str],
          scope: str = "") -> Memo:
    files = discovery.files
    return Memo(generation, discovery, digests, {ref.path: i for i, ref in enumerate(files)},
                Counter(ref.inode for ref in files), {ref.path: ref for ref in files},
                frozenset(digests), scope)


class TreeMemo:
    def __init__(self, root: str, watcher: RootWatcher | None, reason: str = "") -> None:
        self.root = root
        self.watcher = watcher
        self.mode = "watching" if watcher is not None else f"stat checks ({reason})"
        self.generation = 0
        self.changes_seen = 0
        self.recalled = 0  # runs that listed nothing: their memo was current
        self.patched = 0  # memos carried over an edit by re-stat-ing the edited files
        self._memos: dict[str, Memo] = {}
        self._lock = threading.Lock()
        self._fresh = False  # did the last flush prove the memo current?

    def flush(self) -> None:
        """At the start of a request: collect every change completed before it."""
        if self.watcher is None:
            return
        changed = self.watcher.flush()
        with self._lock:
            self._fresh = changed is not None
            if changed is None:
                self.mode = "stat checks (the watcher did not answer in time)"
                self._drop()
                return
            self.mode = "watching"
            if changed:
                self.changes_seen += len(changed)
                self._carry_over(changed)

    def _drop(self) -> None:
        self.generation += 1
        self._memos.clear()

    def _carry_over(self, changed: set[str]) -> None:
        self.generation += 1
        paths = [_relative(self.root, p) for p in changed]
        for key, memo in list(self._memos.items()):
            patched = _patched(memo, paths, self.root) if None not in paths else None
            if patched is None:
                del self._memos[key]
            else:
                patched.generation = self.generation
                self._memos[key] = patched
                self.patched += 1

    # --- the runner's side (cq.runner.TreeMemo) ------------------------------------------

    def recall(self, key: str) -> Memo | None:
        with self._lock:
            found = self._memos.get(key)
            if not self._fresh or found is None or found.generation != self.generation:
                return None
            self.recalled += 1
            return found

    def begin(self) -> object:
        return self.generation

    def keep(self, key: str, token: object, discovery: Discovery,
             digests: dict[str, str], scope: str) -> None:
        with self._lock:
            if self.watcher is None or not self._fresh or token != self.generation:
                return
            self._memos.pop(key, None)
            if len(self._memos) >= MAX_MEMOS:
                self._memos.pop(next(iter(self._memos)))
            self._memos[key] = _memo(self.generation, discovery, digests, scope)

    @property
    def files_watched(self) -> int:
        with self._lock:
            return max((len(m.discovery.files) for m in self._memos.values()), default=0)

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.close()


def _relative(root: str, path: str) -> str | None:
    head = os.path.join(root, "")
    return path[len(head):].replace(os.sep, "/") if path.startswith(head) else None


def _patched(memo: Memo, paths: list[str | None], root: str) -> Memo | None:
    """The memo with the changed files' stamps taken again and digests forgotten, or None
    when a change is more than an edit of listed, singly-linked regular files."""
    files = list(memo.discovery.files)
    digests = dict(memo.digests)
    for path in paths:
        index = memo.where.get(path) if path is not None else None
        if index is None or memo.inodes[files[index].inode] != 1:
            return None
        ref = _restat(root, files[index])
        if ref is None:
            return None
        files[index] = ref
        digests.pop(ref.path, None)
    if Counter(ref.inode for ref in files) != memo.inodes:
        return None  # a file was replaced by another inode: list again
    discovery = msgspec.structs.replace(memo.discovery, files=tuple(files))
    return _memo(memo.generation, discovery, digests)


def _restat(root: str, ref: FileRef) -> FileRef | None:
    try:
        st = os.lstat(os.path.join(root, ref.path))
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return msgspec.structs.replace(ref, size=st.st_size, mtime_ns=st.st_mtime_ns,
                                   ctime_ns=st.st_ctime_ns, inode=st.st_ino)
