"""After an edit, an answer made file by file is patched, not recomputed: the files unchanged
since the stale answer are not read again (their findings and flags are the stale answer's),
and the answer is exactly the one a cold run gives (`cq.cache.query.Reuse`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cq.index.source import FactSource
from cq.result import CqResult

from .support import answer, ask, fast_dir, generated_repo, write_files

REUSED = ("entity=function", "entity=function name=~^helper_1", "entity=import",
          "entity=module", "entity=decorator", "entity=callsite name=~^helper")
NOT_REUSED = ("entity=function limit=5",  # cut short: not every file's findings are in it
              "entity=function name=func_3",  # a memo already reads only defining files
              "entity=function explain=true")


def _repo(base: Path, n_files: int = 80) -> Path:
    return write_files(generated_repo(base / "repo", n_files),
                       {"pkg/deco.py": "@property\ndef helper_1_deco(self):\n    return 1\n"})


def _edit(root: Path) -> None:
    (root / "pkg/mod_005.py").write_text("@staticmethod\ndef helper_15(z):\n    return z\n")


def _add(root: Path) -> None:
    (root / "pkg/new.py").write_text("import sys\n\ndef helper_1_new():\n    helper_1()\n")


def _delete(root: Path) -> None:
    (root / "pkg/mod_006.py").unlink()


def _rename(root: Path) -> None:
    os.rename(root / "pkg/mod_007.py", root / "pkg/moved.py")


def _flag(root: Path) -> None:  # a null byte: the file is flagged, its definitions unread
    (root / "pkg/mod_010.py").write_text("def helper_10(y):\n    return y\n\x00\n")


def _unflag(root: Path) -> None:
    (root / "pkg/mod_010.py").write_text("def helper_10(y):\n    return 1\n")


EDITS: list[Callable[[Path], None]] = [_edit, _add, _delete, _rename, _flag, _unflag]


@pytest.fixture
def skipped(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many files each streamed read was told to leave out."""
    seen: list[int] = []
    stream = FactSource.stream

    def spy(self: FactSource, literals, name=None, skip=frozenset()):  # type: ignore[no-untyped-def]
        seen.append(len(skip))
        return stream(self, literals, name, skip)

    monkeypatch.setattr(FactSource, "stream", spy)
    return seen


@contextmanager
def _asked(text: str, n_files: int = 80) -> Iterator[tuple[Path, Path]]:
    """A repository and a cache that already holds the answer to `text`."""
    with fast_dir("cq-reuse-") as base:
        root, cache = _repo(base, n_files), base / "cache"
        ask(root, cache, text)
        yield root, cache


def _after(edit: Callable[[Path], None], root: Path, cache: Path, text: str,
           skipped: list[int]) -> CqResult:
    edit(root)
    skipped.clear()
    return ask(root, cache, text)


@pytest.mark.parametrize("text", REUSED)
def test_after_each_edit_the_unchanged_files_are_reused(text: str,
                                                         skipped: list[int]) -> None:
    with _asked(text) as (root, cache):
        for edit in EDITS:
            cached = _after(edit, root, cache, text, skipped)
            assert cached.summary["cache"]["status"] == "miss", edit.__name__
            assert skipped and skipped[0] >= 75, (edit.__name__, skipped)
            assert answer(cached) == answer(ask(root, cache, text, no_cache=True)), edit.__name__


@pytest.mark.parametrize("text", NOT_REUSED)
def test_answers_that_cannot_be_patched_are_computed_again(text: str,
                                                           skipped: list[int]) -> None:
    with _asked(text) as (root, cache):
        cached = _after(_edit, root, cache, text, skipped)
        assert not any(skipped)
        assert answer(cached) == answer(ask(root, cache, text, no_cache=True))


def test_a_small_scope_is_computed_again(skipped: list[int]) -> None:
    with _asked("entity=function", n_files=20) as (root, cache):
        cached = _after(_edit, root, cache, "entity=function", skipped)
        assert cached.summary["matches"] == 40  # 41 - 2 + 1
        assert not any(skipped)
