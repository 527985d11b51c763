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


def _deferring(root: Path, cache: Path) -> IndexSession:
    settings = resolve_settings({"root": str(root), "cache_dir": str(cache)}, env={})
    session = IndexSession(root, open_store(profile_from_settings(settings), "index"),
                           settings.max_file_bytes, extractor_tag="t", defer_misses=True)
    session.fingerprint(discover_files(root).files)
    return session


def _tree(make_repo, count: int) -> Path:
    return make_repo({f"m{i:03}.py": f"def f{i}(): pass\n" for i in range(count)})


def test_a_cold_run_leaves_unseen_files_to_the_scanner(make_repo, tmp_path: Path) -> None:
    """Never-seen files are not read before the scan: the scanner's digest of the bytes it
    parsed is their fingerprint, and nothing counts as changed."""
    from cq.index.session import DEFER_FROM
    from cq.scan import scan_paths

    root = _tree(make_repo, DEFER_FROM)
    session = _deferring(root, tmp_path / "cache")
    paths = sorted(session.pending)
    assert len(paths) == DEFER_FROM and not session.read and not session.digests
    outcomes = scan_paths(root, paths, jobs=1, max_file_bytes=1 << 20)
    session.note_scanned(outcomes)
    assert not session.pending and not session.changed_files(outcomes)
    assert session.digests == {o.facts.path: o.digest for o in outcomes}


def test_a_pending_file_is_fingerprinted_when_first_read(make_repo, tmp_path: Path) -> None:
    from cq.digests import digest
    from cq.index.session import DEFER_FROM

    root = _tree(make_repo, DEFER_FROM)
    session = _deferring(root, tmp_path / "cache")
    assert session.contains("m007.py", "f7") and not session.contains("m008.py", "f7")
    assert session.digests == {p: digest((root / p).read_bytes())
                               for p in ("m007.py", "m008.py")}
    session.settle()
    assert not session.pending and len(session.digests) == DEFER_FROM
    assert not session.changed


def test_a_few_unseen_files_are_fingerprinted_at_once(make_repo, tmp_path: Path) -> None:
    from cq.index.session import DEFER_FROM

    root = _tree(make_repo, DEFER_FROM - 1)
    session = _deferring(root, tmp_path / "cache")
    assert not session.pending and len(session.digests) == DEFER_FROM - 1


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
