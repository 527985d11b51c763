"""cq.cache.index: stamp, then digest, then versions decide whether cached facts are reused."""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import Callable
from typing import Any

import diskcache
import msgspec
import pytest

from cq.cache.index import (
    HIT,
    MISS,
    PART_TYPES,
    RACY_WINDOW_NS,
    STAMP_CHANGED,
    FactsRecord,
    IndexCache,
    IndexStats,
    facts_key,
    part_key,
    stamp_of,
)
from cq.cache.store import Store, disabled_store
from cq.facts import FACTS_SCHEMA_VERSION, PART_KINDS, without_parts

from .helpers import Ref, make_facts

EV = "rules-1"
LATER = 10 * RACY_WINDOW_NS  # the clock, long after every Ref's mtime: no racy stamps


def _index(store: Store, now_ns: int = LATER, schema: int = FACTS_SCHEMA_VERSION) -> IndexCache:
    return IndexCache(store, schema_version=schema, clock_ns=lambda: now_ns)


@pytest.fixture
def index(open_kind: Callable[[str], Store]) -> IndexCache:
    return _index(open_kind("index"))


def _store_one(index: IndexCache, ref: Ref, digest: str = "d1", ev: str = EV) -> None:
    assert index.store_many([(ref, digest, make_facts(ref.path))], ev) == 1


@pytest.mark.parametrize(("changes", "lookup_ev", "expected"), [
    pytest.param({}, EV, HIT, id="same-stamp"),
    pytest.param({"size": 11}, EV, STAMP_CHANGED, id="size"),
    pytest.param({"mtime_ns": 2}, EV, STAMP_CHANGED, id="mtime"),
    pytest.param({"ctime_ns": 2}, EV, STAMP_CHANGED, id="ctime"),
    pytest.param({"inode": 43}, EV, STAMP_CHANGED, id="inode"),
    pytest.param({}, "rules-2", MISS, id="extractor-version"),
    pytest.param({"path": "other.py"}, EV, MISS, id="unknown-path"),
])
def test_lookup_outcomes(index: IndexCache, changes: dict[str, Any], lookup_ev: str,
                         expected: str) -> None:
    ref = Ref("pkg/mod.py")
    _store_one(index, ref)
    found = index.lookup(msgspec.structs.replace(ref, **changes), lookup_ev)
    assert found.status == expected
    if expected == HIT:
        assert found.digest == "d1"
        assert index.load_facts([found]) == {"pkg/mod.py": make_facts("pkg/mod.py")}
    else:
        assert found.digest is None and index.load_facts([found]) == {}


def test_schema_version_mismatch_is_a_miss(open_kind: Callable[[str], Store]) -> None:
    store = open_kind("index")
    _store_one(_index(store, schema=1), Ref("a.py"))
    assert _index(store, schema=2).lookup(Ref("a.py"), EV).status == MISS


def test_confirm_same_digest_refreshes_the_stamp(index: IndexCache) -> None:
    _store_one(index, Ref("a.py"), digest="d1")
    touched = Ref("a.py", mtime_ns=5_000)
    assert index.lookup(touched, EV).status == STAMP_CHANGED
    assert index.confirm(touched, "d1") == make_facts("a.py")
    entry = index.retrieve("a.py")
    assert entry is not None and entry.stamp == stamp_of(touched) and entry.digest == "d1"
    assert index.lookup(touched, EV).status == HIT  # no digest needed next time


def test_confirm_changed_digest_asks_for_a_rescan(index: IndexCache) -> None:
    _store_one(index, Ref("a.py"), digest="d1")
    edited = Ref("a.py", size=99)
    assert index.lookup(edited, EV).status == STAMP_CHANGED
    assert index.confirm(edited, "d2") is None
    entry = index.retrieve("a.py")
    assert entry is not None and entry.stamp == stamp_of(Ref("a.py"))  # untouched


def test_confirm_without_a_stamp_changed_lookup_is_none(index: IndexCache) -> None:
    _store_one(index, Ref("a.py"))
    assert index.confirm(Ref("a.py"), "d1") is None


