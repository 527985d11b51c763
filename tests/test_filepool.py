"""cq.filepool: chunks by size, results in input order, and workers that never outlive the
process that started them."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from conftest import kill_pool_parent
from cq.filepool import chunk_by_size

needs_linux = pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")


@pytest.mark.parametrize(("sizes", "size", "expected"), [
    pytest.param([], 10, [], id="empty"),
    pytest.param([3, 3, 3], 10, [3], id="one-chunk"),
    pytest.param([6, 6, 6], 10, [2, 1], id="closes-at-size"),
    pytest.param([20, 1, 1], 10, [1, 2], id="big-file-alone"),
])
def test_chunk_by_size(sizes: list[int], size: int, expected: list[int]) -> None:
    items = [(f"f{i}.py", b"x" * n) for i, n in enumerate(sizes)]
    chunks = chunk_by_size(items, size)
    assert [len(chunk) for chunk in chunks] == expected
    assert [item for chunk in chunks for item in chunk] == items


MATCH_PARENT = textwrap.dedent("""
    import os
    import sys
    import time

    from cq.filepool import run_in_pool


    def slow_match(payload, chunk):
        with open(payload.decode(), "a") as handle:
            handle.write(f"{os.getpid()}\\n")
        time.sleep(120)


    if __name__ == "__main__":
        items = [(f"f{i}.py", b"x" * (300 * 1024)) for i in range(4)]
        run_in_pool(items, sys.argv[1].encode(), 2, slow_match, lambda data: [],
                    lambda path, error: error)
""")


@needs_linux
def test_workers_die_with_a_sigkilled_parent(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(MATCH_PARENT)
    assert kill_pool_parent(script, tmp_path / "workers.log") == set()
