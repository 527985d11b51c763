"""cq.cache.store: values, lazy opening, transactions, faults, corruption, planted pickles."""

from __future__ import annotations

import contextlib
import os
import pickle
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import diskcache
import msgspec
import pytest
from diskcache.core import MODE_PICKLE, MODE_RAW

from cq.cache import boundary as boundary_module
from cq.cache.profile import CacheProfile, CacheSettings, kind_dir
from cq.cache.store import (
    STATUS_DISABLED,
    STATUS_OK,
    Store,
    StoreStats,
    disabled_store,
    is_corruption,
    one_line,
    open_store,
    open_store_at,
)

from .helpers import Bomb, make_facts

OpenKind = Callable[[str], Store]


class Point(msgspec.Struct, frozen=True):
    x: int
    y: int


def _db(store: Store) -> Path:
    assert store.directory is not None
    return store.directory / "cache.db"


def _assert_still_answers(store: Store) -> None:
    assert store.get("anything", dict) is None
    store.set("k", {"v": 1})  # a no-op when disabled, a write when rebuilt
    assert store.get("k", dict) in (None, {"v": 1})


@pytest.fixture(params=["diskcache", "reader"])
def pair(request: pytest.FixtureRequest, open_kind: OpenKind) -> Iterator[tuple[Store, Store]]:
    """(writer, reader): the same store (reads through DiskCache, opened by the writes) or a
    second store of the same kind that has not written (reads through plain SQL)."""
    writer = open_kind("index")
    yield writer, (writer if request.param == "diskcache" else open_kind("index"))


# -- values (through DiskCache, and through the plain-SQL reader) ----------------------


@pytest.mark.parametrize(("value", "type_"), [
    ({"a": [1, 2.5, None]}, dict),
    ([1, "two", b"\x00"], list),
    (Point(1, 2), Point),
    (make_facts("pkg/mod.py"), type(make_facts("x.py"))),
    ("text", str),
])
def test_set_get_roundtrip(pair: tuple[Store, Store], value: object, type_: type) -> None:
    writer, reader = pair
    assert writer.set("k", value) is True
    assert reader.get("k", type_) == value


def test_bytes_roundtrip_small_and_large(pair: tuple[Store, Store]) -> None:
    writer, reader = pair
    small, large = b"abc", os.urandom(200_000)  # large goes to a value file
    assert writer.set_bytes("s", small) and writer.set_bytes("l", large)
    assert reader.get_bytes("s") == small and reader.get_bytes("l") == large


def test_missing_key_is_none(pair: tuple[Store, Store]) -> None:
    writer, reader = pair
    writer.set("other", 1)
    assert reader.get("nope", dict) is None and reader.get_bytes("nope") is None
    assert reader.get_entry("nope") is None and not reader.contains("nope")


def test_wrong_type_is_a_miss_and_drops_the_entry(pair: tuple[Store, Store]) -> None:
    writer, reader = pair
    writer.set("k", {"not": "a point"})
    assert reader.get("k", Point) is None
    assert reader.dropped == 1 and not writer.contains("k") and not reader.contains("k")
    assert reader.status == STATUS_OK and len(reader.notices) == 1


def test_a_null_value_is_a_miss_and_drops_the_entry(pair: tuple[Store, Store]) -> None:
    writer, reader = pair
    writer.guard("plant", lambda cache: cache.set("k", None), None)  # a raw SQL NULL
    assert reader.read("k", Point) is None and reader.read_entry("k", Point) is None
    assert reader.dropped == 1 and not writer.contains("k") and len(reader.notices) == 1


def test_read_entry_gives_the_value_and_its_expiry(pair: tuple[Store, Store]) -> None:
    writer, reader = pair
    writer.set("k", Point(1, 2), expire=60)
    found = reader.read_entry("k", Point)
    assert found is not None and found[0] == Point(1, 2) and found[1] is not None
    assert reader.read("k", Point) == Point(1, 2)


