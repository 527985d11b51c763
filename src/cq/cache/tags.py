"""Tag sets of query-cache entries and cq's own multi-tag index (DESIGN §6).

An entry's tags say what it may depend on:
`query:<key>`, `rule:<extractor-version>`, `schema:<schema-version>`, `scope:<dir>` for every
`in=` path and each of its ancestors up to `scope:.` (the root), and `file:<path>` for every
file its findings cite. `evict_tag("file:X")` must reach every entry that could depend on X.

DiskCache keeps one tag per row, so cq keeps its own index in the same store: one record per
entry, `tags-of:<entry key>` -> msgpack list of that entry's tags (sorted), written with the
entry, inside the caller's `Store.transact()` and after the entry, so under
least-recently-stored culling a record never dies before its entry. Storing an answer is then
one extra row however many files it cites (an answer citing a thousand files used to rewrite
a thousand per-tag lists on every store, most of an edited run's write-back). Asking which
entries carry a tag reads every record: that is for `evict` and `vacuum`, admin commands over
at most thousands of entries. Records never expire; the records of entries that expired or
were culled are harmless and removed by `TagIndex.vacuum()` (maintenance), as are the per-tag
lists (`tag:<tag>`) an older cq kept.

API:
- `normalize_path(path) -> str`, `scope_dirs(paths) -> list[str]`, `all_findings(result)`,
  `cited_files(result) -> set[str]`,
  `entry_tags(key, extractor_version, schema_version, scope_paths, files) -> tuple[str, ...]`;
- `TagIndex(store)`: `attach(entry_key, tags)`, `detach(entry_key)`, `keys_with(tag)`,
  `tags_of(entry_key)`, `evict(tag) -> int`, `vacuum() -> int`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator

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
    files = {f.anchor.file for f in all_findings(result) if f.anchor is not None}
    return {normalize_path(file) for file in files}  # once per file, not per finding


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

    def _records(self) -> Iterator[tuple[str, list[str]]]:
        """(entry key, its tags) of every record."""
        for record in self.store.iterkeys(TAGS_OF_PREFIX):
            tags = self.store.get(record, list[str])
            if tags is not None:
                yield record[len(TAGS_OF_PREFIX):], tags

    def keys_with(self, tag: str) -> tuple[str, ...]:
        return tuple(sorted(key for key, tags in self._records() if tag in tags))

    def tags_of(self, entry_key: str) -> tuple[str, ...]:
        return tuple(self.store.get(tags_of_key(entry_key), list[str]) or ())

    def attach(self, entry_key: str, tags: Iterable[str]) -> None:
        """Make `tags` the entry's tag set (replacing any earlier set): one write."""
        self.store.set(tags_of_key(entry_key), sorted(set(tags)), expire=None)

    def detach(self, entry_key: str) -> None:
        """Forget the entry's tags (the entry itself is the caller's to delete)."""
        self.store.delete(tags_of_key(entry_key))

    def evict(self, tag: str) -> int:
        """Delete every entry carrying `tag` and its record; the number of entries deleted
        (records whose entry had already expired are removed but not counted)."""
        with self.store.transact():
            keys = self.keys_with(tag)
            for key in keys:
                self.detach(key)
            return sum(1 for key in keys if self.store.delete(key))

    def vacuum(self) -> int:
        """Drop the records of entries that no longer exist, and the per-tag lists an older
        cq kept; the number of records dropped."""
        dropped = 0
        with self.store.transact():
            for record in self.store.iterkeys(TAGS_OF_PREFIX):
                if not self.store.contains(record[len(TAGS_OF_PREFIX):]):
                    dropped += self.store.delete(record)
            for record in self.store.iterkeys(TAG_PREFIX):
                dropped += self.store.delete(record)
        return dropped
