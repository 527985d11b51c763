"""cq.cache.disk: the no-pickle rules for keys and values, in and out of DiskCache."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import diskcache.core
import pytest

from cq.cache.disk import (
    MODE_BINARY,
    MODE_RAW,
    REFUSED_KEY,
    RefusedValue,
    decode_key,
    fetch_value,
    no_pickle_disk,
)

from .helpers import Bomb


def test_modes_agree_with_diskcache() -> None:
    assert (MODE_RAW, MODE_BINARY) == (diskcache.core.MODE_RAW, diskcache.core.MODE_BINARY)


@pytest.mark.parametrize("key", [("tuple",), 1, 2.5, b"bytes", None])
def test_refuses_non_str_keys(tmp_path: Path, key: object) -> None:
    with pytest.raises(TypeError):
        no_pickle_disk()(str(tmp_path)).put(key)


def test_str_keys_are_stored_raw(tmp_path: Path) -> None:
    assert no_pickle_disk()(str(tmp_path)).put("pkg/a.py") == ("pkg/a.py", True)


@pytest.mark.parametrize("value", ["text", 1, 2.5, {"a": 1}, [1], bytearray(b"x")])
def test_refuses_non_bytes_values(tmp_path: Path, value: object) -> None:
    with pytest.raises(TypeError):
        no_pickle_disk()(str(tmp_path)).store(value, False)


@pytest.mark.parametrize(("value", "mode"), [
    (None, MODE_RAW), (b"small", MODE_RAW), (os.urandom(50_000), MODE_BINARY)])
def test_stores_bytes_and_none_without_pickle(tmp_path: Path, value: bytes | None,
                                              mode: int) -> None:
    disk = no_pickle_disk()(str(tmp_path), min_file_size=32_768)
    size, stored_mode, filename, db_value = disk.store(value, False)
    assert stored_mode == mode
    assert disk.fetch(stored_mode, filename, db_value, False) == value


@pytest.mark.parametrize(("mode", "filename", "value"), [
    pytest.param(diskcache.core.MODE_PICKLE, None, pickle.dumps({"a": 1}), id="pickle-blob"),
    pytest.param(diskcache.core.MODE_PICKLE, "ab/cd/x.val", None, id="pickle-file"),
    pytest.param(diskcache.core.MODE_TEXT, "ab/cd/x.val", None, id="text-file"),
    pytest.param(MODE_RAW, None, "a str", id="raw-str"),
    pytest.param(MODE_RAW, None, 7, id="raw-int"),
    pytest.param(MODE_BINARY, "../../etc/passwd", None, id="file-outside"),
    pytest.param(MODE_BINARY, "/etc/passwd", None, id="absolute-file"),
    pytest.param(MODE_BINARY, None, None, id="no-filename"),
    pytest.param(99, None, b"x", id="unknown-mode"),
])
def test_fetch_refuses(tmp_path: Path, mode: int, filename: str | None, value: object) -> None:
    with pytest.raises(RefusedValue):
        fetch_value(str(tmp_path), mode, filename, value)
    with pytest.raises(RefusedValue):
        no_pickle_disk()(str(tmp_path)).fetch(mode, filename, value, False)


def test_fetch_never_hands_out_file_handles(tmp_path: Path) -> None:
    with pytest.raises(RefusedValue):
        no_pickle_disk()(str(tmp_path)).fetch(MODE_BINARY, "ab/x.val", None, True)


def test_vanished_value_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        fetch_value(str(tmp_path), MODE_BINARY, "ab/cd/gone.val", None)


def test_keys_are_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    bomb = pickle.dumps(Bomb(marker))
    assert decode_key(bomb, False) == REFUSED_KEY
    assert no_pickle_disk()(str(tmp_path)).get(bomb, False) == REFUSED_KEY
    assert decode_key(b"raw bytes key", True) == REFUSED_KEY
    assert decode_key("a.py", True) == "a.py"
    assert not marker.exists()


def test_value_file_directories_are_private(tmp_path: Path) -> None:
    disk = no_pickle_disk()(str(tmp_path), min_file_size=10)
    _, _, filename, _ = disk.store(b"x" * 100, False)
    first = tmp_path / Path(filename).parts[0]
    for path in (first, first / Path(filename).parts[1]):
        assert path.stat().st_mode & 0o777 == 0o700
