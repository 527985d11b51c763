"""Reading a file cq did not write (a source file, an ignore file) without trusting what the
path names now.

Discovery checks each file's type, but the path can be swapped for a FIFO, a directory or a
device before it is read: a blocking `open()` of a FIFO waits forever for a writer. So every
read opens without blocking, checks the open descriptor (not the path) with `fstat`, refuses
anything but a regular file, and never reads more than the size cap, even from a file that
grows while it is read. Errors are `OSError` subclasses, so a caller's `except OSError` that
flags an unreadable file covers them too.
"""

from __future__ import annotations

import os
import stat

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | \
    getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
_CHUNK = 1 << 16  # bytes per read once a file is past its stat size


class NotRegularFile(OSError):
    """The path names a FIFO, a directory, a device or a socket, not a file."""


class FileTooLarge(OSError):
    """The file holds more bytes than the cap; `size` is what was seen (at least cap + 1)."""

    def __init__(self, message: str, size: int) -> None:
        super().__init__(message)
        self.size = size


def read_source(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of the regular file at `path`, at most `max_bytes` of them."""
    fd = os.open(path, _FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(f"not a regular file: {os.fspath(path)}")
        if info.st_size > max_bytes:
            raise FileTooLarge(f"{info.st_size} bytes > {max_bytes}", info.st_size)
        return _read_capped(fd, path, max_bytes, info.st_size)
    finally:
        os.close(fd)


def _read_capped(fd: int, path: str | os.PathLike[str], max_bytes: int, size: int) -> bytes:
    """Read to the end, or to cap + 1 bytes: one byte past the cap proves the file grew."""
    limit = max_bytes + 1
    chunks: list[bytes] = []
    got = 0
    while got < limit:
        # Up to one byte past the stat size (the file's end shows as a short read or an
        # empty one); once past it, the file grew: read on in chunks, to cap + 1 at most.
        want = size + 1 - got if got <= size else _CHUNK
        chunk = os.read(fd, min(limit - got, want))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    if got > max_bytes:
        raise FileTooLarge(f"{os.fspath(path)} grew past {max_bytes} bytes", got)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
