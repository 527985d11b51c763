"""After an edit, an answer made file by file is patched, not recomputed: the files unchanged
since the stale answer are not read again (their findings and flags are the stale answer's),
and the answer is exactly the one a cold run gives (`cq.cache.query.Reuse`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from cq.index.source import FactSource

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


@pytest.mark.parametrize("text", REUSED)
def test_after_each_edit_the_unchanged_files_are_reused(text: str,
                                                         skipped: list[int]) -> None:
    with fast_dir("cq-reuse-") as base:
        root = _repo(base)
        cache = base / "cache"
        ask(root, cache, text)
        for edit in EDITS:
            edit(root)
            skipped.clear()
            cached = ask(root, cache, text)
            assert cached.summary["cache"]["status"] == "miss", edit.__name__
            assert skipped and skipped[0] >= 75, (edit.__name__, skipped)
            assert answer(cached) == answer(ask(root, cache, text, no_cache=True)), edit.__name__


@pytest.mark.parametrize("text", NOT_REUSED)
def test_answers_that_cannot_be_patched_are_computed_again(text: str,
                                                           skipped: list[int]) -> None:
    with fast_dir("cq-reuse-") as base:
        root = _repo(base)
        cache = base / "cache"
        ask(root, cache, text)
        _edit(root)
        skipped.clear()
        cached = ask(root, cache, text)
        assert not any(skipped)
        assert answer(cached) == answer(ask(root, cache, text, no_cache=True))


def test_a_small_scope_is_computed_again(skipped: list[int]) -> None:
    with fast_dir("cq-reuse-") as base:
        root = _repo(base, n_files=20)
        cache = base / "cache"
        ask(root, cache, "entity=function")
        _edit(root)
        skipped.clear()
        assert ask(root, cache, "entity=function").summary["matches"] == 40  # 41 - 2 + 1
        assert not any(skipped)
