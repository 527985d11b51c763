"""Small helpers: retrying, timing, chunking."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Iterable, Iterator


def retry(times: int = 3, *, delay: float = 0.1, exceptions=(OSError,)):
    """Retry a function when it raises one of `exceptions`."""

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            attempt = 0
            while True:
                try:
                    return func(*args, **kwargs)
                except exceptions:
                    attempt += 1
                    if attempt >= times:
                        raise
                    time.sleep(delay * attempt)

        return wrapper

    return decorate


def timed(func):
    calls = 0

    def inner(*args, **kwargs):
        nonlocal calls
        calls += 1
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            inner.elapsed = time.perf_counter() - started

    inner.elapsed = 0.0
    return inner


def chunks(items: Iterable, size: int, /) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


async def gather_all(*aws, limit: int = 10):
    semaphore = asyncio.Semaphore(limit)

    async def bounded(aw):
        async with semaphore:
            return await aw

    try:
        return await asyncio.gather(*(bounded(aw) for aw in aws))
    except* TimeoutError as group:
        raise RuntimeError("timed out") from group
    except* (ValueError, TypeError):
        pass


clamp = lambda value, low, high: max(low, min(high, value))  # noqa: E731
