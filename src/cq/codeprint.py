"""The code fingerprint: a digest of the installed code that computes answers.

Cached facts, answers and memoized rule sets are keyed on it besides the hand-bumped version
numbers, so an edited checkout or an upgraded parser misses instead of reusing entries that
another build of the code wrote.
"""

from __future__ import annotations

import functools


@functools.cache
def code_fingerprint() -> str:
    """cq's own modules and the ast-grep-py binding, by path, size and mtime (about 1 ms;
    ast-grep-py is located, not imported)."""
    import hashlib
    import importlib.util
    import os

    files = sorted(os.path.join(folder, name)
                   for folder, _, names in os.walk(os.path.dirname(__file__))
                   for name in names if name.endswith(".py"))
    spec = importlib.util.find_spec("ast_grep_py")
    if spec is not None and spec.origin:
        files.append(spec.origin)
    digest = hashlib.blake2b(digest_size=8)
    for path in files:
        stat = os.stat(path)
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()
