"""Paths as people type them: relative to the working directory when it is inside the root.

From `<root>/pkg/utils`, `--in .` means `pkg/utils` and `functional.py` means
`pkg/utils/functional.py`, as in any shell; `..` is fine while it stays inside the root.
The settings say where the working directory sits in the root (`Settings.workdir`); the API
turns every path argument into its root-relative form before anything else sees it, so the
same question asked from two directories is one request and shares one cache entry. Globs
follow nested `.gitignore` files: one without a slash matches at any depth below the
working directory, one with a slash is anchored there. A `~regex` is searched in the
root-relative path and stays as typed; so do absolute paths, which
`cq.discover.check_in_path` checks against the root.
"""

from __future__ import annotations

import os
import posixpath

from cq.errors import ScopeError


def path_from_workdir(workdir: str, path: str, what: str) -> str:
    """A path typed in `workdir`, root-relative; a path that climbs out of the root is a
    ScopeError naming `what` (`--in`, `in=`)."""
    raw = path.strip()
    if not workdir or not raw or os.path.isabs(raw):
        return path
    joined = posixpath.normpath(posixpath.join(workdir, raw.replace(os.sep, "/")))
    if joined == ".." or joined.startswith("../"):
        label = what if what.endswith(("=", ":")) else f"{what} "
        raise ScopeError(f"{label}{path} is outside the root",
                         hint=f"it climbs above the root from {workdir}")
    return joined


def glob_from_workdir(workdir: str, pattern: str, what: str) -> str:
    """A gitignore-style glob (or a `~regex`, unchanged) typed in `workdir`, root-relative."""
    if not workdir or pattern.startswith("~"):
        return pattern
    negated = "!" if pattern.startswith("!") else ""
    body = pattern[len(negated):]
    directory = "/" if body.endswith("/") else ""
    core = body.rstrip("/")
    if "/" not in core and core not in (".", ".."):  # any depth below the working directory
        return f"{negated}{workdir}/**/{core}{directory}"
    anchored = path_from_workdir(workdir, core.lstrip("/"), what)
    return f"{negated}{anchored}{directory}"


def globs_from_workdir(workdir: str, text: str | None, what: str) -> str | None:
    """A comma-separated list of globs typed in `workdir`, each made root-relative."""
    if not workdir or text is None:
        return text
    items = [item.strip() for item in text.split(",") if item.strip()]
    return ",".join(glob_from_workdir(workdir, item, what) for item in items) or text
