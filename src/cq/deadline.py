"""A run's time budget (`--timeout`): a deadline the long loops ask before each batch of work,
and a last-resort alarm for work that cannot ask (one slow file inside a parser).

The cooperative part keeps what was computed: the fact source stops loading files once the
deadline has passed, so an answer covers the files read by then. The alarm fires a grace
period later in the main thread and raises `TimeBudgetExceeded`, which ends the computation;
the runner then answers with what it has (possibly nothing), marked partial. Neither kind of
partial answer is stored in the query cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

GRACE_S = 2.0  # between the deadline and the alarm: time for the loops to stop by themselves


class TimeBudgetExceeded(Exception):
    """The alarm: the run went past its deadline and its grace period."""


class Deadline:
    """`seconds` from now (None: never). `expired()` says so, and remembers that it did."""

    def __init__(self, seconds: float | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._end = None if seconds is None else clock() + seconds
        self.reached = False

    def expired(self) -> bool:
        if self._end is None or self._clock() < self._end:
            return False
        self.reached = True
        return True

    def remaining(self) -> float | None:
        return None if self._end is None else max(0.0, self._end - self._clock())


NO_DEADLINE = Deadline(None)


@contextmanager
def alarm(deadline: Deadline) -> Iterator[None]:
    """Raise TimeBudgetExceeded in this thread once the deadline and the grace period have
    passed (where the platform has interval timers and this is the main thread)."""
    remaining = deadline.remaining()
    timer = _interval_timer()
    if remaining is None or timer is None:
        yield
        return
    setitimer, handler_slot = timer
    previous = handler_slot(_raise_budget_exceeded)
    setitimer(remaining + GRACE_S)
    try:
        yield
    finally:
        setitimer(0.0)
        handler_slot(previous)


def _raise_budget_exceeded(signum: int, frame: object) -> None:
    raise TimeBudgetExceeded


def _interval_timer() -> tuple[Callable[[float], object], Callable[[object], object]] | None:
    """(arm the real-time timer, install a SIGALRM handler) or None where there is none."""
    import signal  # only runs with a time budget pay for it
    import threading

    main = threading.current_thread() is threading.main_thread()
    if not hasattr(signal, "setitimer") or not main:
        return None

    def arm(seconds: float) -> object:
        return signal.setitimer(signal.ITIMER_REAL, seconds)

    def install(handler: object) -> object:
        return signal.signal(signal.SIGALRM, handler)  # type: ignore[arg-type]

    return arm, install