def test_store_many_uses_one_transaction(index: IndexCache,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    begins = []
    real_begin = index.store._begin
    monkeypatch.setattr(index.store, "_begin", lambda: begins.append(1) or real_begin())
    items = [(Ref(f"m{i}.py"), f"d{i}", make_facts(f"m{i}.py")) for i in range(50)]
    assert index.store_many(items, EV) == 50
    assert begins == [1]
    assert [index.lookup(ref, EV).status for ref, _, _ in items] == [HIT] * 50


def test_store_many_writes_one_transaction_per_batch(index: IndexCache,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import cq.cache.index as index_module

    monkeypatch.setattr(index_module, "STORE_BATCH", 4)
    begins = []
    real_begin = index.store._begin
    monkeypatch.setattr(index.store, "_begin", lambda: begins.append(1) or real_begin())
    items = [(Ref(f"m{i}.py"), f"d{i}", make_facts(f"m{i}.py")) for i in range(10)]
    assert index.store_many(iter(items), EV) == 10
    assert len(begins) == 3  # 4 + 4 + 2
    assert [index.lookup(ref, EV).status for ref, _, _ in items] == [HIT] * 10


def test_store_many_fault_stores_nothing(index: IndexCache,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    real_set = diskcache.Cache.set

    def full_after_two(self: Any, key: str, *args: Any, **kwargs: Any) -> Any:
        if key == "m2.py":
            raise sqlite3.OperationalError("database or disk is full")
        return real_set(self, key, *args, **kwargs)

    monkeypatch.setattr(diskcache.Cache, "set", full_after_two)
    items = [(Ref(f"m{i}.py"), f"d{i}", make_facts(f"m{i}.py")) for i in range(5)]
    assert index.store_many(items, EV) == 0
    assert index.store.status == "disabled"
    assert index.lookup(Ref("m0.py"), EV).status == MISS


def test_lookup_many(index: IndexCache) -> None:
    _store_one(index, Ref("a.py"))
    _store_one(index, Ref("b.py"))
    found = index.lookup_many([Ref("a.py"), Ref("b.py", size=1), Ref("c.py")], EV)
    assert [f.status for f in found] == [HIT, STAMP_CHANGED, MISS]


def test_racy_entry_is_verified_by_digest_then_trusted(open_kind: Callable[[str], Store],
                                                       ) -> None:
    store = open_kind("index")
    ref = Ref("a.py", mtime_ns=1_000, ctime_ns=1_000)
    _store_one(_index(store, now_ns=1_500), ref)  # written within the racy window
    later = _index(store, now_ns=1_000 + RACY_WINDOW_NS)
    assert later.lookup(ref, EV).status == STAMP_CHANGED  # same stamp, yet verified
    assert later.confirm(ref, "d1") == make_facts("a.py")
    assert later.lookup(ref, EV).status == HIT


def test_racy_confirm_keeps_verifying(open_kind: Callable[[str], Store]) -> None:
    store = open_kind("index")
    ref = Ref("a.py", mtime_ns=1_000, ctime_ns=1_000)
    racy = _index(store, now_ns=1_001)
    _store_one(racy, ref)
    assert racy.lookup(ref, EV).status == STAMP_CHANGED
    assert racy.confirm(ref, "d1") is not None
    assert racy.lookup(ref, EV).status == STAMP_CHANGED  # still within the window


def test_load_facts_leaves_out_what_must_be_rescanned(index: IndexCache) -> None:
    for name in ("a.py", "b.py", "c.py", "d.py"):
        _store_one(index, Ref(name))
    index.store.set_bytes(facts_key("b.py"), b"\xc1")  # undecodable
    index.store.set(facts_key("c.py"), FactsRecord("other-digest", make_facts("c.py")))
    index.store.delete(facts_key("d.py"))  # e.g. culled on its own
    found = index.lookup_many([Ref(n) for n in ("a.py", "b.py", "c.py", "d.py", "e.py")], EV)
    assert [f.status for f in found] == [HIT, HIT, HIT, HIT, MISS]
    assert gc.isenabled()
    assert index.load_facts(found) == {"a.py": make_facts("a.py")}
    assert gc.isenabled()


def test_header_rows_are_small_and_facts_live_apart(index: IndexCache) -> None:
    _store_one(index, Ref("a.py"))
    header = index.store.get_bytes("a.py")
    assert header is not None and len(header) < 120
    parts = sorted(part_key(kind, "a.py") for kind in PART_KINDS)
    assert index.store.iterkeys() == ["/facts/a.py", *parts, "a.py"]
    row = index.store.get(facts_key("a.py"), FactsRecord)
    assert row == FactsRecord("d1", without_parts(make_facts("a.py")))
    calls = index.store.get(part_key("calls", "a.py"), PART_TYPES["calls"])
    assert calls is not None and calls.items == make_facts("a.py").calls


def test_confirm_needs_matching_facts(index: IndexCache) -> None:
    _store_one(index, Ref("a.py"))
    index.store.delete(facts_key("a.py"))
    touched = Ref("a.py", mtime_ns=5)
    assert index.lookup(touched, EV).status == STAMP_CHANGED
    assert index.confirm(touched, "d1") is None


def test_undecodable_entry_is_a_miss(index: IndexCache) -> None:
    index.store.set_bytes("a.py", b"\xc1 not msgpack")
    index.store.set("b.py", {"stamp": "wrong shape"})
    assert index.lookup(Ref("a.py"), EV).status == MISS
    assert index.lookup(Ref("b.py"), EV).status == MISS
    assert index.store.status == "ok" and index.store.dropped == 2


def test_stats_and_forget(index: IndexCache) -> None:
    _store_one(index, Ref("a.py"))
    _store_one(index, Ref("b.py"))
    index.lookup(Ref("a.py"), EV)
    index.lookup(Ref("z.py"), EV)
    index.lookup(Ref("b.py", size=1), EV)
    index.confirm(Ref("b.py", size=1), "other")
    stats = index.stats()
    assert (stats.entries, stats.hits, stats.misses) == (2, 1, 2) and stats.size_bytes > 0
    assert index.forget(["a.py", "nope.py"]) == 1
    assert index.retrieve("a.py") is None


def test_disabled_store_misses_and_stores_nothing() -> None:
    index = _index(disabled_store("index", "test"))
    assert index.store_many([(Ref("a.py"), "d", make_facts("a.py"))], EV) == 0
    assert index.lookup(Ref("a.py"), EV).status == MISS
    assert index.lookup_many([Ref("a.py")], EV)[0].status == MISS
    assert index.stats() == IndexStats(0, 0, 0, 2)
