"""cq.cache.admin: stats, clear, evict-tag, maintenance, old layouts and migration."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import diskcache
import msgspec
import pytest

from conftest import open_read_only, unopenable
from cq.cache.admin import (
    cache_clear,
    cache_evict_tag,
    cache_maintenance,
    cache_stats,
    find_old_layouts,
    migrate,
    old_layout_notice,
)
from cq.cache.index import (
    HIT,
    PART_TYPES,
    FactsRecord,
    IndexCache,
    IndexRecord,
    part_key,
    stamp_of,
)
from cq.cache.profile import KINDS, CacheProfile, kind_dir, layout_dir, repo_key
from cq.cache.query import QueryCache, StoredResult, strip_run
from cq.cache.store import encode, open_store
from cq.cache.tags import cited_files, entry_tags
from cq.errors import BadInputError, CacheError
from cq.facts import FACTS_SCHEMA_VERSION, PART_KINDS

from .helpers import Ref, make_facts, make_result

EV = "rules-1"


def _fill(profile: CacheProfile) -> None:
    index = IndexCache(open_store(profile, "index"), clock_ns=lambda: 10**12)
    index.store_many([(Ref(p), "d", make_facts(p)) for p in ("a.py", "b.py")], EV)
    index.store.close()
    query = QueryCache(open_store(profile, "query"))
    for key, result in (("k1", make_result("a.py")), ("k2", make_result("b.py"))):
        query.set(key, "s", result, entry_tags(key, EV, "1", [], cited_files(result)))
    query.store.close()


def test_stats_of_absent_caches_create_nothing(profile: CacheProfile) -> None:
    stats = cache_stats(profile)
    assert {kind: s["status"] for kind, s in stats.items()} == dict.fromkeys(KINDS, "absent")
    assert not profile.cache_dir.exists()


def test_stats_after_writes(profile: CacheProfile) -> None:
    before = time.time()
    _fill(profile)
    stats = cache_stats(profile)
    assert stats["index"]["entries"] == 2 and stats["query"]["entries"] == 2
    for kind in ("index", "query"):
        assert stats[kind]["status"] == "ok" and stats[kind]["size_bytes"] > 0
        assert before - 1 <= stats[kind]["oldest"] <= stats[kind]["newest"] <= time.time() + 1
    assert stats["coordination"]["status"] == "absent"


def test_stats_when_disabled(profile: CacheProfile) -> None:
    stats = cache_stats(msgspec.structs.replace(profile, enabled=False))
    assert all(s["status"] == "disabled" for s in stats.values())


def test_clear_selected_kinds(profile: CacheProfile) -> None:
    _fill(profile)
    assert cache_clear(profile, ["index"]) == {"index": 2}
    stats = cache_stats(profile)
    assert stats["index"]["entries"] == 0 and stats["query"]["entries"] == 2


def test_evict_tag_reaches_index_and_query(profile: CacheProfile) -> None:
    _fill(profile)
    assert cache_evict_tag(profile, "file:a.py") == {"index": 1, "query": 1}
    assert cache_evict_tag(profile, "rule:" + EV) == {"index": 0, "query": 1}
    assert cache_stats(profile)["index"]["entries"] == 1


def test_maintenance_check_reports_and_fix_repairs(profile: CacheProfile) -> None:
    _fill(profile)
    stray = kind_dir(profile, "index") / "ab" / "stray.val"
    stray.parent.mkdir()
    stray.write_bytes(b"orphan")
    store = open_store(profile, "query")
    store.set("soon-gone", 1, expire=0.01)
    store.close()
    time.sleep(0.02)
    checked = cache_maintenance(profile, check=True)
    assert any("unknown file" in w for w in checked["index"]["warnings"])
    assert stray.exists() and checked["query"]["expired"] == 0
    fixed = cache_maintenance(profile, check=False)
    assert not stray.exists() and fixed["query"]["expired"] == 1
    assert cache_maintenance(profile, check=True)["index"]["warnings"] == []
    assert cache_stats(profile)["coordination"]["status"] == "ok"  # the barrier's store


@pytest.mark.parametrize(("names", "expected"), [
    (["v0", "v1"], ["v0"]),
    (["v1", "v2"], []),
    (["v0", "vx", "v", "v-1", "notes"], ["v0"]),
    ([], []),
])
def test_find_old_layouts(tmp_path: Path, names: list[str], expected: list[str]) -> None:
    for name in names:
        (tmp_path / name).mkdir()
    (tmp_path / "v00.txt").write_text("a file")
    assert [p.name for p in find_old_layouts(tmp_path)] == expected


def test_find_old_layouts_ignores_files_and_missing_dirs(tmp_path: Path) -> None:
    (tmp_path / "v0").write_text("a file, not a layout")
    assert find_old_layouts(tmp_path) == [] and find_old_layouts(tmp_path / "nope") == []


def test_old_layout_notice(tmp_path: Path) -> None:
    assert old_layout_notice(tmp_path) is None
    (tmp_path / "v0").mkdir()
    notice = old_layout_notice(tmp_path)
    assert notice is not None and "v0" in notice and "--migrate" in notice


def _fabricate_v0(profile: CacheProfile, marker: Path) -> None:
    """An older layout written by a stock DiskCache: some entries still valid, some not."""
    base = layout_dir(profile.cache_dir, 0) / repo_key(profile.root)
    index = diskcache.Cache(str(base / "index"))
    valid = IndexRecord(stamp=stamp_of(Ref("a.py")), digest="d", extractor_version=EV,
                        schema_version=FACTS_SCHEMA_VERSION)
    index.set("a.py", encode(valid))
    index.set("/facts/a.py", encode(FactsRecord("d", make_facts("a.py"))))
    index.set("big.py", encode(valid))
    big = msgspec.structs.replace(make_facts("big.py"), docstring="x" * 40_000)  # a value file
    index.set("/facts/big.py", encode(FactsRecord("d", big)))
    for path in ("a.py", "big.py"):
        for kind in PART_KINDS:
            index.set(part_key(kind, path), encode(PART_TYPES[kind]("d")))
    index.set("stale-schema.py", encode(msgspec.structs.replace(valid, schema_version=0)))
    index.set("garbage.py", b"\x00\x01 not msgpack")
    index.set("/facts/bad.py", b"\xc1")
    index.set("evil.py", _Bomb(marker))  # pickled by the stock Disk: must never run
    index.set("expired.py", encode(valid), expire=0.001)
    index.close()
    query = diskcache.Cache(str(base / "query"))
    result = make_result("a.py")
    stored = StoredResult(result=strip_run(result), scope_digest="s", stored_at=1.0)
    query.set("result:k1", encode(stored))
    query.set("tag:file:a.py", encode(["result:k1", "result:gone"]))
    query.set("tags-of:result:k1", encode(["file:a.py"]))
    query.close()


class _Bomb:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (Path.touch, (self.marker,))


def test_migrate_copies_what_is_still_valid(profile: CacheProfile, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    _fabricate_v0(profile, marker)
    time.sleep(0.01)
    report = migrate(profile, prune=False)
    parts = 2 * len(PART_KINDS)
    assert report.copied == {"index": 4 + parts, "query": 3} and report.skipped["index"] == 4
    assert report.errors == () and report.pruned == () and not marker.exists()
    index = IndexCache(open_store(profile, "index"))
    assert index.lookup(Ref("a.py"), EV).status == HIT
    assert index.retrieve("big.py") is not None and index.retrieve("garbage.py") is None
    assert index.load_facts([index.lookup(Ref("a.py"), EV)]) == {"a.py": make_facts("a.py")}
    query = QueryCache(open_store(profile, "query"))
    assert query.get("k1", "s") is not None
    assert query.tags.keys_with("file:a.py") == ("result:k1",)  # dangling key vacuumed
    assert layout_dir(profile.cache_dir, 0).is_dir()  # old layout left intact


@pytest.mark.parametrize("level", range(4), ids=["root", "v0", "repo-key", "kind"])
def test_migrate_refuses_an_old_layout_others_could_write(profile: CacheProfile,
                                                          tmp_path: Path, level: int) -> None:
    _fabricate_v0(profile, tmp_path / "pwned")
    source = layout_dir(profile.cache_dir, 0) / repo_key(profile.root) / "index"
    levels = [profile.cache_dir, source.parent.parent, source.parent, source]
    levels[level].chmod(0o777)
    with pytest.raises(CacheError, match="untrusted") as raised:
        migrate(profile, prune=False)
    assert str(levels[level]) in raised.value.one_line() and raised.value.exit_code == 4
    levels[level].chmod(0o755)
    assert IndexCache(open_store(profile, "index")).retrieve("a.py") is None


def test_migrate_prune_removes_the_old_layout(profile: CacheProfile, tmp_path: Path) -> None:
    _fabricate_v0(profile, tmp_path / "pwned")
    report = migrate(profile, prune=True)
    assert report.copied["index"] == 4 + 2 * len(PART_KINDS)
    assert not layout_dir(profile.cache_dir, 0).exists() and len(report.pruned) == 2


def test_migrate_keeps_other_repositories_when_pruning(profile: CacheProfile,
                                                       tmp_path: Path) -> None:
    _fabricate_v0(profile, tmp_path / "pwned")
    other = layout_dir(profile.cache_dir, 0) / "0123456789abcdef"
    other.mkdir()
    migrate(profile, prune=True)
    assert other.is_dir() and not (other.parent / repo_key(profile.root)).exists()


def test_migrate_without_old_layouts(profile: CacheProfile) -> None:
    assert migrate(profile, prune=True) == type(migrate(profile, prune=False))()


# -- a cache the admin commands cannot use: CacheError, after every kind was tried -------------


CHANGES = {
    "clear": lambda profile: cache_clear(profile),
    "evict": lambda profile: cache_evict_tag(profile, "file:a.py"),
    "maintenance": lambda profile: cache_maintenance(profile, check=False),
    "maintenance-check": lambda profile: cache_maintenance(profile, check=True),
}


@pytest.mark.parametrize("change", list(CHANGES.values()), ids=list(CHANGES))
def test_a_read_only_cache_is_an_error(profile: CacheProfile, monkeypatch: pytest.MonkeyPatch,
                                       change: Callable[[CacheProfile], object]) -> None:
    _fill(profile)
    with monkeypatch.context() as patched:
        open_read_only(patched)
        with pytest.raises(CacheError, match="readonly") as raised:
            change(profile)
    line = raised.value.one_line()
    assert "\n" not in line and str(kind_dir(profile, "index")) in line and "also failed" in line
    stats = cache_stats(profile)
    assert stats["index"]["entries"] == 2 and stats["query"]["entries"] == 2


def test_stats_of_an_unopenable_cache_is_an_error(profile: CacheProfile,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(profile)
    unopenable(monkeypatch)
    with pytest.raises(CacheError, match="unable to open database file") as raised:
        cache_stats(profile)
    assert "index cache" in raised.value.one_line() and "also failed: query" in str(raised.value)


def test_stats_of_one_kind_ignore_the_others(profile: CacheProfile,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(profile)
    unopenable(monkeypatch, ("query",))
    assert cache_stats(profile, ["index"])["index"]["entries"] == 2
    with pytest.raises(CacheError, match="query cache"):
        cache_stats(profile)


UNTRUSTED = {
    **CHANGES,
    "stats": lambda profile: cache_stats(profile),
    "migrate": lambda profile: migrate(profile, prune=False),
}


@pytest.mark.parametrize("command", list(UNTRUSTED.values()), ids=list(UNTRUSTED))
@pytest.mark.parametrize("filled", [True, False], ids=["filled", "empty"])
def test_an_untrusted_cache_is_an_error_for_every_admin_command(
        profile: CacheProfile, tmp_path: Path, command: Callable[[CacheProfile], object],
        filled: bool) -> None:
    if filled:
        _fill(profile)
        _fabricate_v0(profile, tmp_path / "pwned")
    profile.cache_dir.mkdir(exist_ok=True)
    profile.cache_dir.chmod(0o1777)
    with pytest.raises(CacheError, match="untrusted") as raised:
        command(profile)
    assert f"chmod go-w {profile.cache_dir}" in raised.value.one_line()
    if not filled:
        assert list(profile.cache_dir.iterdir()) == []


def test_migration_into_a_read_only_cache_is_an_error(profile: CacheProfile, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _fabricate_v0(profile, tmp_path / "pwned")
    _fill(profile)
    open_read_only(monkeypatch)
    with pytest.raises(CacheError, match="readonly"):
        migrate(profile, prune=False)


def test_migration_with_errors_is_an_error(profile: CacheProfile, tmp_path: Path) -> None:
    _fabricate_v0(profile, tmp_path / "pwned")
    old_db = layout_dir(profile.cache_dir, 0) / repo_key(profile.root) / "query" / "cache.db"
    old_db.write_bytes(b"not a database" * 100)
    with pytest.raises(CacheError, match="query") as raised:
        migrate(profile, prune=False)
    assert "copied" in raised.value.one_line()


def test_migration_without_a_cache_is_bad_input(profile: CacheProfile) -> None:
    with pytest.raises(BadInputError, match="--no-cache"):
        migrate(msgspec.structs.replace(profile, enabled=False), prune=False)
