"""Race files against cached runs for many sequences: the property test of
`tests/integration/test_races.py` (a thread rewrites a file, same size, old mtime put back,
while cached queries and macros run; then every cached answer must equal a cold one), at a
size the suite cannot afford.

    uv run python benchmarks/race.py              # 300 sequences
    uv run python benchmarks/race.py --examples 1000

Prints pytest's summary; the exit status is pytest's (0: no cached answer ever disagreed).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=300, help="sequences (default 300)")
    args = parser.parse_args(argv)
    os.environ["CQTEST_RACE_EXAMPLES"] = str(args.examples)
    os.chdir(REPO)
    return int(pytest.main(["-q", "-p", "no:cacheprovider", "--hypothesis-show-statistics",
                            "tests/integration/test_races.py::TestCachedAnswersSurviveRaces"]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
