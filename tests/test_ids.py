"""Run ids: RFC 9562 UUIDv7 layout, monotonicity, threads, fork, clock agreement."""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest

from cq.ids import uuid7, uuid7_str, uuid7_time


def test_version_and_variant_bits() -> None:
    value = uuid7()
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert (value.int >> 62) & 0b11 == 0b10


def test_string_form_round_trips() -> None:
    text = uuid7_str()
    assert uuid.UUID(text).version == 7
    assert len(text) == 36


def test_hundred_thousand_ids_strictly_increase() -> None:
    ids = [uuid7() for _ in range(100_000)]
    assert all(a < b for a, b in zip(ids, ids[1:], strict=False))
    # string order equals numeric order, so artifact names sort by time
    texts = [str(u) for u in ids[:1000]]
    assert texts == sorted(texts)


def test_burst_does_not_drift_ahead_of_clock() -> None:
    ids = [uuid7() for _ in range(100_000)]
    after_ms = time.time_ns() // 1_000_000
    assert uuid7_time(ids[-1]) <= after_ms + 2


def test_embedded_time_matches_wall_clock() -> None:
    before = time.time_ns() // 1_000_000
    value = uuid7()
    after = time.time_ns() // 1_000_000
    assert before - 2 <= uuid7_time(value) <= after + 2
    assert uuid7_time(str(value)) == uuid7_time(value)


def test_threads_never_collide() -> None:
    results: list[list[uuid.UUID]] = [[] for _ in range(8)]

    def work(slot: int) -> None:
        results[slot].extend(uuid7() for _ in range(10_000))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [u for chunk in results for u in chunk]
    assert len(set(everything)) == 80_000
    for chunk in results:  # each thread sees increasing ids
        assert all(a < b for a, b in zip(chunk, chunk[1:], strict=False))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_children_mint_unique_ids() -> None:
    uuid7()  # make sure the parent has state to inherit
    pipes = []
    for _ in range(4):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            os.close(read_end)
            payload = "\n".join(uuid7_str() for _ in range(2000)).encode()
            os.write(write_end, payload)
            os._exit(0)
        os.close(write_end)
        pipes.append((pid, read_end))
    seen: list[str] = [uuid7_str() for _ in range(2000)]
    for pid, read_end in pipes:
        with os.fdopen(read_end, "rb") as handle:
            seen.extend(handle.read().decode().split("\n"))
        os.waitpid(pid, 0)
    assert len(seen) == 10_000
    assert len(set(seen)) == 10_000
