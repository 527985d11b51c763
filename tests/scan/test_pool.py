"""Tests for cq.scan.pool: order, digests, flags, a run that survives its workers, and
workers that never outlive the run."""

from __future__ import annotations

import hashlib
import os
import sys
import textwrap
from pathlib import Path

import msgspec
import pytest

from conftest import finishes, kill_pool_parent
from cq.scan import ScanOutcome, scan_paths
from cq.scan import pool as pool_module
from cq.scan.pool import CHUNK_FILES, POOL_MIN_FILES, chunked, scan_chunk, usable_cpus, worker_count

MANY = POOL_MIN_FILES + 36
needs_fork = pytest.mark.skipif(sys.platform != "linux", reason="monkeypatches reach workers "
                                "only through fork")


def many_files(make_repo, count: int = MANY) -> tuple[Path, list[str]]:
    files = {f"pkg/m{i:03}.py": f"def f{i:03}(x):\n    return g{i}(x)\n" for i in range(count)}
    root = make_repo(files)
    return root, sorted(files)


@pytest.mark.parametrize(("jobs", "n_files", "expected"), [
    pytest.param(1, 1000, 1, id="one-job"),
    pytest.param(0, POOL_MIN_FILES - 1, 1, id="too-few-files"),
    pytest.param(3, POOL_MIN_FILES, 3, id="explicit"),
    pytest.param(0, POOL_MIN_FILES, usable_cpus(), id="all-cores"),
])
def test_worker_count(jobs, n_files, expected):
    assert worker_count(jobs, n_files) == expected


@pytest.mark.parametrize(("n_paths", "workers"), [(0, 2), (5, 2), (100, 2), (1000, 8)])
def test_chunks_keep_order_and_cover_everything(n_paths, workers):
    paths = [f"f{i}.py" for i in range(n_paths)]
    chunks = chunked(paths, workers)
    assert [p for chunk in chunks for p in chunk] == paths


@pytest.mark.parametrize("jobs", [1, 2])
def test_outcomes_in_input_order_with_digests(make_repo, jobs):
    root, paths = many_files(make_repo)
    paths.reverse()  # input order, not sorted order, is the output order
    outcomes = scan_paths(root, paths, jobs=jobs, max_file_bytes=10_000)
    assert [o.facts.path for o in outcomes] == paths
    for outcome in outcomes:
        data = (root / outcome.facts.path).read_bytes()
        assert outcome.digest == hashlib.blake2b(data, digest_size=16).hexdigest()
        (fn,) = outcome.facts.defs
        assert outcome.facts.path.endswith(f"m{fn.name[1:]}.py")


def test_pool_and_serial_agree(make_repo):
    root, paths = many_files(make_repo)
    assert (scan_paths(root, paths, jobs=2, max_file_bytes=10_000)
            == scan_paths(root, paths, jobs=1, max_file_bytes=10_000))


@pytest.mark.parametrize("jobs", [1, 2])
def test_unreadable_and_missing_files_are_flagged(make_repo, jobs):
    root, paths = many_files(make_repo)
    (root / "pkg" / "dir.py").mkdir()
    paths += ["pkg/dir.py", "pkg/missing.py"]
    outcomes = {o.facts.path: o for o in scan_paths(root, paths, jobs=jobs,
                                                      max_file_bytes=10_000)}
    for path in ("pkg/dir.py", "pkg/missing.py"):
        facts = outcomes[path].facts
        assert (facts.flags, outcomes[path].digest, facts.skipped) == (("unreadable",), "", True)
        assert facts.error and facts.module == path[:-3].replace("/", ".")


@pytest.mark.parametrize("jobs", [1, pytest.param(2, marks=needs_fork)])
def test_too_large_files_are_never_read(make_repo, monkeypatch, jobs):
    root, paths = many_files(make_repo)
    (root / "big.py").write_text("x = 1\n" * 100)
    real_read = Path.read_bytes

    def guarded_read(self: Path) -> bytes:
        assert self.name != "big.py", "a too-large file was read"
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", guarded_read)
    outcomes = scan_paths(root, ["big.py", *paths], jobs=jobs, max_file_bytes=200)
    assert outcomes[0].facts.flags == ("too-large",) and outcomes[0].digest == ""
    assert all(not o.facts.flags for o in outcomes[1:])


@pytest.mark.parametrize("jobs", [1, pytest.param(2, marks=needs_fork)])
def test_a_scanner_bug_costs_one_file(make_repo, monkeypatch, jobs):
    root, paths = many_files(make_repo)
    real_scan = pool_module.split_bytes

    def flaky(path, data, max_bytes, **kwargs):
        if path == paths[3]:
            raise RuntimeError("boom")
        return real_scan(path, data, max_bytes, **kwargs)

    monkeypatch.setattr(pool_module, "split_bytes", flaky)
    outcomes = scan_paths(root, paths, jobs=jobs, max_file_bytes=10_000)
    bad = outcomes[3]
    assert bad.facts.flags == ("partial",) and "boom" in (bad.facts.error or "")
    assert bad.digest  # the file was read
    assert all(o.facts.defs for i, o in enumerate(outcomes) if i != 3)


