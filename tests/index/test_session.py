"""The index session's memos: an answer is reused only for the same file content and the
same code (extractor tag); an upgraded cq, whose prefilters may answer otherwise, asks again."""

from __future__ import annotations

from pathlib import Path

from cq.cache.profile import profile_from_settings
from cq.cache.store import open_store
from cq.discover import discover_files
from cq.index.session import IndexSession
from cq.settings import resolve_settings


def _session(root: Path, cache: Path, tag: str) -> IndexSession:
    settings = resolve_settings({"root": str(root), "cache_dir": str(cache)}, env={})
    session = IndexSession(root, open_store(profile_from_settings(settings), "index"),
                           settings.max_file_bytes, extractor_tag=tag)
    session.fingerprint(discover_files(root).files)
    return session


def test_a_memo_answered_by_other_code_is_not_reused(make_repo, tmp_path: Path) -> None:
    root = make_repo({"a.py": "x = 1\n"})
    cache = tmp_path / "cache"
    old = _session(root, cache, "old")
    old.remember("/lit/café", "a.py", False)  # as a prefilter with a bug might have
    old.record([])
    old.store.close()
    assert _session(root, cache, "old").recall("/lit/café", "a.py") is False
    assert _session(root, cache, "new").recall("/lit/café", "a.py") is None


def test_a_file_larger_than_the_kept_bytes_budget_is_still_read(tmp_path: Path) -> None:
    from cq.index.fingerprints import KEEP_BYTES

    root = tmp_path / "repo"
    root.mkdir()
    big = b"x = 1\n" * (KEEP_BYTES // 6 + 1000)  # over the budget, under max-file-bytes
    (root / "big.py").write_bytes(big)
    settings = resolve_settings({"root": str(root), "cache_dir": str(tmp_path / "cache"),
                                 "max_file_bytes": 1 << 30}, env={})
    session = IndexSession(root, open_store(profile_from_settings(settings), "index"),
                           settings.max_file_bytes, extractor_tag="t")
    session.fingerprint(discover_files(root).files)
    assert session.text("big.py") == big
    assert session.text("big.py") == big  # asked again: read again, never None
    assert "big.py" not in session.changed


def test_a_file_past_the_budget_is_read_once_for_tests_in_a_row(tmp_path: Path,
                                                                monkeypatch) -> None:
    from cq.index import fingerprints
    from cq.index import session as session_module

    root = tmp_path / "repo"
    root.mkdir()
    (root / "a.py").write_bytes(b"d.get(k)\n")
    (root / "b.py").write_bytes(b"getattr(d, k)\n")
    monkeypatch.setattr(session_module, "KEEP_BYTES", 0)  # every file past the budget
    settings = resolve_settings({"root": str(root), "cache_dir": str(tmp_path / "cache")},
                                env={})
    session = IndexSession(root, open_store(profile_from_settings(settings), "index"),
                           settings.max_file_bytes, extractor_tag="t")
    session.fingerprint(discover_files(root).files)
    reads: list[str] = []
    real = fingerprints.read_and_digest

    def counted(root_: Path, refs, *args):
        reads.extend(ref.path for ref in refs)
        return real(root_, refs, *args)
    monkeypatch.setattr(session_module, "read_and_digest", counted)
    assert session.has_word("a.py", "get") and not session.has_word("b.py", "get")
    assert reads == ["a.py", "b.py"]  # the substring test and the word test share a read
    session.forget_text(["b.py"])
    assert session.text("b.py") == b"getattr(d, k)\n" and reads[-1] == "b.py"
