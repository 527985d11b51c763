"""Cross-process coordination over the "coordination" store: locks with an owner and an expiry,
single-flight, memoized compiled rule sets, and barriers (DESIGN §6).

Every primitive degrades to a no-op when the store is disabled (the caller then runs
uncoordinated), and every store call goes through `Store.guard`, so a fault never escapes.

API:
- `Owner {pid, host, acquired_at, token, started}` — recorded as the lock's value (msgpack
  bytes); `started` is the holder process's start time (`cq.procs.start_time`, None where
  unknown), so that a reused pid is not taken for the holder;
- `holder_gone(owner) -> bool` — the holder certainly died (same host; its pid is dead, a
  zombie, or now names a process with another start time); on another host it cannot know;
- `describe(owner) -> str` — "pid 4242, started 14:03:07" (" on HOST" when elsewhere);
- `OwnedLock(store, key, expire=None, tag=None, poll_s=0.01)` — `try_acquire() -> bool`,
  `acquire(timeout=None, on_wait=None) -> bool`, `release()`,
  `holder() -> Owner | None`, usable as a context manager and as a `lock_factory` for
  `diskcache.barrier`. `acquire` breaks a gone holder's lock at once and calls
  `on_wait(holder)` once when it has to wait for a live one;
- `single_flight(store, name, expire_s, wait_timeout_s, on_wait=None)
  -> ContextManager[Flight]` —
  `Flight {won, waited, holder, waited_s}`: `won` means the body runs holding the lock;
  `waited` means another process held it first, so re-read its results before computing;
- `memoized_stampede(store, name, result_type, expire_s, beta=1.0)` — decorator over
  `diskcache.memoize_stampede`;
- `barrier_for(store, name, expire_s)` — decorator over `diskcache.barrier` with `OwnedLock`.

Why `OwnedLock` and not `diskcache.Lock` itself: it uses the same primitive (`Cache.add` with
`expire`) but `diskcache.Lock` stores no owner, spins without a deadline, and releases
unconditionally (after an expiry it would delete its successor's lock); `OwnedLock` records
`Owner`, waits with a timeout and deletes the key only while it still holds its own token. A
lock value that is not an `Owner` (or is NULL) is dropped, as no one can be holding it.
A holder killed by SIGKILL blocks nobody on its host: the next waiter sees it gone and breaks
its lock (deleting the key only while it still holds that dead owner's bytes, never a
successor's). A waiter on another host cannot tell, and waits at most until the expiry:
choose `expire_s` above the longest guarded body.

`memoize_stampede` keys entries by argument tuples and stores `(result, seconds)` pairs, which
DiskCache would pickle. cq hands it `_MemoCache`, an adapter whose keys are
`memo:<blake2b of the msgpack-encoded argument tuple>` and whose values are msgpack bytes of
`[result, seconds]`, decoded with the declared `result_type` inside the store's boundary (a
pair of another shape, a NULL or a pair with no expiry is dropped with a notice and
recomputed): arguments and results must be msgspec-encodable. Its background recomputation
thread writes through the same store, so do not call a memoized function inside a
`transact()` of the coordination store.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import msgspec

from cq.cache.store import Store, encode
from cq.digests import digest
from cq.ids import uuid7_str
from cq.procs import process_gone, start_time

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


class Owner(msgspec.Struct, frozen=True):
    pid: int
    host: str
    acquired_at: float
    token: str
    started: int | None = None  # the process's start time; absent in older entries


class Flight(msgspec.Struct, frozen=True):
    won: bool
    waited: bool
    holder: Owner | None = None
    waited_s: float = 0.0


def _new_owner() -> Owner:
    pid = os.getpid()
    return Owner(pid, socket.gethostname(), time.time(), uuid7_str(), start_time(pid))


def holder_gone(owner: Owner) -> bool:
    return owner.host == socket.gethostname() and process_gone(owner.pid, owner.started)


def describe(owner: Owner) -> str:
    where = "" if owner.host == socket.gethostname() else f" on {owner.host}"
    started = time.strftime("%H:%M:%S", time.localtime(owner.acquired_at))
    return f"pid {owner.pid}{where}, started {started}"


class OwnedLock:
    """See the module docstring. A disabled store grants every acquire (uncoordinated)."""

    def __init__(self, store: Store, key: str, expire: float | None = None,
                 tag: str | None = None, poll_s: float = 0.01) -> None:
        self.store = store
        self.key = key
        self.expire = expire
        self.tag = tag
        self.poll_s = poll_s
        self._token: bytes | None = None

    def try_acquire(self) -> bool:
        data = encode(_new_owner())
        added = self.store.guard("lock", lambda cache: cache.add(
            self.key, data, expire=self.expire, tag=self.tag, retry=False), None)
        if added or not self.store.enabled:
            self._token = data if added else None
            return True
        return False

    def acquire(self, timeout: float | None = None,
                on_wait: Callable[[Owner | None], None] | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.try_acquire():
            # A value that is not a lock (NULL, not an Owner) is dropped by the read: nobody
            # holds it, and waiting for it would last until it expires, or forever.
            owner = self.store.read(self.key, Owner)
            if owner is None or self._break_if_gone(owner):
                continue  # released, expired, dropped or broken meanwhile: try again at once
            if deadline is not None and time.monotonic() >= deadline:
                return False
            if on_wait is not None:
                on_wait(owner)
                on_wait = None  # say it once
            time.sleep(self.poll_s)
        return True

    def _break_if_gone(self, owner: Owner) -> bool:
        """Delete the lock `owner` holds if that holder is gone. The check and the delete are
        one transaction, so a live successor's lock (another token) is never deleted."""
        if not holder_gone(owner):
            return False
        with self.store.transact():
            if self.store.read(self.key, Owner) == owner:
                self.store.delete(self.key)
        return True

    def release(self) -> None:
        token, self._token = self._token, None
        if token is None:
            return
        with self.store.transact():
            if self.store.get_bytes(self.key) == token:
                self.store.delete(self.key)

    def holder(self) -> Owner | None:
        return self.store.get(self.key, Owner)

    def __enter__(self) -> OwnedLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


