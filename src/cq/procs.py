"""Process identity and lifetime: who a process is, whether it is gone, and worker pools that
never outlive the process that started them.

- `start_time(pid)`: field 22 of /proc/PID/stat (clock ticks after boot) on Linux, else None.
  A pid together with its start time names one process: a reused pid has a later start time.
- `process_gone(pid, started)`: is that process certainly dead on this host? A zombie is dead;
  without /proc it falls back to "no process has this pid" (`os.kill(pid, 0)`).
- `worker_pool(workers)`: a `ProcessPoolExecutor` (fork on Linux) whose workers die with
  their parent (PR_SET_PDEATHSIG) and leave Ctrl-C, SIGTERM and SIGHUP to it; when the body
  fails (an error, Ctrl-C, a stopping signal) queued work is dropped and the workers killed.

This module imports nothing of cq: the cache layer and both process pools build on it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.context import BaseContext

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_START_TIME = 19  # field 22 of /proc/PID/stat, counted from field 3 (after the name)


def _stat_fields(pid: int) -> list[str] | None:
    """Fields 3... of /proc/PID/stat, or None (no such process, or no /proc). The name
    (field 2) may hold spaces and parentheses, so fields start after its last ')'."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return None
    return text[text.rindex(")") + 1:].split()


def start_time(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[_START_TIME])


def process_gone(pid: int, started: int | None) -> bool:
    """True only when the process `pid` that started at `started` (None: unknown) is
    certainly not running on this host; when in doubt, False."""
    fields = _stat_fields(pid)
    if fields is None:
        return not _pid_exists(pid)
    if fields[0] in ("Z", "X"):  # exited, not yet reaped by its parent
        return True
    return started is not None and int(fields[_START_TIME]) != started


def _pid_exists(pid: int) -> bool:
    if pid <= 0 or os.name == "nt":  # on Windows os.kill would terminate the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: a process of another user has this pid
        return True
    return True


# -- worker pools ---------------------------------------------------------------------------


def pool_context() -> BaseContext:
    # fork is cheapest (no re-import in each worker) and safe: the CLI is single-threaded
    # when it forks; elsewhere fork is unavailable or unsafe, so use the platform default.
    import multiprocessing

    return multiprocessing.get_context("fork" if sys.platform == "linux" else None)


@contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """See the module docstring. A normal exit waits for the submitted work, as usual."""
    # Imported here: the pool's modules cost ~25 ms, which a warm (cached) run never needs.
    from concurrent.futures import ProcessPoolExecutor

    _libc()  # loaded once in the parent, so forked workers inherit it
    pool = ProcessPoolExecutor(workers, mp_context=pool_context(),
                               initializer=die_with_parent, initargs=(os.getpid(),))
    try:
        yield pool
    except BaseException:
        stop_workers(pool)
        raise
    pool.shutdown(wait=True)


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the workers and drop queued work: a run that is stopping needs neither, and
    `shutdown(wait=True)` would first finish every queued task."""
    # `_processes` is the only handle on the workers before Python 3.14's `kill_workers`;
    # shutdown() forgets it, so take it first.
    workers = list((getattr(pool, "_processes", None) or {}).values())
    for process in workers:
        process.kill()
    # With its workers dead the pool's manager thread sees a broken pool and ends at once;
    # wait for it: left running, it races the interpreter's exit hook on Python < 3.12,
    # which then prints a traceback (a wakeup pipe closed under it).
    pool.shutdown(wait=True, cancel_futures=True)


def die_with_parent(parent: int) -> None:
    """Worker initializer: the kernel kills this worker when its parent dies (Linux), and
    stopping signals are the parent's business (it kills its workers when it stops)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)  # not the parent's handlers, inherited by fork
    prctl = _libc()
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the death signal was armed
        os._exit(1)


@cache
def _libc() -> Any:
    """libc's `prctl` on Linux, else None."""
    if sys.platform != "linux":
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return None
