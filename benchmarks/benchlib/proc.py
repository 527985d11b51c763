"""Run one command and measure it: wall time, exit status, output, peak RSS.

Wall time is the whole process, from spawn to reaping, as a user feels it. The child runs in
its own session so a timeout can stop it and every pool worker it started. Output goes to
temporary files, never pipes, so a chatty tool cannot block on a full pipe.

Peak RSS (`sample_rss=True`): the command runs under `maxrss.py`, a tiny wrapper that reports
the command's `ru_maxrss` from `wait4`; Linux gives the largest of the process and every
descendant it reaped (pool workers included). The wrapper exists because a child's
`ru_maxrss` starts at the resident size of whatever it was forked from, and this runner holds
a lot of captured output. To tell the main process from its workers, a sampler reads `VmHWM`
(each process's own high-water mark) from /proc while the command runs; a sample can miss
growth in the last few milliseconds before a process exits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_INTERVAL_S = 0.02
MAXRSS = Path(__file__).with_name("maxrss.py")


@dataclass(frozen=True)
class Invocation:
    """One command line with the environment it runs in (None: inherit)."""

    argv: list[str]
    env: dict[str, str] | None = None
    cleanup_dir: Path | None = None  # removed after the run (a fresh cache dir)


@dataclass(frozen=True)
class Outcome:
    seconds: float
    returncode: int | None  # None: killed at the timeout
    stdout: str
    stderr: str
    maxrss_kb: int = 0  # with sample_rss: the largest of the command and its descendants
    peaks_kb: dict[int, int] = field(default_factory=dict)  # sampled VmHWM per pid
    main_pid: int = 0  # the command's own process (not the wrapper's)

    def failure(self, ok_codes: frozenset[int], timeout: float) -> str | None:
        """`None` when the run succeeded, else the table text `n/a (exit N, first line)`."""
        if self.returncode is None:
            return f"n/a (timeout after {timeout:g} s)"
        if self.returncode in ok_codes:
            return None
        first = next((line.strip() for line in self.stderr.splitlines() if line.strip()), "")
        return f"n/a (exit {self.returncode}, {first[:120] or 'no stderr'})"


def run_command(inv: Invocation, timeout: float, sample_rss: bool = False) -> Outcome:
    """Run `inv` to completion (or to the timeout) and measure it."""
    with tempfile.TemporaryDirectory(prefix="run-") as tmp:
        report = Path(tmp) / "maxrss"
        argv = [sys.executable, str(MAXRSS), str(report), *inv.argv] if sample_rss else inv.argv
        out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
        with out.open("wb") as out_handle, err.open("wb") as err_handle:
            start = time.perf_counter()
            proc = subprocess.Popen(argv, stdout=out_handle, stderr=err_handle,
                                    stdin=subprocess.DEVNULL, env=inv.env,
                                    start_new_session=True)
            sampler = _Sampler(proc.pid) if sample_rss else None
            status, timed_out = _reap(proc, timeout)
            seconds = time.perf_counter() - start
        peaks = sampler.stop() if sampler else {}
        peaks.pop(proc.pid, None)  # the wrapper itself
        main_pid, maxrss = _read_report(report) if sample_rss else (proc.pid, 0)
        return Outcome(seconds=seconds, returncode=None if timed_out else status,
                       stdout=_read(out), stderr=_read(err), maxrss_kb=maxrss,
                       peaks_kb=peaks, main_pid=main_pid)


def _read_report(path: Path) -> tuple[int, int]:
    try:
        pid, kb = path.read_text().split()
        return int(pid), int(kb)
    except (OSError, ValueError):
        return 0, 0


def _reap(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, bool]:
    """Block in waitpid (no polling delay); a timer kills the session at the deadline."""
    fired = threading.Event()

    def kill() -> None:
        fired.set()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _, status = os.waitpid(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return proc.returncode, fired.is_set()


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


class _Sampler:
    """Samples VmHWM of a process tree from /proc in a background thread."""

    def __init__(self, root_pid: int) -> None:
        self.root_pid = root_pid
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self) -> dict[int, int]:
        self._stop.set()
        self._thread.join()
        return dict(self.peaks)

    def _loop(self) -> None:
        while not self._stop.is_set():
            for pid in _process_tree(self.root_pid):
                hwm = _vm_hwm_kb(pid)
                if hwm > self.peaks.get(pid, 0):
                    self.peaks[pid] = hwm
            self._stop.wait(SAMPLE_INTERVAL_S)


def _process_tree(root_pid: int) -> Iterator[int]:
    pending = [root_pid]
    while pending:
        pid = pending.pop()
        yield pid
        pending.extend(_children(pid))


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{tid}/children").read_text()
        except OSError:
            continue
        found.extend(int(child) for child in text.split())
    return found


def _vm_hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0
