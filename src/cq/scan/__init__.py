"""The scan stage: file bytes → `FileFacts`, one ast-grep-py parse per file (DESIGN §3, §4).

`rules` is the table of extractors, `extract` the one traversal that runs it over a file,
`pool` the reading of many files in worker processes. The stage knows nothing of caches or
queries; the index cache keys its entries on `EXTRACTOR_VERSION`.

The heavy names are loaded on first use (module `__getattr__`): a warm run answered from the
cache needs `EXTRACTOR_VERSION` but must not import ast-grep-py or the process pool.

Conventions beyond `cq.facts`: columns count characters (code points), as ast-grep does, so
they equal `ast`'s UTF-8 byte offsets on ASCII lines only; names are NFKC-normalised like
Python's own identifiers; texts (decorators, bases, callees, previews) are as written with
comments dropped and whitespace collapsed. Each extractor module documents its own choices.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Bump whenever extraction output changes for any input: cached facts are keyed on it.
# 2: type parameters of defs and classes; 3: NFKC import names; 4: parts stored apart
EXTRACTOR_VERSION = "4"

_LAZY = {
    "scan_bytes": "cq.scan.extract",
    "scan_source": "cq.scan.extract", "ScanOutcome": "cq.scan.pool",
    "scan_paths": "cq.scan.pool",
}

if TYPE_CHECKING:
    from cq.scan.extract import scan_bytes, scan_source
    from cq.scan.pool import ScanOutcome, scan_paths


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cq.scan' has no attribute {name!r}")


__all__ = ["EXTRACTOR_VERSION", "ScanOutcome", "scan_bytes", "scan_paths",
           "scan_source"]
