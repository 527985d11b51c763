"""Reading a file without trusting its path: FIFOs, directories and devices are refused
without blocking, and no read goes past the size cap."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from conftest import finishes
from cq.reading import FileTooLarge, NotRegularFile, read_source


def test_a_regular_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"x = 1\n")
    assert read_source(path, 100) == b"x = 1\n"
    assert read_source(path, 6) == b"x = 1\n"  # exactly the cap is allowed
    (tmp_path / "empty.py").touch()
    assert read_source(tmp_path / "empty.py", 0) == b""


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "m.py"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFile):
        finishes(lambda: read_source(fifo, 100), fifo)


@pytest.mark.parametrize("path", [Path("/dev/null"), Path("/")])
def test_devices_and_directories_are_refused(path: Path) -> None:
    with pytest.raises(NotRegularFile):
        read_source(path, 100)


def test_a_file_over_the_cap_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.py"
    path.write_bytes(b"x" * 101)
    with pytest.raises(FileTooLarge) as raised:
        read_source(path, 100)
    assert raised.value.size == 101
    assert isinstance(raised.value, OSError)  # callers' `except OSError` flags it


def test_a_file_growing_past_the_cap_while_read_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "grows.py"
    path.write_bytes(b"x = 1\n")
    real_fstat = os.fstat

    def fstat_then_grow(fd: int) -> os.stat_result:
        info = real_fstat(fd)
        with open(path, "ab") as handle:  # grows between the size check and the read
            handle.write(b"#" * 500)
        return info

    os_module = pytest.MonkeyPatch()
    os_module.setattr("cq.reading.os.fstat", fstat_then_grow)
    try:
        with pytest.raises(FileTooLarge) as raised:
            read_source(path, 100)
    finally:
        os_module.undo()
    assert raised.value.size == 101  # never read more than cap + 1


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_source(tmp_path / "gone.py", 100)


def test_finishes_fails_a_blocked_call_instead_of_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    released = threading.Event()

    def blocking_read() -> bytes:
        with open(fifo, "rb") as handle:  # blocks until a writer opens the FIFO
            data = handle.read()
        released.set()
        return data

    with pytest.raises(pytest.fail.Exception):
        finishes(blocking_read, fifo, timeout_s=0.3)
    assert released.wait(5)
