"""Whether a cache directory may be used: the `safe.directory` rule for cq's caches.

A cache holds answers cq serves without recomputing them, so a directory another user can
write is a directory another user can answer for. cq uses a store only when every level from
the cache root down to the store's directory (the root, `v<layout>`, the repository key and
the kind) is owned by the current user and writable by neither group nor others, as ssh
requires of key files. The check follows symlinks (`os.stat`), so a link to someone else's
directory is judged by that directory. Levels that do not exist yet pass: cq creates them
with mode 0o700.

API:
- `current_uid() -> int` — the effective uid (the seam tests patch);
- `levels(top, directory) -> list[Path]` — the directories to check, top first;
- `distrust(top, directory) -> str | None` — None when every existing level may be used, else
  one line naming the first level that may not, why, and how to fix it.

Other stat failures (a file in the way, a permission error) are left to the store: opening
the directory fails there with the reason the user needs.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_SHARED_BITS = stat.S_IWGRP | stat.S_IWOTH


def current_uid() -> int:
    return os.geteuid()


def _level_paths(top: Path | None, directory: Path) -> list[str]:
    # Plain strings: this runs before every store's first use, on the warm path.
    below = os.fspath(directory)
    if top is None:
        return [below]
    above = os.fspath(top).rstrip(os.sep) or os.sep
    if below == above:
        return [above]
    if not below.startswith(above.rstrip(os.sep) + os.sep):
        return [below]
    found, current = [above], above
    for part in below[len(above):].strip(os.sep).split(os.sep):
        current = os.path.join(current, part)
        found.append(current)
    return found


def levels(top: Path | None, directory: Path) -> list[Path]:
    """`top` and every directory below it down to `directory` (only `directory` when it is
    not inside `top`)."""
    return [Path(level) for level in _level_paths(top, directory)]


_MISSING = ("", "")


def _problem(path: str) -> tuple[str, str] | None:
    """(what is wrong, how to fix it) for one directory, `_MISSING` when it does not exist,
    or None."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return _MISSING
    except OSError:
        return None
    if info.st_uid != current_uid():
        return (f"owned by another user (uid {info.st_uid})",
                "use a cache directory you own: --cache-dir or CQ_CACHE_DIR")
    if info.st_mode & _SHARED_BITS:
        who = "group and others" if info.st_mode & _SHARED_BITS == _SHARED_BITS else (
            "group" if info.st_mode & stat.S_IWGRP else "others")
        return (f"writable by {who}", f"run `chmod go-w {path}`, or use a cache directory "
                                      "you own")
    return None


def distrust(top: Path | None, directory: Path) -> str | None:
    for level in _level_paths(top, directory):
        problem = _problem(level)
        if problem is _MISSING:
            return None  # nor anything below it: cq creates what is missing, privately
        if problem is not None:
            what, fix = problem
            return f"untrusted cache directory {level}: {what} ({fix})"
    return None
