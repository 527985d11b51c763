"""Matching many files: in worker processes the answer is the one computed in-process, in
input order, and a failing file costs only its own matches."""

from __future__ import annotations

import pytest

from cq import filepool
from cq.filepool import chunk_by_size
from cq.query import pattern_pool
from cq.query.pattern_pool import MatchJob, match_bytes, match_files

JOB = MatchJob({"rule": {"pattern": "eval($X)"}}, {"X": "$X"})


def _items(count: int) -> list[tuple[str, bytes]]:
    return [(f"f{i:03}.py", (f"x = {i}\n" * i + f"eval(v{i})\n").encode())
            for i in range(count)]


def test_pool_gives_the_in_process_answer_in_input_order(monkeypatch) -> None:
    monkeypatch.setattr(filepool, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(filepool, "CHUNK_BYTES", 200)
    items = _items(40)
    pooled = match_files(items, JOB, jobs=2)
    assert pooled == match_files(items, JOB, jobs=1)
    assert [found.path for found in pooled] == [path for path, _ in items]
    assert [found.matches[0].captures for found in pooled[:2]] == [{"$X": "v0"}, {"$X": "v1"}]


def test_small_inputs_stay_in_process(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("no pool for a few bytes")

    monkeypatch.setattr(pattern_pool, "_match_in_pool", refuse)
    assert len(match_files(_items(3), JOB, jobs=0)) == 3


def test_a_failing_file_is_data_not_an_abort() -> None:
    bad = MatchJob({"rule": {"pattern": "a b c"}})  # ast-grep refuses it on every file
    found = match_bytes("x.py", b"eval(1)\n", bad)
    assert found.matches == () and "unmatched" in found.flags and "match failed" in found.error


def test_decoding_flags_and_partial_parses_are_reported() -> None:
    found = match_bytes("x.py", b"s = '\xff'\nx = = 1\neval(1)\n", JOB)
    assert set(found.flags) == {"decoded-latin-1", "partial"}
    assert [m.span.line for m in found.matches] == [3]  # what tree-sitter recovered


@pytest.mark.parametrize(
    ("sizes", "size", "chunks"),
    [
        ([10, 10, 10], 15, [[10, 10], [10]]),
        ([100, 1, 1], 50, [[100], [1, 1]]),
        ([], 10, []),
    ],
)
def test_chunks_by_size(sizes: list[int], size: int, chunks: list[list[int]]) -> None:
    items = [(str(i), b"x" * n) for i, n in enumerate(sizes)]
    got = chunk_by_size(items, size)
    assert [[len(data) for _, data in chunk] for chunk in got] == chunks
