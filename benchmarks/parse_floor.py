"""The physical floor of a cold scan: tree-sitter parses every Python file, nothing more.

    uv run python benchmarks/parse_floor.py ROOT

Reads every `*.py` under ROOT (hidden directories skipped, as cq does) and parses it with
ast-grep-py's tree-sitter grammar, the parse cq's scanner starts from, in one worker process
per core; no rule is run, no fact extracted, nothing decoded or stored. Prints the file count.
Timed as a whole process by `benchmarks/run.py` (the `copies` row), it is what a cold cq run
could cost at best: every cold figure is also given as a ratio to it.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

CHUNK = 32


def parse_chunk(paths: list[str]) -> int:
    from ast_grep_py import SgRoot

    for path in paths:
        data = Path(path).read_bytes()
        SgRoot(data.decode("utf-8", "replace"), "python").root()
    return len(paths)


def python_files(root: Path) -> list[str]:
    return sorted(str(path) for path in root.rglob("*.py")
                  if path.is_file()
                  and not any(part.startswith(".") for part in path.relative_to(root).parts))


def main(argv: list[str]) -> int:
    paths = python_files(Path(argv[0]))
    chunks = [paths[i:i + CHUNK] for i in range(0, len(paths), CHUNK)]
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    with ProcessPoolExecutor(max(1, workers)) as pool:
        parsed = sum(pool.map(parse_chunk, chunks))
    print(parsed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
