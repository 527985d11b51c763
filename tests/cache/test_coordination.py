"""cq.cache.coordination: owned locks, single-flight across processes, memoize, barrier."""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import diskcache
import msgspec
import pytest

import cq.cache.coordination
from cq.cache.coordination import (
    OwnedLock,
    Owner,
    barrier_for,
    memoized_stampede,
    single_flight,
)
from cq.cache.profile import CacheSettings
from cq.cache.store import Store, disabled_store, encode, open_store_at
from cq.procs import start_time

COORD = CacheSettings(eviction_policy="none")
FORK = multiprocessing.get_context("fork")


class Rules(msgspec.Struct, frozen=True):
    names: tuple[str, ...]
    compiled_at: float


def _coord(directory: Path) -> Store:
    return open_store_at(directory, "coordination", COORD)


@pytest.fixture
def store(open_kind: Callable[[str], Store]) -> Store:
    return open_kind("coordination")


# -- OwnedLock --------------------------------------------------------------------------


def test_lock_records_its_owner(store: Store) -> None:
    lock = OwnedLock(store, "lock:x", expire=10)
    assert lock.try_acquire() and lock.holder() is not None
    holder = lock.holder()
    assert holder is not None and holder.pid == os.getpid()
    assert holder.host == socket.gethostname() and abs(holder.acquired_at - time.time()) < 5
    assert holder.started == start_time(os.getpid())
    assert not OwnedLock(store, "lock:x", expire=10).try_acquire()
    lock.release()
    assert not lock.holder() is not None and OwnedLock(store, "lock:x").try_acquire()


def test_acquire_times_out(store: Store) -> None:
    OwnedLock(store, "lock:x", expire=10).try_acquire()
    started = time.monotonic()
    assert OwnedLock(store, "lock:x", poll_s=0.01).acquire(timeout=0.1) is False
    assert 0.1 <= time.monotonic() - started < 1.0


def test_release_never_deletes_a_successors_lock(store: Store) -> None:
    first = OwnedLock(store, "lock:x", expire=0.05)
    assert first.try_acquire()
    time.sleep(0.1)  # first's lock expired
    second = OwnedLock(store, "lock:x", expire=10)
    assert second.try_acquire()
    first.release()
    assert second.holder() is not None and second.holder() is not None
    assert not OwnedLock(store, "lock:x").try_acquire()


def test_lock_value_is_msgpack_not_pickle(store: Store) -> None:
    OwnedLock(store, "lock:x", expire=10).try_acquire()
    assert store.directory is not None
    with sqlite3.connect(store.directory / "cache.db") as con:
        (mode,) = con.execute("SELECT mode FROM Cache WHERE key = 'lock:x'").fetchone()
    assert mode == diskcache.core.MODE_RAW


# -- single_flight ----------------------------------------------------------------------


def test_single_flight_uncontended(store: Store) -> None:
    with single_flight(store, "scan", expire_s=10, wait_timeout_s=1) as flight:
        assert (flight.won, flight.waited) == (True, False)
        assert OwnedLock(store, "single-flight:scan").holder() is not None
    assert not OwnedLock(store, "single-flight:scan").holder() is not None


def test_single_flight_wait_times_out(store: Store) -> None:
    OwnedLock(store, "single-flight:scan", expire=10).try_acquire()
    with single_flight(store, "scan", expire_s=10, wait_timeout_s=0.1) as flight:
        assert (flight.won, flight.waited) == (False, True)
        assert flight.holder is not None and flight.holder.pid == os.getpid()
        assert flight.waited_s >= 0.1


def test_single_flight_releases_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), single_flight(store, "scan", 10, 1):
        raise RuntimeError("body failed")
    assert not OwnedLock(store, "single-flight:scan").holder() is not None


def test_single_flight_disabled_store_runs_uncoordinated() -> None:
    with single_flight(disabled_store("coordination", "t"), "scan", 10, 1) as flight:
        assert (flight.won, flight.waited) == (True, False)


