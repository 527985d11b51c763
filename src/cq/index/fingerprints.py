"""Content digests of in-scope files: from the index cache when the stat stamp still
matches, else by reading and hashing, one file after another. (A pool of threads was measured
2-3x slower on CPython's standard library and on Django: a source file is small, so the
per-file bookkeeping, not the read or the hash, is the cost, and it holds the GIL.)

The digests feed the query cache's scope digest; the bytes read on the way are kept for the
run, up to a budget, so the literal prefilter reads most files once: past the budget a file's
bytes are dropped (`kept` False) and read again if asked, so a cold run over a large tree
never holds the whole tree's text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import msgspec

from cq.digests import digest
from cq.discover import FileRef
from cq.reading import FileTooLarge, read_source

# The fingerprint of a file cq does not read: a stamp (too large) or why it failed.
STAMP, UNREADABLE = "stamp:", "unreadable:"
NOT_READ = (STAMP, UNREADABLE)


KEEP_BYTES = 16 << 20  # file bytes one fingerprinting keeps for the run, at most


class ReadFile(msgspec.Struct, frozen=True):
    digest: str
    data: bytes | None  # None: too large to read, or unreadable (not a regular file included)
    kept: bool = True  # False: read and hashed, bytes dropped (over the budget)


def digest_bytes(data: bytes) -> str:
    return digest(data)


def stamp_digest(ref: FileRef) -> str:
    """A stand-in digest for a file cq does not read (too large): changes with its stamp."""
    return f"{STAMP}{ref.size}:{ref.mtime_ns}:{ref.inode}"


def _read_one(root: Path, ref: FileRef, max_bytes: int) -> ReadFile:
    if ref.size > max_bytes:
        return ReadFile(stamp_digest(ref), None)
    try:
        data = read_source(root / ref.path, max_bytes)
    except FileTooLarge:  # grew past the cap since discovery
        return ReadFile(stamp_digest(ref), None)
    except OSError as exc:  # a FIFO or directory swapped in counts here too
        return ReadFile(f"{UNREADABLE}{type(exc).__name__}", None)
    return ReadFile(digest_bytes(data), data)


def read_and_digest(root: Path, refs: Sequence[FileRef], max_bytes: int,
                    keep: int = KEEP_BYTES) -> dict[str, ReadFile]:
    """Read and hash `refs`. The bytes of the first files are kept up to `keep` bytes in
    all; the rest are dropped as they come."""
    return _kept(((ref, _read_one(root, ref, max_bytes)) for ref in refs), keep)


def _kept(reads: Iterable[tuple[FileRef, ReadFile]], keep: int) -> dict[str, ReadFile]:
    found = {}
    for ref, read in reads:
        if read.data is not None:
            keep -= len(read.data)
            if keep < 0:
                read = ReadFile(read.digest, None, kept=False)
        found[ref.path] = read
    return found
