"""A resident process keeps the DiskCache objects of closed stores for the next run, never
one whose directory was replaced, and closes them all when it stops keeping them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cq.cache.boundary import pool_backends
from cq.cache.profile import CacheProfile, kind_dir
from cq.cache.store import open_store


@pytest.fixture
def pooling() -> Iterator[None]:
    pool_backends(True)
    yield
    pool_backends(False)


def _backend(profile: CacheProfile, value: int) -> object:
    store = open_store(profile, "index")
    store.set("k", value)
    backend = store._cache
    store.close()
    return backend


def test_the_next_run_writes_through_the_kept_object(profile: CacheProfile,
                                                     pooling: None) -> None:
    first = _backend(profile, 1)
    assert _backend(profile, 2) is first
    assert open_store(profile, "index").get("k", int) == 2


def test_a_replaced_directory_is_opened_again(profile: CacheProfile, pooling: None) -> None:
    first = _backend(profile, 1)
    directory = kind_dir(profile, "index")
    directory.rename(directory.with_name("index.aside"))
    assert _backend(profile, 2) is not first
    assert open_store(profile, "index").get("k", int) == 2


def test_without_a_pool_every_run_opens(profile: CacheProfile) -> None:
    assert _backend(profile, 1) is not _backend(profile, 2)