@contextlib.contextmanager
def single_flight(store: Store, name: str, expire_s: float, wait_timeout_s: float,
                  poll_s: float = 0.01,
                  on_wait: Callable[[Owner | None], None] | None = None) -> Iterator[Flight]:
    """Run the body in one process at a time per `name` (see `Flight` in the docstring);
    `on_wait(holder)` is called once if this process has to wait for a live holder."""
    lock = OwnedLock(store, f"single-flight:{name}", expire=expire_s, poll_s=poll_s)
    if lock.try_acquire():
        flight = Flight(won=True, waited=False)
    else:
        started = time.monotonic()
        holder = lock.holder()
        won = lock.acquire(timeout=wait_timeout_s, on_wait=on_wait)
        flight = Flight(won=won, waited=True, holder=holder,
                        waited_s=time.monotonic() - started)
    try:
        yield flight
    finally:
        lock.release()


def _key_items(key: tuple[Any, ...], sentinel: Any) -> list[Any]:
    return ["\x00ENOVAL" if item is sentinel else item for item in key]


class _MemoCache:
    """The slice of the DiskCache API `memoize_stampede` uses, over msgpack bytes."""

    def __init__(self, store: Store, result_type: Any, sentinel: Any) -> None:
        self.store = store
        self.pair_type = tuple[result_type, float]
        self.sentinel = sentinel

    def _key(self, key: tuple[Any, ...]) -> str:
        hashed = digest(encode(_key_items(key, self.sentinel)))
        return f"memo:{hashed}"

    def get(self, key: tuple[Any, ...], default: Any = None, expire_time: bool = False,
            **_: Any) -> Any:
        # A pair that is not (result_type, seconds), or has no expiry (memoize_stampede
        # subtracts from it), is dropped inside the store and reads as a miss.
        got = self.store.read_entry(self._key(key), self.pair_type, expiring=True)
        pair, expire_at = (default, None) if got is None else got
        return (pair, expire_at) if expire_time else pair

    def set(self, key: tuple[Any, ...], value: tuple[Any, float], expire: float | None = None,
            tag: str | None = None, **_: Any) -> bool:
        return self.store.set_bytes(self._key(key), encode(list(value)), expire=expire, tag=tag)

    def add(self, key: tuple[Any, ...], value: None, expire: float | None = None,
            **_: Any) -> bool:
        skey = self._key(key)
        return bool(self.store.guard("memo add", lambda cache: cache.add(
            skey, None, expire=expire, retry=False), False))

    def __enter__(self) -> _MemoCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None


def memoized_stampede(store: Store, name: str, result_type: Any, expire_s: float,
                      beta: float = 1.0) -> Callable[[F], F]:
    """`diskcache.memoize_stampede` over msgpack values; identity when the store is off."""
    if not store.enabled:
        return lambda func: func
    import diskcache
    from diskcache.core import ENOVAL

    cache = _MemoCache(store, result_type, ENOVAL)
    return diskcache.memoize_stampede(cache, expire=expire_s, name=f"memo:{name}", beta=beta)


def barrier_for(store: Store, name: str, expire_s: float) -> Callable[[F], F]:
    """`diskcache.barrier` with `OwnedLock`: calls of the decorated function are serialized
    across processes (a dead holder blocks at most `expire_s`); identity when the store is off."""
    if not store.enabled:
        return lambda func: func
    import diskcache

    return diskcache.barrier(store, OwnedLock, name=f"barrier:{name}", expire=expire_s)
