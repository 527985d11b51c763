"""cq.procs: who a process is (pid and start time), whether it is gone, and worker pools
whose workers never outlive their parent."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import kill_pool_parent, survivors
from cq.procs import process_gone, start_time, worker_pool

needs_linux = pytest.mark.skipif(sys.platform != "linux",
                                 reason="/proc and PR_SET_PDEATHSIG are Linux's")
OWN = os.getpid()


@pytest.fixture(scope="module")
def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(30)
    return proc.pid


@pytest.fixture
def sleeper(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A live process whose name has spaces and parentheses (the name field of
    /proc/PID/stat may contain both)."""
    link = tmp_path / "py) (x y"
    link.symlink_to(sys.executable)
    proc = subprocess.Popen([str(link), "-c", "import time; time.sleep(60)"])
    yield proc
    proc.kill()
    proc.wait(30)


@needs_linux
def test_start_time_is_field_22_of_proc_stat() -> None:
    fields = Path(f"/proc/{OWN}/stat").read_text().rsplit(")", 1)[1].split()
    assert start_time(OWN) == int(fields[19])  # fields[0] is field 3 (the state)


@needs_linux
def test_start_time_survives_an_odd_process_name(sleeper: subprocess.Popen[bytes]) -> None:
    started = start_time(sleeper.pid)
    assert started is not None and started >= (start_time(OWN) or 0)
    assert not process_gone(sleeper.pid, started)
    sleeper.kill()
    sleeper.wait(30)
    assert process_gone(sleeper.pid, started)


@pytest.mark.parametrize(("who", "start_shift", "gone"), [
    pytest.param("self", 0, False, id="alive"),
    pytest.param("self", None, False, id="alive-start-unknown"),
    pytest.param("self", 1, True, id="pid-reused"),
    pytest.param("dead", 0, True, id="dead"),
    pytest.param("dead", None, True, id="dead-start-unknown"),
])
def test_process_gone(who: str, start_shift: int | None, gone: bool, dead_pid: int) -> None:
    if start_shift is not None and sys.platform != "linux":
        pytest.skip("start times come from /proc")
    pid = OWN if who == "self" else dead_pid
    started = None if start_shift is None else (start_time(OWN) or 0) + start_shift
    assert process_gone(pid, started) is gone


@needs_linux
def test_a_zombie_is_gone() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    started = start_time(proc.pid)
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped: a zombie
    assert Path(f"/proc/{proc.pid}/stat").exists()
    assert process_gone(proc.pid, started)
    proc.wait(30)


# -- worker pools -----------------------------------------------------------------------------

POOL_PARENT = textwrap.dedent("""
    import os
    import sys
    import time

    from cq.procs import worker_pool


    def hold(log):
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()}\\n")
        time.sleep(120)


    if __name__ == "__main__":
        with worker_pool(2) as pool:
            futures = [pool.submit(hold, sys.argv[1]) for _ in range(4)]
            time.sleep(120)
""")


@needs_linux
def test_workers_die_with_a_sigkilled_parent(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(POOL_PARENT)
    assert kill_pool_parent(script, tmp_path / "workers.log") == set()


def _note(log: str, index: int) -> int:
    with open(log, "a") as handle:
        handle.write(f"{os.getpid()} {index}\n")
    time.sleep(0.2)
    return index


def test_a_failing_body_drops_queued_work_and_stops_the_workers(tmp_path: Path) -> None:
    log = tmp_path / "tasks.log"
    threads = set(threading.enumerate())
    with pytest.raises(KeyboardInterrupt), worker_pool(2) as pool:
        futures = [pool.submit(_note, str(log), i) for i in range(20)]
        assert futures[0].result() == 0
        raise KeyboardInterrupt  # what Ctrl-C, SIGTERM or SIGHUP raise in the CLI
    # The pool's manager thread has finished too: left running, it races the interpreter's
    # exit hook, which then prints a traceback (Bad file descriptor) after "cq: interrupted".
    assert set(threading.enumerate()) <= threads
    rows = [line.split() for line in log.read_text().splitlines()]
    assert len(rows) < 20, "the queued tasks ran after the body failed"
    assert survivors({int(pid) for pid, _ in rows}) == set()


def test_a_pool_returns_results_and_ends_its_workers(tmp_path: Path) -> None:
    log = tmp_path / "tasks.log"
    with worker_pool(2) as pool:
        assert [f.result() for f in [pool.submit(_note, str(log), i) for i in range(4)]] == [
            0, 1, 2, 3]
    pids = {int(line.split()[0]) for line in log.read_text().splitlines()}
    assert survivors(pids, deadline_s=0) == set()  # shut down and joined on a normal exit