def test_single_flight_fault_runs_uncoordinated(store: Store,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def locked_db(*args: Any, **kwargs: Any) -> Any:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(diskcache.Cache, "add", locked_db)
    with single_flight(store, "scan", 10, 1) as flight:
        assert flight.won
    assert store.status == "disabled" and "disk I/O error" in (store.reason or "")


_HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from cq.cache.coordination import OwnedLock
    from cq.cache.profile import CacheSettings
    from cq.cache.store import open_store_at
    store = open_store_at(Path(sys.argv[1]), "coordination",
                          CacheSettings(eviction_policy="none"))
    assert OwnedLock(store, "single-flight:scan", expire=float(sys.argv[2])).acquire(5)
    print("locked", flush=True)
    time.sleep(60)
""")


def test_a_sigkilled_holders_lock_is_broken_at_once(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", _HOLDER, str(tmp_path / "c"), "600"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(5)
        store = _coord(tmp_path / "c")
        # No time to wait: only breaking the dead holder's lock lets this one win.
        with single_flight(store, "scan", expire_s=10, wait_timeout_s=0) as flight:
            assert flight.won and flight.waited
            assert flight.holder is not None and flight.holder.pid == child.pid
            assert OwnedLock(store, "single-flight:scan").holder() != flight.holder
        store.close()
    finally:
        child.kill()
        child.wait()


def test_a_live_holder_is_waited_for_and_kept(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", _HOLDER, str(tmp_path / "c"), "600"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        store = _coord(tmp_path / "c")
        lock = OwnedLock(store, "single-flight:scan", poll_s=0.01)
        seen: list[Owner | None] = []
        assert lock.acquire(timeout=0.2, on_wait=seen.append) is False
        holder = lock.holder()
        assert holder is not None and holder.pid == child.pid
        assert seen == [holder]  # said once, with who it waits for
        store.close()
    finally:
        child.kill()
        child.wait()


def _other_start() -> int | None:
    own = start_time(os.getpid())
    return None if own is None else own + 1


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(30)
    return proc.pid


@pytest.mark.parametrize(("owner", "broken"), [
    pytest.param(lambda: (os.getpid(), socket.gethostname(), start_time(os.getpid())), False,
                 id="live-holder"),
    pytest.param(lambda: (_dead_pid(), socket.gethostname(), None), True, id="dead-holder"),
    pytest.param(lambda: (os.getpid(), socket.gethostname(), _other_start()), True,
                 id="pid-reused", marks=pytest.mark.skipif(sys.platform != "linux",
                                                           reason="start times from /proc")),
    pytest.param(lambda: (_dead_pid(), "another-host.example", None), False,
                 id="other-host-unknowable"),
])
def test_a_lock_is_broken_only_when_its_holder_is_gone(
        store: Store, owner: Callable[[], tuple[int, str, int | None]], broken: bool) -> None:
    pid, host, started = owner()
    planted = encode(Owner(pid, host, time.time(), "planted-token", started))
    store.set_bytes("lock:x", planted, expire=60)
    lock = OwnedLock(store, "lock:x", expire=10)
    assert lock.acquire(timeout=0) is broken
    assert (store.get_bytes("lock:x") == planted) is not broken


def test_breaking_a_dead_holders_lock_never_deletes_a_successors(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = encode(Owner(_dead_pid(), socket.gethostname(), time.time(), "dead", None))
    successor = encode(Owner(os.getpid(), socket.gethostname(), time.time(), "successor",
                             start_time(os.getpid())))
    store.set_bytes("lock:x", dead, expire=60)
    real_gone = cq.cache.coordination.holder_gone
    raced: list[bool] = []

    def successor_takes_over(owner: Owner) -> bool:
        # Between this waiter's read of the dead holder and its delete, another waiter
        # breaks the lock and takes it.
        if not raced:
            raced.append(True)
            store.set_bytes("lock:x", successor, expire=60)
        return real_gone(owner)

    monkeypatch.setattr(cq.cache.coordination, "holder_gone", successor_takes_over)
    assert OwnedLock(store, "lock:x", expire=10).acquire(timeout=0) is False
    assert raced and store.get_bytes("lock:x") == successor


def single_flight_call(store: Store, name: str, read: Callable[[], str | None],
                       compute: Callable[[], str], expire_s: float,
                       wait_timeout_s: float) -> str:
    """`read()` if it has the answer; else compute it in one process while the others wait
    and then `read()` the winner's result (computing themselves only if it is still missing,
    e.g. the winner died or the wait timed out). `compute` must store what `read` reads."""
    value = read()
    if value is not None:
        return value
    with single_flight(store, name, expire_s, wait_timeout_s) as flight:
        if flight.waited:
            value = read()
            if value is not None:
                return value
        return compute()


def _flight_worker(base: Path, index: int, start_at: float) -> None:
    coordination = _coord(base / "coord")
    results = open_store_at(base / "results", "index", CacheSettings())
    time.sleep(max(0.0, start_at - time.time()))

    def compute() -> str:
        with (base / "executions").open("a") as handle:
            handle.write(f"{index}\n")
        time.sleep(0.3)
        results.set("answer", f"computed-by-{index}")
        return f"computed-by-{index}"

    value = single_flight_call(coordination, "scan", lambda: results.get("answer", str),
                               compute, expire_s=30, wait_timeout_s=30)
    (base / f"out-{index}").write_text(value)


def test_eight_processes_run_the_body_once(tmp_path: Path) -> None:
    start_at = time.time() + 0.4
    procs = [FORK.Process(target=_flight_worker, args=(tmp_path, i, start_at)) for i in range(8)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(30)
        assert proc.exitcode == 0
    executions = (tmp_path / "executions").read_text().split()
    assert len(executions) == 1
    answers = {(tmp_path / f"out-{i}").read_text() for i in range(8)}
    assert answers == {f"computed-by-{executions[0]}"}


# -- memoize and barrier ----------------------------------------------------------------


def test_memoized_stampede_computes_once_and_stores_msgpack(store: Store) -> None:
    calls = []

    @memoized_stampede(store, "hazards", Rules, expire_s=60)
    def compile_rules(names: tuple[str, ...], strict: bool = False) -> Rules:
        calls.append(names)
        return Rules(names=names, compiled_at=time.time())

    first = compile_rules(("a", "b"))
    assert compile_rules(("a", "b")) == first and isinstance(first, Rules)
    compile_rules(("a", "b"), strict=True)
    assert len(calls) == 2
    assert all(k.startswith("memo:") for k in store.iterkeys())
    assert store.directory is not None
    with sqlite3.connect(store.directory / "cache.db") as con:
        modes = {m for (m,) in con.execute("SELECT mode FROM Cache")}
    assert modes <= {diskcache.core.MODE_RAW, diskcache.core.MODE_BINARY}


def test_memoized_stampede_drops_undecodable_values(store: Store) -> None:
    calls = []

    @memoized_stampede(store, "rules", Rules, expire_s=60)
    def compile_rules() -> Rules:
        calls.append(1)
        return Rules(names=("x",), compiled_at=1.0)

    compile_rules()
    (key,) = store.iterkeys("memo:")
    store.set(key, ["not rules", 1.0], expire=60)
    assert compile_rules() == Rules(names=("x",), compiled_at=1.0) and len(calls) == 2


def _plant_null(store: Store, key: str, expire: float | None = 60) -> None:
    store.guard("plant", lambda cache: cache.set(key, None, expire=expire), None)


@pytest.mark.parametrize("plant", [
    lambda store, key: store.set(key, ["not rules", 1.0], expire=60),
    lambda store, key: store.set(key, [{"names": 1}, 1.0], expire=60),
    lambda store, key: store.set(key, "text", expire=60),
    lambda store, key: store.set_bytes(key, b"\xc1", expire=60),
    _plant_null,
    lambda store, key: store.set(key, [{"names": ["x"], "compiled_at": 1.0}, 1.0],
                                 expire=None),  # no expiry: memoize_stampede's TypeError
], ids=["wrong-shape", "wrong-field", "scalar", "not-msgpack", "null", "no-expiry"])
def test_a_wrong_memo_is_dropped_and_recomputed(store: Store,
                                                plant: Callable[[Store, str], Any]) -> None:
    calls = []

    @memoized_stampede(store, "rules", Rules, expire_s=60)
    def compile_rules() -> Rules:
        calls.append(1)
        return Rules(names=("x",), compiled_at=2.0)

    compile_rules()
    (key,) = store.iterkeys("memo:")
    plant(store, key)
    assert compile_rules() == Rules(names=("x",), compiled_at=2.0) and len(calls) == 2
    assert store.dropped == 1 and len(store.notices) == 1 and store.status == "ok"
    assert compile_rules() == Rules(names=("x",), compiled_at=2.0) and len(calls) == 2


@pytest.mark.parametrize("plant", [
    lambda store: store.set_bytes("lock:x", b"not a lock", expire=60),
    lambda store: store.set("lock:x", {"pid": "x"}, expire=60),
    lambda store: _plant_null(store, "lock:x"),
], ids=["not-msgpack", "wrong-shape", "null"])
def test_a_lock_that_is_not_a_lock_is_dropped(store: Store,
                                              plant: Callable[[Store], Any]) -> None:
    import threading

    plant(store)
    got: list[bool] = []
    waiter = threading.Thread(target=lambda: got.append(
        OwnedLock(store, "lock:x", poll_s=0.01).acquire(timeout=5)), daemon=True)
    started = time.monotonic()
    waiter.start()
    waiter.join(10)
    assert got == [True] and time.monotonic() - started < 2, "waited for a lock nobody holds"
    assert store.dropped == 1 and len(store.notices) == 1


def test_disabled_store_decorators_are_identity() -> None:
    off = disabled_store("coordination", "t")

    def func() -> int:
        return 1

    assert memoized_stampede(off, "x", int, 60)(func) is func
    assert barrier_for(off, "x", 60)(func) is func


def _barrier_worker(base: Path, index: int, start_at: float) -> None:
    store = _coord(base / "coord")

    @barrier_for(store, "maintenance", expire_s=30)
    def maintain() -> None:
        began = time.time()
        time.sleep(0.1)
        (base / f"span-{index}").write_text(f"{began} {time.time()}")

    time.sleep(max(0.0, start_at - time.time()))
    maintain()


def test_barrier_serializes_processes(tmp_path: Path) -> None:
    start_at = time.time() + 0.3
    procs = [FORK.Process(target=_barrier_worker, args=(tmp_path, i, start_at)) for i in range(3)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(30)
        assert proc.exitcode == 0
    spans = sorted(tuple(map(float, (tmp_path / f"span-{i}").read_text().split()))
                   for i in range(3))
    assert all(prev[1] <= nxt[0] for prev, nxt in zip(spans, spans[1:], strict=False))
