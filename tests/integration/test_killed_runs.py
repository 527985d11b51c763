"""A killed or stopped run never blocks the next one (DESIGN §6).

- a lock left by a SIGKILLed holder is broken at once by the next run on the same host;
- a live holder is waited for, the waiter says so once on stderr, and its lock is never taken;
- SIGTERM, SIGHUP and SIGINT in the middle of a cold scan release the scan lock, leave no
  worker process and nothing half-written behind, and exit with 128 + the signal number.

Waits are bounded by generous subprocess timeouts, far below `cq.runner.LOCK_WAIT_S`: a run
that waited for a dead holder would time out instead of passing slowly.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

import cq.runner
from conftest import logged_pids, survivors
from cq.api import RunContext, run_query
from cq.cache.coordination import OwnedLock, Owner
from cq.cache.profile import profile_from_settings
from cq.cache.store import open_store

from .support import (
    answer,
    ask,
    child_env,
    cli_args,
    fast_dir,
    generated_repo,
    run_cli,
    settings,
    write_launcher,
)

QUERY = "entity=function"
WAITING = "cq: waiting for another cq run (pid "
RUN_TIMEOUT_S = 60.0


@pytest.fixture
def work() -> Iterator[Path]:
    with fast_dir("cq-killed-") as path:
        yield path


def test_a_run_timeout_is_shorter_than_a_wait_for_the_lock() -> None:
    assert cq.runner.LOCK_WAIT_S > 2 * RUN_TIMEOUT_S


def scan_lock(root: Path, cache: Path) -> Owner | None:
    config = settings(root, cache)
    store = open_store(profile_from_settings(config), "coordination")
    try:
        return OwnedLock(store, f"single-flight:scan:{config.root}").holder()
    finally:
        store.close()


# -- a lock holder that is not cq --------------------------------------------------------------

HOLDER = """
import sys
import time
from pathlib import Path

from cq.cache.coordination import single_flight
from cq.cache.profile import profile_from_settings
from cq.cache.store import open_store
from cq.settings import resolve_settings

root, cache, ready, release = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
settings = resolve_settings({"root": root, "cache_dir": cache, "no_config": True}, env={})
store = open_store(profile_from_settings(settings), "coordination")
with single_flight(store, f"scan:{settings.root}", expire_s=600, wait_timeout_s=1) as flight:
    assert flight.won and not flight.waited
    ready.write_text("held")
    deadline = time.monotonic() + 120
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
"""


def start_holder(work: Path, root: Path, cache: Path) -> subprocess.Popen[bytes]:
    """A process holding the root's scan lock (expiry 600 s) until WORK/release exists."""
    script, ready = work / "holder.py", work / "ready"
    script.write_text(HOLDER)
    holder = subprocess.Popen([sys.executable, str(script), str(root), str(cache), str(ready),
                               str(work / "release")], env=child_env())
    deadline = time.monotonic() + 30
    try:
        while not ready.exists():
            assert holder.poll() is None, "the lock holder exited early"
            assert time.monotonic() < deadline, "the lock holder never took the lock"
            time.sleep(0.01)
    except BaseException:
        holder.kill()
        holder.wait(30)
        raise
    return holder


def test_a_sigkilled_holders_lock_is_broken_by_the_next_run_at_once(work: Path) -> None:
    root, cache = generated_repo(work / "repo"), work / "cache"
    holder = start_holder(work, root, cache)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(30)
    left = scan_lock(root, cache)
    assert left is not None and left.pid == holder.pid, "the dead holder's lock is there"
    run = run_cli(cli_args(QUERY, root, cache), timeout=RUN_TIMEOUT_S)
    assert run.returncode == 0, run.stderr
    assert run.stderr_lines == []  # broken without a wait, so nothing to say
    assert run.json["summary"]["cache"]["status"] == "miss"
    assert answer(run.json) == answer(ask(root, cache, QUERY, no_cache=True))
    assert scan_lock(root, cache) is None


def first_line(stream: IO[str], timeout: float) -> str:
    readable, _, _ = select.select([stream], [], [], timeout)
    assert readable, f"nothing on the stream within {timeout} s"
    return stream.readline()


