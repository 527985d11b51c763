"""Concurrent cold runs scan once; a file edited while a run scans it never leaves a stale
entry behind (DESIGN §1.1, §6). Killed and stopped runs: `test_killed_runs.py`.

Scans are counted by wrapping `cq.runner.scan_paths`: in other processes by a launcher that
logs every scanned path to a shared file before running the CLI, in this process by
monkeypatching.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import cq.runner

from .support import (
    SCAN_LOG_PATCH,
    answer,
    ask,
    child_env,
    cli_args,
    fast_dir,
    generated_repo,
    read_scan_log,
    write_files,
    write_launcher,
)

PROCESSES = 8
N_FILES = 80  # above cq.runner.SINGLE_FLIGHT_FROM (64): a cold run takes the scan lock
QUERY = "entity=function"
WAITING = "cq: waiting for another cq run (pid "


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
    # A run that had to wait says so, once; nothing else reaches stderr.
    said = [[line for line in err.splitlines() if line.strip()] for _, err in outputs]
    assert all(len(lines) <= 1 for lines in said), said
    assert all(line.startswith(WAITING) for lines in said for line in lines), said


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
