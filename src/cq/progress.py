"""Progress of long work, shown on stderr: a rich bar, plain lines, or nothing.

The CLI chooses the display once per run (`tracking`): a bar when stderr is a terminal, plain
lines under `--progress` on anything else, nothing under `--quiet` or for library callers.
The stages that do long work — scanning files, matching them in workers, the steps of a
report — ask `current()` and report to it; they never know which display it is. Work on
fewer than `MIN_FILES` files is quick and shows nothing, so rich is imported only when a bar
is actually drawn: never on a warm hit, never for `--version`. Nothing here touches stdout.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

MIN_FILES = 32  # fewer files than this finish before a display is worth drawing
LINE_EVERY_S = 1.0  # plain lines: at most one per second per task, plus the last

Advance = Callable[[int], None]


def _ignore(count: int) -> None:
    return None


class Tracker:
    """The silent display, and the interface of the others."""

    @contextmanager
    def files(self, label: str, total: int) -> Iterator[Advance]:
        """A task over `total` files; the caller advances it by the files done."""
        yield _ignore

    def step(self, number: int, count: int, name: str) -> None:
        """Step `number` (1-based) of `count`, called `name`, starts."""

    def close(self) -> None:
        """Take the display down (a bar leaves nothing behind)."""


class Lines(Tracker):
    """Plain lines through `write` (one line each, for logs and pipes)."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self.prefix = ""

    @contextmanager
    def files(self, label: str, total: int) -> Iterator[Advance]:
        if total < MIN_FILES:
            yield _ignore
            return
        done = 0
        last = time.monotonic()
        self.write(f"cq: {self.prefix}{label} {total:,} files")

        def advance(count: int) -> None:
            nonlocal done, last
            done += count
            now = time.monotonic()
            if now - last >= LINE_EVERY_S and done < total:
                last = now
                self.write(f"cq: {self.prefix}{label} {done:,}/{total:,} files")

        yield advance
        self.write(f"cq: {self.prefix}{label} {done:,}/{total:,} files done")

    def step(self, number: int, count: int, name: str) -> None:
        self.prefix = f"{name}: "
        self.write(f"cq: report step {number} of {count}: {name}")


class Bar(Tracker):
    """A rich progress bar on stderr for each long task, gone when the task ends.

    The bar lives only while its task runs: its refresh thread must not be running when
    the next task forks its workers (a child forked mid-lock would hang)."""

    def __init__(self) -> None:
        self.heading = ""
        self.drawing = False  # one display at a time: a nested task shows nothing

    @contextmanager
    def files(self, label: str, total: int) -> Iterator[Advance]:
        if total < MIN_FILES or self.drawing:
            yield _ignore
            return
        from rich.console import Console
        from rich.progress import Progress

        self.drawing = True
        try:
            with Progress(console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task(f"{self.heading}{label} files", total=total)
                yield lambda count: bar.update(task, advance=count)
        finally:
            self.drawing = False

    def step(self, number: int, count: int, name: str) -> None:
        self.heading = f"step {number}/{count} {name}: "


SILENT = Tracker()
_ACTIVE: ContextVar[Tracker] = ContextVar("cq_progress", default=SILENT)


def current() -> Tracker:
    """The display of the run in progress (silent unless the CLI chose one)."""
    return _ACTIVE.get()


@contextmanager
def tracking(tracker: Tracker) -> Iterator[Tracker]:
    """Make `tracker` the current display inside the block; take it down after."""
    token = _ACTIVE.set(tracker)
    try:
        yield tracker
    finally:
        _ACTIVE.reset(token)
        tracker.close()
