"""Run ids: RFC 9562 UUIDv7 (DESIGN §7).

Layout: 48-bit Unix milliseconds, version 7, 12-bit `rand_a`, variant `10`, 62-bit `rand_b`.
Monotonicity uses RFC 9562 method 1 ("fixed-length dedicated counter"): `rand_a` plus the top
30 bits of `rand_b` form a 42-bit counter seeded randomly (with the top bit clear, leaving
headroom) each new millisecond and incremented within one. Only when the counter overflows
does the timestamp move ahead of the clock by 1 ms, which at 2^41 ids per ms never happens in
practice, so a burst of ids never drifts away from the wall clock. A lock makes it
thread-safe; `os.register_at_fork` re-seeds the child so forked processes never repeat ids.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_COUNTER_BITS = 42
_COUNTER_MAX = (1 << _COUNTER_BITS) - 1
_TAIL_BITS = 32  # random low bits of rand_b, fresh for every id

_lock = threading.Lock()
_last_ms = -1
_counter = 0


def _seed_counter() -> int:
    # Top bit clear: at least 2^41 increments remain before overflow within one millisecond.
    return int.from_bytes(os.urandom(6), "big") & (_COUNTER_MAX >> 1)


def _reset_after_fork() -> None:
    global _lock, _last_ms, _counter
    _lock = threading.Lock()
    _last_ms = -1
    _counter = 0


os.register_at_fork(after_in_child=_reset_after_fork)


def _next_state() -> tuple[int, int]:
    """Advance (timestamp ms, counter) under the lock; never goes backwards."""
    global _last_ms, _counter
    now = time.time_ns() // 1_000_000
    with _lock:
        if now > _last_ms:
            _last_ms, _counter = now, _seed_counter()
        elif _counter < _COUNTER_MAX:
            _counter += 1
        else:  # counter exhausted (or clock stepped back): borrow the next millisecond
            _last_ms, _counter = _last_ms + 1, _seed_counter()
        return _last_ms, _counter


def uuid7() -> uuid.UUID:
    """A new UUIDv7, strictly greater than every earlier one from this process."""
    ms, counter = _next_state()
    rand_a = counter >> 30  # top 12 counter bits
    rand_b = ((counter & ((1 << 30) - 1)) << _TAIL_BITS) | int.from_bytes(os.urandom(4), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= rand_a << 64
    value |= 0b10 << 62
    value |= rand_b
    return uuid.UUID(int=value)


def uuid7_str() -> str:
    return str(uuid7())


def uuid7_time(u: uuid.UUID | str) -> int:
    """The Unix milliseconds embedded in a UUIDv7."""
    value = (u if isinstance(u, uuid.UUID) else uuid.UUID(u)).int
    return value >> 80
