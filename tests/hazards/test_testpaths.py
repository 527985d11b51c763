"""Which files are tests: names anywhere, `tests/`/`test/` only at the top of the root."""

from __future__ import annotations

import pytest

from cq.hazards.testpaths import is_test_path
from cq.settings import DEFAULT_TEST_PATHS


@pytest.mark.parametrize(
    ("path", "expected"),
    [("tests/test_a.py", True), ("tests/util/helpers.py", True), ("test/x.py", True),
     ("pkg/test_mod.py", True), ("pkg/mod_test.py", True), ("conftest.py", True),
     ("src/pkg/tests/util.py", False), ("Lib/test/support.py", False),
     ("pkg/testing.py", False), ("pkg/contest.py", False), ("src/latest/mod.py", False)],
)
def test_default_test_paths(path: str, expected: bool) -> None:
    assert is_test_path(path, DEFAULT_TEST_PATHS) is expected


def test_custom_patterns() -> None:
    patterns = ("Lib/test/**", "checks_*.py", "src/*/testing/*.py")
    assert is_test_path("Lib/test/test_os.py", patterns)
    assert is_test_path("a/checks_x.py", patterns)
    assert is_test_path("src/pkg/testing/helpers.py", patterns)
    assert not is_test_path("tests/test_a.py", patterns)
