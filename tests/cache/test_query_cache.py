"""cq.cache.query: request keys, scope digests, what is cached, hits, misses and eviction."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cq.cache.profile import CacheSettings
from cq.cache.query import (
    BLANK_RUN,
    RESULT_PREFIX,
    QueryCache,
    Reuse,
    is_cacheable,
    request_key,
    scope_digest,
    strip_run,
)
from cq.cache.store import Store, disabled_store, open_store_at
from cq.cache.tags import cited_files, entry_tags
from cq.facts import FileFacts
from cq.result import CqResult, result_to_json

from .helpers import make_result, run_meta

FIELDS = ("entity=function name=main", "plan-v1", "0.1.0", "rules-1", "1")
SCOPE = [("a.py", "d-a"), ("pkg/b.py", "d-b")]


class Clock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(open_kind: Callable[[str], Store], clock: Clock) -> QueryCache:
    return QueryCache(open_kind("query"), clock=clock)


def _tags(key: str, result: CqResult, scope: tuple[str, ...] = ()) -> tuple[str, ...]:
    return entry_tags(key, "rules-1", "1", scope, cited_files(result))


def _put(cache: QueryCache, key: str, result: CqResult, digest: str = "s1",
         scope: tuple[str, ...] = ()) -> None:
    assert cache.set(key, digest, result, _tags(key, result, scope)) is True


# -- keys and digests -------------------------------------------------------------------


def test_request_key_is_32_hex_and_deterministic() -> None:
    key = request_key(*FIELDS)
    assert len(key) == 32 and int(key, 16) >= 0 and request_key(*FIELDS) == key


@pytest.mark.parametrize("position", range(5))
def test_request_key_depends_on_every_field(position: int) -> None:
    changed = list(FIELDS)
    changed[position] += "x"
    assert request_key(*changed) != request_key(*FIELDS)


def test_request_key_fields_do_not_blur() -> None:
    assert request_key("ab", "c", "v", "r", "1") != request_key("a", "bc", "v", "r", "1")


@given(st.permutations(SCOPE + [("c.py", "d-c"), ("z/y.py", "d-z")]))
def test_scope_digest_is_order_independent(pairs: list[tuple[str, str]]) -> None:
    assert scope_digest(pairs) == scope_digest(sorted(pairs))


@pytest.mark.parametrize("changed", [
    pytest.param([("a.py", "d-a2"), ("pkg/b.py", "d-b")], id="edited"),
    pytest.param([*SCOPE, ("new.py", "d-n")], id="added"),
    pytest.param([("a.py", "d-a")], id="deleted"),
    pytest.param([("a2.py", "d-a"), ("pkg/b.py", "d-b")], id="renamed"),
    pytest.param([("a.py", "d-a"), ("pkg/b.pyd", "-b")], id="boundary-shift"),
])
def test_scope_digest_changes(changed: list[tuple[str, str]]) -> None:
    assert scope_digest(changed) != scope_digest(SCOPE)


# -- cacheability -----------------------------------------------------------------------


@pytest.mark.parametrize(("result", "expected"), [
    pytest.param(make_result(), True, id="empty"),
    pytest.param(make_result("a.py", summary={"error": "boom"}), False, id="error"),
    pytest.param(make_result("a.py"), True, id="key-finding"),
    pytest.param(make_result(section=("a.py",)), True, id="section-finding"),
    pytest.param(make_result(evidence=("a.py",)), True, id="evidence"),
])
def test_is_cacheable(result: CqResult, expected: bool) -> None:
    assert is_cacheable(result) is expected


def test_an_empty_answer_is_stored_and_found_again(cache: QueryCache) -> None:
    empty = make_result()
    assert cache.set("k", "s1", empty, ()) is True
    hit = cache.get("k", "s1")
    assert hit is not None and hit.result.key_findings == () and hit.result.sections == ()
    assert cache.get("k", "s2") is None  # an edit still invalidates it


def test_strip_run_drops_run_metadata_and_cache_summary() -> None:
    result = make_result("a.py", summary={"matches": 1, "cache": {"status": "miss"},
                                          "cache_stats": {"hits": 0}})
    stripped = strip_run(result)
    assert stripped.run == BLANK_RUN and stripped.summary == {"matches": 1}


# -- get and set ------------------------------------------------------------------------


def test_hit_is_the_cold_answer_with_the_new_run(cache: QueryCache, clock: Clock) -> None:
    result = make_result("a.py", "pkg/b.py", section=("c.py",), evidence=("d.py",),
                         summary={"matches": 2, "notes": ["x"], "ratio": 0.1,
                                  "cache": {"status": "miss"}})
    _put(cache, "k1", result)
    clock.now += 12.5
    hit = cache.get("k1", "s1")
    assert hit is not None and hit.age_s == 12.5 and hit.stored_at == 1_000.0
    new_run = run_meta(run_id="new-run")
    answer = msgspec.structs.replace(hit.result, run=new_run)
    assert answer.run == new_run
    cold = msgspec.structs.replace(strip_run(result), run=new_run)
    assert result_to_json(answer) == result_to_json(cold)  # byte for byte
    assert cache.hits == 1


def test_scope_change_is_a_miss_and_keeps_the_entry_for_overwrite(cache: QueryCache) -> None:
    _put(cache, "k1", make_result("a.py"))
    assert cache.get("k1", "s2") is None  # another scope digest: a miss, nothing written
    assert cache.store.contains(RESULT_PREFIX + "k1")
    assert cache.get("k1", "s1") is not None  # the content came back (a revert): valid again
    _put(cache, "k1", make_result("b.py"), digest="s2")
    assert cache.get("k1", "s1") is None and cache.misses == 2


@pytest.mark.parametrize("result", [make_result("a.py", summary={"error": "x"})])
def test_uncacheable_results_are_not_stored(cache: QueryCache, result: CqResult) -> None:
    assert cache.set("k", "s1", result, ()) is False
    assert cache.store.iterkeys() == []


def test_unencodable_summary_is_not_stored(cache: QueryCache) -> None:
    result = make_result("a.py", summary={"obj": object()})
    assert cache.set("k", "s1", result, ()) is False


def test_query_tag_is_always_added(cache: QueryCache) -> None:
    assert cache.set("k9", "s1", make_result("a.py"), ["file:a.py"]) is True
    assert cache.tags.keys_with("query:k9") == (RESULT_PREFIX + "k9",)


def test_ttl_expires_entries(cache: QueryCache) -> None:
    result = make_result("a.py")
    assert cache.set("k", "s1", result, (), ttl=0.05)
    assert cache.get("k", "s1") is not None
    time.sleep(0.08)
    assert cache.get("k", "s1") is None


def test_evict_file_tag_removes_every_dependent_entry(cache: QueryCache) -> None:
    _put(cache, "k1", make_result("a.py"))
    _put(cache, "k2", make_result("b.py", evidence=("a.py",)))
    _put(cache, "k3", make_result("b.py"))
    assert cache.evict_tag("file:a.py") == 2
    assert [cache.get(k, "s1") is not None for k in ("k1", "k2", "k3")] == [False, False, True]


def test_evict_scope_tag_reaches_sub_scopes(cache: QueryCache) -> None:
    _put(cache, "deep", make_result("pkg/sub/a.py"), scope=("pkg/sub",))
    _put(cache, "other", make_result("lib/b.py"), scope=("lib",))
    assert cache.evict_tag("scope:pkg") == 1
    assert cache.evict_tag("scope:.") == 1


def test_stats_count_results_only(cache: QueryCache) -> None:
    _put(cache, "k1", make_result("a.py"))
    _put(cache, "k2", make_result("b.py"))
    cache.get("k1", "s1")
    cache.get("k3", "s1")
    stats = cache.stats()
    assert (stats.entries, stats.hits, stats.misses) == (2, 1, 1) and stats.size_bytes > 0


def test_delete(cache: QueryCache) -> None:
    _put(cache, "k1", make_result("a.py"))
    assert cache.delete("k1") is True and cache.get("k1", "s1") is None
    assert cache.tags.keys_with("file:a.py") == ()


def test_disabled_store_never_hits() -> None:
    cache = QueryCache(disabled_store("query", "test"))
    assert cache.set("k", "s1", make_result("a.py"), ()) is False
    assert cache.get("k", "s1") is None and cache.evict_tag("file:a.py") == 0


def test_sharded_query_cache(tmp_path: Path) -> None:
    store = open_store_at(tmp_path / "q", "query", CacheSettings(shards=4))
    cache = QueryCache(store)
    for i in range(8):
        _put(cache, f"k{i}", make_result(f"f{i}.py", "shared.py"))
    assert cache.evict_tag("file:shared.py") == 8
    assert cache.stats().entries == 0
    store.close()


def test_a_stale_entry_is_a_miss_without_decoding_its_result(cache: QueryCache) -> None:
    key = request_key(*FIELDS)
    # A result no reader could decode: only a lookup that decodes it would notice.
    cache.store.set(RESULT_PREFIX + key, {"scope_digest": "old", "stored_at": 1.0,
                                          "result": "not a result"})
    assert cache.get(key, "new") is None
    assert cache.store.contains(RESULT_PREFIX + key) and cache.store.dropped == 0
    assert cache.get(key, "old") is None  # the current one is decoded: unreadable, dropped
    assert not cache.store.contains(RESULT_PREFIX + key) and cache.store.dropped == 1


def _reuse(digest: str = "s1", flagged: tuple[FileFacts, ...] = ()) -> Reuse:
    return Reuse(scope_digest=digest, digests={"a.py": "d-a", "b.py": "d-b"}, flagged=flagged)


def test_a_stale_answer_is_handed_out_with_its_reuse_record(cache: QueryCache) -> None:
    flagged = (FileFacts(path="b.py", module="b", flags=("partial",)),)
    result = make_result("a.py", "b.py")
    assert cache.set("k1", "s1", result, (), reuse=_reuse(flagged=flagged))
    assert cache.get("k1", "s2", keep_stale=True) is None
    previous = cache.previous("k1")
    assert previous is not None and previous.result == strip_run(result)
    assert previous.digests == {"a.py": "d-a", "b.py": "d-b"} and previous.flagged == flagged
    assert cache.previous("k1") is None  # handed out once


@pytest.mark.parametrize("case", ["not-kept", "other-key", "current", "no-record",
                                  "record-replaced", "record-of-another-scope", "deleted"])
def test_a_stale_answer_without_its_own_record_is_not_handed_out(cache: QueryCache,
                                                                  case: str) -> None:
    cache.set("k1", "s1", make_result("a.py"), (), reuse=None if case == "no-record"
              else _reuse("s0" if case == "record-of-another-scope" else "s1"))
    if case == "record-replaced":  # an answer stored without a record removes the old one
        cache.set("k1", "s1", make_result("a.py"), ())
    if case == "deleted":
        cache.delete("k1")
        assert not cache.store.contains("reuse:k1")
    cache.get("k1", "s1" if case == "current" else "s2", keep_stale=case != "not-kept")
    assert cache.previous("k2" if case == "other-key" else "k1") is None


def test_a_reuse_record_is_one_more_row_not_an_entry(cache: QueryCache) -> None:
    cache.set("k1", "s1", make_result("a.py"), (), reuse=_reuse())
    assert cache.stats().entries == 1 and cache.store.contains("reuse:k1")
