"""Fingerprint reads: a FIFO swapped in for a source file is flagged, never waited on, and a
file that grew past the size cap since discovery is not read past it."""

from __future__ import annotations

import os

import pytest

from conftest import finishes
from cq.discover import discover_files
from cq.index.fingerprints import read_and_digest


@pytest.mark.parametrize("count", [1, 40], ids=["alone", "among-many"])
def test_a_fifo_swapped_in_is_flagged_not_waited_on(make_repo, count: int) -> None:
    root = make_repo({f"m{i:02}.py": f"x = {i}\n" for i in range(count)})
    refs = discover_files(root).files
    fifo = root / "m00.py"
    fifo.unlink()
    os.mkfifo(fifo)
    read = finishes(lambda: read_and_digest(root, refs, 1000), fifo)
    assert read["m00.py"].data is None
    assert read["m00.py"].digest.startswith("unreadable:")
    assert all(read[ref.path].data is not None for ref in refs[1:])


def test_a_file_grown_past_the_cap_is_not_read(make_repo) -> None:
    root = make_repo({"m.py": "x = 1\n"})
    (ref,) = discover_files(root).files
    (root / "m.py").write_bytes(b"#" * 5000)
    read = read_and_digest(root, [ref], 1000)["m.py"]
    assert read.data is None
    assert read.digest.startswith("stamp:")  # counted as too large, like one seen so at first


@pytest.mark.parametrize("count", [4, 40])
def test_bytes_past_the_budget_are_dropped_not_their_digests(make_repo, count: int) -> None:
    root = make_repo({f"m{i:03d}.py": f"x = {i}\n" * 10 for i in range(count)})
    refs = discover_files(root).files
    read = read_and_digest(root, refs, 1 << 20, keep=3 * 60)
    kept = [r for r in read.values() if r.kept]
    assert len(kept) == 3 and all(r.data for r in kept)
    assert all(r.data is None and r.digest for r in read.values() if not r.kept)
    assert {p: r.digest for p, r in read.items()} == \
        {p: r.digest for p, r in read_and_digest(root, refs, 1 << 20).items()}
