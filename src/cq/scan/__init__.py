"""The scan stage: file bytes → `FileFacts`, one ast-grep-py parse per file (DESIGN §3, §4).

`rules` is the table of extractors, `extract` the one traversal that runs it over a file,
`pool` the reading of many files in worker processes. The stage knows nothing of caches or
queries; the index cache keys its entries on `EXTRACTOR_VERSION`.
"""

from __future__ import annotations

from cq.scan.extract import decode_source, scan_bytes, scan_source
from cq.scan.pool import ScanOutcome, scan_paths

# Bump whenever extraction output changes for any input: cached facts are keyed on it.
EXTRACTOR_VERSION = "1"

__all__ = ["EXTRACTOR_VERSION", "ScanOutcome", "decode_source", "scan_bytes", "scan_paths",
           "scan_source"]
