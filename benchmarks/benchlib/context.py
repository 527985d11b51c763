"""What every row needs to know about the corpus it runs on."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from benchlib.agree import Agreement
from benchlib.corpus import copy_tree, python_files
from benchlib.measure import Budget
from benchlib.tools import Tools

RACY_WINDOW_S = 2.1  # cq.cache.index.RACY_WINDOW_NS, and a little more


@dataclass
class Context:
    tools: Tools
    corpus: Path
    label: str
    name: str
    budget: Budget
    workdir: Path  # this corpus's scratch directory (caches, copies, subsets)
    growth_sizes: tuple[int, ...]
    copy_counts: tuple[int, ...] = (1, 2, 4)  # the copies row's sizes, in corpus copies
    agreements: list[Agreement] = field(default_factory=list)
    _files: list[str] | None = None
    _copy: Path | None = None

    def files(self) -> list[str]:
        if self._files is None:
            self._files = python_files(self.corpus)
        return self._files

    def copy(self) -> Path:
        """One `cp -r` copy of the corpus per run, for rows that edit files. It is handed
        out once it is older than the index's racy window: a file written in the last
        2 s is read again on every run until it is older (as git does), which would time
        that window rather than the edit."""
        if self._copy is None:
            self._copy = copy_tree(self.corpus, self.workdir / "copy")
            time.sleep(RACY_WINDOW_S)
        return self._copy

    def scratch(self, name: str) -> Path:
        path = self.workdir / name
        path.mkdir(parents=True, exist_ok=True)
        return path
