"""Which files are tests (the `test-paths` setting): rows with `skip_tests` (assert) do not
report there.

A pattern without `/` is matched against the file name (`test_*.py`, `conftest.py`); one ending
in `/**` names a directory at the top of the root (`tests/**`: under `tests/`, not under
`pkg/tests/`, which is library code); any other is matched against the whole relative path.
Matching is fnmatch's, case-sensitive.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase
from pathlib import PurePosixPath


def is_test_path(path: str, patterns: Sequence[str]) -> bool:
    """Does the root-relative `path` match one of the `test-paths` patterns?"""
    posix = PurePosixPath(path)
    text = posix.as_posix()
    for pattern in patterns:
        if pattern.endswith("/**"):
            if fnmatchcase(text, pattern[:-3] + "/*"):
                return True
        elif "/" in pattern:
            if fnmatchcase(text, pattern):
                return True
        elif fnmatchcase(posix.name, pattern):
            return True
    return False
