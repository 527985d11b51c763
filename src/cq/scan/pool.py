"""Reading and scanning many files, in worker processes when there are enough of them.

ast-grep-py holds the GIL while it parses, so threads would not help: a full scan forks one
worker per core, hands each a chunk of paths, and gets back msgpack bytes (cheaper to send
and decode than pickled structs, and no pickle crosses the boundary). Results come back in
input order, as a stream (`scan_stream`): a few chunks per worker are in flight at a time,
so what waits in the parent is bounded however many files there are. Nothing a file does
(unreadable, too large, a scanner bug, even a worker that dies) stops the run: the file's
`FileFacts` carries a flag and the error text instead. Workers never outlive the run
(`cq.procs.worker_pool`).

This module owns file reading and the pool; what a file's facts are is `cq.scan.extract`'s.
"""

from __future__ import annotations

import math
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from cq.digests import digest
from cq.facts import FACT_KINDS, FileFacts, with_problems
from cq.gcpause import gc_paused
from cq.modules import module_name
from cq.procs import worker_pool
from cq.reading import FileTooLarge, read_source
from cq.scan.extract import split_bytes, too_large

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

POOL_MIN_FILES = 64  # below this, forking costs more than it saves
# A chunk is this share of the files left per worker: large chunks first (fewer round trips),
# smaller ones towards the end, so no worker idles while another finishes a large last chunk.
CHUNKS_PER_WORKER = 8
CHUNK_FILES = (4, 48)  # bounds on files per chunk
IN_FLIGHT_PER_WORKER = 3  # chunks queued or being scanned per worker: enough to never idle


class ScanOutcome(msgspec.Struct, frozen=True):
    """One file's facts and the blake2b-128 hex digest of its bytes ("" when not read).

    `kinds` are the kinds extracted (the other parts of `facts` are empty, not absent from
    the file); `problems` the parts' extraction problems, which `facts.flags` leave out (the
    index stores each part with its own): `view` is what a reader sees."""

    facts: FileFacts
    digest: str
    kinds: tuple[str, ...] = FACT_KINDS
    problems: dict[str, str] = msgspec.field(default_factory=dict)

    @property
    def view(self) -> FileFacts:
        return with_problems(self.facts, self.problems)

    @property
    def stub(self) -> ScanOutcome:
        """The outcome without its facts (path, module and flags stay): what a run that
        has stored them keeps to say what it scanned."""
        facts = self.facts
        return ScanOutcome(FileFacts(path=facts.path, module=facts.module, flags=facts.flags,
                                     error=facts.error), self.digest, self.kinds)


_ENCODER = msgspec.msgpack.Encoder()


@cache
def _decoder() -> msgspec.msgpack.Decoder[list[ScanOutcome]]:
    return msgspec.msgpack.Decoder(list[ScanOutcome])  # built on first use: ~10 ms


def scan_paths(root: Path, paths: Sequence[str], *, jobs: int = 0, max_file_bytes: int,
               progress: bool = False, strict: bool = False,
               kinds: Sequence[str] = FACT_KINDS) -> list[ScanOutcome]:
    """Scan root-relative `paths` under `root`, in input order (see `scan_stream`)."""
    return list(scan_stream(root, paths, jobs=jobs, max_file_bytes=max_file_bytes,
                            progress=progress, strict=strict, kinds=kinds))


def scan_stream(root: Path, paths: Sequence[str], *, jobs: int = 0, max_file_bytes: int,
                progress: bool = False, strict: bool = False,
                kinds: Sequence[str] = FACT_KINDS) -> Iterator[ScanOutcome]:
    """Scan root-relative `paths` under `root`, handing out each outcome as its chunk comes
    back, in input order: a reader that does not keep them holds one chunk at a time.

    `jobs`: worker processes (0 = one per core, 1 = scan in this process). The run's
    display (`cq.progress`) shows the files scanned; `progress` asks for a bar on stderr
    when there is none (pass True only when stderr is a terminal). `strict` (for tests)
    lets a scanner error or an unexpected node shape raise instead of flagging the file.
    `kinds`: the fact kinds to extract (definitions always are)."""
    scan = _Scan(str(root), max_file_bytes, strict, tuple(kinds))
    workers = worker_count(jobs, len(paths))
    if workers > 1:
        try:
            return _stream_from_pool(scan, paths, workers, progress)
        except OSError:
            pass  # no processes to be had (fork refused, limits): scan here instead
    return _scan_here(scan, paths, progress)


class _Scan(msgspec.Struct, frozen=True):
    """What every worker needs to know besides its paths."""

    root: str
    max_bytes: int
    strict: bool = False
    kinds: tuple[str, ...] = FACT_KINDS


def worker_count(jobs: int, n_files: int) -> int:
    if jobs == 1 or n_files < POOL_MIN_FILES:
        return 1
    return jobs if jobs > 1 else usable_cpus()