@needs_fork
def test_a_dying_worker_does_not_stop_the_run(make_repo, monkeypatch):
    root, paths = many_files(make_repo)
    real_scan = pool_module.split_bytes

    def fatal(path, data, max_bytes, **kwargs):
        if path == paths[-1]:
            os._exit(3)  # like a crash in native code
        return real_scan(path, data, max_bytes, **kwargs)

    monkeypatch.setattr(pool_module, "split_bytes", fatal)
    outcomes = scan_paths(root, paths, jobs=2, max_file_bytes=10_000)
    assert [o.facts.path for o in outcomes] == paths
    assert outcomes[-1].facts.flags == ("unreadable",)
    assert "worker" in (outcomes[-1].facts.error or "")


def test_chunk_results_cross_as_msgpack(make_repo):
    root, paths = many_files(make_repo, 3)
    data = scan_chunk(pool_module._Scan(str(root), 10_000), paths)
    decoded = msgspec.msgpack.decode(data, type=list[ScanOutcome])
    assert [o.facts.path for o in decoded] == paths


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_bar_goes_to_stderr(make_repo, capsys, jobs):
    root, paths = many_files(make_repo)
    outcomes = scan_paths(root, paths, jobs=jobs, max_file_bytes=10_000, progress=True)
    assert len(outcomes) == len(paths)
    assert capsys.readouterr().out == ""


def test_empty_input():
    assert scan_paths(Path("."), [], max_file_bytes=10) == []


def test_no_pool_falls_back_to_scanning_here(make_repo, monkeypatch):
    root, paths = many_files(make_repo)

    def refuse(*args, **kwargs):
        raise OSError("fork refused")

    monkeypatch.setattr(pool_module, "_stream_from_pool", refuse)
    outcomes = scan_paths(root, paths, jobs=2, max_file_bytes=10_000)
    assert [o.facts.path for o in outcomes] == paths and all(o.facts.defs for o in outcomes)


@pytest.mark.parametrize("jobs", [1, pytest.param(2, marks=needs_fork)])
def test_strict_lets_scanner_errors_raise(make_repo, monkeypatch, jobs):
    root, paths = many_files(make_repo)

    def broken(path, data, max_bytes, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(pool_module, "split_bytes", broken)
    with pytest.raises(RuntimeError, match="boom"):
        scan_paths(root, paths, jobs=jobs, max_file_bytes=10_000, strict=True)


SCAN_PARENT = textwrap.dedent("""
    import os
    import sys
    import time
    from pathlib import Path

    import cq.scan.pool
    from cq.scan import scan_paths


    def slow_chunk(scan, paths):
        with open(sys.argv[1], "a") as handle:
            handle.write(f"{os.getpid()}\\n")
        time.sleep(120)


    if __name__ == "__main__":
        cq.scan.pool.scan_chunk = slow_chunk
        root = Path(sys.argv[2])
        paths = sorted(str(p.relative_to(root)) for p in root.rglob("*.py"))
        scan_paths(root, paths, jobs=2, max_file_bytes=10_000)
""")


@needs_fork
def test_workers_die_with_a_sigkilled_parent(make_repo, tmp_path):
    root, _ = many_files(make_repo)
    script = tmp_path / "parent.py"
    script.write_text(SCAN_PARENT)
    assert kill_pool_parent(script, tmp_path / "workers.log", str(root)) == set()


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_fifo_swapped_in_is_flagged_not_waited_on(make_repo, jobs):
    root, paths = many_files(make_repo)
    fifo = root / paths[3]
    fifo.unlink()
    os.mkfifo(fifo)
    outcomes = finishes(lambda: scan_paths(root, paths, jobs=jobs, max_file_bytes=10_000), fifo)
    flagged = outcomes[3]
    assert flagged.facts.flags == ("unreadable",) and flagged.digest == ""
    assert "not a regular file" in (flagged.facts.error or "")
    assert all(o.facts.defs for o in outcomes if o is not flagged)


def test_a_file_grown_past_the_cap_is_flagged_too_large(make_repo):
    root = make_repo({"m.py": "x = 1\n"})
    (root / "m.py").write_bytes(b"#" * 5000)
    (outcome,) = scan_paths(root, ["m.py"], jobs=1, max_file_bytes=1000)
    assert outcome.facts.flags == ("too-large",)


def test_chunks_shrink_towards_the_end():
    """The last chunks are small, so the workers finish together."""
    sizes = [len(chunk) for chunk in chunked([f"f{i}.py" for i in range(2000)], 2)]
    assert sizes[0] == CHUNK_FILES[1] and sizes[-1] <= CHUNK_FILES[0]
    assert sizes == sorted(sizes, reverse=True)
