"""Matching many in-memory files in forked worker processes, for any per-file matcher.

Pattern queries and hazards both send (path, bytes) items to workers in chunks of about
`CHUNK_BYTES` of source and get msgpack bytes back. This module owns that plumbing: how many
workers are worth it, chunking, the pool (`cq.procs.worker_pool`: its workers never outlive
the run), and turning a dead worker into per-file failure records instead of an aborted run.
The matchers own what a worker does with a chunk; the run's display (`cq.progress`) shows the
files matched.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import TypeVar

from cq.procs import worker_pool
from cq.progress import current

T = TypeVar("T")
Item = tuple[str, bytes]

POOL_MIN_BYTES = 512 * 1024  # below this much source, forking costs more than it saves
CHUNK_BYTES = 256 * 1024  # roughly this much source per task keeps workers evenly loaded


def workers_for(jobs: int, items: Sequence[Item]) -> int:
    """How many processes matching `items` is worth (1: match in this process)."""
    if jobs == 1 or len(items) < 2 or sum(len(data) for _, data in items) < POOL_MIN_BYTES:
        return 1
    return jobs if jobs > 1 else (os.cpu_count() or 1)


def chunk_by_size(items: Sequence[Item], size: int) -> list[list[Item]]:
    """Consecutive chunks of about `size` bytes each (a big file is a chunk of its own)."""
    chunks: list[list[Item]] = []
    current: list[Item] = []
    total = 0
    for item in items:
        current.append(item)
        total += len(item[1])
        if total >= size:
            chunks.append(current)
            current, total = [], 0
    if current:
        chunks.append(current)
    return chunks


def run_in_pool(items: Sequence[Item], payload: bytes, workers: int,
                worker: Callable[[bytes, Sequence[Item]], bytes],
                decode: Callable[[bytes], list[T]],
                failed: Callable[[str, str], T]) -> list[T]:
    """`worker(payload, chunk)` in `workers` processes; results in input order. A chunk
    whose worker died or sent garbage becomes `failed(path, error)` for each of its files."""
    chunks = chunk_by_size(items, CHUNK_BYTES)
    found: list[T] = []
    with worker_pool(min(workers, len(chunks))) as pool:
        # Every worker is started before the display's refresh thread (see scan.pool).
        pending = [pool.submit(worker, payload, chunk) for chunk in chunks]
        with current().files("matching", len(items)) as advance:
            for future, chunk in zip(pending, chunks, strict=True):
                found.extend(_collect(future, chunk, decode, failed))
                advance(len(chunk))
    return found


def _collect(future: Future[bytes], chunk: Sequence[Item], decode: Callable[[bytes], list[T]],
             failed: Callable[[str, str], T]) -> list[T]:
    try:
        return decode(future.result())
    except Exception as exc:  # a worker that died (BrokenProcessPool) or sent garbage
        error = f"worker failed: {type(exc).__name__}: {exc}"
        return [failed(path, error) for path, _ in chunk]
