"""Concurrent cold runs scan once; a killed lock holder blocks others only until its expiry;
a file edited while a run scans it never leaves a stale entry behind (DESIGN §1.1, §6).

Scans are counted by wrapping `cq.runner.scan_paths`: in other processes by a launcher that
logs every scanned path to a shared file before running the CLI, in this process by
monkeypatching.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import cq.runner
from cq.cache.coordination import OwnedLock
from cq.cache.profile import profile_from_settings
from cq.cache.store import open_store

from .support import (
    SCAN_LOG_PATCH,
    answer,
    ask,
    child_env,
    cli_args,
    fast_dir,
    read_scan_log,
    settings,
    write_files,
    write_launcher,
)

PROCESSES = 8
N_FILES = 80  # above cq.runner.SINGLE_FLIGHT_FROM (64): a cold run takes the scan lock
QUERY = "entity=function"


def generated_repo(root: Path, n_files: int = N_FILES) -> Path:
    files = {f"pkg/mod_{i:03d}.py": (f"import os\n\n\ndef func_{i}(x):\n    return helper_{i}(x)\n"
                                     f"\n\ndef helper_{i}(y):\n    return os.path.join(y)\n")
             for i in range(n_files)}
    return write_files(root, {"pkg/__init__.py": "", **files})


@pytest.fixture
def work() -> Iterator[Path]:
    with fast_dir("cq-concurrency-") as path:
        yield path


# -- eight cold runs at once ---------------------------------------------------------------

GATED_LAUNCHER = SCAN_LOG_PATCH + """
import time
from pathlib import Path

_gate = Path(os.environ["CQTEST_GATE"])
_deadline = time.monotonic() + 30
while not _gate.exists() and time.monotonic() < _deadline:
    time.sleep(0.002)
"""


def test_concurrent_cold_runs_scan_the_tree_once(work: Path) -> None:
    assert cq.runner.SINGLE_FLIGHT_FROM <= N_FILES
    root, cache = generated_repo(work / "repo"), work / "cache"
    launcher = write_launcher(work / "launch.py", GATED_LAUNCHER)
    log, gate = work / "scanned.log", work / "go"
    env = {**child_env(), "CQTEST_SCAN_LOG": str(log), "CQTEST_GATE": str(gate)}
    args = [sys.executable, str(launcher), *cli_args(QUERY, root, cache)]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env) for _ in range(PROCESSES)]
    time.sleep(0.5)  # let every interpreter start and reach the gate
    gate.touch()
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * PROCESSES, [e for _, e in outputs]
    results = [json.loads(out) for out, _ in outputs]
    assert all(answer(r) == answer(results[0]) for r in results)
    assert len(results[0]["key_findings"]) == 2 * N_FILES
    scanned = read_scan_log(log)
    counts = Counter(path for _, path in scanned)
    assert set(counts) == {"pkg/__init__.py", *(f"pkg/mod_{i:03d}.py" for i in range(N_FILES))}
    assert max(counts.values()) == 1, {p: n for p, n in counts.items() if n > 1}
    assert len({pid for pid, _ in scanned}) == 1
    # One run scanned. The others waited for it and read its answer ("hit"), or came after
    # its index commit but before its query commit and answered from the index ("miss",
    # nothing rescanned).
    rescanned = sorted(r["summary"]["cache_stats"]["files_rescanned"] for r in results)
    assert rescanned == [0] * (PROCESSES - 1) + [N_FILES + 1]
    assert {r["summary"]["cache"]["status"] for r in results} <= {"hit", "miss"}
    assert all(err.strip() == "" for _, err in outputs), [e for _, e in outputs]


# -- a run that gets the lock just after another run finished --------------------------------


def test_a_run_winning_the_lock_after_another_finished_does_not_rescan(
        work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, cache = generated_repo(work / "repo", 8), work / "cache"
    monkeypatch.setattr(cq.runner, "SINGLE_FLIGHT_FROM", 4)
    scanned: list[str] = []
    real_scan, real_flight = cq.runner.scan_paths, cq.runner.single_flight

    def counting_scan(base: Path, paths: list[str], **kwargs: Any) -> Any:
        scanned.extend(paths)
        return real_scan(base, paths, **kwargs)

    other_ran: list[bool] = []

    @contextlib.contextmanager
    def late_flight(*args: Any, **kwargs: Any) -> Iterator[Any]:
        # Another process completes the same cold run after this one missed the query
        # cache and before it asks for the lock (the lock is free again when it does).
        if not other_ran:
            other_ran.append(True)
            assert ask(root, cache, QUERY).summary["cache"]["status"] == "miss"
        with real_flight(*args, **kwargs) as flight:
            yield flight

    monkeypatch.setattr(cq.runner, "scan_paths", counting_scan)
    monkeypatch.setattr(cq.runner, "single_flight", late_flight)
    late = ask(root, cache, QUERY)
    counts = Counter(scanned)
    assert other_ran
    assert answer(late) == answer(ask(root, cache, QUERY, no_cache=True))
    assert set(counts) == {"pkg/__init__.py", *(f"pkg/mod_{i:03d}.py" for i in range(8))}
    assert max(counts.values()) == 1, "the late run scanned the tree a second time"
    assert late.summary["cache"]["status"] == "hit"


# -- a killed lock holder -----------------------------------------------------------------

HOLDER_EXPIRE_S = 2.0
HOLDER = """
import sys
import time
from pathlib import Path

