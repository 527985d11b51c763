"""Reading a DiskCache database with plain sqlite, without DiskCache (part of the store
adapter: only `cq.cache.store` and admin's migration use it).

Why: opening a `diskcache.Cache` rewrites its whole Settings table and closes and reopens its
connection (about 10-40 ms on an ordinary disk, WAL checkpoint included), importing DiskCache
costs tens of ms more, and with `statistics` on every DiskCache `get` is a write transaction.
A warm run only reads, so `Store` reads through a `Reader` — one sqlite connection issuing
SELECTs against DiskCache's documented table layout — and opens DiskCache only for its first
write. Hit and miss counts are kept in memory and added to DiskCache's own counters by
`add_counters` when the reader is closed.

API:
- `Reader.open(directory, timeout) -> Reader | None` (None: no database or no Cache table yet);
- `Reader.get(key) -> (bytes | None, expire_at) | None`, `get_many(keys) -> (found, refused)`,
  `contains(key) -> bool`, `count(prefix) -> int`,
  `keys(prefix) -> list[str]`, `counters() -> dict[str, int]` (count, size, hits, misses),
  `volume() -> int`, `time_range() -> (oldest, newest)`, `add_counters(hits, misses)`, `close()`;
- `db_files(directory) -> list[Path]`, `read_entries(directory)` (every readable entry of a
  database, for migration);
- `check_schema(con, settings_rows)`, `check_databases(directory)` — raise `SchemaDamage` (a
  `sqlite3.DatabaseError` the store treats as corruption) when the tables are not DiskCache's:
  `Reader.open` checks the Cache columns and the counters' types, the store checks every
  Settings row before DiskCache first opens the database for writing.

Values go through `cq.cache.disk.fetch_value`, the same no-pickle rules DiskCache uses in cq.
Errors (`sqlite3.Error`, `OSError`, `RefusedValue`) propagate: the store is the boundary.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cq.cache.disk import REFUSED_KEY, RefusedValue, decode_key, fetch_value

DB_NAME = "cache.db"
_LIVE = "key = ? AND raw = 1 AND (expire_time IS NULL OR expire_time > ?)"
_GET = f"SELECT mode, filename, value, expire_time FROM Cache WHERE {_LIVE}"
_CONTAINS = f"SELECT 1 FROM Cache WHERE {_LIVE}"
_GET_MANY = ("SELECT key, mode, filename, value FROM Cache WHERE raw = 1 AND key IN ({marks})"
             " AND (expire_time IS NULL OR expire_time > ?)")
_CHUNK = 500
_MMAP_BYTES = 0  # as the stores' own connections (`cq.cache.profile`): no memory map
_KEYS = "SELECT key FROM Cache WHERE raw = 1 AND key >= ? ORDER BY key"
_COUNT_RANGE = ("SELECT COUNT(*) FROM Cache WHERE raw = 1 AND key >= ? AND key < ?"
                " AND typeof(key) = 'text'")
_COUNTERS = "SELECT key, value FROM Settings WHERE key IN ('count', 'size', 'hits', 'misses')"
_TIMES = "SELECT MIN(store_time), MAX(store_time) FROM Cache"
_HAS_TABLE = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'Cache'"
_COLUMNS = "SELECT group_concat(name, ',') FROM pragma_table_info('Cache')"
# A warm read's check is this one statement: the columns, and the counters' types.
_READ_CHECK = (f"SELECT ({_COLUMNS}), (SELECT group_concat(key || ':' || typeof(value), ',')"
               " FROM Settings WHERE key IN ('count', 'size', 'hits', 'misses'))")
_SETTING_TYPES = "SELECT key, typeof(value) FROM Settings"

# DiskCache's own layout (diskcache.core: the Cache table, DEFAULT_SETTINGS and METADATA; a
# test checks they agree). A database that differs was not written by DiskCache: cq treats
# it as corrupt, as DiskCache would fail on it later (a text `disk_min_file_size` breaks the
# first write, a text counter breaks `stats()`).
CACHE_COLUMNS = ("rowid", "key", "raw", "store_time", "expire_time", "access_time",
                 "access_count", "tag", "size", "mode", "filename", "value")
_NUMBER, _TEXT = ("integer", "real"), ("text",)
SETTING_TYPES: dict[str, tuple[str, ...]] = {
    "statistics": _NUMBER, "tag_index": _NUMBER, "eviction_policy": _TEXT,
    "size_limit": _NUMBER, "cull_limit": _NUMBER, "sqlite_auto_vacuum": _NUMBER,
    "sqlite_cache_size": _NUMBER, "sqlite_journal_mode": _TEXT, "sqlite_mmap_size": _NUMBER,
    "sqlite_synchronous": _NUMBER, "disk_min_file_size": _NUMBER,
    "disk_pickle_protocol": _NUMBER,
    "count": _NUMBER, "size": _NUMBER, "hits": _NUMBER, "misses": _NUMBER,
}
_MISSING_SCHEMA = ("no such table", "no such column")


class SchemaDamage(sqlite3.DatabaseError):
    """The database's tables are not DiskCache's: corruption, moved aside and rebuilt."""


def _wrong_rows(rows: list[tuple[str, str]]) -> list[str]:
    return [f"{key} ({kind})" for key, kind in rows if kind not in SETTING_TYPES.get(key, ())]


def _pairs(text: str | None) -> list[tuple[str, str]]:
    """"count:integer,hits:text" -> [("count", "integer"), ("hits", "text")]."""
    pairs = (item.rpartition(":") for item in (text or "").split(",") if item)
    return [(key, kind) for key, _, kind in pairs]


def _schema_rows(con: sqlite3.Connection, settings_rows: bool) -> tuple[str, list[tuple[str, str]]]:
    try:
        if not settings_rows:
            columns, counters = con.execute(_READ_CHECK).fetchone()
            return columns or "", _pairs(counters)
        (columns,) = con.execute(_COLUMNS).fetchone()
        return columns or "", con.execute(_SETTING_TYPES).fetchall()
    except sqlite3.OperationalError as exc:
        if any(text in str(exc) for text in _MISSING_SCHEMA):
            raise SchemaDamage(f"damaged schema: {exc}") from exc
        raise


def check_schema(con: sqlite3.Connection, settings_rows: bool) -> None:
    """Raise `SchemaDamage` unless the Cache table has DiskCache's columns and the Settings
    rows are of DiskCache's names and types: every row when `settings_rows` (before a
    write; DiskCache reads them all when it opens), else only the counters a read uses."""
    columns, rows = _schema_rows(con, settings_rows)
    if tuple(columns.split(",")) != CACHE_COLUMNS:
        raise SchemaDamage(f"damaged schema: Cache columns {columns or 'missing'}")
    wrong = _wrong_rows(rows)
    if wrong:
        raise SchemaDamage(f"damaged schema: Settings rows {', '.join(wrong[:3])}")


def check_databases(directory: Path) -> None:
    """`check_schema` with every Settings row, on each existing database in `directory`."""
    for db_file in db_files(directory):
        with contextlib.closing(sqlite3.connect(str(db_file), timeout=1.0)) as con:
            if con.execute(_HAS_TABLE).fetchone() is not None:
                check_schema(con, settings_rows=True)


def db_files(directory: Path | None) -> list[Path]:
    """The sqlite files of the DiskCache in `directory` (one, or one per FanoutCache shard)."""
    if directory is None:
        return []
    single = Path(directory) / DB_NAME
    return [single] if single.exists() else sorted(Path(directory).glob(f"[0-9]*/{DB_NAME}"))


class Reader:
    def __init__(self, directory: Path, con: sqlite3.Connection) -> None:
        self.directory = str(directory)
        self.con = con

    @classmethod
    def open(cls, directory: Path, timeout: float) -> Reader | None:
        db = Path(directory) / DB_NAME
        if not db.is_file():
            return None
        con = sqlite3.connect(str(db), timeout=timeout, isolation_level=None,
                              check_same_thread=False)  # closed by whichever thread writes first
        try:
            con.execute(f"PRAGMA mmap_size = {_MMAP_BYTES}")
            if con.execute(_HAS_TABLE).fetchone() is None:
                con.close()
                return None
            check_schema(con, settings_rows=False)
        except BaseException:
            con.close()
            raise
        return cls(Path(directory), con)

    def get(self, key: str) -> tuple[bytes | None, float | None] | None:
        row = self.con.execute(_GET, (key, time.time())).fetchone()
        if row is None:
            return None
        mode, filename, value, expire_at = row
        try:
            return fetch_value(self.directory, mode, filename, value), expire_at
        except FileNotFoundError:  # deleted by another process since the SELECT
            return None

    def get_many(self, keys: list[str]
                 ) -> tuple[dict[str, bytes | None], list[tuple[str, Exception]]]:
        """The live values among `keys` (None: a NULL value; one query per 500 keys), and the
        keys whose rows the no-pickle rules refused."""
        found: dict[str, bytes | None] = {}
        refused: list[tuple[str, Exception]] = []
        now = time.time()
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start:start + _CHUNK]
            query = _GET_MANY.format(marks=",".join("?" * len(chunk)))
            for key, mode, filename, value in self.con.execute(query, (*chunk, now)):
                try:
                    data = fetch_value(self.directory, mode, filename, value)
                except RefusedValue as exc:
                    refused.append((key, exc))
                    continue
                except FileNotFoundError:
                    continue
                found[key] = data
        return found, refused

    def contains(self, key: str) -> bool:
        return self.con.execute(_CONTAINS, (key, time.time())).fetchone() is not None

    def keys(self, prefix: str = "") -> list[str]:
        found = []
        for (key,) in self.con.execute(_KEYS, (prefix,)):
            if type(key) is str and not key.startswith(prefix):
                break
            if type(key) is str:
                found.append(key)
        return found

    def count(self, prefix: str = "") -> int:
        """Live and expired entries whose key starts with `prefix` (an index range scan)."""
        if not prefix:
            (total,) = self.con.execute("SELECT COUNT(*) FROM Cache WHERE raw = 1").fetchone()
            return int(total)
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # BINARY collation: code-point order
        (total,) = self.con.execute(_COUNT_RANGE, (prefix, upper)).fetchone()
        return int(total)

    def counters(self) -> dict[str, int]:
        return {key: int(value) for key, value in self.con.execute(_COUNTERS)}

    def volume(self) -> int:
        (page_size,) = self.con.execute("PRAGMA page_size").fetchone()
        (page_count,) = self.con.execute("PRAGMA page_count").fetchone()
        return int(page_size * page_count + self.counters().get("size", 0))

    def time_range(self) -> tuple[float | None, float | None]:
        oldest, newest = self.con.execute(_TIMES).fetchone()
        return oldest, newest

    def add_counters(self, hits: int, misses: int) -> None:
        self.con.execute("BEGIN IMMEDIATE")
        try:
            for key, delta in (("hits", hits), ("misses", misses)):
                self.con.execute("UPDATE Settings SET value = value + ? WHERE key = ?",
                                 (delta, key))
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def close(self) -> None:
        self.con.close()


def read_times(db_file: Path) -> tuple[float | None, float | None]:
    with contextlib.closing(sqlite3.connect(str(db_file), timeout=1.0)) as con:
        oldest, newest = con.execute(_TIMES).fetchone()
    return oldest, newest


def _fetch_quietly(directory: str, row: tuple[Any, ...]) -> tuple[str, bytes, Any] | None:
    key, raw, mode, filename, value, expire_at = row
    name = decode_key(key, raw)
    try:
        data = fetch_value(directory, mode, filename, value)
    except (RefusedValue, OSError):
        return None
    return None if data is None or name == REFUSED_KEY else (name, data, expire_at)


def read_entries(directory: Path) -> Iterator[tuple[str, bytes, float | None]]:
    """Every (key, value bytes, expire_at) of the DiskCache in `directory`, read-only (nothing
    is written, unlike opening it with DiskCache), skipping what the no-pickle rules refuse.
    Raises sqlite3.Error or OSError."""
    for db_file in db_files(directory):
        uri = f"file:{db_file}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=1.0)) as con:
            rows = con.execute("SELECT key, raw, mode, filename, value, expire_time FROM Cache")
            for row in rows:
                entry = _fetch_quietly(str(db_file.parent), row)
                if entry is not None:
                    yield entry
