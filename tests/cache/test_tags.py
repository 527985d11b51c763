"""cq.cache.tags: tag sets of entries and the multi-tag index kept beside them."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cq.cache.profile import CacheSettings
from cq.cache.store import Store, open_store_at
from cq.cache.tags import (
    TAG_PREFIX,
    TAGS_OF_PREFIX,
    TagIndex,
    cited_files,
    entry_tags,
    normalize_path,
    scope_dirs,
)

from .helpers import make_result


@pytest.mark.parametrize(("path", "expected"), [
    ("", "."),
    (".", "."),
    ("./", "."),
    ("pkg", "pkg"),
    ("./pkg/sub/", "pkg/sub"),
    ("pkg//sub", "pkg/sub"),
    ("pkg\\sub", "pkg/sub"),
    ("pkg/../other", "other"),
])
def test_normalize_path(path: str, expected: str) -> None:
    assert normalize_path(path) == expected


@pytest.mark.parametrize(("paths", "expected"), [
    ([], ["."]),
    (["."], ["."]),
    (["pkg/sub"], [".", "pkg", "pkg/sub"]),
    (["pkg/sub", "pkg/other/"], [".", "pkg", "pkg/other", "pkg/sub"]),
    (["a/b/c.py"], [".", "a", "a/b", "a/b/c.py"]),
])
def test_scope_dirs(paths: list[str], expected: list[str]) -> None:
    assert scope_dirs(paths) == expected


def test_entry_tags_for_a_scoped_query() -> None:
    tags = entry_tags("k1", "rules-3", "1", ["pkg/sub"], ["pkg/sub/a.py", "./pkg/b.py"])
    assert tags == ("file:pkg/b.py", "file:pkg/sub/a.py", "query:k1", "rule:rules-3",
                    "schema:1", "scope:.", "scope:pkg", "scope:pkg/sub")


def test_entry_tags_for_the_whole_root() -> None:
    tags = entry_tags("k", "r", "1", [], [])
    assert tags == ("query:k", "rule:r", "schema:1", "scope:.")


def test_cited_files_reads_every_part_of_a_result() -> None:
    result = make_result("a.py", "b.py", evidence=("c.py",), section=("./d.py", "a.py"))
    assert cited_files(result) == {"a.py", "b.py", "c.py", "d.py"}


@pytest.fixture
def tags(open_kind: Callable[[str], Store]) -> TagIndex:
    return TagIndex(open_kind("query"))


def _put(tags: TagIndex, key: str, tag_set: set[str]) -> None:
    with tags.store.transact():
        tags.store.set(key, 1)
        tags.attach(key, tag_set)


def test_attach_indexes_both_ways(tags: TagIndex) -> None:
    _put(tags, "e1", {"file:a.py", "rule:r"})
    _put(tags, "e2", {"rule:r"})
    assert tags.keys_with("rule:r") == ("e1", "e2")
    assert tags.keys_with("file:a.py") == ("e1",)
    assert tags.tags_of("e1") == ("file:a.py", "rule:r")


def test_attach_replaces_the_old_tag_set(tags: TagIndex) -> None:
    _put(tags, "e1", {"file:a.py", "rule:r"})
    _put(tags, "e1", {"file:b.py", "rule:r"})
    assert tags.keys_with("file:a.py") == ()
    assert tags.keys_with("file:b.py") == ("e1",)


def test_attaching_writes_one_record_however_many_files_are_cited(tags: TagIndex) -> None:
    cited = {f"file:m{i}.py" for i in range(500)}
    _put(tags, "e1", {*cited, "rule:r"})
    assert tags.store.iterkeys() == sorted(["e1", TAGS_OF_PREFIX + "e1"])
    assert tags.keys_with("file:m7.py") == ("e1",)


def test_evict_removes_entries_and_their_index(tags: TagIndex) -> None:
    _put(tags, "e1", {"file:a.py", "rule:r"})
    _put(tags, "e2", {"file:a.py", "file:b.py", "rule:r"})
    _put(tags, "e3", {"file:b.py", "rule:r"})
    assert tags.evict("file:a.py") == 2
    assert not tags.store.contains("e1") and not tags.store.contains("e2")
    assert tags.keys_with("rule:r") == ("e3",) and tags.keys_with("file:b.py") == ("e3",)
    assert tags.tags_of("e1") == () and tags.evict("file:a.py") == 0


def test_evict_counts_only_live_entries(tags: TagIndex) -> None:
    _put(tags, "e1", {"t"})
    tags.store.delete("e1")  # e.g. expired or culled by DiskCache
    assert tags.evict("t") == 0 and tags.keys_with("t") == ()


def test_vacuum_drops_dangling_references(tags: TagIndex) -> None:
    _put(tags, "e1", {"t", "u"})
    _put(tags, "e2", {"t"})
    tags.store.delete("e1")
    assert tags.vacuum() == 1
    assert tags.keys_with("t") == ("e2",) and tags.keys_with("u") == ()
    assert not tags.store.contains(TAGS_OF_PREFIX + "e1")


def test_vacuum_drops_the_per_tag_lists_of_an_older_layout(tags: TagIndex) -> None:
    _put(tags, "e1", {"t"})
    tags.store.set(TAG_PREFIX + "t", ["e1"], expire=None)
    assert tags.vacuum() == 1
    assert tags.store.iterkeys(TAG_PREFIX) == [] and tags.keys_with("t") == ("e1",)


def test_index_records_never_expire(tmp_path: Path) -> None:
    store = open_store_at(tmp_path / "q", "query", CacheSettings(ttl=60.0))
    _put(TagIndex(store), "e1", {"t"})
    entry = store.get_entry(TAGS_OF_PREFIX + "e1")
    assert entry is not None and entry[1] is None
    store.close()


# -- property: the index stays consistent under any sequence of writes and evictions --

KEYS = st.sampled_from([f"e{i}" for i in range(6)])
TAGS = st.sampled_from(["file:a.py", "file:b.py", "scope:.", "scope:pkg", "rule:r", "q:x"])
OPS = st.lists(st.one_of(
    st.tuples(st.just("set"), KEYS, st.frozensets(TAGS, min_size=1, max_size=4)),
    st.tuples(st.just("evict"), TAGS, st.just(frozenset())),
    st.tuples(st.just("delete"), KEYS, st.just(frozenset())),
), max_size=25)


def _apply(index: TagIndex, model: dict[str, frozenset[str]],
           op: tuple[str, str, frozenset[str]]) -> None:
    name, target, tag_set = op
    if name == "set":
        _put(index, target, set(tag_set))
        model[target] = tag_set
    elif name == "evict":
        expected = {k for k, v in model.items() if target in v}
        assert index.evict(target) == len(expected)
        for key in expected:
            del model[key]
    else:
        with index.store.transact():
            index.detach(target)
            index.store.delete(target)
        model.pop(target, None)


def _check_consistent(index: TagIndex, model: dict[str, frozenset[str]]) -> None:
    store = index.store
    entries = [k for k in store.iterkeys() if not k.startswith((TAG_PREFIX, TAGS_OF_PREFIX))]
    assert set(entries) == set(model)
    assert store.iterkeys(TAG_PREFIX) == []
    for tag in {tag for tag_set in model.values() for tag in tag_set}:
        assert all(store.contains(k) for k in index.keys_with(tag))  # every indexed key exists
    for key, tag_set in model.items():
        assert set(index.tags_of(key)) == tag_set
        assert all(key in index.keys_with(tag) for tag in tag_set)  # every tag is indexed
    for record in store.iterkeys(TAGS_OF_PREFIX):
        assert record[len(TAGS_OF_PREFIX):] in model


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS)
def test_tag_index_stays_consistent(ops: list[tuple[str, str, frozenset[str]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store_at(Path(tmp) / "q", "query", CacheSettings())
        index, model = TagIndex(store), {}
        try:
            for op in ops:
                _apply(index, model, op)
            _check_consistent(index, model)
        finally:
            store.close()