from cq.cache.coordination import single_flight
from cq.cache.profile import profile_from_settings
from cq.cache.store import open_store
from cq.settings import resolve_settings

root, cache, ready, expire = sys.argv[1], sys.argv[2], Path(sys.argv[3]), float(sys.argv[4])
settings = resolve_settings({"root": root, "cache_dir": cache, "no_config": True}, env={})
store = open_store(profile_from_settings(settings), "coordination")
with single_flight(store, f"scan:{settings.root}", expire_s=expire, wait_timeout_s=1) as flight:
    assert flight.won and not flight.waited
    ready.write_text("held")
    time.sleep(120)
"""


def wait_for(path: Path, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, "lock holder exited early"
        assert time.monotonic() < deadline, "lock holder never took the lock"
        time.sleep(0.01)


def lock_is_held(root: Path, cache: Path) -> bool:
    config = settings(root, cache)
    store = open_store(profile_from_settings(config), "coordination")
    try:
        return OwnedLock(store, f"single-flight:scan:{config.root}").locked()
    finally:
        store.close()


def test_a_killed_lock_holder_blocks_the_next_run_only_until_its_expiry(work: Path) -> None:
    root, cache = generated_repo(work / "repo"), work / "cache"
    holder_script, ready = work / "holder.py", work / "ready"
    holder_script.write_text(HOLDER)
    holder = subprocess.Popen([sys.executable, str(holder_script), str(root), str(cache),
                               str(ready), str(HOLDER_EXPIRE_S)], env=child_env())
    try:
        wait_for(ready, holder)
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
    assert holder.returncode == -signal.SIGKILL
    assert lock_is_held(root, cache), "the dead holder's lock should still be there"
    started = time.monotonic()
    result = ask(root, cache, QUERY)
    elapsed = time.monotonic() - started
    assert elapsed < HOLDER_EXPIRE_S + 8, f"blocked {elapsed:.1f} s by a dead holder"
    assert cq.runner.LOCK_EXPIRE_S > 10  # what bounds the wait is the holder's expiry
    assert "wait_lock" in result.run.stages_ms
    assert result.run.stages_ms["wait_lock"] > 100  # it did wait for the dead holder
    assert result.summary["cache"]["status"] == "miss"
    assert result.run.notices == ()
    assert answer(result) == answer(ask(root, cache, QUERY, no_cache=True))
    assert not lock_is_held(root, cache)


# -- a file edited while a run scans it ---------------------------------------------------------

BEFORE = "def first(x):\n    return x\n"
DURING = "def other(x):\n    return x\n"  # what an editor saves while the run is scanning


def edit_during_the_scan(work: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Run `QUERY` once while `a.py` changes between fingerprinting and scanning, then put
    `a.py` back as it was (an editor's undo, a `git stash` / `stash pop`)."""
    root = write_files(work / "repo", {"a.py": BEFORE, "b.py": "def helper():\n    pass\n"})
    cache = work / "cache"
    real_scan = cq.runner.scan_paths

    def racing_scan(base: Path, paths: list[str], **kwargs: Any) -> Any:
        (root / "a.py").write_text(DURING)
        return real_scan(base, paths, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(cq.runner, "scan_paths", racing_scan)
        ask(root, cache, QUERY)  # either answer is fine for a run racing an edit
    (root / "a.py").write_text(BEFORE)
    return root, cache


def test_a_result_computed_during_an_edit_is_not_served_after_a_revert(
        work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, cache = edit_during_the_scan(work, monkeypatch)
    cold = ask(root, cache, QUERY, no_cache=True)
    assert answer(ask(root, cache, QUERY)) == answer(cold)


def test_facts_scanned_during_an_edit_are_not_reused_after_a_revert(
        work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, cache = edit_during_the_scan(work, monkeypatch)
    text = "entity=function name=~^(first|other)$"  # a new query: no literal prefilter
    cold = ask(root, cache, text, no_cache=True)
    assert [f.details.name for f in cold.key_findings] == ["first"]
    assert answer(ask(root, cache, text)) == answer(cold)
