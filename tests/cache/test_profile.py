"""cq.cache.profile: settings mapping, layout, private directories, opening DiskCache."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import diskcache
import pytest

from cq.cache.disk import no_pickle_disk
from cq.cache.profile import (
    DIR_MODE,
    KINDS,
    LAYOUT_VERSION,
    CacheProfile,
    CacheSettings,
    UnknownKindError,
    cache_for_kind,
    kind_dir,
    make_private_dirs,
    profile_from_settings,
    repo_key,
    settings_for,
)
from cq.settings import Settings


def _settings(**values: object) -> Settings:
    return Settings(root="/work/repo", cache_dir="/tmp/cq-cache", **values)  # type: ignore[arg-type]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("field", "expected"), [
    ("size_limit", 1024 * 1024 * 1024),
    ("shards", 1),
    ("ttl", None),
    ("eviction_policy", "least-recently-stored"),
    ("cull_limit", 10),
    ("sqlite_timeout", 2.0),
    ("statistics", True),
])
def test_cache_settings_defaults(field: str, expected: object) -> None:
    assert getattr(CacheSettings(), field) == expected


def test_cache_settings_are_frozen() -> None:
    with pytest.raises(AttributeError):
        CacheSettings().shards = 4  # type: ignore[misc]


@pytest.mark.parametrize(("values", "kind", "field", "expected"), [
    pytest.param({}, "query", "size_limit", 512 * 1024 * 1024, id="query-size-default"),
    pytest.param({"cache_query_size": 1000}, "query", "size_limit", 1000, id="query-size"),
    pytest.param({"cache_index_size": 2000}, "index", "size_limit", 2000, id="index-size"),
    pytest.param({"cache_query_ttl": 30.0}, "query", "ttl", 30.0, id="query-ttl"),
    pytest.param({"cache_query_ttl": 30.0}, "index", "ttl", None, id="index-never-expires"),
    pytest.param({"cache_query_shards": 4}, "query", "shards", 4, id="query-shards"),
    pytest.param({"cache_query_shards": 0}, "query", "shards", 1, id="zero-shards-is-one"),
    pytest.param({"cache_query_shards": 4}, "index", "shards", 1, id="index-one-shard"),
    pytest.param({}, "coordination", "eviction_policy", "none", id="locks-never-culled"),
    pytest.param({}, "index", "eviction_policy", "least-recently-stored", id="index-eviction"),
])
def test_profile_from_settings(values: dict[str, object], kind: str, field: str,
                               expected: object) -> None:
    profile = profile_from_settings(_settings(**values))
    assert getattr(settings_for(profile, kind), field) == expected


@pytest.mark.parametrize(("no_cache", "enabled"), [(False, True), (True, False)])
def test_profile_enabled_follows_no_cache(no_cache: bool, enabled: bool) -> None:
    profile = profile_from_settings(_settings(no_cache=no_cache))
    assert profile.enabled is enabled
    assert profile.root == Path("/work/repo")
    assert profile.cache_dir == Path("/tmp/cq-cache")


def test_settings_for_falls_back_to_base(tmp_path: Path) -> None:
    base = CacheSettings(size_limit=7)
    profile = CacheProfile(root=tmp_path, cache_dir=tmp_path, base=base)
    assert all(settings_for(profile, kind) is base for kind in KINDS)


def test_repo_key_is_short_stable_hex(tmp_path: Path) -> None:
    key = repo_key(tmp_path)
    assert len(key) == 16 and int(key, 16) >= 0
    assert repo_key(tmp_path) == key
    assert repo_key(tmp_path / "sub" / "..") == key


def test_repo_key_resolves_symlinks(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert repo_key(tmp_path / "link") == repo_key(tmp_path / "real")
    assert repo_key(tmp_path / "real") != repo_key(tmp_path)


@pytest.mark.parametrize("kind", KINDS)
def test_kind_dir_layout(tmp_path: Path, kind: str) -> None:
    profile = CacheProfile(root=tmp_path, cache_dir=tmp_path / "c")
    expected = tmp_path / "c" / f"v{LAYOUT_VERSION}" / repo_key(tmp_path) / kind
    assert kind_dir(profile, kind) == expected


def test_unknown_kind_is_refused(tmp_path: Path) -> None:
    profile = CacheProfile(root=tmp_path, cache_dir=tmp_path)
    with pytest.raises(UnknownKindError, match="unknown cache kind"):
        kind_dir(profile, "results")


def test_make_private_dirs_makes_every_level_0o700(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        make_private_dirs(tmp_path / "a" / "b" / "c")
    finally:
        os.umask(old)
    for path in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "c"):
        assert _mode(path) == DIR_MODE


def test_make_private_dirs_leaves_existing_dirs_alone(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir(mode=0o755)
    make_private_dirs(tmp_path / "a" / "b")
    assert _mode(tmp_path / "a") == 0o755
    assert _mode(tmp_path / "a" / "b") == DIR_MODE


def test_make_private_dirs_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("not a dir")
    with pytest.raises(OSError):
        make_private_dirs(tmp_path / "a" / "b")


def test_cache_for_kind_opens_a_cache_with_settings(tmp_path: Path) -> None:
    settings = CacheSettings(size_limit=12345, cull_limit=3, sqlite_timeout=0.5)
    profile = CacheProfile(root=tmp_path, cache_dir=tmp_path / "c", overrides={"index": settings})
    cache = cache_for_kind(profile, "index")
    try:
        assert isinstance(cache, diskcache.Cache)
        assert (cache.size_limit, cache.cull_limit, cache.statistics) == (12345, 3, 1)
        assert cache.eviction_policy == "least-recently-stored"
        assert cache.timeout == 0.5
        assert type(cache.disk) is no_pickle_disk()
        assert Path(cache.directory) == kind_dir(profile, "index")
    finally:
        cache.close()
    for path in (tmp_path / "c" / "v1", kind_dir(profile, "index")):
        assert _mode(path) == DIR_MODE


def test_cache_for_kind_uses_fanout_only_with_shards(tmp_path: Path) -> None:
    query = CacheSettings(shards=3, size_limit=3000)
    profile = CacheProfile(root=tmp_path, cache_dir=tmp_path / "c", overrides={"query": query})
    fanout = cache_for_kind(profile, "query")
    plain = cache_for_kind(profile, "index")
    try:
        assert type(fanout) is diskcache.FanoutCache
        assert isinstance(plain, diskcache.Cache)
        assert fanout.size_limit == 1000  # FanoutCache splits the limit across shards
        shards = sorted(p.name for p in kind_dir(profile, "query").iterdir())
        assert shards == ["000", "001", "002"]
        assert all(_mode(kind_dir(profile, "query") / s) == DIR_MODE for s in shards)
    finally:
        fanout.close()
        plain.close()


def test_a_locked_database_gives_up_after_the_sqlite_timeout(tmp_path: Path) -> None:
    import sqlite3
    import time

    settings = CacheSettings(size_limit=1 << 20, sqlite_timeout=0.3)
    profile = CacheProfile(root=tmp_path, cache_dir=tmp_path / "c", overrides={"index": settings})
    cache_for_kind(profile, "index").close()
    holder = sqlite3.connect(kind_dir(profile, "index") / "cache.db")
    holder.execute("BEGIN EXCLUSIVE")
    started = time.monotonic()
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            cache_for_kind(profile, "index")
    finally:
        holder.rollback()
        holder.close()
    assert time.monotonic() - started < 5


def test_culling_runs_on_the_first_write_and_then_every_few_writes(tmp_path: Path) -> None:
    """DiskCache culls on every write (two statements each); cq culls on a process's first
    write, then every CULL_EVERY writes with a limit that covers the writes in between, so
    a store stays within its size limit give or take a few rows."""
    from cq.cache.profile import CULL_EVERY

    settings = CacheSettings(size_limit=64 * 1024, cull_limit=10)
    profile = CacheProfile(root=tmp_path, cache_dir=tmp_path / "c", overrides={"index": settings})
    cache = cache_for_kind(profile, "index")
    limits: list[int] = []
    real = diskcache.Cache._cull

    def counted(self, now, sql, cleanup, limit=None):  # type: ignore[no-untyped-def]
        limits.append(limit)
        return real(self, now, sql, cleanup, limit)

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(diskcache.Cache, "_cull", counted)
            for i in range(3 * CULL_EVERY + 1):
                cache.set(f"k{i}", b"x" * 4000)
        assert limits == [10, *[10 * CULL_EVERY] * 3]
        assert cache.volume() < settings.size_limit + CULL_EVERY * 4096
    finally:
        cache.close()
