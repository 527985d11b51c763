"""cq's cache layer (DESIGN §6): DiskCache behind a no-pickle, fault-tolerant boundary.

Modules, in dependency order (each imports only those above it):
- `trust` — whether a cache directory may be used (no other user can write any level of it);
- `disk` — the no-pickle `diskcache.Disk` (str keys, bytes values, refuses pickles);
- `profile` — `CacheSettings`, `CacheProfile`, layout (`kind_dir`), `cache_for_kind`;
- `reader` — plain-SQL reads of a DiskCache database (no DiskCache import, no writes);
- `boundary` — the store's lazy connections, fault handling, corruption rebuild, transactions;
- `store` — `Store`, the only DiskCache adapter (with `reader` and `boundary`, its private
  helpers): msgpack values, faults -> disabled or rebuilt;
- `tags` — tag sets of query entries and cq's multi-tag index;
- `index` — `IndexCache`: per-file facts validated by stamp, then digest;
- `query` — `QueryCache`: whole results validated by the scope digest;
- `coordination` — owned locks, single-flight, memoize-stampede, barriers;
- `admin` — stats, clear, evict-tag, maintenance, old layouts and migration.

Nothing here is imported eagerly: `import cq.cache` does not import DiskCache.
"""