def test_a_live_holder_is_waited_for_said_once_and_never_robbed(work: Path) -> None:
    root, cache = generated_repo(work / "repo"), work / "cache"
    holder = start_holder(work, root, cache)
    waiter = subprocess.Popen([sys.executable, "-m", "cq", *cli_args(QUERY, root, cache)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=child_env())
    try:
        assert waiter.stderr is not None
        line = first_line(waiter.stderr, RUN_TIMEOUT_S)
        assert line.startswith(f"{WAITING}{holder.pid}, started ")
        assert line.rstrip().endswith(") that is scanning this repository")
        held = scan_lock(root, cache)
        assert held is not None and held.pid == holder.pid  # still the live holder's
        assert waiter.poll() is None  # still waiting
        (work / "release").touch()
        _, rest = waiter.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        (work / "release").touch()
        holder.wait(30)
        waiter.kill()
        waiter.wait(30)
    assert holder.returncode == 0 and waiter.returncode == 0, rest
    assert rest.strip() == ""  # said once


def test_a_waiting_library_run_says_so_through_its_context(
        work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, cache = generated_repo(work / "repo"), work / "cache"
    config = settings(root, cache)
    store = open_store(profile_from_settings(config), "coordination")
    lock = OwnedLock(store, f"single-flight:scan:{config.root}", expire=60)
    assert lock.try_acquire()
    held = lock.holder()
    monkeypatch.setattr(cq.runner, "LOCK_WAIT_S", 0.1)  # then it runs uncoordinated
    said: list[str] = []
    try:
        result = run_query(config, QUERY, RunContext(notify=said.append))
        assert lock.holder() == held  # waited for, never taken
    finally:
        lock.release()
        store.close()
    assert len(said) == 1 and said[0].startswith(f"{WAITING}{os.getpid()}, started ")
    assert answer(result) == answer(ask(root, cache, QUERY, no_cache=True))


# -- a cq run stopped in the middle of a cold scan ---------------------------------------------

STOPPED_FILES = 300
SLOW_SCAN_PATCH = """
import os
import time

import cq.scan.pool

_real_scan_chunk = cq.scan.pool.scan_chunk


def _slow_scan_chunk(scan, paths):
    fd = os.open(os.environ["CQTEST_WORKERS"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, f"{os.getpid()}\\n".encode())
    finally:
        os.close(fd)
    time.sleep(0.2)
    return _real_scan_chunk(scan, paths)


cq.scan.pool.scan_chunk = _slow_scan_chunk
"""


def stop_mid_scan(work: Path, signum: int) -> tuple[Path, Path, str]:
    """Start a cold `cq q` of a few hundred files with two scan workers, send SIGNUM once
    both are scanning, and check that no worker survives it. Gives root, cache, stderr."""
    root, cache = generated_repo(work / "repo", STOPPED_FILES), work / "cache"
    launcher = write_launcher(work / "launch.py", SLOW_SCAN_PATCH)
    log = work / "workers.log"
    env = {**child_env(), "CQTEST_WORKERS": str(log), "CQ_JOBS": "2"}
    run = subprocess.Popen([sys.executable, str(launcher), *cli_args(QUERY, root, cache)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        workers = logged_pids(log, 2, run)
        held = scan_lock(root, cache)
        assert held is not None and held.pid == run.pid
        run.send_signal(signum)
        _, err = run.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        run.kill()
        run.wait(30)
    alive = survivors(workers)
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert alive == set()
    expected = -signum if signum == signal.SIGKILL else 128 + signum
    assert run.returncode == expected, err
    return root, cache, err


def assert_next_run_does_not_wait(root: Path, cache: Path) -> None:
    after = run_cli(cli_args(QUERY, root, cache), timeout=RUN_TIMEOUT_S)
    assert after.returncode == 0 and after.stderr_lines == [], after.stderr
    assert after.json["summary"]["cache"]["status"] == "miss"
    assert answer(after.json) == answer(ask(root, cache, QUERY, no_cache=True))
    assert scan_lock(root, cache) is None


@pytest.mark.parametrize("signum", [
    pytest.param(signal.SIGTERM, id="SIGTERM"),
    pytest.param(signal.SIGHUP, id="SIGHUP"),
    pytest.param(signal.SIGINT, id="SIGINT"),
])
def test_a_run_stopped_mid_scan_leaves_no_lock_no_worker_and_no_wait(
        work: Path, signum: int) -> None:
    root, cache, err = stop_mid_scan(work, signum)
    assert len(err.strip().splitlines()) <= 1, err  # one quiet line at most
    assert scan_lock(root, cache) is None
    assert_next_run_does_not_wait(root, cache)


def test_a_run_sigkilled_mid_scan_leaves_no_worker_and_does_not_block_the_next(
        work: Path) -> None:
    root, cache, _ = stop_mid_scan(work, signal.SIGKILL)
    assert scan_lock(root, cache) is not None  # nothing could release it...
    assert_next_run_does_not_wait(root, cache)  # ...and the next run breaks it at once
