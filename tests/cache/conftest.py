"""Fixtures for the cache tests: a profile in a temp dir and stores opened from it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cq.cache.profile import CacheProfile, CacheSettings
from cq.cache.store import Store, open_store


@pytest.fixture
def profile(tmp_path: Path) -> CacheProfile:
    root = tmp_path / "repo"
    root.mkdir()
    overrides = {"coordination": CacheSettings(eviction_policy="none")}
    return CacheProfile(root=root, cache_dir=tmp_path / "cache", overrides=overrides)


@pytest.fixture
def open_kind(profile: CacheProfile) -> Iterator[Callable[[str], Store]]:
    opened: list[Store] = []

    def open_(kind: str) -> Store:
        store = open_store(profile, kind, run_id="run-1")
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()