def test_a_wrong_value_is_deleted_only_if_unchanged(open_kind: OpenKind,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import cq.cache.store as store_module

    store, other = open_kind("index"), open_kind("index")
    store.set("k", "not a point")
    real = store_module.decode

    def racing(data: bytes, type_: Any) -> Any:
        other.set("k", Point(3, 4))  # another process rewrote the entry after our read
        return real(data, type_)

    monkeypatch.setattr(store_module, "decode", racing)
    assert store.read("k", Point) is None
    monkeypatch.undo()
    assert store.read("k", Point) == Point(3, 4)


def test_get_many(pair: tuple[Store, Store], tmp_path: Path) -> None:
    writer, reader = pair
    with writer.transact():
        for i in range(1200):  # more than one query's worth of keys
            writer.set(f"k{i}", i)
        writer.set("bad", "not an int")
        writer.set("gone", 1, expire=-1.0)
    plain = diskcache.Cache(str(writer.directory))
    plain.set("evil", Bomb(tmp_path / "pwned"))
    plain.close()
    keys = [f"k{i}" for i in range(1200)] + ["bad", "gone", "evil", "missing"]
    assert reader.get_many(keys, int) == {f"k{i}": i for i in range(1200)}
    assert reader.dropped == 2 and not writer.contains("bad") and not writer.contains("evil")
    assert not (tmp_path / "pwned").exists()


def test_expiry_uses_the_kind_ttl_unless_given(tmp_path: Path) -> None:
    store = open_store_at(tmp_path / "q", "query", CacheSettings(ttl=100.0))
    store.set("default", 1)
    store.set("forever", 1, expire=None)
    store.set("gone", 1, expire=-1.0)
    fresh = open_store_at(tmp_path / "q", "query", CacheSettings(ttl=100.0))
    for reader in (store, fresh):
        (_, default_at), (_, forever_at) = reader.get_entry("default"), reader.get_entry("forever")
        assert default_at is not None and forever_at is None
        assert reader.get("gone", int) is None and not reader.contains("gone")
    store.close()
    fresh.close()


def test_delete_contains_iterkeys_clear(pair: tuple[Store, Store]) -> None:
    writer, reader = pair
    for key in ("b/x", "a/y", "b/z"):
        writer.set(key, 1)
    assert reader.iterkeys() == ["a/y", "b/x", "b/z"]
    assert reader.iterkeys("b/") == ["b/x", "b/z"] and reader.iterkeys("c") == []
    assert writer.delete("a/y") and not writer.delete("a/y")
    assert reader.contains("b/x") and not reader.contains("a/y")
    assert writer.clear() == 2 and reader.iterkeys() == []


def test_stats_volume_and_time_range(pair: tuple[Store, Store]) -> None:
    writer, reader = pair
    assert reader.time_range().oldest is None and reader.stats() == StoreStats()
    writer.set("a", 1)
    writer.set("b", 2)
    reader.get("a", int)
    reader.get("zz", int)
    stats = reader.stats()
    assert (stats.entries, stats.hits, stats.misses) == (2, 1, 1)
    assert stats.size_bytes == reader.volume() > 0
    span = reader.time_range()
    assert span.oldest is not None and span.newest is not None and span.oldest <= span.newest


def test_reader_counts_are_flushed_on_close(profile: CacheProfile) -> None:
    writer = open_store(profile, "index")
    writer.set("a", 1)
    writer.close()
    reader = open_store(profile, "index")
    for key in ("a", "a", "b"):
        reader.get(key, int)
    reader.close()
    assert reader.get("a", int) is None  # closed: a no-op
    stats = open_store(profile, "index").stats()
    assert (stats.hits, stats.misses) == (2, 1)


@pytest.mark.parametrize(("statistics", "flush", "expected"), [
    (True, True, (1, 1)), (True, False, (0, 0)), (False, True, (0, 0))])
def test_counter_flush_can_be_skipped(tmp_path: Path, statistics: bool, flush: bool,
                                      expected: tuple[int, int]) -> None:
    settings = CacheSettings(statistics=statistics)
    writer = open_store_at(tmp_path / "i", "index", settings)
    writer.set("a", 1)
    writer.close()
    reader = open_store_at(tmp_path / "i", "index", settings)
    reader.get("a", int)
    reader.get("b", int)
    reader.close(flush_counters=flush)
    stats = open_store_at(tmp_path / "i", "index", settings).stats()
    assert (stats.hits, stats.misses) == expected


def test_fanout_store_roundtrip_and_transaction(tmp_path: Path) -> None:
    store = open_store_at(tmp_path / "q", "query", CacheSettings(shards=3))
    with store.transact():
        for i in range(20):
            store.set(f"k{i}", i)
    fresh = open_store_at(tmp_path / "q", "query", CacheSettings(shards=3))
    for reader in (store, fresh):
        assert [reader.get(f"k{i}", int) for i in range(20)] == list(range(20))
        assert len(reader.iterkeys("k")) == 20 and reader.stats().entries == 20
        assert reader.time_range().newest is not None
    store.close()
    fresh.close()


# -- laziness ---------------------------------------------------------------------------


def test_opening_does_no_io(profile: CacheProfile) -> None:
    store = open_store(profile, "index")
    assert store.enabled and not profile.cache_dir.exists()
    assert store.get("a", int) is None and store.iterkeys() == [] and not store.contains("a")
    assert store.stats() == StoreStats() and not profile.cache_dir.exists()
    assert store.set("a", 1) and kind_dir(profile, "index").is_dir()


def test_reads_never_open_diskcache(profile: CacheProfile,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    writer = open_store(profile, "index")
    writer.set("a", 1)
    writer.close()

    def refuse(*args: Any) -> Any:
        raise AssertionError("DiskCache opened for a read")

    monkeypatch.setattr(boundary_module, "open_cache", refuse)
    store = open_store(profile, "index")
    with store.read_batch():
        assert store.get("a", int) == 1 and store.contains("a")
    assert store.iterkeys() == ["a"] and store.stats().entries == 1
    assert store.time_range().oldest is not None and store.volume() > 0


_READ_ONLY_RUN = """
import sys
from pathlib import Path
from cq.cache.profile import CacheSettings
from cq.cache.store import open_store_at
store = open_store_at(Path(sys.argv[1]), "index", CacheSettings())
assert store.get("a", int) == 1 and store.get_many(["a", "b"], int) == {"a": 1}
store.close()
print("diskcache" in sys.modules)
"""


def test_a_read_only_run_never_imports_diskcache(tmp_path: Path) -> None:
    writer = open_store_at(tmp_path / "i", "index", CacheSettings())
    writer.set("a", 1)
    writer.close()
    ran = subprocess.run([sys.executable, "-c", _READ_ONLY_RUN, str(tmp_path / "i")],
                         capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == "False"


def test_a_reader_sees_a_database_created_after_it_opened(profile: CacheProfile) -> None:
    early = open_store(profile, "index")
    assert early.get("a", int) is None  # no database yet
    writer = open_store(profile, "index")
    writer.set("a", 1)
    assert early.get("a", int) == 1  # e.g. a single-flight waiter re-reading


# -- transactions -----------------------------------------------------------------------


def test_transact_batches_writes(open_kind: OpenKind) -> None:
    store = open_kind("index")
    with store.transact():
        store.set("a", 1)
        with store.transact():  # nested: joins the outer transaction
            store.set("b", 2)
        assert store.get("a", int) == 1
    assert (store.get("a", int), store.get("b", int)) == (1, 2)


def test_caller_exception_rolls_back_and_propagates(open_kind: OpenKind) -> None:
    store = open_kind("index")
    with pytest.raises(KeyError), store.transact():
        store.set("a", 1)
        raise KeyError("caller bug")
    assert store.get("a", int) is None and store.status == STATUS_OK


def test_caller_oserror_is_not_swallowed(open_kind: OpenKind) -> None:
    store = open_kind("index")
    with pytest.raises(FileNotFoundError), store.transact():
        raise FileNotFoundError("the caller's own file")
    assert store.status == STATUS_OK


def test_fault_inside_transaction_rolls_back_the_batch(profile: CacheProfile,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(profile, "index")
    real_set = diskcache.Cache.set
    calls = []

    def flaky_set(self: Any, key: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(key)
        if key == "second":
            raise sqlite3.OperationalError("database or disk is full")
        return real_set(self, key, *args, **kwargs)

    monkeypatch.setattr(diskcache.Cache, "set", flaky_set)
    with store.transact():
        assert store.set("first", 1) is True
        assert store.set("second", 2) is False
        assert store.set("third", 3) is False  # no-op once the batch failed
    assert calls == ["first", "second"]
    assert store.status == STATUS_DISABLED and "disk is full" in (store.reason or "")
    monkeypatch.undo()
    fresh = open_store(profile, "index")
    assert fresh.get("first", int) is None  # rolled back
    fresh.close()


# -- planted pickles ------------------------------------------------------------------


def _plant_pickles(store: Store, marker: Path) -> None:
    store.set("good", 1)
    plain = diskcache.Cache(str(store.directory))  # the stock Disk pickles values and keys
    plain.set("evil", Bomb(marker))
    plain.set(("evil-key",), Bomb(marker))
    plain.set("big-evil", [Bomb(marker), "x" * 40_000])  # a pickle in a value file
    plain.close()
    bomb = pickle.dumps(Bomb(marker))
    with sqlite3.connect(_db(store)) as con:  # and rows planted straight into sqlite
        con.execute("INSERT INTO Cache (key, raw, store_time, access_time, mode, value)"
                    " VALUES ('raw-evil', 1, 0, 0, ?, ?)", (MODE_PICKLE, bomb))
        con.execute("INSERT INTO Cache (key, raw, store_time, access_time, mode, value)"
                    " VALUES (?, 0, 0, 0, ?, ?)", (bomb, MODE_RAW, b"x"))


def test_planted_pickles_are_never_executed(pair: tuple[Store, Store], tmp_path: Path) -> None:
    writer, reader = pair
    marker = tmp_path / "pwned"
    _plant_pickles(writer, marker)
    assert reader.get("evil", dict) is None and reader.get_bytes("big-evil") is None
    assert reader.get_entry("raw-evil") is None
    assert reader.iterkeys() == ["good"]  # pickled keys are skipped, never unpickled
    assert not marker.exists()
    assert reader.status == STATUS_OK and reader.dropped == 3
    assert not writer.contains("evil") and not writer.contains("raw-evil")  # dropped
    assert "refused stored value" in reader.notices[0] and len(reader.notices) == 1
    assert reader.get("good", int) == 1


def test_pickle_bytes_in_a_value_file_are_only_bytes(pair: tuple[Store, Store],
                                                     tmp_path: Path) -> None:
    writer, reader = pair
    marker = tmp_path / "pwned"
    writer.set_bytes("k", os.urandom(100_000))  # stored as a binary value file
    with sqlite3.connect(_db(writer)) as con:
        (filename,) = con.execute("SELECT filename FROM Cache WHERE key = 'k'").fetchone()
    (writer.directory / filename).write_bytes(pickle.dumps(Bomb(marker)))  # type: ignore[operator]
    assert reader.get("k", dict) is None  # msgpack cannot read it: a miss
    assert not marker.exists() and reader.status == STATUS_OK


# -- faults -----------------------------------------------------------------------------


def _disabled(store: Store, fragment: str) -> None:
    assert store.status == STATUS_DISABLED and not store.enabled
    assert fragment in (store.reason or ""), store.reason
    assert len(store.notices) == 1 and "\n" not in store.notices[0]
    _assert_still_answers(store)
    with store.transact():
        assert store.set("x", 1) is False
    assert store.stats() == StoreStats() and store.iterkeys() == [] and store.clear() == 0


def test_cache_dir_is_a_file(profile: CacheProfile) -> None:
    profile.cache_dir.write_text("in the way")
    store = open_store(profile, "index")
    assert store.get("a", int) is None  # nothing to read: a miss, still enabled
    assert store.set("a", 1) is False  # creating the directory fails: disabled
    _disabled(store, "open:")


def test_cache_dir_not_writable(profile: CacheProfile, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Path, *args: Any, **kwargs: Any) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)  # root ignores chmod 0o500; simulate it
    store = open_store(profile, "index")
    assert store.set("a", 1) is False
    _disabled(store, "Permission denied")


@pytest.mark.parametrize(("method", "error", "fragment"), [
    ("_row_insert", sqlite3.OperationalError("database or disk is full"), "disk is full"),
    ("_row_insert", sqlite3.OperationalError("attempt to write a readonly database"),
     "readonly"),
    ("get", diskcache.Timeout(), "database is locked"),
    ("get", OSError(5, "Input/output error"), "Input/output error"),
])
def test_operation_faults_disable(open_kind: OpenKind, monkeypatch: pytest.MonkeyPatch,
                                  method: str, error: Exception, fragment: str) -> None:
    store = open_kind("index")

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(diskcache.Cache, method, fail)
    store.set("a", 1)
    store.get("a", int)
    _disabled(store, fragment)


def test_real_lock_contention_times_out_and_disables(tmp_path: Path) -> None:
    store = open_store_at(tmp_path / "i", "index", CacheSettings(sqlite_timeout=0.05))
    store.set("a", 1)
    other = sqlite3.connect(_db(store), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        assert store.set("b", 2) is False
    finally:
        other.execute("ROLLBACK")
        other.close()
    _disabled(store, "database is locked")


def test_timeout_on_begin_transaction(open_kind: OpenKind, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_kind("index")

    def busy(*args: Any, **kwargs: Any) -> Any:
        raise diskcache.Timeout

    monkeypatch.setattr(diskcache.Cache, "transact", busy)
    with store.transact():
        assert store.set("a", 1) is False
    _disabled(store, "begin transaction")


def test_diskcache_not_importable(profile: CacheProfile, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "diskcache", None)
    store = open_store(profile, "index")
    assert store.reason is not None and store.reason.startswith("diskcache not importable: ")
    _disabled(store, "diskcache not importable")


def test_no_cache_profile_is_disabled_quietly(profile: CacheProfile) -> None:
    store = open_store(msgspec.structs.replace(profile, enabled=False), "index")
    assert store.status == STATUS_DISABLED and store.notices == []
    assert "--no-cache" in (store.reason or "")
    assert not profile.cache_dir.exists()


def test_disabled_store_helper() -> None:
    store = disabled_store("query", "because")
    assert (store.status, store.reason) == (STATUS_DISABLED, "because")


# -- corruption -------------------------------------------------------------------------


def _plant_garbage(db: Path) -> None:
    db.write_bytes(b"this is not sqlite at all " * 200)


def _truncate(db: Path) -> None:
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])


def _fill_and_close(profile: CacheProfile) -> Path:
    store = open_store(profile, "index")
    with store.transact():
        for i in range(300):
            store.set(f"f{i}.py", {"pad": "x" * 200, "i": i})
    store.close()
    for extra in ("cache.db-wal", "cache.db-shm"):
        (_db(store).parent / extra).unlink(missing_ok=True)
    return _db(store)


@pytest.mark.parametrize("damage", [_plant_garbage, _truncate], ids=["garbage", "truncated"])
def test_corrupt_database_at_open_is_moved_aside_and_rebuilt(profile: CacheProfile,
                                                             damage: Callable[[Path], None],
                                                             ) -> None:
    db = _fill_and_close(profile)
    damage(db)
    damaged = db.read_bytes()
    store = open_store(profile, "index", run_id="RUN")
    store.get("f1.py", dict)
    assert store.status == STATUS_OK and store.rebuilt
    assert store.moved_to == kind_dir(profile, "index").with_name("index.corrupt-RUN")
    assert (store.moved_to / "cache.db").read_bytes() == damaged  # kept, never deleted
    assert "moved aside" in store.notices[0] and len(store.notices) == 1
    _assert_still_answers(store)
    store.close()


SCHEMA_DAMAGE = {
    "settings-dropped": ["DROP TABLE Settings"],
    "cache-other-columns": ["ALTER TABLE Cache RENAME COLUMN tag TO label"],
    "cache-column-missing": ["DROP INDEX IF EXISTS Cache_tag_rowid",
                             "ALTER TABLE Cache DROP COLUMN access_count"],
    "cache-column-added": ["ALTER TABLE Cache ADD COLUMN extra"],
    "unknown-setting": ["INSERT INTO Settings VALUES ('disk_bogus_option', 1)"],
    "text-min-file-size": ["UPDATE Settings SET value = 'big' WHERE key = 'disk_min_file_size'"],
    "text-counter": ["UPDATE Settings SET value = 'many' WHERE key = 'count'"],
}


def damage_schema(db: Path, statements: list[str]) -> None:
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as con:
        for statement in statements:
            con.execute(statement)


def _read_first(store: Store) -> None:
    store.get("f1.py", dict)
    store.stats()


def _write_first(store: Store) -> None:
    store.set("new", {"i": 1})


@pytest.mark.parametrize("first", [_read_first, _write_first], ids=["read", "write"])
@pytest.mark.parametrize("damage", list(SCHEMA_DAMAGE.values()), ids=list(SCHEMA_DAMAGE))
def test_schema_damage_is_corruption(profile: CacheProfile, damage: list[str],
                                     first: Callable[[Store], None]) -> None:
    db = _fill_and_close(profile)
    damage_schema(db, damage)
    store = open_store(profile, "index", run_id="RUN")
    first(store)  # a read checks the columns and counters; other Settings rows at a write
    assert store.set("b", {"i": 2}) and store.get("b", dict) == {"i": 2}
    assert store.status == STATUS_OK and store.rebuilt, store.reason
    assert store.moved_to == kind_dir(profile, "index").with_name("index.corrupt-RUN")
    assert "moved aside" in store.notices[0] and len(store.notices) == 1
    assert store.stats().entries >= 1
    store.close()


def test_the_schema_rules_are_diskcaches(tmp_path: Path) -> None:
    from cq.cache.reader import CACHE_COLUMNS, SETTING_TYPES

    diskcache.Cache(str(tmp_path)).close()
    with contextlib.closing(sqlite3.connect(tmp_path / "cache.db")) as con:
        columns = tuple(row[1] for row in con.execute("PRAGMA table_info(Cache)"))
    assert columns == CACHE_COLUMNS
    defaults = {**diskcache.core.DEFAULT_SETTINGS, **diskcache.core.METADATA}
    assert set(SETTING_TYPES) == set(defaults)
    for name, value in defaults.items():
        assert ("text" in SETTING_TYPES[name]) == isinstance(value, str), name


def test_garbage_database_is_rebuilt_fresh(profile: CacheProfile) -> None:
    _plant_garbage(_fill_and_close(profile))
    store = open_store(profile, "index", run_id="RUN")
    assert store.iterkeys() == []
    assert store.status == STATUS_OK and store.rebuilt and store.iterkeys() == []
    assert store.set("new", 1) and store.get("new", int) == 1
    store.close()


def test_corruption_met_by_the_reader_rebuilds(profile: CacheProfile) -> None:
    store = open_store(profile, "index", run_id="RUN")
    store.set("a", 1)
    store.close()
    reader = open_store(profile, "index", run_id="RUN2")
    assert reader.get("a", int) == 1  # through the plain-SQL reader
    _plant_garbage(_db(store))
    assert reader.get("a", int) is None and reader.rebuilt and reader.status == STATUS_OK
    assert reader.set("b", 2) and reader.get("b", int) == 2
    reader.close()


def test_corruption_detected_mid_run_rebuilds(profile: CacheProfile) -> None:
    store = open_store(profile, "index", run_id="RUN")
    store.set("a", 1)
    store.guard("disconnect", lambda cache: cache.close(), None)  # DiskCache reconnects lazily
    _plant_garbage(_db(store))
    assert store.get("a", int) is None
    assert store.rebuilt and store.status == STATUS_OK
    assert store.set("b", 2) and store.get("b", int) == 2
    store.close()


def test_rebuild_happens_once_then_disables(profile: CacheProfile,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def corrupt(*args: Any) -> Any:
        raise sqlite3.DatabaseError("file is not a database")

    monkeypatch.setattr(boundary_module, "open_cache", corrupt)
    store = open_store(profile, "index", run_id="RUN")
    assert store.set("a", 1) is False
    assert store.rebuilt and store.status == STATUS_DISABLED
    assert "rebuild after corruption failed" in (store.reason or "")


def test_rebuild_skips_the_move_when_another_process_rebuilt(profile: CacheProfile) -> None:
    store = open_store(profile, "index", run_id="RUN")
    store.set("a", 1)
    store.guard("disconnect", lambda cache: cache.close(), None)
    directory = kind_dir(profile, "index")
    directory.rename(directory.with_name("index.other"))  # another process moved it aside...
    fresh = open_store(profile, "index", run_id="OTHER")  # ...and rebuilt it
    fresh.set("theirs", 1)
    store._rebuild(sqlite3.DatabaseError("file is not a database"))
    assert store.moved_to is None and store.get("theirs", int) == 1
    fresh.close()
    store.close()


@pytest.mark.parametrize(("error", "expected"), [
    (sqlite3.DatabaseError("file is not a database"), True),
    (sqlite3.DatabaseError("database disk image is malformed"), True),
    (sqlite3.OperationalError("database disk image is malformed"), True),
    (sqlite3.OperationalError("database is locked"), False),
    (sqlite3.OperationalError("database or disk is full"), False),
    (OSError("file is not a database"), False),
])
def test_is_corruption(error: Exception, expected: bool) -> None:
    assert is_corruption(error) is expected


@pytest.mark.parametrize(("error", "expected"), [
    (sqlite3.OperationalError("database or disk is full"),
     "OperationalError: database or disk is full"),
    (diskcache.Timeout(), "Timeout: database is locked (sqlite timeout)"),
    (OSError("two\nlines"), "OSError: two lines"),
    (ValueError(), "ValueError: no detail"),
])
def test_one_line(error: Exception, expected: str) -> None:
    assert one_line(error) == expected


def test_value_file_directories_are_private(open_kind: OpenKind) -> None:
    store = open_kind("index")
    store.set_bytes("big", os.urandom(100_000))
    assert store.directory is not None
    dirs = [p for p in store.directory.rglob("*") if p.is_dir()]
    assert dirs and all(p.stat().st_mode & 0o777 == 0o700 for p in dirs)
