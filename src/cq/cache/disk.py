"""The no-pickle rules: what may enter and leave cq's DiskCache files.

DiskCache's stock `Disk` pickles every key and value that is not a plain str/bytes/int/float,
and unpickles whatever a row says was pickled. cq never wants either: a planted row (or a
value file) in the cache directory must never execute code. The rules:

- keys are `str`, stored raw; any other key type is a `TypeError` (`check_key`);
- values are `bytes` (a raw blob, or a binary value file when large) or `None` (a raw SQL
  NULL, used by lock markers); any other value type is a `TypeError` (`check_value`);
- on read only the raw and binary modes are decoded, and only to bytes/None; a row in text or
  pickle mode, a raw value that is not bytes/NULL, or a value file outside the cache directory
  raises `RefusedValue` (`fetch_value`);
- a key that is not stored raw is never unpickled: it reads as `REFUSED_KEY` (`decode_key`);
- sub-directories of value files are created with mode 0o700.

`no_pickle_disk()` builds the `diskcache.Disk` subclass that applies these rules when DiskCache
writes and reads; `cq.cache.reader` applies the same functions when cq reads the sqlite file
itself. Only `diskcache`-free code lives at module level, so the read path (and `import
cq.cache.disk`) never imports DiskCache, and a missing DiskCache degrades to a disabled store.
"""

from __future__ import annotations

import contextlib
import functools
import os
from typing import Any

MODE_RAW = 1  # DiskCache's storage modes (diskcache.core.MODE_*); a test checks they agree
MODE_BINARY = 2
REFUSED_KEY = "\x00refused-key"  # never a valid cq key: keys are printable text


class RefusedValue(ValueError):
    """A stored row cq will not decode (pickled, text, foreign file): treated as a miss."""


def check_key(key: Any) -> str:
    if type(key) is not str:
        raise TypeError(f"cq cache keys are str, not {type(key).__name__}")
    return key  # type: ignore[no-any-return]


def check_value(value: Any, read: bool = False) -> bytes:
    if type(value) is not bytes or read:
        raise TypeError(f"cq cache values are bytes, not {type(value).__name__}")
    return value  # type: ignore[no-any-return]


def decode_key(key: Any, raw: Any) -> str:
    return key if raw and type(key) is str else REFUSED_KEY  # type: ignore[no-any-return]


def _inside(directory: str, filename: str) -> bool:
    base = os.path.realpath(directory)
    full = os.path.realpath(os.path.join(base, filename))
    return os.path.commonpath([base, full]) == base and full != base


def fetch_value(directory: str, mode: Any, filename: Any, value: Any) -> bytes | None:
    """The bytes of a stored row, under the rules above. A vanished value file raises
    FileNotFoundError (a concurrent delete: the caller treats it as a miss)."""
    if mode == MODE_RAW and value is None:
        return None
    if mode == MODE_RAW and type(value) in (bytes, memoryview):  # memoryview: sqlite3.Binary
        return bytes(value)
    if mode == MODE_BINARY and type(filename) is str and _inside(directory, filename):
        with open(os.path.join(directory, filename), "rb") as handle:
            return handle.read()
    raise RefusedValue(f"refused stored value (mode {mode})")


def _private_parents(directory: str, filename: str) -> None:
    # DiskCache creates value-file directories with the default mode; cq wants 0o700.
    current = directory
    for part in os.path.dirname(filename).split(os.sep):
        current = os.path.join(current, part)
        with contextlib.suppress(FileExistsError):
            os.mkdir(current, 0o700)


@functools.cache
def no_pickle_disk() -> type:
    """The `diskcache.Disk` subclass applying the rules above (built on first use)."""
    import diskcache
    from diskcache.core import UNKNOWN

    class MsgpackDisk(diskcache.Disk):  # type: ignore[misc]
        def put(self, key: Any) -> tuple[Any, bool]:
            return check_key(key), True

        def get(self, key: Any, raw: bool) -> Any:
            return decode_key(key, raw)

        def store(self, value: Any, read: bool, key: Any = UNKNOWN) -> tuple[Any, ...]:
            if value is None:
                return 0, MODE_RAW, None, None
            return super().store(check_value(value, read), False, key=key)

        def filename(self, key: Any = UNKNOWN, value: Any = UNKNOWN) -> tuple[str, str]:
            name, full_path = super().filename(key, value)
            _private_parents(self._directory, name)
            return name, full_path

        def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
            if read:
                raise RefusedValue("cq never reads values as file handles")
            return fetch_value(self._directory, mode, filename, value)

    return MsgpackDisk
