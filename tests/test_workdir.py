"""Paths typed in a subdirectory of the root, made root-relative."""

from __future__ import annotations

import pytest

from cq.errors import ScopeError
from cq.workdir import glob_from_workdir, globs_from_workdir, path_from_workdir


@pytest.mark.parametrize(("workdir", "path", "expected"), [
    ("pkg/utils", ".", "pkg/utils"),
    ("pkg/utils", "functional.py", "pkg/utils/functional.py"),
    ("pkg/utils", "..", "pkg"),
    ("pkg/utils", "../..", "."),
    ("pkg/utils", "../other/x.py", "pkg/other/x.py"),
    ("pkg/utils", "./sub/", "pkg/utils/sub"),
    ("pkg/utils", "/abs/path", "/abs/path"),
    ("", "../x", "../x"),  # at the root or outside it: as typed, checked as before
    ("", "src", "src"),
])
def test_paths(workdir: str, path: str, expected: str) -> None:
    assert path_from_workdir(workdir, path, "--in") == expected


@pytest.mark.parametrize(("path", "message"), [
    ("../../..", "--in ../../.. is outside the root"), ("../../../x", "outside the root")])
def test_climbing_out_of_the_root_is_a_scope_error(path: str, message: str) -> None:
    with pytest.raises(ScopeError, match=message):
        path_from_workdir("pkg/utils", path, "--in")


@pytest.mark.parametrize(("pattern", "expected"), [
    ("*.py", "pkg/**/*.py"),
    ("!test_*", "!pkg/**/test_*"),
    ("sub/*.py", "pkg/sub/*.py"),
    ("/top.py", "pkg/top.py"),
    ("build/", "pkg/**/build/"),
    ("../lib/*.py", "lib/*.py"),
    ("~tests?/", "~tests?/"),
    (".", "pkg"),
])
def test_globs_follow_a_nested_gitignore(pattern: str, expected: str) -> None:
    assert glob_from_workdir("pkg", pattern, "--include") == expected


def test_glob_lists() -> None:
    assert globs_from_workdir("pkg", "a.py, sub/b.py", "--include") == "pkg/**/a.py,pkg/sub/b.py"
    assert globs_from_workdir("", "a.py", "--include") == "a.py"
    assert globs_from_workdir("pkg", None, "--include") is None
