"""cq.cache.reader: plain-SQL reads of a DiskCache database agree with DiskCache."""

from __future__ import annotations

import os
import pickle
import sqlite3
import time
from pathlib import Path

import diskcache
import pytest

from cq.cache.disk import RefusedValue, no_pickle_disk
from cq.cache.reader import Reader, db_files, read_entries

from .helpers import Bomb


@pytest.fixture
def cache(tmp_path: Path) -> diskcache.Cache:
    opened = diskcache.Cache(str(tmp_path / "c"), disk=no_pickle_disk(), statistics=1)
    yield opened
    opened.close()


def _reader(cache: diskcache.Cache) -> Reader:
    reader = Reader.open(Path(cache.directory), timeout=1.0)
    assert reader is not None
    return reader


def test_open_without_a_database_is_none(tmp_path: Path) -> None:
    assert Reader.open(tmp_path / "nothing", 1.0) is None
    sqlite3.connect(tmp_path / "cache.db").close()  # an empty sqlite file: no Cache table
    assert Reader.open(tmp_path, 1.0) is None


def test_open_garbage_raises_database_error(tmp_path: Path) -> None:
    (tmp_path / "cache.db").write_bytes(b"garbage" * 500)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        Reader.open(tmp_path, 1.0)


def test_get_matches_diskcache(cache: diskcache.Cache) -> None:
    big = os.urandom(100_000)
    cache.set("small", b"abc")
    cache.set("big", big)
    cache.set("null", None)
    cache.set("forever", b"x")
    cache.set("soon", b"y", expire=100)
    cache.set("gone", b"z", expire=-1)
    reader = _reader(cache)
    assert reader.get("small") == (b"abc", None) and reader.get("big") == (big, None)
    assert reader.get("null") == (None, None) and reader.get("missing") is None
    value, expire_at = reader.get("soon")  # type: ignore[misc]
    assert value == b"y" and expire_at is not None and expire_at > time.time()
    assert reader.get("gone") is None and not reader.contains("gone")
    assert reader.contains("small") and not reader.contains("missing")
    reader.close()


def test_get_refuses_a_planted_pickle(cache: diskcache.Cache, tmp_path: Path) -> None:
    plain = diskcache.Cache(cache.directory)
    plain.set("evil", Bomb(tmp_path / "pwned"))
    plain.close()
    reader = _reader(cache)
    with pytest.raises(RefusedValue):
        reader.get("evil")
    assert not (tmp_path / "pwned").exists()
    reader.close()


def test_vanished_value_file_is_a_miss(cache: diskcache.Cache) -> None:
    cache.set("big", os.urandom(100_000))
    for value_file in Path(cache.directory).rglob("*.val"):
        value_file.unlink()
    assert _reader(cache).get("big") is None


def test_keys_by_prefix_skip_foreign_keys(cache: diskcache.Cache) -> None:
    for key in ("b/2", "a/1", "b/1", "c"):
        cache.set(key, b"")
    plain = diskcache.Cache(cache.directory)
    plain.set(("pickled", "key"), b"")
    plain.set(b"bytes-key", b"")
    plain.close()
    reader = _reader(cache)
    assert reader.keys() == ["a/1", "b/1", "b/2", "c"]
    assert reader.keys("b/") == ["b/1", "b/2"] and reader.keys("z") == []


def test_counters_volume_times(cache: diskcache.Cache) -> None:
    cache.set("a", b"1")
    cache.get("a")
    cache.get("nope")
    reader = _reader(cache)
    counts = reader.counters()
    assert (counts["count"], counts["hits"], counts["misses"]) == (1, 1, 1)
    assert reader.volume() == cache.volume()
    oldest, newest = reader.time_range()
    assert oldest is not None and oldest == newest
    reader.add_counters(5, 7)
    assert cache.stats(enable=True) == (6, 8)
    reader.close()


def test_db_files_single_and_sharded(tmp_path: Path) -> None:
    fan = diskcache.FanoutCache(str(tmp_path / "f"), shards=3, disk=no_pickle_disk())
    fan.close()
    assert [p.parent.name for p in db_files(tmp_path / "f")] == ["000", "001", "002"]
    assert db_files(tmp_path / "none") == [] and db_files(None) == []


def test_read_entries_skips_refused_rows(cache: diskcache.Cache, tmp_path: Path) -> None:
    cache.set("ok", b"1")
    cache.set("later", b"2", expire=50)
    plain = diskcache.Cache(cache.directory)
    plain.set("evil", Bomb(tmp_path / "pwned"))
    plain.set(("tuple",), b"3")
    plain.close()
    with sqlite3.connect(Path(cache.directory) / "cache.db") as con:
        con.execute("INSERT INTO Cache (key, raw, store_time, access_time, mode, value)"
                    " VALUES ('p', 1, 0, 0, 4, ?)", (pickle.dumps(Bomb(tmp_path / "pwned")),))
    entries = {key: (data, at is not None) for key, data, at in read_entries(Path(cache.directory))}
    assert entries == {"ok": (b"1", False), "later": (b"2", True)}
    assert not (tmp_path / "pwned").exists()