def usable_cpus() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def scan_file(root: Path, path: str, max_bytes: int, strict: bool = False,
              kinds: tuple[str, ...] = FACT_KINDS) -> ScanOutcome:
    """Read and scan one file; every failure becomes a flagged `FileFacts` unless strict."""
    try:
        data = read_source(root / path, max_bytes)
    except FileTooLarge as exc:  # never read past the cap
        return ScanOutcome(too_large(path, exc.size, max_bytes), "", kinds)
    except OSError as exc:  # a FIFO or directory swapped in for the file included
        return ScanOutcome(failed(path, "unreadable", f"cannot read: {exc}"), "", kinds)
    content = digest(data)
    problems: dict[str, str] = {}
    try:
        facts, problems = split_bytes(path, data, max_bytes, kinds=kinds, strict=strict)
    except Exception as exc:  # a scanner bug costs this file's facts, never the run
        if strict:
            raise
        facts = failed(path, "partial", f"scan failed: {type(exc).__name__}: {exc}")
    return ScanOutcome(facts, content, kinds, problems)


def failed(path: str, flag: str, error: str) -> FileFacts:
    return FileFacts(path=path, module=module_name(path), flags=(flag,), error=error)


def scan_chunk(scan: _Scan, paths: Sequence[str]) -> bytes:
    """Worker entry point: a chunk's outcomes as msgpack bytes."""
    root = Path(scan.root)
    with gc_paused():
        return _ENCODER.encode([scan_file(root, path, scan.max_bytes, scan.strict,
                                          scan.kinds) for path in paths])


def _scan_here(scan: _Scan, paths: Sequence[str], progress: bool) -> Iterator[ScanOutcome]:
    root = Path(scan.root)
    with _progress_bar(progress, len(paths)) as advance, gc_paused():
        for path in paths:
            yield scan_file(root, path, scan.max_bytes, scan.strict, scan.kinds)
            advance(1)


def _stream_from_pool(scan: _Scan, paths: Sequence[str], workers: int,
                      progress: bool) -> Iterator[ScanOutcome]:
    """Start the workers and the first chunks now (so a refused fork raises here, where
    the caller can scan in-process instead), and hand out outcomes lazily."""
    chunks = deque(chunked(paths, workers))
    pool_cm = worker_pool(min(workers, len(chunks)))
    pool = pool_cm.__enter__()
    try:
        pending = deque((pool.submit(scan_chunk, scan, chunk), chunk)
                        for chunk in _take(chunks, workers * IN_FLIGHT_PER_WORKER))
    except BaseException:
        pool_cm.__exit__(*sys.exc_info())
        raise
    return _drain(pool_cm, pool, pending, chunks, scan, progress)


def _drain(pool_cm: AbstractContextManager[ProcessPoolExecutor], pool: ProcessPoolExecutor,
           pending: deque[tuple[Future[bytes], Sequence[str]]],
           waiting: deque[Sequence[str]], scan: _Scan, progress: bool) -> Iterator[ScanOutcome]:
    """Outcomes chunk by chunk in input order; a chunk is submitted as one comes back, so
    at most `IN_FLIGHT_PER_WORKER` chunks per worker wait as bytes, whatever the tree's size.
    Under fork the first submits started every worker, so the progress bar's refresh
    thread, started after, is never forked mid-lock."""
    total = sum(len(chunk) for _, chunk in pending) + sum(len(c) for c in waiting)
    try:
        with _progress_bar(progress, total) as advance, gc_paused():
            while pending:
                future, chunk = pending.popleft()
                outcomes = _collect(future, chunk, scan.strict, scan.kinds)
                if waiting:
                    following = waiting.popleft()
                    pending.append((pool.submit(scan_chunk, scan, following), following))
                advance(len(chunk))
                yield from outcomes
    except BaseException:
        pool_cm.__exit__(*sys.exc_info())
        raise
    pool_cm.__exit__(None, None, None)


def _take(chunks: deque[Sequence[str]], count: int) -> list[Sequence[str]]:
    return [chunks.popleft() for _ in range(min(count, len(chunks)))]


def _collect(future: Future[bytes], chunk: Sequence[str], strict: bool,
             kinds: tuple[str, ...]) -> list[ScanOutcome]:
    try:
        return _decoder().decode(future.result())
    except Exception as exc:  # a worker that died (BrokenProcessPool) or sent garbage
        if strict:
            raise
        error = f"scan worker failed: {type(exc).__name__}: {exc}"
        return [ScanOutcome(failed(path, "unreadable", error), "", kinds) for path in chunk]


def chunked(paths: Sequence[str], workers: int) -> list[Sequence[str]]:
    """Consecutive chunks of `paths`, each a share of what is left (see CHUNKS_PER_WORKER)."""
    low, high = CHUNK_FILES
    chunks: list[Sequence[str]] = []
    start = 0
    while start < len(paths):
        left = len(paths) - start
        size = max(low, min(high, math.ceil(left / (workers * CHUNKS_PER_WORKER))))
        chunks.append(paths[start:start + size])
        start += size
    return chunks


@contextmanager
def _progress_bar(show: bool, total: int) -> Iterator[Callable[[int], None]]:
    """The files task of the run's display (`cq.progress`); `show` asks for a bar of its
    own when the caller chose none."""
    from cq.progress import SILENT, Bar, current, tracking

    if show and current() is SILENT:
        with tracking(Bar()) as bar, bar.files("scanning", total) as advance:
            yield advance
        return
    with current().files("scanning", total) as advance:
        yield advance
