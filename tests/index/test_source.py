"""FactSource with an index session: definition queries load only files that can answer."""

from __future__ import annotations

from pathlib import Path

from cq.cache.profile import profile_from_settings
from cq.cache.store import open_store
from cq.discover import discover_files
from cq.index.session import IndexSession
from cq.index.source import FactSource
from cq.scan import scan_paths
from cq.settings import resolve_settings


def _source(root: Path, cache: Path) -> tuple[FactSource, IndexSession]:
    settings = resolve_settings({"root": str(root), "cache_dir": str(cache)}, env={})
    store = open_store(profile_from_settings(settings), "index")
    session = IndexSession(root, store, settings.max_file_bytes)
    files = discover_files(root).files
    session.fingerprint(files)
    source = FactSource(files, session, lambda paths: scan_paths(root, paths, jobs=1,
                                                                 max_file_bytes=1 << 20))
    return source, session


def test_only_files_defining_the_name_are_loaded_again(make_repo, tmp_path: Path) -> None:
    root = make_repo({"a.py": "def join(x):\n    pass\n",
                      "b.py": "print(','.join(x))\n", "c.py": "y = ' '.join(z)\n"})
    cache = tmp_path / "cache"
    first, session = _source(root, cache)
    assert [f.path for f in first.facts_defining(["join"], "join")] == ["a.py"]
    assert len(first.loaded()) == 3  # the first time every candidate is looked at
    session.record(first.scanned)
    session.store.close()
    (root / "c.py").write_text("y = '-'.join(z)\n")  # an edit to a file that cannot answer
    second, _ = _source(root, cache)
    assert [f.path for f in second.facts_defining(["join"], "join")] == ["a.py"]
    assert sorted(f.path for f in second.loaded()) == ["a.py", "c.py"]  # b.py: memo says no
