"""The one digest cq keys things by: blake2b, as hex. File contents, cache keys, the repository
key and the hazard registry all use it, so two places that must agree (the scanner and the
fingerprints hashing the same bytes) cannot drift apart.
"""

from __future__ import annotations

import hashlib

CONTENT_SIZE = 16  # bytes of a file-content or cache-key digest (32 hex characters)


def digest(data: bytes, size: int = CONTENT_SIZE) -> str:
    """blake2b of `data`, `size` bytes long, as hex."""
    return hashlib.blake2b(data, digest_size=size).hexdigest()
