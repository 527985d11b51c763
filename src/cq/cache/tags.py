"""Tag sets of query-cache entries and cq's own multi-tag index (DESIGN §6).

An entry's tags say what it may depend on:
`query:<key>`, `rule:<extractor-version>`, `schema:<schema-version>`, `scope:<dir>` for every
`in=` path and each of its ancestors up to `scope:.` (the root), and `file:<path>` for every
file its findings cite. `evict_tag("file:X")` must reach every entry that could depend on X.

DiskCache keeps one tag per row, so cq keeps its own index in the same store:
- `tag:<tag>` -> msgpack list of the entry keys carrying `<tag>` (sorted);
- `tags-of:<entry key>` -> msgpack list of that entry's tags (sorted).
Both are written with the entry, inside the caller's `Store.transact()`, and after the entry,
so under least-recently-stored culling an index record never dies before its entries. Index
records never expire; entries that expire or are culled leave dangling keys behind, which are
harmless (evicting a missing key is a no-op) and removed by `TagIndex.vacuum()` (maintenance).

API:
- `normalize_path(path) -> str`, `scope_dirs(paths) -> list[str]`, `all_findings(result)`,
  `cited_files(result) -> set[str]`,
  `entry_tags(key, extractor_version, schema_version, scope_paths, files) -> tuple[str, ...]`;
- `TagIndex(store)`: `attach(entry_key, tags)`, `detach(entry_key)`, `keys_with(tag)`,
  `tags_of(entry_key)`, `evict(tag) -> int`, `vacuum() -> int`.

Broad tags (`rule:`, `schema:`, `scope:.`) list every entry, so attaching rewrites lists whose
length is the number of entries: fine for thousands of cached queries, not for millions.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable

from cq.cache.store import Store
from cq.result import CqResult, all_findings

TAG_PREFIX = "tag:"
TAGS_OF_PREFIX = "tags-of:"


def normalize_path(path: str) -> str:
    """Root-relative POSIX form: `./pkg/sub/` -> `pkg/sub`; the root itself is `.`."""
    text = path.replace("\\", "/").strip()
    return posixpath.normpath(text) if text else "."


def _with_ancestors(path: str) -> list[str]:
    chain = [path]
    while path not in (".", "/", ""):
        path = posixpath.dirname(path) or "."
        chain.append(path)
    return chain


def scope_dirs(paths: Iterable[str]) -> list[str]:
    """Every scope path and its ancestors, sorted, without duplicates; no paths: the root."""
    dirs = {d for p in paths for d in _with_ancestors(normalize_path(p))}
    return sorted(dirs or {"."})


def cited_files(result: CqResult) -> set[str]:
    return {normalize_path(f.anchor.file) for f in all_findings(result) if f.anchor is not None}


def entry_tags(key: str, extractor_version: str, schema_version: str,
               scope_paths: Iterable[str], files: Iterable[str]) -> tuple[str, ...]:
    tags = {f"query:{key}", f"rule:{extractor_version}", f"schema:{schema_version}"}
    tags.update(f"scope:{d}" for d in scope_dirs(scope_paths))
    tags.update(f"file:{normalize_path(f)}" for f in files)
    return tuple(sorted(tags))


def tag_key(tag: str) -> str:
    return TAG_PREFIX + tag


def tags_of_key(entry_key: str) -> str:
    return TAGS_OF_PREFIX + entry_key


class TagIndex:
    """The multi-tag index of one store (see the module docstring). Write methods expect to
    run inside the caller's `store.transact()` together with the entry's own write."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def keys_with(self, tag: str) -> tuple[str, ...]:
        return tuple(self.store.get(tag_key(tag), list[str]) or ())

    def tags_of(self, entry_key: str) -> tuple[str, ...]:
        return tuple(self.store.get(tags_of_key(entry_key), list[str]) or ())

    def _write_members(self, tag: str, keys: Iterable[str]) -> None:
        members = sorted(set(keys))
        if members:
            self.store.set(tag_key(tag), members, expire=None)
        else:
            self.store.delete(tag_key(tag))

    def attach(self, entry_key: str, tags: Iterable[str]) -> None:
        """Make `tags` the entry's tag set (replacing any earlier set). Every tag record is
        rewritten, so it is at least as recent as the entry it lists."""
        new = set(tags)
        for tag in set(self.tags_of(entry_key)) - new:
            self._write_members(tag, set(self.keys_with(tag)) - {entry_key})
        for tag in new:
            self._write_members(tag, {*self.keys_with(tag), entry_key})
        self.store.set(tags_of_key(entry_key), sorted(new), expire=None)

    def _detach_many(self, entry_keys: Iterable[str]) -> None:
        removals: dict[str, set[str]] = defaultdict(set)
        for key in entry_keys:
            for tag in self.tags_of(key):
                removals[tag].add(key)
            self.store.delete(tags_of_key(key))
        for tag, gone in removals.items():
            self._write_members(tag, set(self.keys_with(tag)) - gone)

    def detach(self, entry_key: str) -> None:
        """Forget the entry's tags (the entry itself is the caller's to delete)."""
        self._detach_many([entry_key])

    def evict(self, tag: str) -> int:
        """Delete every entry carrying `tag` and clean the index; the number of entries
        deleted (keys whose entry had already expired are cleaned but not counted)."""
        with self.store.transact():
            keys = self.keys_with(tag)
            self._detach_many(keys)
            deleted = sum(1 for key in keys if self.store.delete(key))
            self.store.delete(tag_key(tag))
        return deleted

    def vacuum(self) -> int:
        """Drop index references to entries that no longer exist; the number dropped."""
        dropped = 0
        with self.store.transact():
            for record in self.store.iterkeys(TAGS_OF_PREFIX):
                if not self.store.contains(record[len(TAGS_OF_PREFIX):]):
                    self.store.delete(record)
            for record in self.store.iterkeys(TAG_PREFIX):
                keys = self.keys_with(record[len(TAG_PREFIX):])
                alive = [key for key in keys if self.store.contains(key)]
                dropped += len(keys) - len(alive)
                self._write_members(record[len(TAG_PREFIX):], alive)
        return dropped
